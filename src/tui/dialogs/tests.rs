//! Keys → dialog state → effects for scale, restart, delete and port-forward, the read-only refusals,
//! the guarded typed name, validation errors shown inside the dialogs, and snapshots of each dialog.

use serde_json::{Value, json};

use super::delete::DeleteField;
use super::{Dialog, forward::forward_target};
use crate::cluster::actions::{ActionError, DeleteOptions};
use crate::cluster::forward::{ForwardSpec, ForwardTarget, PortRef};
use crate::tui::app::{App, Effect, Msg, Options, ServerInfo};
use crate::tui::pages::text::Fetched;
use crate::tui::test_support::*;

fn fetched(object: Value) -> Msg {
    Msg::Fetched {
        page: 0,
        result: Box::new(Ok(Fetched {
            object,
            events: vec![],
            related: Default::default(),
            now: jiff::Timestamp::from_second(NOW).unwrap(),
            tz: jiff::tz::TimeZone::UTC,
        })),
    }
}

/// Answers the dialog's GET with `object`.
fn answer(app: &mut App, object: Value) -> Vec<Effect> {
    let id = app.dialog.as_ref().expect("a dialog").id();
    match fetched(object) {
        Msg::Fetched { result, .. } => app.update(Msg::Fetched { page: id, result }),
        _ => unreachable!(),
    }
}

fn dialog_id(app: &App) -> u64 {
    app.dialog.as_ref().expect("a dialog").id()
}

fn error_of(app: &App) -> Option<String> {
    app.dialog.as_ref().and_then(|d| d.base().error.clone())
}

/// Connected, on deployments in `shop` (rows: cart, search, web) with `web` selected.
fn on_web_deployment(dir: &std::path::Path) -> App {
    let mut app = connected_app(dir);
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    keys(&mut app, "jj");
    assert_eq!(&*app.selected_row().unwrap().key.name, "web");
    app
}

#[test]
fn scale_shows_current_count_validates_and_submits() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    let eff = keys(&mut app, "s");
    let id = dialog_id(&app);
    assert_eq!(
        eff,
        vec![Effect::FetchObject {
            page: id,
            target: app.selected_object().unwrap(),
            with_related: false,
        }]
    );
    assert!(text(&app).contains("current replicas  loading…"));
    answer(&mut app, json!({"spec": {"replicas": 3}}));
    let Some(Dialog::Scale(d)) = &app.dialog else {
        panic!("scale dialog")
    };
    assert_eq!((d.current, d.input.text.as_str()), (Some(3), "3"));
    // Not a number, then negative: the error is inside the dialog and nothing is sent.
    assert!(keys(&mut app, "<bs>x<enter>").is_empty());
    assert!(
        error_of(&app)
            .unwrap()
            .contains("\"x\" is not a whole number")
    );
    assert!(text(&app).contains("✗ \"x\" is not a whole number"));
    assert!(keys(&mut app, "<bs>-1<enter>").is_empty());
    assert!(error_of(&app).unwrap().contains("0 or more"));
    keys(&mut app, "<bs><bs>4<up>");
    assert_eq!(error_of(&app), None, "typing clears the error");
    snap!("dialog_scale", text(&app));
    let eff = keys(&mut app, "<enter>");
    assert_eq!(
        eff,
        vec![Effect::Scale {
            dialog: id,
            target: app.selected_object().unwrap(),
            replicas: 5,
        }]
    );
    assert!(app.dialog.as_ref().unwrap().base().busy);
    assert!(
        keys(&mut app, "9<enter>").is_empty(),
        "busy: keys are ignored"
    );
    app.update(Msg::ActionDone {
        dialog: id,
        result: Ok("scaled deployment/shop/web to 5 replicas".into()),
    });
    assert!(app.dialog.is_none());
    let flash = app.flash.clone().unwrap();
    assert!(!flash.error && flash.text.contains("to 5 replicas"));
}

#[test]
fn server_refusal_is_shown_in_the_dialog_and_flashed() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    keys(&mut app, "s");
    let id = dialog_id(&app);
    answer(&mut app, json!({"spec": {"replicas": 3}}));
    keys(&mut app, "<bs>5<enter>");
    // Exactly what the runner sends for a 403: the engine's error, with the server's own message.
    let status = kube::core::Status::failure(
        "deployments.apps \"web\" is forbidden: User \"viewer\" cannot patch resource \"deployments/scale\"",
        "Forbidden",
    )
    .with_code(403);
    let err = ActionError::from_kube(
        "scale",
        "deployments shop/web".into(),
        kube::Error::Api(Box::new(status)),
    );
    app.update(Msg::ActionDone {
        dialog: id,
        result: Err(err.to_string()),
    });
    let flash = app.flash.clone().unwrap();
    assert!(flash.error);
    assert!(
        flash
            .text
            .contains("User \"viewer\" cannot patch resource \"deployments/scale\""),
        "{}",
        flash.text
    );
    let d = app.dialog.as_ref().expect("the dialog stays open");
    assert!(!d.base().busy);
    assert!(d.base().error.as_ref().unwrap().contains("403 Forbidden"));
    snap!("dialog_scale_forbidden", text(&app));
    keys(&mut app, "<esc>");
    assert!(app.dialog.is_none());
}

