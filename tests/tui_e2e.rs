//! End-to-end: the real `kdeck` binary in tmux against `kdeck sim serve`.
//!
//! Opens pods and checks the title count against the sim's own list, switches to deployments, filters,
//! drills down, switches namespace and context, quits, and checks the terminal was restored. Skipped
//! (with a note) when tmux is not installed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kdeck");
const WAIT: Duration = Duration::from_secs(60);

struct Sim {
    child: Child,
    kubeconfig: PathBuf,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn env_for(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env_remove("KUBECONFIG")
        .env_remove("NO_COLOR");
}

fn start_sim(home: &Path, pods: usize) -> Sim {
    let kubeconfig = home.join("sim.kubeconfig");
    let mut cmd = Command::new(BIN);
    env_for(&mut cmd, home);
    let mut child = cmd
        .args([
            "sim",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--pods",
            &pods.to_string(),
            "--kubeconfig-out",
        ])
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("ready "), "sim said: {line:?}");
    Sim { child, kubeconfig }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

struct Tmux {
    name: String,
}

impl Tmux {
    fn start(name: &str, command: &str) -> Tmux {
        let st = Command::new("tmux")
            .args(["new", "-d", "-s", name, "-x", "160", "-y", "45", command])
            .status()
            .unwrap();
        assert!(st.success());
        Tmux {
            name: name.to_string(),
        }
    }

    fn capture(&self) -> String {
        let o = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let st = Command::new("tmux")
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .unwrap();
            assert!(st.success());
        }
    }

    fn literal(&self, text: &str) {
        let st = Command::new("tmux")
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(what) {
                return screen;
            }
            if start.elapsed() > WAIT {
                panic!("timed out waiting for {what:?}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn alternate_screen_on(&self) -> bool {
        let o = Command::new("tmux")
            .args(["display", "-p", "-t", &self.name, "#{alternate_on}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

/// Pods the sim serves, counted by an independent client (kube-rs) straight from the API.
fn server_pod_count(kubeconfig: &Path) -> usize {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let set = kdeck::kubeconfig::KubeconfigSet::load(Some(kubeconfig)).unwrap();
        let client = kdeck::cluster::connect(&set, Some("kdeck-sim"))
            .await
            .unwrap();
        let api: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::all(client);
        api.list_metadata(&Default::default())
            .await
            .unwrap()
            .items
            .len()
    })
}

#[test]
fn browse_filter_drill_down_switch_and_quit() {
    if !tmux_available() {
        eprintln!("tmux is not installed: skipping the TUI end-to-end test");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 300);
    let count = server_pod_count(&sim.kubeconfig);
    assert_eq!(count, 300);

    let session = format!("kdeck-e2e-{}", std::process::id());
    let h = home.path().display();
    let cmd = format!(
        "env -u KUBECONFIG -u NO_COLOR HOME={h} XDG_CONFIG_HOME={h}/.config XDG_CACHE_HOME={h}/.cache \
         XDG_DATA_HOME={h}/.local/share XDG_RUNTIME_DIR={h}/run {BIN} --kubeconfig {} -A; \
         echo KDECK_EXIT=$?; sleep 120",
        sim.kubeconfig.display()
    );
    let t = Tmux::start(&session, &cmd);

    let screen = t.wait_for(&format!("pods(all)[{count}]"));
    assert!(screen.contains("Context:   kdeck-sim"), "{screen}");
    assert!(
        screen.contains("NAMESPACE") && screen.contains("team-00"),
        "{screen}"
    );
    assert!(t.alternate_screen_on());

    t.literal(":deploy");
    t.keys(&["Enter"]);
    t.wait_for("deployments(all)[30]");

    t.literal("/app-0003");
    t.keys(&["Enter"]);
    let screen = t.wait_for("deployments(all)[1] </app-0003>");
    assert!(screen.contains("10/10"), "{screen}");

    t.keys(&["Enter"]);
    let screen = t.wait_for("pods(team-00)[10] <deployment/app-0003>");
    assert!(screen.contains("app-0003-"), "{screen}");

    t.keys(&["Escape"]);
    t.wait_for("deployments(all)[1] </app-0003>");

    t.literal(":pods team-00");
    t.keys(&["Enter"]);
    t.wait_for("pods(team-00)[300]");

    t.literal(":ns default");
    t.keys(&["Enter"]);
    t.wait_for("pods(default)[0]");

    t.literal(":ctx kdeck-sim-viewer");
    t.keys(&["Enter"]);
    let screen = t.wait_for("Context:   kdeck-sim-viewer");
    assert!(screen.contains("pods(default)"), "{screen}");
    t.literal(":pods all");
    t.keys(&["Enter"]);
    t.wait_for(&format!("pods(all)[{count}]"));

    t.keys(&["q"]);
    let screen = t.wait_for("KDECK_EXIT=0");
    assert!(
        !t.alternate_screen_on(),
        "the alternate screen is still on:\n{screen}"
    );
    assert!(
        !screen.contains("Context:"),
        "the TUI was left on screen:\n{screen}"
    );
    // The context switch happened inside kdeck only.
    let kc = std::fs::read_to_string(&sim.kubeconfig).unwrap();
    assert!(
        kc.contains("current-context: kdeck-sim\n")
            || kc.contains("\"current-context\": \"kdeck-sim\""),
        "{kc}"
    );
}

#[test]
fn unreachable_cluster_opens_the_contexts_view_quickly() {
    if !tmux_available() {
        eprintln!("tmux is not installed: skipping the TUI end-to-end test");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let kc = home.path().join("kc");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters: [{{name: gone, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n\
             users: [{{name: u, user: {{token: t}}}}]\ncontexts: [{{name: gone, context: {{cluster: gone, user: u}}}}, {{name: other, context: {{cluster: gone, user: u}}}}]\n"
        ),
    )
    .unwrap();
    let h = home.path().display();
    let session = format!("kdeck-e2e-dead-{}", std::process::id());
    let t = Tmux::start(
        &session,
        &format!(
            "env -u KUBECONFIG HOME={h} XDG_CONFIG_HOME={h}/.config {BIN} --kubeconfig {}; echo KDECK_EXIT=$?; sleep 60",
            kc.display()
        ),
    );
    let screen = t.wait_for("contexts(all)[2]");
    assert!(screen.contains("Cannot connect: gone"), "{screen}");
    // A context added by another tool shows up without a restart.
    let text = std::fs::read_to_string(&kc).unwrap().replace(
        "{name: other,",
        "{name: added-by-kubectl, context: {cluster: gone, user: u}}, {name: other,",
    );
    std::fs::write(&kc, text).unwrap();
    t.wait_for("contexts(all)[3]");
    t.keys(&["C-c"]);
    t.wait_for("KDECK_EXIT=0");
}
