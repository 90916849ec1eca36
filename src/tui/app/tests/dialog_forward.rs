//! The port-forward dialog: declared ports, the probed local port, input errors and the engine's errors
//! shown inside it, and the targets it builds for pods, services and workloads.

use serde_json::{Value, json};

use super::dialogs::{answer, dialog_id, error_of, on_pod, on_web_deployment};
use crate::cluster::forward::{ForwardSpec, ForwardTarget, PortRef};
use crate::tui::app::{App, Effect, Msg};
use crate::tui::dialogs::Dialog;
use crate::tui::dialogs::forward::forward_target;
use crate::tui::test_support::*;

fn web_service() -> Value {
    json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"ports": [
        {"name": "http", "port": 80, "targetPort": 8080},
        {"name": "echo", "port": 7007, "targetPort": 7}]}})
}

/// On services in `shop` with `web` selected and its forward dialog open and loaded.
fn forward_dialog_on_web_service(app: &mut App) -> Vec<Effect> {
    keys(app, ":svc<enter>");
    feed(app, service_rows());
    keys(app, "j");
    let eff = keys(app, "F");
    assert!(matches!(eff[..], [Effect::FetchObject { .. }]));
    answer(app, web_service())
}

#[test]
fn forward_offers_declared_ports_and_a_probed_local_port() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    let eff = forward_dialog_on_web_service(&mut app);
    let id = dialog_id(&app);
    let addr: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    assert_eq!(
        eff,
        vec![Effect::SuggestLocalPort {
            dialog: id,
            addr,
            port: 80
        }]
    );
    // Port 80 is privileged: the runner offered a free one.
    app.update(Msg::LocalPortSuggested {
        dialog: id,
        remote: 80,
        local: 40080,
    });
    snap!("dialog_forward", text(&app));
    // ↓ picks the next declared port and asks again; a stale answer for 80 is ignored.
    let eff = keys(&mut app, "<down>");
    assert_eq!(
        eff,
        vec![Effect::SuggestLocalPort {
            dialog: id,
            addr,
            port: 7007
        }]
    );
    app.update(Msg::LocalPortSuggested {
        dialog: id,
        remote: 80,
        local: 40081,
    });
    let Some(Dialog::Forward(d)) = &app.dialog else {
        panic!("forward dialog")
    };
    assert_eq!(
        (d.remote.text.as_str(), d.local.text.as_str()),
        ("7007", "7007")
    );
    keys(&mut app, "<up>");
    app.update(Msg::LocalPortSuggested {
        dialog: id,
        remote: 80,
        local: 40080,
    });
    let eff = keys(&mut app, "<enter>");
    let want = ForwardSpec {
        target: ForwardTarget::Service {
            namespace: "shop".into(),
            name: "web".into(),
        },
        port: PortRef::Number(80),
        local_addr: addr,
        local_port: 40080,
    };
    assert_eq!(
        eff,
        vec![Effect::StartForward {
            dialog: id,
            spec: want.clone(),
            context: None,
        }]
    );
    let info = crate::cluster::forward::ForwardInfo {
        id: 1,
        spec: want,
        local: "127.0.0.1:40080".parse().unwrap(),
        pod: Some("web-7d9f-a1b".into()),
        pod_port: Some(8080),
        state: crate::cluster::forward::ForwardState::Active,
        bytes_in: 0,
        bytes_out: 0,
        connections: 0,
        active_connections: 0,
        reresolves: 0,
        last_reresolve: None,
        last_error: None,
        context: None,
    };
    app.update(Msg::ForwardStarted {
        dialog: id,
        result: Ok(info),
    });
    assert!(app.dialog.is_none());
    let flash = app.flash.clone().unwrap().text;
    assert!(
        flash.contains(
            "forwarding 127.0.0.1:40080 → svc/web -n shop port 80 (pod web-7d9f-a1b:8080)"
        ),
        "{flash}"
    );
}

#[test]
fn forward_input_errors_stay_in_the_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    forward_dialog_on_web_service(&mut app);
    let id = dialog_id(&app);
    // A port the service does not declare.
    keys(&mut app, "<bs><bs>9999");
    assert!(keys(&mut app, "<enter>").is_empty());
    assert_eq!(
        error_of(&app).unwrap(),
        "service shop/web does not expose port 9999 (it exposes: 80/http → 8080, 7007/echo → 7)"
    );
    keys(&mut app, "<bs><bs><bs><bs>80<tab><ctrl-u>70000");
    assert!(keys(&mut app, "<enter>").is_empty());
    assert!(
        error_of(&app)
            .unwrap()
            .contains("local port \"70000\" must be a number")
    );
    keys(&mut app, "<ctrl-u>8080<tab><ctrl-u>localhost");
    assert!(keys(&mut app, "<enter>").is_empty());
    assert!(error_of(&app).unwrap().contains("address \"localhost\""));
    keys(&mut app, "<ctrl-u>127.0.0.1");
    // What only the OS can tell: the engine's error comes back into the dialog.
    assert!(matches!(
        keys(&mut app, "<enter>")[..],
        [Effect::StartForward { .. }]
    ));
    let addr = "127.0.0.1:8080".parse().unwrap();
    let err = crate::cluster::forward::ForwardError::LocalPortInUse {
        addr,
        source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
    };
    app.update(Msg::ForwardStarted {
        dialog: id,
        result: Err(err.to_string()),
    });
    assert!(
        error_of(&app)
            .unwrap()
            .contains("local port 127.0.0.1:8080 is already in use")
    );
    snap!("dialog_forward_error", text(&app));
}

#[test]
fn forward_targets_pods_services_and_workloads() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    keys(&mut app, "F");
    let d = app.dialog.clone().unwrap();
    assert_eq!(
        forward_target(&d.base().target),
        Ok(ForwardTarget::Workload {
            kind: "Deployment".into(),
            namespace: "shop".into(),
            name: "web".into()
        })
    );
    // A deployment offers its pod template's container ports.
    let eff = answer(
        &mut app,
        json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080, "name": "http"}]}]}}}}),
    );
    assert!(matches!(
        eff[..],
        [Effect::SuggestLocalPort { port: 8080, .. }]
    ));
    // A pod that declares no ports accepts any number (kubectl's rule).
    keys(&mut app, "<esc>:pods<enter>");
    on_pod(&mut app);
    keys(&mut app, "F");
    assert!(answer(&mut app, json!({"spec": {"containers": [{"name": "c"}]}})).is_empty());
    assert!(text(&app).contains("none declared (any port can be typed)"));
    // Typing a port asks for a local port to match, keystroke by keystroke.
    let eff = keys(&mut app, "9090");
    assert!(matches!(
        eff.last(),
        Some(Effect::SuggestLocalPort { port: 9090, .. })
    ));
    let eff = keys(&mut app, "<enter>");
    assert!(
        matches!(&eff[..], [Effect::StartForward { spec, .. }] if spec.port == PortRef::Number(9090) && spec.local_port == 9090),
        "{eff:?}"
    );
}
