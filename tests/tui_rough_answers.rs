#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Server answers the TUI's watches must take as a real apiserver sends them: every Table captured from
//! kube-apiserver 1.28 decodes (`rows: null` on empty lists of printer-less kinds among them), the sim
//! sends the same `null` and the watch shows an empty list, and an answer that cannot be read stops the
//! watch with the error instead of reconnecting forever.

use std::path::PathBuf;

mod sim_support;
use sim_support::TestSim;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use kdeck::cluster::kinds::KindSpec;
use kdeck::cluster::store::Delta;
use kdeck::cluster::watch::{self, WatchMsg, WatchNote, WatchTarget};
use kdeck::sim::Scenario;

/// `shared/apiserver-1.28/cases` beside the checkout, or beside one of its parents (a git worktree sits
/// a level deeper than the main checkout).
fn corpus() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = manifest
        .ancestors()
        .skip(1)
        .map(|d| d.join("shared/apiserver-1.28/cases"))
        .find(|d| d.is_dir());
    dir.unwrap_or_else(|| {
        panic!(
            "the reference captures must sit beside the checkout: {}/../shared/apiserver-1.28/cases",
            manifest.display()
        )
    })
}

fn kind(group: &str, plural: &str, kind: &str, namespaced: bool) -> KindSpec {
    KindSpec {
        plural: plural.into(),
        kind: kind.into(),
        group: group.into(),
        version: "v1".into(),
        namespaced,
        short_names: Vec::new(),
        builtin: None,
    }
}

async fn next(rx: &mut UnboundedReceiver<WatchMsg>) -> Option<WatchNote> {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("the watch must answer")
        .map(|m| m.note)
}

#[tokio::test]
async fn empty_printer_less_lists_are_empty_views_not_lost_connections() {
    let t = TestSim::start(Scenario::with_pods(3)).await;
    let client = t.admin().await;

    // The sim answers an empty printer-less list the way kube-apiserver does.
    let raw: serde_json::Value = client
        .request(
            http::Request::get("/apis/rbac.authorization.k8s.io/v1/roles")
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(raw["rows"], serde_json::Value::Null, "{raw}");

    let (tx, mut rx) = unbounded_channel();
    let target = WatchTarget {
        kind: kind("rbac.authorization.k8s.io", "roles", "Role", true),
        namespace: None,
        labels: None,
        fields: None,
    };
    let _watch = watch::spawn(client.clone(), &target, 1, tx);
    match next(&mut rx).await {
        Some(WatchNote::Columns(cols)) => {
            let names: Vec<_> = cols.iter().map(|c| c.name.clone()).collect();
            assert_eq!(names, ["NAME", "CREATED AT"]);
        }
        other => panic!("expected the columns first, got {other:?}"),
    }
    match next(&mut rx).await {
        Some(WatchNote::Delta(Delta::Reset(rows))) => assert!(rows.is_empty()),
        other => panic!("an empty list, not an error: {other:?}"),
    }
    // And it stays live: a role created now arrives.
    let api: kube::Api<k8s_openapi::api::rbac::v1::Role> =
        kube::Api::namespaced(client.clone(), "default");
    let role: k8s_openapi::api::rbac::v1::Role = serde_json::from_value(serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "late"}, "rules": []
    }))
    .unwrap();
    api.create(&Default::default(), &role).await.unwrap();
    loop {
        match next(&mut rx).await {
            Some(WatchNote::Delta(Delta::Upsert(row))) => {
                assert_eq!(&*row.key.name, "late");
                break;
            }
            Some(WatchNote::Error(f)) => panic!("the watch failed: {f:?}"),
            Some(_) => {}
            None => panic!("the watch ended"),
        }
    }
}

/// A loopback server whose every list answer is a Table kdeck cannot read.
async fn serve_unreadable() -> (std::net::SocketAddr, tokio::task::JoinHandle<usize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut served = 0;
        while let Ok(Ok((mut s, _))) =
            tokio::time::timeout(Duration::from_secs(3), listener.accept()).await
        {
            let mut buf = vec![0u8; 8192];
            let _ = s.read(&mut buf).await;
            let body = r#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","columnDefinitions":[],"rows":17}"#;
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(resp.as_bytes()).await;
            served += 1;
        }
        served
    });
    (addr, task)
}

#[tokio::test]
async fn an_unreadable_answer_is_shown_once_and_not_retried() {
    let (addr, server) = serve_unreadable().await;
    let (client, _dir) = sim_support::loopback_client(addr).await;
    let (tx, mut rx) = unbounded_channel();
    let target = WatchTarget {
        kind: kind("example.com", "widgets", "Widget", true),
        namespace: Some("default".into()),
        labels: None,
        fields: None,
    };
    let _watch = watch::spawn(client, &target, 1, tx);
    match next(&mut rx).await {
        Some(WatchNote::Error(f)) => {
            assert!(f.unusable, "{f:?}");
            assert!(f.message.contains("invalid type"), "{f:?}");
        }
        other => panic!("expected the decoding error, got {other:?}"),
    }
    assert!(
        next(&mut rx).await.is_none(),
        "the watch must stop, not retry"
    );
    assert_eq!(
        server.await.unwrap(),
        1,
        "exactly one request: no reconnect loop"
    );
}

#[test]
fn every_captured_table_decodes() {
    let mut tables = 0;
    let mut null_rows = 0;
    for entry in std::fs::read_dir(corpus()).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let case: serde_json::Value = serde_json::from_str(&text).unwrap();
        let body = &case["response"]["body"];
        if body["kind"] != "Table" {
            continue;
        }
        tables += 1;
        if body["rows"].is_null() {
            null_rows += 1;
        }
        let rows = kdeck::cluster::table_watch::decode_rows(body)
            .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
        let expected = body["rows"].as_array().map_or(0, Vec::len);
        assert_eq!(rows, expected, "{}", entry.path().display());
    }
    assert!(tables > 50, "only {tables} Tables in the corpus");
    assert!(null_rows >= 5, "the corpus has `rows: null` Tables");
}