#[test]
fn scale_and_restart_apply_to_the_kinds_kubectl_allows() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    keys(&mut app, ":ds monitoring<enter>");
    feed(&mut app, daemonset_rows());
    assert!(keys(&mut app, "s").is_empty() && app.dialog.is_none());
    keys(&mut app, "r");
    assert!(matches!(app.dialog, Some(Dialog::Restart(_))));
    keys(&mut app, "<esc>:rs shop<enter>");
    feed(&mut app, replicaset_rows());
    keys(&mut app, "r");
    assert!(
        app.dialog.is_none(),
        "replicasets cannot be rollout-restarted"
    );
    keys(&mut app, "s");
    assert!(matches!(app.dialog, Some(Dialog::Scale(_))));
    keys(&mut app, "<esc>:sts data<enter>");
    feed(&mut app, statefulset_rows());
    keys(&mut app, "r");
    assert!(matches!(app.dialog, Some(Dialog::Restart(_))));
    keys(&mut app, "<esc>:cm<enter>");
    feed(&mut app, configmap_rows());
    assert!(keys(&mut app, "sF").is_empty() && app.dialog.is_none());
}

#[test]
fn restart_confirms_with_enter_or_y() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    assert!(keys(&mut app, "r").is_empty(), "restart needs no GET");
    snap!("dialog_restart", text(&app));
    keys(&mut app, "n");
    assert!(app.dialog.is_none());
    keys(&mut app, "r");
    let id = dialog_id(&app);
    let target = app.selected_object().unwrap();
    assert_eq!(
        keys(&mut app, "y"),
        vec![Effect::Restart { dialog: id, target }]
    );
}

/// Connected, on pods in `shop` with `web-7d9f-a1b` selected.
fn on_pod(app: &mut App) {
    feed(
        app,
        pod_rows()
            .into_iter()
            .filter(|r| &*r.key.namespace == "shop")
            .collect(),
    );
    keys(app, "/a1b<enter>");
    assert_eq!(&*app.selected_row().unwrap().key.name, "web-7d9f-a1b");
}

#[test]
fn delete_with_grace_and_force() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = connected_app(dir.path());
    on_pod(&mut app);
    let eff = keys(&mut app, "<ctrl-d>");
    assert!(matches!(eff[..], [Effect::FetchObject { .. }]));
    answer(
        &mut app,
        json!({"spec": {"terminationGracePeriodSeconds": 45}}),
    );
    assert!(text(&app).contains("empty = the pod's own, 45s"));
    snap!("dialog_delete", text(&app));
    keys(&mut app, "1x<enter>");
    assert!(error_of(&app).unwrap().contains("must be whole seconds"));
    keys(&mut app, "<bs>0<tab> ");
    let Some(Dialog::Delete(d)) = &app.dialog else {
        panic!("delete dialog")
    };
    assert!(d.force && d.focus == DeleteField::Force);
    snap!("dialog_delete_force", text(&app));
    let id = dialog_id(&app);
    let eff = keys(&mut app, "<enter>");
    assert_eq!(
        eff,
        vec![Effect::Delete {
            dialog: id,
            target: app.selected_object().unwrap(),
            options: DeleteOptions {
                grace_period: Some(10),
                force: true
            },
        }]
    );
}

#[test]
fn delete_with_defaults_sends_no_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    assert!(
        keys(&mut app, "<ctrl-d>").is_empty(),
        "only pods load a grace period"
    );
    assert!(text(&app).contains("empty = the object's default"));
    let eff = keys(&mut app, "<enter>");
    assert!(matches!(
        eff[..],
        [Effect::Delete {
            options: DeleteOptions {
                grace_period: None,
                force: false
            },
            ..
        }]
    ));
}

/// An app connected to the guarded `prod-eu-1`, on pods in `shop`.
fn guarded_app(dir: &std::path::Path) -> App {
    let mut app = connected_app(dir);
    keys(&mut app, ":pods shop @prod-eu-1<enter>");
    app.update(Msg::Connected {
        context: "prod-eu-1".into(),
        result: Ok(ServerInfo {
            git_version: "v1.33.2".into(),
            ..Default::default()
        }),
    });
    assert!(app.session.guarded);
    app
}

