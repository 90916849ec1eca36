//! kube-rs as the second client of the simulated apiserver: watchers and reflectors under injected
//! faults, log streams, port-forward, exec into the fake shell, and Status errors for bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::collections::BTreeSet;
use std::time::Duration;

use futures::{AsyncBufReadExt, SinkExt, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{
    Api, AttachParams, DeleteParams, ListParams, LogParams, PostParams, TerminalSize, WatchEvent,
    WatchParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Client, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use kdeck::sim::{FaultSpec, RunningSim, Scenario, SimOptions};

struct Cluster {
    sim: Option<RunningSim>,
    _dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
    config: Config,
}

impl Cluster {
    async fn start(scenario: Scenario) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        let sim = kdeck::sim::start(SimOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            kubeconfig_out: Some(path.clone()),
            scenario,
        })
        .await
        .unwrap();
        let config = config_for(&path, kdeck::sim::ADMIN_CONTEXT).await;
        Cluster {
            sim: Some(sim),
            _dir: dir,
            kubeconfig: path,
            config,
        }
    }

    async fn viewer_client(&self) -> Client {
        let config = config_for(&self.kubeconfig, kdeck::sim::VIEWER_CONTEXT).await;
        Client::try_from(config).unwrap()
    }

    fn client(&self) -> Client {
        Client::try_from(self.config.clone()).unwrap()
    }

    async fn stop(mut self) {
        if let Some(s) = self.sim.take() {
            s.shutdown().await;
        }
    }
}

async fn config_for(path: &std::path::Path, context: &str) -> Config {
    let kc = Kubeconfig::read_from(path).unwrap();
    let opts = KubeConfigOptions {
        context: Some(context.into()),
        ..Default::default()
    };
    Config::from_custom_kubeconfig(kc, &opts).await.unwrap()
}

