//! The TUI-actions engine against the simulated cluster: the log engine (follow, resume after a cut
//! connection without loss or duplication, save, workload streams), port-forwards (pod, deployment and
//! service targets, re-resolve after the pod is deleted, curl through a forward, clear errors), and the
//! mutating actions (scale, restart, delete, secret reveal, 403 from the read-only token).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod sim_support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kdeck::cluster::actions::{self, DeleteOptions, ObjectRef};
use kdeck::cluster::forward::{
    ForwardError, ForwardManager, ForwardSpec, ForwardTarget, PortRef, ResolveError,
};
use kdeck::cluster::kinds::KindRegistry;
use kdeck::cluster::logs::{self, LineKind, LogEvent, LogOptions, LogRing, LogSource};
use kube::Api;
use sim_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(30);

async fn first_ready_pod(client: &kube::Client, ns: &str, app: &str) -> String {
    wait_for("a ready pod", WAIT, || async {
        ready_pods(client, ns, &format!("app={app}"))
            .await
            .into_iter()
            .next()
    })
    .await
}

fn target(kind: &str, ns: &str, name: &str) -> ObjectRef {
    let kind = KindRegistry::default().resolve(kind).unwrap().clone();
    ObjectRef::new(kind, Some(ns), name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_follow_survives_a_cut_connection_without_loss_or_duplicates_and_saves_everything() {
    let sim = TestSim::start(scenario(
        "logs",
        vec![workload("chatty", 1, &[80], false)],
        40.0,
    ))
    .await;
    let admin = sim.admin().await;
    let pod = first_ready_pod(&admin, "logs", "chatty").await;

    // The engine talks to the sim through a proxy whose connections the test cuts.
    let proxy = CutProxy::start(sim_addr(&sim.sim)).await;
    let mut config = sim.config(kdeck::sim::ADMIN_CONTEXT).await;
    config.cluster_url = format!("https://{}", proxy.addr).parse().unwrap();
    let client = kube::Client::try_from(config).unwrap();

    // A short tail, so the lines around the cut arrive live rather than from the backlog.
    let opts = LogOptions {
        follow: true,
        tail_lines: Some(10),
        ..LogOptions::default()
    };
    let source = LogSource::Pod {
        namespace: "logs".into(),
        pod: pod.clone(),
        container: None,
    };
    let (session, mut rx) = logs::start(client, source, opts, 1024).unwrap();
    let mut ring = LogRing::new(50);
    let mut seqs: Vec<u64> = Vec::new();
    let mut resumed = 0;
    let mut cut_at: Option<u64> = None;
    let deadline = Instant::now() + WAIT;
    loop {
        assert!(
            Instant::now() < deadline,
            "log stream stalled; seen {:?}",
            seqs.last()
        );
        let Ok(Some(ev)) = tokio::time::timeout(WAIT, rx.recv()).await else {
            panic!("log stream ended early")
        };
        let LogEvent::Line(line) = ev else { continue };
        match line.kind {
            LineKind::Log => {
                seqs.push(seq_of(&line.text).expect("sim lines carry seq="));
                ring.push(line);
            }
            LineKind::Resumed => resumed += 1,
            other => panic!("unexpected notice {other:?}: {}", line.text),
        }
        let last = *seqs.last().unwrap_or(&0);
        if cut_at.is_none() && seqs.len() >= 40 {
            assert!(proxy.cut() > 0, "no connection to cut");
            cut_at = Some(last);
        }
        if cut_at.is_some_and(|c| last >= c + 80) {
            break;
        }
    }
    assert!(resumed >= 1, "the cut was not noticed");
    let expected: Vec<u64> = (seqs[0]..=*seqs.last().unwrap()).collect();
    assert_eq!(
        seqs, expected,
        "lines lost or repeated across the reconnect"
    );

    // The ring holds 50 lines and counts the rest as dropped.
    assert_eq!(ring.len(), 50);
    assert_eq!(ring.dropped(), seqs.len() as u64 - 50);

    // save_all writes the whole stream from its start, not just the ring, to a 0600 file.
    let out = sim.dir.path().join("saved.log");
    let report = session.save_all(&out).unwrap();
    assert!(report.lines >= seqs.len() as u64);
    let text = std::fs::read_to_string(&out).unwrap();
    let saved: Vec<u64> = text.lines().map(|l| seq_of(l).unwrap()).collect();
    assert_eq!(&saved[..seqs.len()], &seqs[..]);
    let saved_expected: Vec<u64> = (seqs[0]..seqs[0] + saved.len() as u64).collect();
    assert_eq!(saved, saved_expected);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    drop(session);
    sim.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_without_follow_returns_the_tail_then_finishes() {
    let sim = TestSim::start(scenario(
        "tail",
        vec![workload("quiet", 1, &[80], false)],
        20.0,
    ))
    .await;
    let admin = sim.admin().await;
    let pod = first_ready_pod(&admin, "tail", "quiet").await;
    // Let the container write more than the tail.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let opts = LogOptions {
        follow: false,
        tail_lines: Some(5),
        timestamps: true,
        ..LogOptions::default()
    };
    let source = LogSource::Pod {
        namespace: "tail".into(),
        pod,
        container: None,
    };
    let (_session, mut rx) = logs::start(admin, source, opts, 64).unwrap();
    let mut lines = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("no Finished within the deadline")
        {
            Some(LogEvent::Line(l)) => lines.push(l),
            Some(LogEvent::Finished) => break,
            None => panic!("channel closed before Finished"),
        }
    }
    assert_eq!(lines.len(), 5, "{lines:?}");
    let seqs: Vec<u64> = lines.iter().map(|l| seq_of(&l.text).unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    // Timestamps were requested from the server and kept apart from the text.
    for l in &lines {
        let ts = l.timestamp.as_deref().expect("server timestamp");
        assert!(ts.parse::<jiff::Timestamp>().is_ok(), "{ts}");
        assert!(l.render(false, true).starts_with(ts));
        assert!(!l.render(false, false).starts_with(ts));
    }
    sim.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workload_logs_merge_pods_and_follow_joins_and_departures() {
    let sim = TestSim::start(scenario("wl", vec![workload("api", 2, &[80], false)], 5.0)).await;
    let admin = sim.admin().await;
    wait_for("2 ready pods", WAIT, || async {
        (ready_pods(&admin, "wl", "app=api").await.len() == 2).then_some(())
    })
    .await;
    let source = LogSource::Selector {
        namespace: "wl".into(),
        selector: "app=api".into(),
        container: None,
    };
    let opts = LogOptions {
        tail_lines: Some(5),
        ..LogOptions::default()
    };
    let (session, mut rx) = logs::start(admin.clone(), source, opts, 1024).unwrap();
    assert!(session.is_multi_source());
    let mut joined = BTreeSet::new();
    let mut with_lines = BTreeSet::new();
    let mut gone = BTreeSet::new();
    let deadline = Instant::now() + WAIT;
    while joined.len() < 2 || with_lines.len() < 2 {
        let l = next_line(&mut rx, deadline).await;
        match l.kind {
            LineKind::Joined => {
                joined.insert(l.pod.to_string());
            }
            LineKind::Log => {
                with_lines.insert(l.pod.to_string());
            }
            _ => {}
        }
    }
    // A third pod joins when the deployment scales up.
    actions::scale(&admin, &target("deploy", "wl", "api"), 3)
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while joined.len() < 3 {
        let l = next_line(&mut rx, deadline).await;
        if l.kind == LineKind::Joined {
            joined.insert(l.pod.to_string());
        }
    }
    // A deleted pod is marked.
    let victim = joined.iter().next().unwrap().clone();
    actions::delete(
        &admin,
        &target("po", "wl", &victim),
        DeleteOptions {
            force: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let deadline = Instant::now() + WAIT;
    while !gone.contains(&victim) {
        let l = next_line(&mut rx, deadline).await;
        if l.kind == LineKind::Gone {
            gone.insert(l.pod.to_string());
        }
    }
    drop(session);
    sim.sim.shutdown().await;
}

/// The next line, failing the test once `deadline` passes: lines of other kinds keep arriving, so a
/// per-line timeout alone would not bound a loop waiting for one kind.
async fn next_line(
    rx: &mut tokio::sync::mpsc::Receiver<LogEvent>,
    deadline: Instant,
) -> logs::LogLine {
    let at = tokio::time::Instant::from_std(deadline);
    match tokio::time::timeout_at(at, rx.recv()).await {
        Ok(Some(LogEvent::Line(l))) => l,
        Ok(Some(LogEvent::Finished)) => panic!("stream finished"),
        Err(_) => panic!("no expected line within {WAIT:?}"),
        other => panic!("stream ended: {other:?}"),
    }
}

async fn http_get(addr: std::net::SocketAddr) -> std::io::Result<String> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut out))
        .await
        .map_err(|_| std::io::Error::other("timeout"))??;
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_to_deployment_serves_pod_name_and_moves_when_the_pod_is_deleted() {
    let sim = TestSim::start(scenario(
        "fwd",
        vec![workload("web", 2, &[8080, 7], true)],
        1.0,
    ))
    .await;
    let admin = sim.admin().await;
    wait_for("2 ready pods", WAIT, || async {
        (ready_pods(&admin, "fwd", "app=web").await.len() == 2).then_some(())
    })
    .await;
    let manager = ForwardManager::new(admin.clone());
    let spec = ForwardSpec::new(
        ForwardTarget::Workload {
            kind: "Deployment".into(),
            namespace: "fwd".into(),
            name: "web".into(),
        },
        PortRef::Number(8080),
        0,
    );
    let info = manager.start(spec).await.unwrap();
    let first_pod = info.pod.clone().unwrap();
    let body = http_get(info.local).await.unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(
        body.contains(&first_pod),
        "answer does not name {first_pod}: {body}"
    );

    // curl, an independent client, reaches it too.
    if let Ok(out) = std::process::Command::new("curl")
        .args(["-s", "--max-time", "10", &format!("http://{}/", info.local)])
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&first_pod), "curl got: {text}");
    }

    actions::delete(
        &admin,
        &target("po", "fwd", &first_pod),
        DeleteOptions {
            force: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let deleted_at = Instant::now();
    let new_pod = wait_for("the forward to reach another pod", WAIT, || async {
        let body = http_get(info.local).await.ok()?;
        let now = manager.info(info.id)?.pod?;
        (now != first_pod && body.contains(&now)).then_some(now)
    })
    .await;
    let recovered = deleted_at.elapsed();
    let after = manager.info(info.id).unwrap();
    assert_eq!(after.pod.as_deref(), Some(new_pod.as_str()));
    assert!(after.reresolves >= 1);
    assert!(
        after.connections >= 3 && after.bytes_in > 0 && after.bytes_out > 0,
        "{after:?}"
    );
    eprintln!(
        "re-resolve: forward served by {new_pod} {recovered:?} after deleting {first_pod} (watch-to-route {:?})",
        after.last_reresolve
    );
    manager.stop_all();
    assert!(manager.list().is_empty());
    // Cancellation reaches the accept task asynchronously; the listener must close soon after.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(info.local).await.is_ok() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "listener still open 10 s after stop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sim.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_to_service_port_echoes_and_bad_input_is_reported() {
    let sim = TestSim::start(scenario(
        "svc",
        vec![workload("echo", 1, &[8080, 7], true)],
        1.0,
    ))
    .await;
    let admin = sim.admin().await;
    let pod = first_ready_pod(&admin, "svc", "echo").await;
    let manager = ForwardManager::new(admin.clone());
    let svc = ForwardTarget::Service {
        namespace: "svc".into(),
        name: "echo".into(),
    };
    // The service port by name maps to the pod's echo port.
    let info = manager
        .start(ForwardSpec::new(svc.clone(), "tcp-7".parse().unwrap(), 0))
        .await
        .unwrap();
    assert_eq!(info.pod_port, Some(7));
    let mut s = tokio::net::TcpStream::connect(info.local).await.unwrap();
    s.write_all(b"ping through the forward\n").await.unwrap();
    let mut buf = vec![0u8; 24];
    tokio::time::timeout(WAIT, s.read_exact(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buf, b"ping through the forward");

    // Same local port again: in use, said clearly.
    let again = ForwardSpec::new(svc.clone(), PortRef::Number(8080), info.local.port());
    let err = manager.start(again).await.unwrap_err();
    assert!(matches!(err, ForwardError::LocalPortInUse { .. }), "{err}");
    assert!(err.to_string().contains("already in use"), "{err}");

    // A port the pod does not expose.
    let pod_target = ForwardTarget::Pod {
        namespace: "svc".into(),
        name: pod.clone(),
    };
    let err = manager
        .start(ForwardSpec::new(pod_target, PortRef::Number(9999), 0))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ForwardError::Resolve(ResolveError::PortNotExposed { .. })
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("does not expose port 9999"),
        "{err}"
    );

    // A service port that does not exist.
    let err = manager
        .start(ForwardSpec::new(svc, PortRef::Number(1), 0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("has no port 1"), "{err}");
    manager.stop_all();
    sim.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_restart_delete_reveal_and_readonly_token() {
    let mut sc = scenario("act", vec![workload("web", 1, &[80], false)], 1.0);
    sc.namespaces[0].secrets = 1;
    let sim = TestSim::start(sc).await;
    let admin = sim.admin().await;
    let deploy = target("deploy", "act", "web");

    assert_eq!(actions::scale(&admin, &deploy, 3).await.unwrap(), 3);
    let out = sim
        .kubectl()
        .args([
            "get",
            "deploy",
            "web",
            "-n",
            "act",
            "-o",
            "jsonpath={.spec.replicas}",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "3");
    let err = actions::scale(&admin, &target("po", "act", "x"), 1)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot scale a Pod"), "{err}");

    // Delete before the restart: a rollout replaces the pods, and the one picked here could be gone
    // by the time the delete reaches the server.
    let pod = first_ready_pod(&admin, "act", "web").await;
    let outcome = actions::delete(
        &admin,
        &target("po", "act", &pod),
        DeleteOptions {
            force: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(outcome, actions::DeleteOutcome::Deleted);
    let pods: Api<Pod> = Api::namespaced(admin.clone(), "act");
    assert!(pods.get_opt(&pod).await.unwrap().is_none());

    let now: jiff::Timestamp = "2030-01-02T03:04:05Z".parse().unwrap();
    actions::restart(&admin, &deploy, now).await.unwrap();
    let d: Deployment = Api::namespaced(admin.clone(), "act")
        .get("web")
        .await
        .unwrap();
    let d = serde_json::to_value(&d).unwrap();
    let ann = &d["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(
        ann.get(actions::RESTARTED_AT).and_then(|v| v.as_str()),
        Some("2030-01-02T03:04:05Z")
    );

    let secrets: Api<Secret> = Api::namespaced(admin.clone(), "act");
    let secret = secrets
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .next()
        .expect("a seeded secret");
    let name = secret.metadata.name.clone().unwrap();
    let revealed = actions::reveal_secret(&admin, "act", &name).await.unwrap();
    assert!(!revealed.is_empty());
    for (key, value) in &revealed {
        let out = sim
            .kubectl()
            .args([
                "get",
                "secret",
                &name,
                "-n",
                "act",
                "-o",
                &format!("go-template={{{{index .data \"{key}\" | base64decode}}}}"),
            ])
            .output()
            .unwrap();
        assert_eq!(
            actions::SecretValue::Text(String::from_utf8_lossy(&out.stdout).into_owned()),
            *value,
            "{key}"
        );
    }

    // The read-only token: the server's own 403 message comes back.
    let viewer = sim.viewer().await;
    let err = actions::scale(&viewer, &deploy, 1).await.unwrap_err();
    assert_eq!(err.code(), Some(403), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("scale deployments act/web: ") && msg.contains("forbidden"),
        "{msg}"
    );
    let err = actions::delete(&viewer, &deploy, DeleteOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(403), "{err}");
    sim.sim.shutdown().await;
}
