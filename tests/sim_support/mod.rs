//! Shared test plumbing: an in-process sim with a scenario, clients for its admin and viewer contexts,
//! and a TCP proxy in front of it whose connections a test can cut to force a drop.
#![allow(dead_code)]

pub mod skew;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kdeck::kubeconfig::KubeconfigSet;
use kdeck::sim::{NamespaceSpec, RunningSim, Scenario, SimOptions, WorkloadSpec};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct TestSim {
    pub sim: RunningSim,
    pub dir: tempfile::TempDir,
}

impl TestSim {
    pub async fn start(scenario: Scenario) -> TestSim {
        let dir = tempfile::tempdir().unwrap();
        let sim = kdeck::sim::start(SimOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            kubeconfig_out: Some(dir.path().join("kubeconfig")),
            scenario,
        })
        .await
        .unwrap();
        TestSim { sim, dir }
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.sim.kubeconfig_path().to_path_buf()
    }

    pub async fn config(&self, context: &str) -> kube::Config {
        let set = KubeconfigSet::load(Some(&self.kubeconfig())).unwrap();
        kdeck::cluster::client_config(&set, Some(context))
            .await
            .unwrap()
    }

    pub async fn admin(&self) -> kube::Client {
        kube::Client::try_from(self.config(kdeck::sim::ADMIN_CONTEXT).await).unwrap()
    }

    pub async fn viewer(&self) -> kube::Client {
        kube::Client::try_from(self.config(kdeck::sim::VIEWER_CONTEXT).await).unwrap()
    }

    /// A kubectl command against the sim, with a private HOME.
    pub fn kubectl(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new("kubectl");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("TZ", "UTC")
            .env("KUBECONFIG", self.kubeconfig());
        cmd
    }
}

/// A kube client for a plain-HTTP loopback server a test stands up to replay a real apiserver's
/// answers (context `x`, a dummy token); the kubeconfig lives in the returned directory.
pub async fn loopback_client(addr: SocketAddr) -> (kube::Client, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: \"http://{addr}\"}}}}]\nusers: [{{name: u, user: {{token: t}}}}]\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x\n"
        ),
    )
    .unwrap();
    let set = KubeconfigSet::load(Some(&kc)).unwrap();
    let client = kdeck::cluster::connect(&set, Some("x")).await.unwrap();
    (client, dir)
}

/// One namespace with the given workloads.
pub fn scenario(ns: &str, deployments: Vec<WorkloadSpec>, log_rate: f64) -> Scenario {
    Scenario {
        log_rate,
        namespaces: vec![NamespaceSpec {
            name: ns.to_string(),
            deployments,
            ..NamespaceSpec::default()
        }],
        ..Scenario::default()
    }
}

pub fn workload(name: &str, replicas: u32, ports: &[u16], service: bool) -> WorkloadSpec {
    let mut w = WorkloadSpec::new(name, replicas, "nginx:1.27", ports);
    w.service = service;
    w
}

/// Waits (generously) for a condition checked every 50 ms.
pub async fn wait_for<F, Fut, T>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Names of the Running and Ready pods matching `selector`.
pub async fn ready_pods(client: &kube::Client, ns: &str, selector: &str) -> Vec<String> {
    use k8s_openapi::api::core::v1::Pod;
    let api: kube::Api<Pod> = kube::Api::namespaced(client.clone(), ns);
    let Ok(list) = api
        .list(&kube::api::ListParams::default().labels(selector))
        .await
    else {
        return Vec::new();
    };
    list.items
        .iter()
        .filter(|p| {
            let v = serde_json::to_value(p).unwrap();
            kdeck::cluster::selector::pod_is_ready(&v)
        })
        .filter_map(|p| p.metadata.name.clone())
        .collect()
}

/// A TCP proxy to `upstream`; [`CutProxy::cut`] drops every open connection.
pub struct CutProxy {
    pub addr: SocketAddr,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl CutProxy {
    pub async fn start(upstream: SocketAddr) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let list = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut down, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if let Ok(mut up) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut down, &mut up).await;
                    }
                });
                list.lock().unwrap().push(task);
            }
        });
        CutProxy {
            addr,
            conns,
            accept,
        }
    }

    pub fn cut(&self) -> usize {
        let mut conns = self.conns.lock().unwrap();
        let n = conns.len();
        for c in conns.drain(..) {
            c.abort();
        }
        n
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// The sim's host:port from its URL.
pub fn sim_addr(sim: &RunningSim) -> SocketAddr {
    let url = url::Url::parse(sim.url()).unwrap();
    format!("{}:{}", url.host_str().unwrap(), url.port().unwrap())
        .parse()
        .unwrap()
}

/// The sequence number of a sim log line: `seq=N` in text lines, `"seq":N` in JSON ones.
pub fn seq_of(text: &str) -> Option<u64> {
    let (idx, len) = match text.rfind("seq=") {
        Some(i) => (i, 4),
        None => (text.rfind("\"seq\":")?, 6),
    };
    text[idx + len..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}
