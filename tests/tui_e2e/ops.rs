//! Mutating verbs through the real TUI, each refereed by kubectl: scale 2→5, rollout restart, delete
//! with confirmation, a port-forward on a Service that curl reaches and that survives the deletion of its
//! pod, and `--readonly` refusing all of them with nothing changed on the server.

use std::path::Path;
use std::process::Command;

use super::harness::*;

/// Three deployments in `ops`: `web` (2 replicas, HTTP on 8080 and echo on 7, with a Service), `api`
/// (2 replicas) and `doomed` (to delete).
const SCENARIO: &str = "nodes: 2
logRate: 0
namespaces:
  - name: ops
    deployments:
      - { name: web, replicas: 2, ports: [8080, 7], service: true }
      - { name: api, replicas: 2, ports: [8080] }
      - { name: doomed, replicas: 1, ports: [8080] }
";

struct Ops {
    _home: tempfile::TempDir,
    sim: Sim,
    t: Tmux,
}

/// The sim and kdeck on `ops`, starting on `start` (as typed in command mode).
fn open(test: &str, start: &str, extra: &str) -> Option<Ops> {
    if skip_without_tools() {
        return None;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    let args = format!("-n ops --command {start} {extra}");
    let t = Tmux::start(
        &session_name(test),
        &kdeck_command(home.path(), &sim.kubeconfig, &args),
    );
    Some(Ops {
        _home: home,
        sim,
        t,
    })
}

fn replicas(kc: &Path, name: &str) -> String {
    kubectl(
        kc,
        &[
            "get",
            "deploy",
            name,
            "-n",
            "ops",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    )
}

fn restarted_at(kc: &Path, name: &str) -> String {
    kubectl(
        kc,
        &[
            "get",
            "deploy",
            name,
            "-n",
            "ops",
            "-o",
            r"jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}",
        ],
    )
}

/// Names of the Running pods of `app`, as kubectl lists them.
fn running_pods(kc: &Path, app: &str) -> Vec<String> {
    kubectl(
        kc,
        &[
            "get",
            "pods",
            "-n",
            "ops",
            "-l",
            &format!("app={app}"),
            "--field-selector",
            "status.phase=Running",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
    )
    .split_whitespace()
    .map(str::to_string)
    .collect()
}

/// Selects deployment `name` with the `/` filter.
fn select(t: &Tmux, kind_title: &str, name: &str) {
    t.literal(&format!("/{name}"));
    t.keys(&["Enter"]);
    t.wait_for(&format!("{kind_title}(ops)[1] </{name}>"));
}

#[test]
fn scale_a_deployment_from_2_to_5() {
    let Some(o) = open("scale", ":deploy", "") else {
        return;
    };
    let kc = &o.sim.kubeconfig;
    o.t.wait_for("deployments(ops)[3]");
    assert_eq!(replicas(kc, "web"), "2");
    select(&o.t, "deployments", "web");
    o.t.keys(&["s"]);
    o.t.wait_for("current replicas  2");
    o.t.keys(&["BSpace"]);
    o.t.literal("x");
    o.t.keys(&["Enter"]);
    o.t.wait_for("is not a whole number of replicas");
    o.t.keys(&["BSpace"]);
    o.t.literal("5");
    o.t.keys(&["Enter"]);
    o.t.wait_for("scaled deployment/ops/web to 5 replicas");
    assert_eq!(replicas(kc, "web"), "5");
    // The table follows the watch: the deployment reaches 5/5 without a refresh key.
    o.t.wait_for("5/5");
    eventually("5 running web pods", || {
        (running_pods(kc, "web").len() == 5).then_some(())
    });
}

#[test]
fn restart_rolls_out_a_new_replicaset() {
    let Some(o) = open("restart", ":deploy", "") else {
        return;
    };
    let kc = &o.sim.kubeconfig;
    o.t.wait_for("deployments(ops)[3]");
    assert_eq!(restarted_at(kc, "api"), "");
    select(&o.t, "deployments", "api");
    o.t.keys(&["r"]);
    o.t.wait_for("Restart deployment ops/api?");
    o.t.keys(&["Enter"]);
    o.t.wait_for("restarted deployment/ops/api");
    let stamp = restarted_at(kc, "api");
    assert!(
        stamp.parse::<jiff::Timestamp>().is_ok(),
        "restartedAt is not RFC 3339: {stamp:?}"
    );
    eventually("a second replicaset for api", || {
        let rs = kubectl(
            kc,
            &[
                "get",
                "rs",
                "-n",
                "ops",
                "-l",
                "app=api",
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ],
        );
        (rs.split_whitespace().count() >= 2).then_some(())
    });
}

#[test]
fn delete_asks_then_the_object_is_gone() {
    let Some(o) = open("delete", ":deploy", "") else {
        return;
    };
    let kc = &o.sim.kubeconfig;
    o.t.wait_for("deployments(ops)[3]");
    select(&o.t, "deployments", "doomed");
    o.t.keys(&["C-d"]);
    o.t.wait_for("Delete deployment ops/doomed?");
    // Cancel first: nothing happens.
    o.t.keys(&["Escape"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(replicas(kc, "doomed"), "1");
    o.t.keys(&["C-d"]);
    o.t.wait_for("Delete deployment ops/doomed?");
    o.t.keys(&["Enter"]);
    o.t.wait_for("deployment/ops/doomed");
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kc)
        .args(["get", "deploy", "doomed", "-n", "ops"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NotFound") || err.contains("not found"),
        "{err}"
    );
    o.t.wait_for("deployments(ops)[0] </doomed>");
}

fn curl(port: u16) -> Option<String> {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "5"])
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The local port in the "forwarding 127.0.0.1:PORT → …" flash.
fn forwarded_port(screen: &str) -> u16 {
    let at = screen.find("forwarding 127.0.0.1:").unwrap() + "forwarding 127.0.0.1:".len();
    screen[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn port_forward_a_service_survives_its_pod_deletion() {
    let Some(o) = open("forward", ":svc", "") else {
        return;
    };
    let kc = &o.sim.kubeconfig;
    eventually("2 running web pods", || {
        (running_pods(kc, "web").len() == 2).then_some(())
    });
    o.t.wait_for("services(ops)[1]");
    o.t.literal("F");
    o.t.wait_for("[8080/tcp-8080 → 8080]");
    // A port the service does not declare is refused inside the dialog.
    o.t.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    o.t.literal("9999");
    o.t.keys(&["Enter"]);
    o.t.wait_for("does not expose port 9999");
    o.t.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    o.t.literal("8080");
    // Local port 0: any free one (parallel tests must not fight over 8080).
    o.t.keys(&["Tab", "C-u"]);
    o.t.literal("0");
    o.t.keys(&["Enter"]);
    let screen = o.t.wait_for("forwarding 127.0.0.1:");
    let port = forwarded_port(&screen);
    let first = curl(port).expect("curl through the forward");
    assert!(first.starts_with("web-"), "{first}");
    assert!(running_pods(kc, "web").contains(&first), "{first}");

    kubectl(kc, &["delete", "pod", &first, "-n", "ops", "--wait=false"]);
    let second = eventually("the forward to move to another pod", || {
        curl(port).filter(|body| body.starts_with("web-") && *body != first)
    });
    assert!(running_pods(kc, "web").contains(&second), "{second}");

    // :pf shows the forward, the pod it uses now and the move.
    o.t.literal(":pf");
    o.t.keys(&["Enter"]);
    let screen = o.t.wait_for(&format!("{second}:8080"));
    assert!(screen.contains("svc/ops/web:8080"), "{screen}");
    assert!(screen.contains(&format!("127.0.0.1:{port}")), "{screen}");
    // Stop it: the listener closes.
    o.t.keys(&["C-d"]);
    o.t.wait_for("stopped forward");
    o.t.wait_for("no port-forwards");
    eventually("the listener to close", || {
        curl(port).is_none().then_some(())
    });
}

#[test]
fn readonly_refuses_every_verb_and_nothing_changes() {
    let Some(o) = open("readonly", ":deploy", "--readonly") else {
        return;
    };
    let kc = &o.sim.kubeconfig;
    o.t.wait_for("deployments(ops)[3]");
    select(&o.t, "deployments", "web");
    for (keys, verb) in [
        (&["s"][..], "scale"),
        (&["r"][..], "restart"),
        (&["C-d"][..], "delete"),
        (&["F"][..], "port-forward"),
    ] {
        o.t.keys(keys);
        o.t.wait_for(&format!("cannot {verb}: read-only: --readonly flag"));
        // No dialog opened, so enter does nothing but drill down; go back.
        let screen = o.t.capture();
        assert!(!screen.contains("<esc> cancel"), "{screen}");
    }
    o.t.literal(":svc");
    o.t.keys(&["Enter"]);
    o.t.wait_for("services(ops)[1]");
    o.t.literal("F");
    o.t.wait_for("cannot port-forward: read-only");
    o.t.literal(":pf");
    o.t.keys(&["Enter"]);
    o.t.wait_for("no port-forwards");
    assert_eq!(replicas(kc, "web"), "2");
    assert_eq!(restarted_at(kc, "web"), "");
    assert_eq!(replicas(kc, "doomed"), "1");
    assert_eq!(running_pods(kc, "web").len(), 2);
}

#[test]
fn forwards_end_with_the_context_and_a_403_shows_the_servers_message() {
    let Some(o) = open("forward-switch", ":deploy", "") else {
        return;
    };
    let kc = &o.sim.kubeconfig;
    eventually("2 running web pods", || {
        (running_pods(kc, "web").len() == 2).then_some(())
    });
    o.t.wait_for("deployments(ops)[3]");
    select(&o.t, "deployments", "web");
    o.t.literal("F");
    o.t.wait_for("container ports:");
    o.t.keys(&["Tab", "C-u"]);
    o.t.literal("0");
    o.t.keys(&["Enter"]);
    let screen = o.t.wait_for("forwarding 127.0.0.1:");
    assert!(
        screen.contains("deployment/web -n ops port 8080"),
        "{screen}"
    );
    let port = forwarded_port(&screen);
    let body = curl(port).expect("curl through the deployment forward");
    assert!(running_pods(kc, "web").contains(&body), "{body}");

    // Switching context ends the forwards made in the previous one.
    o.t.literal(":ctx kdeck-sim-viewer");
    o.t.keys(&["Enter"]);
    o.t.wait_for("Context:   kdeck-sim-viewer");
    eventually("the listener to close", || {
        curl(port).is_none().then_some(())
    });

    // The viewer's token may read but not write: the server's refusal is shown as it said it.
    o.t.literal(":deploy ops");
    o.t.keys(&["Enter"]);
    o.t.wait_for("deployments(ops)[3]");
    select(&o.t, "deployments", "web");
    o.t.keys(&["s"]);
    o.t.wait_for("current replicas  2");
    o.t.keys(&["BSpace"]);
    o.t.literal("3");
    o.t.keys(&["Enter"]);
    let screen = o.t.wait_for("is forbidden: User");
    assert!(screen.contains("403 Forbidden"), "{screen}");
    assert_eq!(replicas(kc, "web"), "2");
}
