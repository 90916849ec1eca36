//! A context whose server accepts connections and never answers (k9s #3160): the first frame is drawn
//! at once, names the context as "connecting…", then shows it unreachable; `:ctx` works from the first
//! frame, switching away reaches a live cluster, and `q` quits at once, whatever the hung server does.

use std::net::TcpListener;
use std::path::Path;

use super::harness::*;

/// A loopback listener that accepts every connection and never answers; returns its port. The
/// connections are held open (not refused, not reset) until the process ends.
fn hung_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    port
}

/// The sim's kubeconfig plus a `hung` context (current) on the silent server.
fn kubeconfig_with_hung(home: &Path, sim_kc: &Path, port: u16) -> std::path::PathBuf {
    let sim: serde_json::Value =
        serde_json::from_str(&kubectl(sim_kc, &["config", "view", "--raw", "-o", "json"])).unwrap();
    let mut kc = sim.clone();
    kc["clusters"].as_array_mut().unwrap().push(serde_json::json!({
        "name": "hung", "cluster": {"server": format!("https://127.0.0.1:{port}"), "insecure-skip-tls-verify": true}
    }));
    kc["users"].as_array_mut().unwrap().push(serde_json::json!({
        "name": "hung", "user": {"token": "never-used"}
    }));
    kc["contexts"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "name": "hung", "context": {"cluster": "hung", "user": "hung"}
        }));
    kc["current-context"] = serde_json::json!("hung");
    let path = home.join("config");
    std::fs::write(&path, serde_json::to_string(&kc).unwrap()).unwrap();
    path
}

#[test]
fn a_hung_context_never_blanks_the_screen_or_blocks_switching_and_quitting() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 5);
    let port = hung_server();
    let config = kubeconfig_with_hung(home.path(), &sim.kubeconfig, port);
    let t = Tmux::start(
        &session_name("hung"),
        &kdeck_command(home.path(), &config, ""),
    );

    // Drawn before the server answers anything: the context is named, and said to be connecting.
    let first = t.wait_for("connecting to hung…");
    assert!(first.contains("Context:   hung"), "{first}");

    // :ctx works while the connect hangs, and the live cluster comes up.
    t.literal(":ctx kdeck-sim");
    t.keys(&["Enter"]);
    let screen = t.wait_for("● connected");
    assert!(screen.contains("Context:   kdeck-sim"), "{screen}");
    t.wait_for("pods(");

    // Back to the hung one: it ends as unreachable with the error, in its own view.
    t.literal(":ctx hung");
    t.keys(&["Enter"]);
    t.wait_for("connecting to hung…");
    let screen = t.wait_for("✕ unreachable");
    assert!(screen.contains("Cannot connect: hung"), "{screen}");

    // And while it is connecting again, q quits at once.
    t.literal(":ctx hung");
    t.keys(&["Enter"]);
    t.wait_for("connecting to hung…");
    t.keys(&["q"]);
    let screen = t.wait_for("KDECK_EXIT=0");
    assert!(!t.alternate_screen_on(), "{screen}");
}
