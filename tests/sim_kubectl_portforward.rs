//! `kubectl port-forward` against the sim on every kubectl of the skew range (1.31–1.33): SPDY tunneled
//! in a WebSocket (their default), plain SPDY (their fallback), and the kubelet's error for a port
//! nothing listens on.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod sim_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kdeck::sim::Scenario;
use sim_support::TestSim;
use sim_support::skew::{SKEW, have_kubectl, kubectl_path, ok};

struct Forward {
    child: Child,
    port: u16,
}

impl Drop for Forward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_port_forward_reaches_the_pod_on_every_kubectl() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(2)).await;
    let pods = ok(
        &t,
        "1.32",
        &[
            "get",
            "pods",
            "-A",
            "-o",
            "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}",
        ],
        None,
    );
    let (ns, pod) = pods.lines().next().unwrap().split_once('/').unwrap();
    let target = format!("pod/{pod}");
    for v in SKEW {
        for websockets in [true, false] {
            let f = forward(&t, v, ns, &target, 80, websockets);
            // Two connections through one forward, each answered by the pod.
            for _ in 0..2 {
                let answer = http_get(f.port);
                assert!(
                    answer.starts_with("HTTP/1.1 200") && answer.contains(pod),
                    "kubectl {v} (websockets {websockets}): {answer:?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_nothing_listens_on_gets_the_kubelets_error() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    let pods = ok(
        &t,
        "1.32",
        &[
            "get",
            "pods",
            "-A",
            "-o",
            "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}",
        ],
        None,
    );
    let (ns, pod) = pods.lines().next().unwrap().split_once('/').unwrap();
    for v in SKEW {
        let mut f = forward(&t, v, ns, &format!("pod/{pod}"), 9999, true);
        let answer = http_get(f.port);
        assert!(answer.is_empty(), "kubectl {v}: {answer:?}");
        // kubectl reports the kubelet's error and gives up on the forward.
        let mut err = String::new();
        let _ = f.child.stderr.take().unwrap().read_to_string(&mut err);
        assert!(
            err.contains("failed to connect to localhost:9999")
                && err.contains("connection refused"),
            "kubectl {v}: {err}"
        );
    }
}

/// Starts `kubectl port-forward -n NS TARGET :REMOTE` and waits for the local port it picked.
fn forward(
    t: &TestSim,
    version: &str,
    ns: &str,
    target: &str,
    remote: u16,
    websockets: bool,
) -> Forward {
    let mut cmd = Command::new(kubectl_path(version));
    cmd.env_clear();
    for (k, v) in t.kubectl().get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    if !websockets {
        cmd.env("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false");
    }
    let mut child = cmd
        .args(["port-forward", "-n", ns, target, &format!(":{remote}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // "Forwarding from 127.0.0.1:43125 -> 80"
    let line = lines
        .next()
        .expect("kubectl port-forward printed nothing")
        .unwrap();
    let port = line
        .strip_prefix("Forwarding from 127.0.0.1:")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("kubectl {version}: unexpected first line {line:?}"));
    std::thread::spawn(move || for _ in lines {});
    Forward { child, port }
}
