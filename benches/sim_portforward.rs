//! Port-forward throughput through the simulated apiserver: bytes sent to the in-sim echo port (7) and
//! read back, with kube-rs's Portforwarder (TLS, v4.channel.k8s.io framing) and with `kubectl
//! port-forward` (SPDY tunneled in a WebSocket, its default; `KUBECTL` picks the binary).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PAYLOAD: usize = 8 << 20;

fn portforward(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    let (sim, pods, name) = rt.block_on(async {
        let sim = kdeck::sim::start(kdeck::sim::SimOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            kubeconfig_out: Some(path.clone()),
            scenario: kdeck::sim::Scenario::demo(),
        })
        .await
        .unwrap();
        let kc = Kubeconfig::read_from(&path).unwrap();
        let opts = KubeConfigOptions {
            context: Some(kdeck::sim::ADMIN_CONTEXT.into()),
            ..Default::default()
        };
        let client = kube::Client::try_from(
            kube::Config::from_custom_kubeconfig(kc, &opts)
                .await
                .unwrap(),
        )
        .unwrap();
        let pods: Api<Pod> = Api::namespaced(client, "default");
        let pod = pods
            .list(&ListParams::default().labels("app=hello"))
            .await
            .unwrap()
            .items
            .remove(0);
        (sim, pods, pod.metadata.name.unwrap())
    });
    let payload: Vec<u8> = (0..PAYLOAD).map(|i| (i * 31 % 251) as u8).collect();
    let mut group = c.benchmark_group("sim_portforward");
    group.throughput(Throughput::Bytes(PAYLOAD as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("echo_8MiB", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut pf = pods.portforward(&name, &[7]).await.unwrap();
                let (mut rd, mut wr) = tokio::io::split(pf.take_stream(7).unwrap());
                let data = payload.clone();
                let writer = tokio::spawn(async move { wr.write_all(&data).await.unwrap() });
                let mut back = vec![0u8; PAYLOAD];
                rd.read_exact(&mut back).await.unwrap();
                writer.await.unwrap();
                assert!(back == payload);
                pf.abort();
            })
        })
    });
    // kubectl: one forward for the whole run, one TCP connection per iteration, as a user's client does.
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let mut child = std::process::Command::new(&kubectl)
        .env("KUBECONFIG", &path)
        .args(["port-forward", &format!("pod/{name}"), ":7"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("Forwarding from 127.0.0.1:")
        .and_then(|r| r.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("kubectl port-forward said {line:?}"));
    group.bench_function("kubectl_echo_8MiB", |b| {
        b.iter(|| {
            rt.block_on(async {
                let s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap();
                let (mut rd, mut wr) = s.into_split();
                let data = payload.clone();
                let writer = tokio::spawn(async move { wr.write_all(&data).await.unwrap() });
                let mut back = vec![0u8; PAYLOAD];
                rd.read_exact(&mut back).await.unwrap();
                writer.await.unwrap();
                assert!(back == payload);
            })
        })
    });
    let _ = child.kill();
    let _ = child.wait();
    group.finish();
    rt.block_on(sim.shutdown());
}

criterion_group!(benches, portforward);
criterion_main!(benches);
