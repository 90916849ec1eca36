use std::path::PathBuf;

use tokio::sync::mpsc::unbounded_channel;

use super::*;
use crate::kubeconfig::{Origin, Resolution};

/// A kubeconfig set of one file that does not exist: no contexts.
fn no_kubeconfig() -> KubeconfigSet {
    KubeconfigSet::from_docs(
        Resolution {
            origin: Origin::Explicit,
            files: vec![PathBuf::from("/nonexistent/kdeck-test-config")],
        },
        Vec::new(),
    )
}

/// Two attempts at the same context, the first answering last (a server that took its time, k9s
/// #3160): only the later attempt's answer reaches the app; the earlier one is dropped, so it can
/// neither end the new attempt early nor replace the adopted client.
#[tokio::test]
async fn only_the_latest_connection_attempt_is_adopted() {
    let (msgs, _msg_rx) = unbounded_channel();
    let (watches, _watch_rx) = unbounded_channel();
    let (connects, mut conn_rx) = unbounded_channel();
    let mut runner = EffectRunner::new(no_kubeconfig(), msgs, watches, connects);

    runner.run(vec![Effect::Connect {
        context: "hung".into(),
    }]);
    let first = conn_rx.recv().await.expect("first attempt answers");
    runner.run(vec![Effect::Connect {
        context: "hung".into(),
    }]);
    let second = conn_rx.recv().await.expect("second attempt answers");

    assert!(
        runner.adopt(first).is_none(),
        "a replaced attempt was adopted"
    );
    match runner.adopt(second) {
        Some(Msg::Connected { context, result }) => {
            assert_eq!(context, "hung");
            let err = result.expect_err("no such context in an empty kubeconfig");
            assert!(err.contains("hung"), "{err}");
        }
        other => panic!("the latest attempt was not adopted: {other:?}"),
    }
}

/// The first request a fake apiserver receives: its request line. It answers 404 (a Status), so the
/// effect ends with an error the test does not look at.
async fn first_request(listener: &tokio::net::TcpListener) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut sock, _) = tokio::time::timeout(std::time::Duration::from_secs(10), listener.accept())
        .await
        .expect("a request within 10 s")
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the request ended early");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body =
        r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#;
    let answer = format!(
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(answer.as_bytes()).await;
    String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A merged view's row belongs to another context than the connected one: scale, logs and
/// port-forward on it reach that context's server (the pool's client), and a context with no client
/// is an error, never the connected cluster.
#[tokio::test]
async fn effects_on_another_contexts_object_go_to_that_contexts_server() {
    use crate::cluster::actions::ObjectRef;
    use crate::cluster::forward::{ForwardSpec, ForwardTarget, PortRef};
    use crate::cluster::kinds::Builtin;
    let (msgs, mut msg_rx) = unbounded_channel();
    let (watches, _watch_rx) = unbounded_channel();
    let (connects, _conn_rx) = unbounded_channel();
    let mut runner = EffectRunner::new(no_kubeconfig(), msgs, watches, connects);
    let other = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url: http::Uri = format!("http://{}", other.local_addr().unwrap())
        .parse()
        .unwrap();
    let client = kube::Client::try_from(kube::Config::new(url)).unwrap();
    runner.pool.insert("other", client);
    let there = |kind: Builtin, name: &str| {
        ObjectRef::new(kind.spec(), Some("shop"), name).in_context(Some("other".into()))
    };

    runner.run(vec![Effect::Scale {
        dialog: 1,
        target: there(Builtin::Deployments, "web"),
        replicas: 2,
    }]);
    let line = first_request(&other).await;
    assert!(
        line.starts_with("PATCH /apis/apps/v1/namespaces/shop/deployments/web/scale"),
        "{line}"
    );
    runner.run(vec![Effect::StartLogs {
        page: 2,
        stream: 1,
        source: crate::cluster::logs::LogSource::Pod {
            namespace: "shop".into(),
            pod: "web-1".into(),
            container: Some("c".into()),
        },
        opts: Default::default(),
        context: Some("other".into()),
    }]);
    let line = first_request(&other).await;
    assert!(
        line.contains("/api/v1/namespaces/shop/pods/web-1"),
        "{line}"
    );
    runner.run(vec![Effect::StartForward {
        dialog: 3,
        spec: ForwardSpec::new(
            ForwardTarget::Pod {
                namespace: "shop".into(),
                name: "web-1".into(),
            },
            PortRef::Number(80),
            0,
        ),
        context: Some("other".into()),
    }]);
    let line = first_request(&other).await;
    assert!(
        line.starts_with("GET /api/v1/namespaces/shop/pods/web-1"),
        "{line}"
    );
    // Not connected to the connected context either: a context without a client is refused by name.
    runner.run(vec![Effect::Delete {
        dialog: 4,
        target: there(Builtin::Pods, "web-1").in_context(Some("gone".into())),
        options: Default::default(),
    }]);
    let refused = loop {
        match msg_rx.recv().await {
            Some(Msg::ActionDone { dialog: 4, result }) => break result,
            Some(_) => continue,
            None => panic!("the runner's channel closed"),
        }
    };
    assert_eq!(
        refused,
        Err("not connected to gone (open it in a merged view first)".into())
    );
}