async fn eventually<F, Fut>(what: &str, timeout: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while !f().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn names(pods: impl IntoIterator<Item = Pod>) -> BTreeSet<String> {
    pods.into_iter()
        .map(|p| {
            format!(
                "{}/{}",
                p.metadata.namespace.unwrap_or_default(),
                p.metadata.name.unwrap_or_default()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_survives_watch_drops_and_410() {
    let mut scenario = Scenario::with_pods(40);
    scenario.faults = FaultSpec {
        watch_drop_every_seconds: 1.0,
        watch_gone_fraction: 0.4,
        ..FaultSpec::default()
    };
    let c = Cluster::start(scenario).await;
    let client = c.client();
    let all: Api<Pod> = Api::all(client.clone());
    let (reader, writer) = reflector::store::<Pod>();
    let errors = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen_errors = errors.clone();
    let driver = tokio::spawn(
        watcher(all.clone(), watcher::Config::default())
            .default_backoff()
            .reflect(writer)
            .for_each(move |ev| {
                if ev.is_err() {
                    seen_errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                async {}
            }),
    );
    reader.wait_until_ready().await.unwrap();

    // Change the cluster while watches are being cut and refused.
    let team: Api<Pod> = Api::namespaced(client.clone(), "team-00");
    let victims: Vec<String> = team
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .take(5)
        .filter_map(|p| p.metadata.name)
        .collect();
    for (i, v) in victims.iter().enumerate() {
        team.delete(v, &DeleteParams::default()).await.unwrap();
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("extra-{i}")},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
        }))
        .unwrap();
        team.create(&PostParams::default(), &pod).await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }

    eventually(
        "the reflector to match the server",
        Duration::from_secs(60),
        || {
            let all = all.clone();
            let reader = reader.clone();
            async move {
                let server = names(all.list(&ListParams::default()).await.unwrap().items);
                let cached = names(reader.state().iter().map(|p| (**p).clone()));
                server == cached
            }
        },
    )
    .await;
    assert!(names(reader.state().iter().map(|p| (**p).clone())).contains("team-00/extra-4"));
    assert!(
        errors.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "no watch was refused or cut"
    );
    driver.abort();
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_stream_follows_with_consecutive_sequence_numbers() {
    let c = Cluster::start(Scenario::demo()).await;
    let pods: Api<Pod> = Api::namespaced(c.client(), "shop");
    let pod = pods
        .list(&ListParams::default().labels("app=cart"))
        .await
        .unwrap()
        .items
        .remove(0);
    let name = pod.metadata.name.unwrap();
    let params = LogParams {
        follow: true,
        tail_lines: Some(1),
        ..LogParams::default()
    };
    let mut lines = pods.log_stream(&name, &params).await.unwrap().lines();
    let mut seqs = Vec::new();
    while seqs.len() < 4 {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let seq: u64 = line
            .rsplit(['=', ':'])
            .next()
            .unwrap()
            .trim_end_matches('}')
            .parse()
            .unwrap();
        seqs.push(seq);
    }
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portforward_carries_http_and_a_megabyte_of_echo() {
    let c = Cluster::start(Scenario::demo()).await;
    let pods: Api<Pod> = Api::namespaced(c.client(), "default");
    let pod = pods
        .list(&ListParams::default().labels("app=hello"))
        .await
        .unwrap()
        .items
        .remove(0);
    let name = pod.metadata.name.unwrap();
    let mut pf = pods.portforward(&name, &[80, 7]).await.unwrap();

    let mut http = pf.take_stream(80).unwrap();
    http.write_all(b"GET / HTTP/1.1\r\nHost: hello\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !String::from_utf8_lossy(&got).contains(&name) {
        let n = tokio::time::timeout_at(deadline, http.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(
            n > 0,
            "stream ended early: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200 OK"));

    let echo = pf.take_stream(7).unwrap();
    let (mut rd, mut wr) = tokio::io::split(echo);
    let payload: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let sent = payload.clone();
    let writer = tokio::spawn(async move { wr.write_all(&sent).await.unwrap() });
    let mut back = vec![0u8; payload.len()];
    tokio::time::timeout(Duration::from_secs(30), rd.read_exact(&mut back))
        .await
        .unwrap()
        .unwrap();
    writer.await.unwrap();
    assert!(back == payload, "echoed bytes differ");
    pf.abort();
    c.stop().await;
}

async fn status_of(client: &Client, req: http::Request<Vec<u8>>) -> (u16, String) {
    match client.request_text(req).await {
        Err(kube::Error::Api(s)) => (s.code, s.reason.clone()),
        other => panic!("expected a Status error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_status_errors() {
    let c = Cluster::start(Scenario::demo()).await;
    let client = c.client();
    let req = |method: &str, uri: &str, ct: &str, body: &str| {
        http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", ct)
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let cases = [
        (
            req(
                "GET",
                "/apis/apps/v1/namespaces/default/widgets",
                "application/json",
                "",
            ),
            404,
            "NotFound",
        ),
        (
            req(
                "POST",
                "/api/v1/namespaces/default/configmaps",
                "application/json",
                "{not json",
            ),
            400,
            "BadRequest",
        ),
        (
            req(
                "POST",
                "/api/v1/namespaces/nope/configmaps",
                "application/json",
                r#"{"metadata":{"name":"x"}}"#,
            ),
            404,
            "NotFound",
        ),
        (
            req(
                "PATCH",
                "/apis/apps/v1/namespaces/shop/deployments/cart",
                "application/merge-patch+json",
                "[1,",
            ),
            400,
            "BadRequest",
        ),
        (
            req(
                "PATCH",
                "/apis/apps/v1/namespaces/shop/deployments/cart",
                "application/json-patch+json",
                r#"[{"op":"remove","path":"/spec/nope"}]"#,
            ),
            422,
            "Invalid",
        ),
        (
            req(
                "PATCH",
                "/apis/apps/v1/namespaces/shop/deployments/cart",
                "text/plain",
                "{}",
            ),
            415,
            "UnsupportedMediaType",
        ),
        (
            req(
                "GET",
                "/api/v1/namespaces/shop/pods/missing",
                "application/json",
                "",
            ),
            404,
            "NotFound",
        ),
        (
            req(
                "POST",
                "/apis/apps/v1/namespaces/shop/deployments",
                "application/json",
                r#"{"metadata":{"name":"bad"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"c"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}"#,
            ),
            422,
            "Invalid",
        ),
    ];
    for (r, code, reason) in cases {
        let what = format!("{} {}", r.method(), r.uri());
        assert_eq!(
            status_of(&client, r).await,
            (code, reason.to_string()),
            "{what}"
        );
    }

    // Optimistic concurrency: an update carrying a stale resourceVersion conflicts.
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let cm: ConfigMap =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "cc"}, "data": {"a": "1"}}))
            .unwrap();
    let created = cms.create(&PostParams::default(), &cm).await.unwrap();
    let mut stale = created.clone();
    let mut fresh = created.clone();
    fresh.data = Some([("a".to_string(), "2".to_string())].into());
    cms.replace("cc", &PostParams::default(), &fresh)
        .await
        .unwrap();
    stale.data = Some([("a".to_string(), "3".to_string())].into());
    match cms.replace("cc", &PostParams::default(), &stale).await {
        Err(kube::Error::Api(s)) => assert_eq!((s.code, s.reason.as_str()), (409, "Conflict")),
        other => panic!("{other:?}"),
    }
    match cms.create(&PostParams::default(), &cm).await {
        Err(kube::Error::Api(s)) => assert_eq!((s.code, s.reason.as_str()), (409, "AlreadyExists")),
        other => panic!("{other:?}"),
    }

    // A watch from before the history window gets 410 Expired as an ERROR event.
    let pods: Api<Pod> = Api::all(client.clone());
    let mut stream = pods
        .watch(&WatchParams::default(), "1")
        .await
        .unwrap()
        .boxed();
    match tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .unwrap()
    {
        Some(Ok(WatchEvent::Error(s))) => assert_eq!((s.code, s.reason.as_str()), (410, "Expired")),
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }

    // A wrong token is a 401.
    let mut bad = c.config.clone();
    bad.auth_info.token = Some("not-the-token".to_string().into());
    let anon = Client::try_from(bad).unwrap();
    let (code, _) = status_of(
        &anon,
        req("GET", "/api/v1/namespaces", "application/json", ""),
    )
    .await;
    assert_eq!(code, 401);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tokens_get_401() {
    let mut scenario = Scenario::with_pods(3);
    scenario.faults = FaultSpec {
        token_expiry_seconds: Some(1),
        ..FaultSpec::default()
    };
    let c = Cluster::start(scenario).await;
    let pods: Api<Pod> = Api::all(c.client());
    pods.list(&ListParams::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    match pods.list(&ListParams::default()).await {
        Err(kube::Error::Api(s)) => assert_eq!(s.code, 401),
        other => panic!("{other:?}"),
    }
    c.stop().await;
}

/// A selector watch sees an object that leaves its selector as DELETED and one that enters it as ADDED,
/// as the apiserver's watch cache reports them.
#[tokio::test]
async fn selector_watch_reports_objects_leaving_and_entering() {
    let cluster = Cluster::start(Scenario::with_pods(0)).await;
    let cms: Api<ConfigMap> = Api::namespaced(cluster.client(), "default");
    let mut cm: ConfigMap = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "tracked", "labels": {"team": "a"}},
        "data": {"k": "v"}
    }))
    .unwrap();
    cm = cms.create(&PostParams::default(), &cm).await.unwrap();
    let rv = cm.metadata.resource_version.clone().unwrap();
    let mut events = cms
        .watch(&WatchParams::default().labels("team=a"), &rv)
        .await
        .unwrap()
        .boxed();
    let patch = |team: &str| {
        kube::api::Patch::Merge(serde_json::json!({"metadata": {"labels": {"team": team}}}))
    };
    let pp = kube::api::PatchParams::default();
    cms.patch("tracked", &pp, &patch("b")).await.unwrap();
    cms.patch("tracked", &pp, &patch("a")).await.unwrap();
    let mut seen = Vec::new();
    // Bookmarks may keep coming; the deadline covers the whole wait, not one event.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.len() < 2 {
        match tokio::time::timeout_at(deadline, events.try_next()).await {
            Ok(Ok(Some(WatchEvent::Deleted(o)))) => seen.push(("DELETED", o.metadata.name)),
            Ok(Ok(Some(WatchEvent::Added(o)))) => seen.push(("ADDED", o.metadata.name)),
            Ok(Ok(Some(WatchEvent::Bookmark(_)))) => {}
            other => panic!("unexpected watch result: {other:?}"),
        }
    }
    let tracked = Some("tracked".to_string());
    assert_eq!(seen, [("DELETED", tracked.clone()), ("ADDED", tracked)]);
    cluster.stop().await;
}

async fn running_pod(pods: &Api<Pod>, selector: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let list = pods
            .list(&ListParams::default().labels(selector))
            .await
            .unwrap();
        let running = list
            .items
            .into_iter()
            .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"));
        if let Some(name) = running.and_then(|p| p.metadata.name) {
            return name;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no running pod with {selector}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Reads `from` until what was read ends with `marker`, and returns all of it.
async fn read_until(from: &mut (impl tokio::io::AsyncRead + Unpin), marker: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !String::from_utf8_lossy(&got).ends_with(marker) {
        let n = tokio::time::timeout_at(deadline, from.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no {marker:?} in {:?}", String::from_utf8_lossy(&got)))
            .unwrap();
        assert!(
            n > 0,
            "stream ended before {marker:?}: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(got).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_runs_a_command_and_an_interactive_tty_shell() {
    let c = Cluster::start(Scenario::demo()).await;
    let pods: Api<Pod> = Api::namespaced(c.client(), "default");
    let name = running_pod(&pods, "app=hello").await;

    let mut p = pods
        .exec(&name, ["hostname"], &AttachParams::default())
        .await
        .unwrap();
    let mut out = String::new();
    let mut stdout = p.stdout().unwrap();
    let status = p.take_status().unwrap();
    tokio::time::timeout(Duration::from_secs(10), stdout.read_to_string(&mut out))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out, format!("{name}\n"));
    let status = status.await.unwrap();
    assert_eq!(status.status.as_deref(), Some("Success"), "{status:?}");

    // What k9s sends to get the best shell in the image.
    let probe = "command -v bash >/dev/null && exec bash || exec sh";
    let mut p = pods
        .exec(&name, ["sh", "-c", probe], &AttachParams::interactive_tty())
        .await
        .unwrap();
    let mut stdin = p.stdin().unwrap();
    let mut stdout = p.stdout().unwrap();
    let status = p.take_status().unwrap();
    let prompt = format!("root@{name}:/# ");
    read_until(&mut stdout, &prompt).await;
    stdin.write_all(b"echo hello\r").await.unwrap();
    let echoed = read_until(&mut stdout, &prompt).await;
    assert_eq!(echoed, format!("echo hello\r\nhello\r\n{prompt}"));
    p.terminal_size()
        .unwrap()
        .send(TerminalSize {
            width: 132,
            height: 43,
        })
        .await
        .unwrap();
    // The resize and stdin travel through separate client-side queues, so the size may land after the
    // first `stty size`.
    let mut sized = false;
    for _ in 0..50 {
        stdin.write_all(b"stty size\r").await.unwrap();
        if read_until(&mut stdout, &prompt)
            .await
            .contains("\r\n43 132\r\n")
        {
            sized = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sized, "stty size never reported the resize");
    stdin.write_all(b"exit 3\r").await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), status)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.status.as_deref(), Some("Failure"));
    assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
    let cause = &status.details.unwrap().causes.unwrap()[0];
    assert_eq!(
        (cause.reason.as_deref(), cause.message.as_deref()),
        (Some("ExitCode"), Some("3"))
    );
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_errors_are_apiserver_statuses() {
    let c = Cluster::start(Scenario::demo()).await;
    let pods: Api<Pod> = Api::namespaced(c.client(), "default");
    let name = running_pod(&pods, "app=hello").await;
    let err = |r: kube::Result<kube::api::AttachedProcess>| match r {
        Err(kube::Error::Api(s)) => (s.code, s.message.clone()),
        Err(other) => panic!("expected a Status error, got {other:?}"),
        Ok(_) => panic!("expected a Status error, the exec started"),
    };
    let ap = AttachParams::default().container("nope");
    assert_eq!(
        err(pods.exec(&name, ["hostname"], &ap).await),
        (400, format!("container nope is not valid for pod {name}"))
    );
    assert_eq!(
        err(pods
            .exec("gone", ["hostname"], &AttachParams::default())
            .await),
        (404, "pods \"gone\" not found".to_string())
    );
    let empty: [&str; 0] = [];
    assert_eq!(
        err(pods.exec(&name, empty, &AttachParams::default()).await).0,
        400
    );
    let viewer: Api<Pod> = Api::namespaced(c.viewer_client().await, "default");
    assert_eq!(
        err(viewer
            .exec(&name, ["hostname"], &AttachParams::default())
            .await),
        (
            403,
            format!(
                "pods \"{name}\" is forbidden: User \"kdeck-sim-viewer\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\""
            )
        )
    );
    c.stop().await;
}
