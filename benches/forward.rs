//! Port-forward figures against the in-process simulated cluster (no criterion: each figure is one
//! measured run printed as text):
//! - throughput through one forward, echo port, 64 MiB each way (MB/s);
//! - latency of one HTTP GET through the forward: on a fresh connection (opens a pods/portforward
//!   WebSocket) and on an open keep-alive connection, against a plain loopback HTTP round trip;
//! - re-resolve: time from deleting the serving pod of a Deployment forward to the forward answering
//!   from another pod.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::time::{Duration, Instant};

use kdeck::cluster::actions::{self, DeleteOptions, ObjectRef};
use kdeck::cluster::forward::{ForwardManager, ForwardSpec, ForwardTarget, PortRef};
use kdeck::kubeconfig::KubeconfigSet;
use kdeck::sim::{NamespaceSpec, Scenario, SimOptions, WorkloadSpec};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const REQUESTS: usize = 200;

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

async fn get_on(stream: &mut BufReader<TcpStream>) -> usize {
    stream
        .get_mut()
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut len = 0;
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.unwrap();
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; len];
    stream.read_exact(&mut body).await.unwrap();
    len
}

async fn fresh_get(addr: std::net::SocketAddr) -> Duration {
    let t = Instant::now();
    let mut s = BufReader::new(TcpStream::connect(addr).await.unwrap());
    get_on(&mut s).await;
    t.elapsed()
}

/// A minimal keep-alive HTTP server on loopback: the baseline round trip.
async fn loopback_server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut s = BufReader::new(s);
                loop {
                    let mut line = String::new();
                    if s.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        let body = "web-0000000000-xxxxx\n";
                        let resp = format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if s.get_mut().write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut web = WorkloadSpec::new("web", 2, "nginx:1.27", &[8080, 7]);
    web.service = true;
    let sim = kdeck::sim::start(SimOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        scenario: Scenario {
            namespaces: vec![NamespaceSpec {
                name: "bench".into(),
                deployments: vec![web],
                ..NamespaceSpec::default()
            }],
            ..Scenario::default()
        },
    })
    .await
    .unwrap();
    let set = KubeconfigSet::load(Some(sim.kubeconfig_path())).unwrap();
    let client = kdeck::cluster::connect(&set, Some(kdeck::sim::ADMIN_CONTEXT))
        .await
        .unwrap();
    let manager = ForwardManager::new(client.clone());
    let deploy = |port| {
        ForwardSpec::new(
            ForwardTarget::Workload {
                kind: "Deployment".into(),
                namespace: "bench".into(),
                name: "web".into(),
            },
            PortRef::Number(port),
            0,
        )
    };
    let start = Instant::now();
    let echo = loop {
        match manager.start(deploy(7)).await {
            Ok(info) => break info,
            Err(e) if start.elapsed() < Duration::from_secs(30) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e}"),
        }
    };

    // Throughput: write 64 MiB and read it back through the echo port.
    const TOTAL: usize = 64 << 20;
    let s = TcpStream::connect(echo.local).await.unwrap();
    let (mut r, mut w) = s.into_split();
    let t = Instant::now();
    let writer = tokio::spawn(async move {
        let chunk = vec![0x5au8; 64 * 1024];
        for _ in 0..TOTAL / chunk.len() {
            w.write_all(&chunk).await.unwrap();
        }
        w
    });
    let mut buf = vec![0u8; 256 * 1024];
    let mut got = 0;
    while got < TOTAL {
        let n = r.read(&mut buf).await.unwrap();
        assert!(n > 0, "echo closed early at {got}");
        got += n;
    }
    let secs = t.elapsed().as_secs_f64();
    drop(writer.await.unwrap());
    println!(
        "throughput: {:.1} MB/s each way ({} MiB echoed in {:.2}s)",
        TOTAL as f64 / 1e6 / secs,
        TOTAL >> 20,
        secs
    );

    // Latency.
    let http = manager.start(deploy(8080)).await.unwrap();
    let mut fresh: Vec<Duration> = Vec::new();
    for _ in 0..REQUESTS {
        fresh.push(fresh_get(http.local).await);
    }
    let mut conn = BufReader::new(TcpStream::connect(http.local).await.unwrap());
    get_on(&mut conn).await;
    let mut kept: Vec<Duration> = Vec::new();
    for _ in 0..REQUESTS {
        let t = Instant::now();
        get_on(&mut conn).await;
        kept.push(t.elapsed());
    }
    let base_addr = loopback_server().await;
    let mut base_conn = BufReader::new(TcpStream::connect(base_addr).await.unwrap());
    let mut base: Vec<Duration> = Vec::new();
    for _ in 0..REQUESTS {
        let t = Instant::now();
        get_on(&mut base_conn).await;
        base.push(t.elapsed());
    }
    let (b50, k50, f50) = (
        percentile(&mut base, 0.5),
        percentile(&mut kept, 0.5),
        percentile(&mut fresh, 0.5),
    );
    println!(
        "latency ({REQUESTS} GETs): loopback baseline p50 {:?}; through forward, open connection p50 {:?} p99 {:?} (added {:?}); new connection p50 {:?} p99 {:?}",
        b50,
        k50,
        percentile(&mut kept, 0.99),
        k50.saturating_sub(b50),
        f50,
        percentile(&mut fresh, 0.99)
    );

    // Re-resolve after the serving pod is deleted.
    let serving = manager.info(http.id).unwrap().pod.unwrap();
    let pods = kdeck::cluster::kinds::KindRegistry::default()
        .resolve("po")
        .unwrap()
        .clone();
    let target = ObjectRef::new(pods, Some("bench"), &serving);
    let t = Instant::now();
    actions::delete(
        &client,
        &target,
        DeleteOptions {
            force: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    loop {
        let now = manager.info(http.id).unwrap().pod;
        if now.as_deref().is_some_and(|p| p != serving) {
            let mut s = BufReader::new(TcpStream::connect(http.local).await.unwrap());
            if tokio::time::timeout(Duration::from_secs(2), get_on(&mut s))
                .await
                .is_ok()
            {
                break;
            }
        }
        assert!(t.elapsed() < Duration::from_secs(30), "no re-resolve");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!(
        "re-resolve: serving again {:?} after deleting {serving} (watch-to-route {:?})",
        t.elapsed(),
        manager.info(http.id).unwrap().last_reresolve
    );
    manager.stop_all();
    sim.shutdown().await;
}