/// A loopback apiserver for one pod whose kubelet it cannot reach: the pod reads fine, its log answers
/// the 500 Status a real apiserver sends (../shared/apiserver-1.28/cases/418-pod-log.json). Returns the
/// port and a counter of log requests.
async fn serve_unreachable_kubelet() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let case: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("418-pod-log.json")).unwrap())
            .unwrap();
    let log_body = case["response"]["body"].to_string();
    assert_eq!(case["response"]["status"], 500);
    let pod_body = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
        "status": {"phase": "Running"}
    })
    .to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let logs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = logs.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = s.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let (status, body) = if head.contains("/log") {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                ("500 Internal Server Error", log_body.clone())
            } else {
                ("200 OK", pod_body.clone())
            };
            let resp = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(resp.as_bytes()).await;
        }
    });
    (addr, logs)
}

#[tokio::test]
async fn logs_show_the_servers_error_when_the_kubelet_is_unreachable_and_retry_visibly() {
    use kdeck::cluster::logs::{LineKind, LogEvent, LogOptions, LogSource};
    let (addr, log_requests) = serve_unreachable_kubelet().await;
    let (client, _dir) = sim_support::loopback_client(addr).await;
    let (_session, mut rx) = kdeck::cluster::logs::start(
        client,
        LogSource::Pod {
            namespace: "shop".into(),
            pod: "web".into(),
            container: None,
        },
        LogOptions::default(),
        64,
    )
    .unwrap();
    let mut notices = Vec::new();
    while notices.len() < 2 {
        let ev = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("the page must hear why there are no lines")
            .expect("the stream keeps retrying");
        if let LogEvent::Line(l) = ev
            && l.kind != LineKind::Log
        {
            notices.push(l);
        }
    }
    for n in &notices {
        assert_eq!(n.kind, LineKind::Retrying, "{n:?}");
        assert!(
            n.text
                .contains("dial tcp 127.0.1.1:10250: connect: connection refused"),
            "{n:?}"
        );
        assert!(n.text.contains("(500"), "{n:?}");
        assert!(n.text.contains("retrying in"), "{n:?}");
    }
    assert_eq!(&*notices[0].pod, "web");
    assert!(
        log_requests.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "the fault fired and was retried"
    );
}

/// A loopback apiserver that serves CRDs (an empty list, then one ADDED on the watch) and not
/// APIServices (404), counting the requests for each.
async fn serve_crd_appearing() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push(path.clone());
                let (status, body, keep) = if path.contains("apiservices") {
                    let b = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#;
                    ("404 Not Found", b.to_string(), false)
                } else if path.contains("watch=true") {
                    let ev = r#"{"type":"ADDED","object":{"apiVersion":"meta.k8s.io/v1","kind":"PartialObjectMetadata","metadata":{"name":"widgets.example.com","resourceVersion":"2"}}}"#;
                    ("200 OK", format!("{ev}\n"), true)
                } else {
                    let b = r#"{"apiVersion":"meta.k8s.io/v1","kind":"PartialObjectMetadataList","metadata":{"resourceVersion":"1"},"items":[]}"#;
                    ("200 OK", b.to_string(), false)
                };
                if keep {
                    // A watch: the event, then the stream stays open.
                    let resp = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n",
                        body.len()
                    );
                    let _ = s.write_all(resp.as_bytes()).await;
                    tokio::time::sleep(Duration::from_secs(30)).await;
                } else {
                    let resp = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = s.write_all(resp.as_bytes()).await;
                }
            });
        }
    });
    (addr, seen)
}

#[tokio::test]
async fn a_crd_applied_later_triggers_one_discovery_and_a_missing_api_is_not_retried() {
    let (addr, seen) = serve_crd_appearing().await;
    let (client, _dir) = sim_support::loopback_client(addr).await;
    let (tx, mut rx) = unbounded_channel();
    let task = tokio::spawn(kdeck::cluster::discovery::watch_kind_sources(
        client,
        move || {
            let _ = tx.send(());
        },
    ));
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the added CRD is told")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(rx.try_recv().is_err(), "told once");
    let paths = seen.lock().unwrap().clone();
    let apiservice = paths.iter().filter(|p| p.contains("apiservices")).count();
    assert_eq!(
        apiservice, 1,
        "the API the server lacks is asked once, not in a loop: {paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.contains("customresourcedefinitions") && p.contains("watch=true"))
    );
    task.abort();
}

#[tokio::test]
async fn a_crd_applied_to_the_sim_while_watching_is_told_and_served() {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let t = TestSim::start(Scenario::with_pods(1)).await;
    let client = t.admin().await;
    let (tx, mut rx) = unbounded_channel();
    let task = tokio::spawn(kdeck::cluster::discovery::watch_kind_sources(
        client.clone(),
        move || {
            let _ = tx.send(());
        },
    ));
    // Let the initial list settle: the sim starts with no CRDs, so nothing is told for it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(rx.try_recv().is_err(), "nothing changed yet");
    let crd: CustomResourceDefinition = serde_json::from_value(serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    }))
    .unwrap();
    kube::Api::<CustomResourceDefinition>::all(client.clone())
        .create(&Default::default(), &crd)
        .await
        .expect("the sim accepts the CRD");
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the added CRD is told")
        .unwrap();
    let found = kube::discovery::Discovery::new(client)
        .run()
        .await
        .expect("discovery")
        .groups()
        .any(|g| g.name() == "example.com");
    assert!(found, "the new kind is in discovery once told");
    task.abort();
}
