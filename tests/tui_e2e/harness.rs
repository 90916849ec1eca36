//! The harness every TUI end-to-end test shares: a `kdeck sim serve` child, a tmux session running the
//! real binary, an isolated HOME, and an independent view of the server (kube-rs or kubectl).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tools::{self, Tool};

pub const BIN: &str = env!("CARGO_BIN_EXE_kdeck");
pub const WAIT: Duration = Duration::from_secs(60);

pub struct Sim {
    pub child: Child,
    pub kubeconfig: PathBuf,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn env_for(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env_remove("KUBECONFIG")
        .env_remove("NO_COLOR");
}

pub fn start_sim(home: &Path, pods: usize) -> Sim {
    start_sim_with(home, &["--pods", &pods.to_string()])
}

/// A sim seeded from `scenario` (YAML, written into `home`: log rate, sidecars, …).
pub fn start_sim_scenario(home: &Path, scenario: &str) -> Sim {
    let path = home.join("scenario.yaml");
    std::fs::write(&path, scenario).unwrap();
    start_sim_with(home, &["--scenario", path.to_str().unwrap()])
}

/// A sim started with these `sim serve` arguments (`--clusters 3`, …).
pub fn start_sim_with(home: &Path, seed: &[&str]) -> Sim {
    let kubeconfig = home.join("sim.kubeconfig");
    let mut cmd = Command::new(BIN);
    env_for(&mut cmd, home);
    let mut child = cmd
        .args(["sim", "serve", "--listen", "127.0.0.1:0"])
        .args(seed)
        .arg("--kubeconfig-out")
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

pub struct Tmux {
    pub name: String,
}

impl Tmux {
    pub fn start(name: &str, command: &str) -> Tmux {
        // Several tests starting the first tmux server at once can race ("server exited
        // unexpectedly"); a new session is asked for again before the test gives up.
        let mut last = None;
        for attempt in 0..3 {
            let out = Command::new("tmux")
                .args(["new", "-d", "-s", name, "-x", "160", "-y", "45", command])
                .output()
                .unwrap();
            if out.status.success() {
                last = None;
                break;
            }
            last = Some(String::from_utf8_lossy(&out.stderr).into_owned());
            std::thread::sleep(Duration::from_millis(200 * (attempt + 1)));
        }
        assert!(last.is_none(), "tmux new-session failed: {last:?}");
        Tmux {
            name: name.to_string(),
        }
    }

    pub fn capture(&self) -> String {
        let o = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let st = Command::new("tmux")
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .unwrap();
            assert!(st.success());
        }
    }

    pub fn literal(&self, text: &str) {
        let st = Command::new("tmux")
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// Filters the table to `text` and presses enter on the first row left.
    pub fn enter_filtered(&self, text: &str) {
        self.literal(&format!("/{text}\r"));
        self.wait_for(&format!("</{text}>"));
        self.keys(&["Enter"]);
    }

    pub fn wait_for(&self, what: &str) -> String {
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

    pub fn alternate_screen_on(&self) -> bool {
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
pub fn server_pod_count(kubeconfig: &Path) -> usize {
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

/// The shell command tmux runs: kdeck with an isolated HOME on `kubeconfig`, then the exit code, then
/// a pause so the pane (and the restored terminal) can be inspected.
pub fn kdeck_command(home: &Path, kubeconfig: &Path, args: &str) -> String {
    let h = home.display();
    format!(
        "env -u KUBECONFIG -u NO_COLOR HOME={h} XDG_CONFIG_HOME={h}/.config XDG_CACHE_HOME={h}/.cache \
         XDG_DATA_HOME={h}/.local/share XDG_RUNTIME_DIR={h}/run {BIN} --kubeconfig {} {args}; \
         echo KDECK_EXIT=$?; sleep 120",
        kubeconfig.display()
    )
}

/// A tmux session name unique to this process and test.
pub fn session_name(test: &str) -> String {
    format!("kdeck-e2e-{test}-{}", std::process::id())
}

/// Runs the system kubectl against the sim and returns stdout; panics with stderr on failure.
pub fn kubectl(kubeconfig: &Path, args: &[&str]) -> String {
    let o = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Polls `check` until it returns Some, or panics after [`WAIT`] with `what`.
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        if start.elapsed() > WAIT {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// True when tmux or kubectl (the referee) is missing and the calling test must return early; in CI a
/// missing tool fails the test instead (see `tools`).
pub fn skip_without_tools() -> bool {
    tools::need(Tool::Tmux).is_none() || tools::need(Tool::Kubectl).is_none()
}

/// kdeck in tmux on `team-00` of a sim with `pods` pods, filtered down to the first pod kubectl lists;
/// returns the session and that pod's name.
pub fn kdeck_on_first_pod(home: &Path, sim: &Sim, pods: usize, test: &str) -> (Tmux, String) {
    let pod = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "pods",
            "-n",
            "team-00",
            "-o",
            "jsonpath={.items[0].metadata.name}",
        ],
    );
    let t = Tmux::start(
        &session_name(test),
        &kdeck_command(home, &sim.kubeconfig, "-n team-00"),
    );
    t.wait_for(&format!("pods(team-00)[{pods}]"));
    t.literal(&format!("/{pod}"));
    t.keys(&["Enter"]);
    t.wait_for(&format!("pods(team-00)[1] </{pod}>"));
    (t, pod)
}

/// An exec credential plugin that prompts for a code (`ok`) and then answers with `$TOKEN`.
pub const LOGIN: &str = r#"#!/bin/sh
printf 'kdeck-login: code? ' >&2
read -r code
[ "$code" = "ok" ] || { echo "kdeck-login: wrong code" >&2; exit 1; }
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "$TOKEN"
"#;

/// A copy of the sim's kubeconfig (`sso.kubeconfig` in `home`) whose `user` logs in through `script`
/// (an interactive exec plugin, given `TOKEN` and `env`) instead of its static token; returns the
/// copy and that token.
pub fn with_exec_user(
    home: &Path,
    sim: &Sim,
    user: &str,
    script: &str,
    env: &[(&str, String)],
) -> (PathBuf, String) {
    let text = std::fs::read_to_string(&sim.kubeconfig).unwrap();
    let mut doc = kdeck::yaml::parse_value(&text).unwrap();
    let users = doc
        .get_mut("users")
        .and_then(|u| u.as_sequence_mut())
        .unwrap();
    let entry = users
        .iter_mut()
        .find(|u| u.get("name").and_then(|n| n.as_str()) == Some(user))
        .expect("the user in the sim's kubeconfig");
    let token = entry["user"]["token"].as_str().unwrap().to_string();
    let login = home.join("login.sh");
    std::fs::write(&login, script).unwrap();
    std::fs::set_permissions(&login, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut vars = format!("{{name: TOKEN, value: {token}}}");
    for (k, v) in env {
        vars.push_str(&format!(", {{name: {k}, value: '{v}'}}"));
    }
    let exec = format!(
        "{{exec: {{apiVersion: client.authentication.k8s.io/v1, command: {}, interactiveMode: IfAvailable, \
         env: [{vars}]}}}}",
        login.display()
    );
    entry["user"] = kdeck::yaml::parse_value(&exec).unwrap();
    let kubeconfig = home.join("sso.kubeconfig");
    std::fs::write(&kubeconfig, kdeck::yaml::to_string(&doc).unwrap()).unwrap();
    (kubeconfig, token)
}

/// kdeck (with `args`) over `sim serve --clusters 2`, cluster 2's user logging in through [`LOGIN`].
pub struct LoginOnTwo {
    pub t: Tmux,
    pub token: String,
    pub sim: Sim,
    pub home: tempfile::TempDir,
}

pub fn login_on_cluster_two(test: &str, args: &str) -> LoginOnTwo {
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim_with(home.path(), &["--clusters", "2", "--pods", "4"]);
    let (kubeconfig, token) = with_exec_user(home.path(), &sim, "kdeck-sim-2-admin", LOGIN, &[]);
    let t = Tmux::start(
        &session_name(test),
        &kdeck_command(home.path(), &kubeconfig, args),
    );
    LoginOnTwo {
        t,
        token,
        sim,
        home,
    }
}

/// The lines of a table on screen whose first word (after the border) is `first`: a context's rows.
pub fn rows_of<'a>(screen: &'a str, first: &str) -> Vec<&'a str> {
    screen
        .lines()
        .filter(|l| {
            l.trim_start_matches('│')
                .split_whitespace()
                .next()
                .is_some_and(|w| w == first)
        })
        .collect()
}
