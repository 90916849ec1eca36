//! kubectl as an independent client of the simulated apiserver: every command must succeed (or fail the
//! way it fails against a real cluster) with nothing on stderr.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kdeck::sim::{RunningSim, Scenario, SimOptions};

const KUBECTL: &str = "/usr/bin/kubectl";
/// kubectl speaks exec over WebSocket (v5.channel.k8s.io) from 1.31 on; the sim has no SPDY.
const KUBECTL_1_33: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";

struct Cluster {
    rt: tokio::runtime::Runtime,
    sim: Option<RunningSim>,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Cluster {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let sim = rt
            .block_on(kdeck::sim::start(SimOptions {
                listen: "127.0.0.1:0".parse().unwrap(),
                kubeconfig_out: Some(kubeconfig.clone()),
                scenario: Scenario::demo(),
            }))
            .unwrap();
        Cluster {
            rt,
            sim: Some(sim),
            dir,
            kubeconfig,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        self.command_with(KUBECTL, args)
    }

    fn command_with(&self, kubectl: &str, args: &[&str]) -> Command {
        let mut c = Command::new(kubectl);
        c.args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.dir.path())
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("KUBECONFIG", &self.kubeconfig);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs kubectl, requires success and a clean stderr, returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "kubectl {args:?} failed: {stderr}");
        assert!(
            stderr.trim().is_empty(),
            "kubectl {args:?} wrote to stderr: {stderr}"
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn running(c: &Cluster, ns: &str, selector: &str) -> Vec<String> {
    let out = c.ok(&[
        "get",
        "pods",
        "-n",
        ns,
        "-l",
        selector,
        "--no-headers",
        "-o",
        "custom-columns=NAME:.metadata.name,PHASE:.status.phase",
    ]);
    out.lines()
        .filter(|l| l.ends_with("Running"))
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

/// Reads lines from a child's stdout on a thread, so a test can wait for one with a timeout.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

#[test]
fn get_namespaces_pods_and_deployment_yaml() {
    let c = Cluster::start();
    let ns = c.ok(&["get", "ns"]);
    assert!(ns.starts_with("NAME"), "{ns}");
    for name in ["default", "kube-system", "shop", "platform"] {
        assert!(
            ns.lines()
                .any(|l| l.starts_with(name) && l.contains("Active")),
            "{name} in {ns}"
        );
    }
    let pods = c.ok(&["get", "pods", "-A"]);
    let header: Vec<&str> = pods.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    );
    assert!(
        pods.lines().any(|l| l.contains("CrashLoopBackOff")),
        "{pods}"
    );
    assert!(pods.lines().filter(|l| l.contains("Running")).count() > 20);

    let wide = c.ok(&["get", "pods", "-n", "shop", "-o", "wide"]);
    assert!(
        wide.lines().next().unwrap().contains("NOMINATED NODE"),
        "{wide}"
    );
    assert!(wide.contains("sim-node-"), "{wide}");

    let yaml = c.ok(&["get", "deploy", "-n", "shop", "-o", "yaml"]);
    let v = kdeck::yaml::parse_value(&yaml).unwrap();
    assert_eq!(v["kind"].as_str(), Some("List"));
    let items = v["items"].as_sequence().unwrap();
    assert!(
        items
            .iter()
            .any(|d| d["metadata"]["name"].as_str() == Some("frontend"))
    );
    assert!(
        items
            .iter()
            .all(|d| d["kind"].as_str() == Some("Deployment"))
    );
}

#[test]
fn describe_pod_shows_containers_conditions_and_events() {
    let c = Cluster::start();
    let name = c.ok(&[
        "get",
        "pods",
        "-n",
        "shop",
        "-l",
        "app=cart",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    c.ok(&["delete", "pod", "-n", "shop", &name]);
    wait_for("the replacement cart pod", Duration::from_secs(60), || {
        let now = running(&c, "shop", "app=cart");
        now.len() == 2 && !now.contains(&name)
    });
    let pods = c.ok(&[
        "get",
        "pods",
        "-n",
        "shop",
        "-l",
        "app=cart",
        "--sort-by=.metadata.creationTimestamp",
        "-o",
        "name",
    ]);
    let newest = pods
        .lines()
        .last()
        .unwrap()
        .trim_start_matches("pod/")
        .to_string();
    wait_for("events of the new pod", Duration::from_secs(30), || {
        c.ok(&["describe", "pod", "-n", "shop", &newest])
            .contains("Started container")
    });
    let out = c.ok(&["describe", "pod", "-n", "shop", &newest]);
    for want in [
        "Name:",
        "Namespace:",
        "Node:",
        "Controlled By:  ReplicaSet/cart-",
        "Conditions:",
        "Ready",
        "Events:",
        "Scheduled",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn create_scale_and_replace_a_deleted_pod() {
    let c = Cluster::start();
    assert_eq!(
        c.ok(&[
            "create",
            "deployment",
            "web",
            "--image=nginx:1.27",
            "--replicas=2"
        ])
        .trim(),
        "deployment.apps/web created"
    );
    wait_for("2 running pods", Duration::from_secs(60), || {
        running(&c, "default", "app=web").len() == 2
    });
    assert_eq!(
        c.ok(&["scale", "deployment", "web", "--replicas=5"]).trim(),
        "deployment.apps/web scaled"
    );
    wait_for("5 running pods", Duration::from_secs(60), || {
        running(&c, "default", "app=web").len() == 5
    });
    wait_for("deployment status 5/5", Duration::from_secs(30), || {
        c.ok(&["get", "deploy", "web", "--no-headers"])
            .contains("5/5")
    });

    let before = running(&c, "default", "app=web");
    let victim = before[0].clone();
    assert_eq!(
        c.ok(&["delete", "pod", &victim]).trim(),
        format!("pod \"{victim}\" deleted")
    );
    wait_for("a replacement pod", Duration::from_secs(60), || {
        let now = running(&c, "default", "app=web");
        now.len() == 5 && !now.contains(&victim)
    });
    let events = c.ok(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.kind=ReplicaSet",
    ]);
    assert!(events.contains("SuccessfulCreate"), "{events}");
}

#[test]
fn logs_tail_and_follow() {
    let c = Cluster::start();
    let pod = c.ok(&[
        "get",
        "pods",
        "-n",
        "shop",
        "-l",
        "app=cart",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let tail = c.ok(&["logs", "-n", "shop", &pod, "--tail=5"]);
    assert_eq!(tail.lines().count(), 5, "{tail}");
    assert!(
        tail.lines()
            .all(|l| l.contains("seq=") || l.contains("\"seq\":")),
        "{tail}"
    );

    let mut child = c.spawn(&["logs", "-f", "-n", "shop", &pod, "--tail=1"]);
    let rx = lines_of(&mut child);
    let mut seqs = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while seqs.len() < 4 && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
            let seq = line
                .rsplit(['=', ':'])
                .next()
                .unwrap()
                .trim_end_matches('}')
                .parse::<u64>()
                .unwrap();
            seqs.push(seq);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seqs.len() >= 4, "follow produced {seqs:?}");
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "sequence has gaps: {seqs:?}"
    );
}

#[test]
fn get_watch_sees_a_change_made_by_another_request() {
    let c = Cluster::start();
    let mut child = c.spawn(&["get", "pods", "-n", "default", "-w"]);
    let rx = lines_of(&mut child);
    // The initial listing comes first.
    let first = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(first.starts_with("NAME"), "{first}");
    c.ok(&["run", "watched", "--image=busybox:1.36", "--restart=Never"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
            seen.push(line.clone());
            if line.starts_with("watched") && line.contains("Running") {
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen.iter()
            .any(|l| l.starts_with("watched") && l.contains("Running")),
        "{seen:#?}"
    );
}

#[test]
fn viewer_context_is_forbidden_to_write() {
    let c = Cluster::start();
    c.ok(&["--context", "kdeck-sim-viewer", "get", "pods", "-n", "shop"]);
    let out = c.run(&[
        "--context",
        "kdeck-sim-viewer",
        "delete",
        "deployment",
        "cart",
        "-n",
        "shop",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "Error from server (Forbidden): deployments.apps \"cart\" is forbidden: User \"kdeck-sim-viewer\" cannot delete resource \"deployments\" in API group \"apps\" in the namespace \"shop\""
    );
    c.ok(&["get", "deployment", "cart", "-n", "shop"]);
}

#[test]
fn apply_creates_then_configures_a_deployment() {
    let c = Cluster::start();
    let manifest = |replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: applied\n  namespace: shop\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: applied}}\n  template:\n    metadata:\n      labels: {{app: applied}}\n    spec:\n      containers:\n      - name: main\n        image: busybox:1.36\n        env: [{{name: MODE, value: demo}}]\n"
        )
    };
    let f = c.write("d.yaml", &manifest(1));
    let f = f.to_str().unwrap();
    assert_eq!(
        c.ok(&["apply", "-f", f]).trim(),
        "deployment.apps/applied created"
    );
    std::fs::write(f, manifest(3)).unwrap();
    assert_eq!(
        c.ok(&["apply", "-f", f]).trim(),
        "deployment.apps/applied configured"
    );
    assert_eq!(
        c.ok(&["apply", "-f", f]).trim(),
        "deployment.apps/applied unchanged"
    );
    wait_for("3 running applied pods", Duration::from_secs(60), || {
        c.ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-l",
            "app=applied",
            "--no-headers",
        ])
        .lines()
        .filter(|l| l.contains("Running"))
        .count()
            == 3
    });
    let env = c.ok(&[
        "get",
        "deploy",
        "applied",
        "-n",
        "shop",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].env[0].value}",
    ]);
    assert_eq!(env, "demo");
}