#[test]
fn guarded_delete_needs_the_name_typed_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = guarded_app(dir.path());
    on_pod(&mut app);
    keys(&mut app, "<ctrl-d>");
    answer(&mut app, json!({"spec": {}}));
    assert!(text(&app).contains("delete (disabled: type the name)"));
    assert!(keys(&mut app, "<enter>").is_empty());
    assert!(
        error_of(&app)
            .unwrap()
            .contains("type the name \"web-7d9f-a1b\"")
    );
    assert!(
        keys(&mut app, "web-7d9f<enter>").is_empty(),
        "a prefix is not enough"
    );
    snap!("dialog_delete_guarded", text(&app));
    let eff = keys(&mut app, "-a1b<enter>");
    assert!(matches!(eff[..], [Effect::Delete { .. }]), "{eff:?}");
    // The focus cycles grace → force → name.
    keys(&mut app, "<esc><ctrl-d>");
    keys(&mut app, "<tab>");
    let Some(Dialog::Delete(d)) = &app.dialog else {
        panic!("delete dialog")
    };
    assert_eq!(d.focus, DeleteField::Grace);
    keys(&mut app, "<backtab>");
    let Some(Dialog::Delete(d)) = &app.dialog else {
        panic!("delete dialog")
    };
    assert_eq!(d.focus, DeleteField::Name);
}

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
            spec: want.clone()
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

#[test]
fn readonly_refuses_every_verb_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::default();
    options.safety.readonly_flag = true;
    let mut app = app_with(dir.path(), "default", options);
    app.size = (120, 30);
    app.start();
    app.update(Msg::Connected {
        context: "kdeck-sim".into(),
        result: Ok(ServerInfo::default()),
    });
    assert!(app.session.readonly);
    keys(&mut app, ":deploy<enter>");
    feed(&mut app, deployment_rows());
    for (key, verb) in [
        ("s", "scale"),
        ("r", "restart"),
        ("<ctrl-d>", "delete"),
        ("F", "port_forward"),
    ] {
        app.flash = None;
        assert!(keys(&mut app, key).is_empty(), "{verb}");
        assert!(app.dialog.is_none(), "{verb} opened a dialog");
        let flash = app.flash.clone().unwrap();
        assert!(flash.error);
        assert_eq!(
            flash.text,
            format!("cannot {verb}: read-only: --readonly flag")
        );
    }
}

#[test]
fn submit_checks_readonly_again_and_a_context_switch_closes_the_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    keys(&mut app, "r");
    app.session.readonly = true;
    assert!(keys(&mut app, "<enter>").is_empty());
    assert!(app.dialog.is_none());
    assert!(
        app.flash
            .clone()
            .unwrap()
            .text
            .starts_with("cannot restart: read-only")
    );
    app.session.readonly = false;
    // The dialog takes every key: `:` goes into it, not to command mode.
    keys(&mut app, "s:");
    assert!(matches!(app.dialog, Some(Dialog::Scale(_))));
    assert_eq!(app.mode, crate::tui::app::Mode::Normal);
    // A context switch (here one a watcher of kubeconfig started) closes it: its object belongs to the
    // previous context.
    app.connection = crate::tui::app::Connection::Connecting("prod-eu-1".into());
    app.update(Msg::Connected {
        context: "prod-eu-1".into(),
        result: Ok(ServerInfo::default()),
    });
    assert!(app.dialog.is_none());
}

#[test]
fn a_late_answer_for_a_closed_dialog_is_only_flashed() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    keys(&mut app, "r");
    let id = dialog_id(&app);
    keys(&mut app, "<enter>");
    keys(&mut app, "<esc>");
    assert!(app.dialog.is_none(), "esc hides a busy dialog");
    keys(&mut app, "s");
    app.update(Msg::ActionDone {
        dialog: id,
        result: Err("restart deployments shop/web: not found (404 NotFound)".into()),
    });
    assert!(app.flash.clone().unwrap().error);
    assert_eq!(error_of(&app), None, "another dialog is not touched");
}

fn help_text(app: &App) -> String {
    crate::tui::widgets::help::lines(app)
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn help_lists_the_verbs_that_apply() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = on_web_deployment(dir.path());
    let t = help_text(&app);
    for want in [
        "s Scale (asks for replicas)",
        "r Rollout restart (asks first)",
        "ctrl-d Delete (asks first)",
        "shift-f Port-forward (asks for ports)",
    ] {
        assert!(t.contains(want), "{want} missing:\n{t}");
    }
    assert!(!t.contains("Stop the selected port-forward"), "{t}");
    keys(&mut app, ":ds monitoring<enter>");
    let t = help_text(&app);
    assert!(
        t.contains("Rollout restart") && !t.contains("Scale (asks"),
        "{t}"
    );
    keys(&mut app, ":pf<enter>");
    let t = help_text(&app);
    assert!(t.contains("ctrl-d Stop the selected port-forward"), "{t}");
    assert!(!t.contains("Delete (asks first)"), "{t}");
}
