//! A kubeconfig rewritten under the running TUI with new credentials for the same context (what
//! `aws eks update-kubeconfig` or an SSO login does), against the sim, refereed by kubectl:
//! - credentials the server refuses leave kdeck on "Cannot connect"; working ones written over them
//!   connect without a restart;
//! - going from the sim's viewer token to its admin token reconnects in place: a scale the viewer was
//!   refused now succeeds, and a port-forward that could not reach the pod as the viewer works on the
//!   same local port once moved to the new credentials.

use std::path::Path;
use std::process::Command;

use super::harness::*;

const SCENARIO: &str = "nodes: 1
logRate: 0
namespaces:
  - name: ops
    deployments:
      - { name: web, replicas: 2, ports: [8080], service: true }
";

fn token(sim_kubeconfig: &Path, user: &str) -> String {
    let path = format!("jsonpath={{.users[?(@.name==\"{user}\")].user.token}}");
    let t = kubectl(sim_kubeconfig, &["config", "view", "--raw", "-o", &path]);
    assert!(t.len() >= 32, "no token for {user}");
    t
}

/// Writes kdeck's kubeconfig: the sim's, with the admin user's token replaced by `token`, by rename
/// as kubectl and the cloud CLIs do.
fn write_config(home: &Path, sim_text: &str, admin: &str, token: &str) {
    let tmp = home.join(".config.tmp");
    std::fs::write(&tmp, sim_text.replace(admin, token)).unwrap();
    std::fs::rename(&tmp, home.join("config")).unwrap();
}

fn replicas(kc: &Path) -> String {
    kubectl(
        kc,
        &[
            "get",
            "deploy",
            "web",
            "-n",
            "ops",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    )
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
        .filter(|body| !body.is_empty())
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
fn new_credentials_written_under_the_running_tui_are_used_without_a_restart() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_scenario(home.path(), SCENARIO);
    let kc = &sim.kubeconfig;
    let sim_text = std::fs::read_to_string(kc).unwrap();
    let admin = token(kc, "kdeck-sim-admin");
    let viewer = token(kc, "kdeck-sim-viewer");
    let config = home.path().join("config");

    // A token the server does not know: the first connection fails.
    write_config(home.path(), &sim_text, &admin, "0123456789abcdef-revoked");
    let t = Tmux::start(
        &session_name("reconnect"),
        &kdeck_command(home.path(), &config, "-n ops --command :deploy"),
    );
    t.wait_for("Cannot connect");

    // The viewer's token written over it: kdeck connects by itself and runs its --command.
    write_config(home.path(), &sim_text, &admin, &viewer);
    t.wait_for("deployments(ops)[1]");
    t.wait_for("● connected");

    // As the viewer, the server refuses a scale.
    t.keys(&["s"]);
    t.wait_for("current replicas  2");
    t.keys(&["BSpace"]);
    t.literal("3");
    t.keys(&["Enter"]);
    t.wait_for("forbidden");
    t.keys(&["Escape"]);
    assert_eq!(replicas(kc), "2");

    // A forward starts (the viewer may read the service and its pods) but no connection gets through:
    // the server refuses the viewer pods/portforward.
    t.literal(":svc");
    t.keys(&["Enter"]);
    t.wait_for("services(ops)[1]");
    t.literal("F");
    t.wait_for("[8080/tcp-8080 → 8080]");
    t.keys(&["Tab", "C-u"]);
    t.literal("0");
    t.keys(&["Enter"]);
    let port = forwarded_port(&t.wait_for("forwarding 127.0.0.1:"));
    assert_eq!(curl(port), None, "the viewer must not reach the pod");

    // The admin token for the same context: reconnect in place, the forward moves, same local port.
    write_config(home.path(), &sim_text, &admin, &admin);
    t.wait_for("port-forward(s) moved to the new credentials");
    let body = eventually("the moved forward to reach a web pod", || curl(port));
    assert!(body.starts_with("web-"), "{body}");
    let screen = t.capture();
    assert!(
        screen.contains("services(ops)[1]"),
        "the view stayed: {screen}"
    );
    assert!(
        !screen.contains(&admin) && !screen.contains(&viewer),
        "a token on screen"
    );

    // Back to the deployments (the back stack survived), and the scale now goes through.
    t.keys(&["Escape"]);
    t.wait_for("deployments(ops)[1]");
    t.keys(&["s"]);
    t.wait_for("current replicas  2");
    t.keys(&["BSpace"]);
    t.literal("3");
    t.keys(&["Enter"]);
    t.wait_for("scaled deployment/ops/web to 3 replicas");
    assert_eq!(replicas(kc), "3");
    // The watch runs on the new client: the table follows the scale without a key.
    t.wait_for("3/3");
}