#[test]
fn sim_serve_prints_ready_writes_a_private_kubeconfig_and_stops_on_sigterm() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let runtime = dir.path().join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["sim", "serve", "--pods", "20"])
        .env("HOME", dir.path())
        .env("XDG_RUNTIME_DIR", &runtime)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    let ready = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let (url, path) = ready
        .strip_prefix("ready ")
        .and_then(|r| r.split_once(" kubeconfig="))
        .unwrap_or_else(|| panic!("unexpected first line: {ready}"));
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let path = PathBuf::from(path);
    assert!(path.starts_with(&runtime), "{path:?}");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let runtime_dir = path.parent().unwrap();
    assert_eq!(
        std::fs::metadata(runtime_dir).unwrap().permissions().mode() & 0o777,
        0o700
    );

    let out = Command::new(KUBECTL)
        .args(["get", "pods", "-A", "--no-headers"])
        .env("HOME", dir.path())
        .env("KUBECONFIG", &path)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 20);

    let pid = i32::try_from(child.id()).unwrap();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        !path.exists(),
        "the default kubeconfig is removed on shutdown"
    );
}

#[test]
fn exec_runs_commands_in_the_fake_shell() {
    use std::io::Write;
    let c = Cluster::start();
    let mut pods = Vec::new();
    wait_for("a running hello pod", Duration::from_secs(30), || {
        pods = running(&c, "default", "app=hello");
        !pods.is_empty()
    });
    let pod = pods[0].as_str();
    let exec = |extra: &[&str], stdin: &[u8]| {
        let mut args = vec!["exec", "-n", "default", pod];
        args.extend_from_slice(extra);
        let mut child = c
            .command_with(KUBECTL_1_33, &args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    assert_eq!(
        exec(&["--", "hostname"], b""),
        (Some(0), format!("{pod}\n"), String::new())
    );
    assert_eq!(
        exec(&["--", "sh", "-c", "echo out; exit 3"], b""),
        (
            Some(3),
            "out\n".to_string(),
            "command terminated with exit code 3\n".to_string()
        )
    );
    assert_eq!(
        exec(&["-i", "--", "sh"], b"echo $HOSTNAME\nnope\nexit 5\n"),
        (
            Some(5),
            format!("{pod}\n"),
            "sh: nope: not found\ncommand terminated with exit code 5\n".to_string()
        )
    );
    let (code, _, stderr) = exec(&["-c", "nope", "--", "hostname"], b"");
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr.trim(),
        format!("Error from server (BadRequest): container nope is not valid for pod {pod}")
    );
    let out = c
        .command_with(
            KUBECTL_1_33,
            &[
                "--context",
                "kdeck-sim-viewer",
                "exec",
                "-n",
                "default",
                pod,
                "--",
                "hostname",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!(
            "Error from server (Forbidden): pods \"{pod}\" is forbidden: User \"kdeck-sim-viewer\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\""
        )
    );
}
