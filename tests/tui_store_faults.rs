//! The watch → store path under the sim's fault scenarios (watch drops, 410 Gone, 5xx, latency): the
//! cluster changes while the faults fire; after the faults stop, the view's store must equal the
//! server's own list, and stay live (a later change arrives too). Runs kdeck's watch tasks and
//! `RowStore` directly; no terminal involved.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{DeleteParams, ListParams};
use tokio::sync::mpsc::unbounded_channel;

use kdeck::cluster::columns::pods;
use kdeck::cluster::kinds::KindRegistry;
use kdeck::cluster::rows::Row;
use kdeck::cluster::store::RowStore;
use kdeck::cluster::watch::{self, WatchNote, WatchTarget};
use kdeck::kubeconfig::KubeconfigSet;
use kdeck::sim::{FaultSpec, Scenario, SimOptions};

const DEADLINE: Duration = Duration::from_secs(90);

async fn retry<T, F, Fut>(mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, kube::Error>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        match f().await {
            Ok(v) => return v,
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the server kept failing for {DEADLINE:?}: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn server_rows(api: &Api<Pod>) -> Vec<Row> {
    let list = retry(|| async { api.list(&ListParams::default()).await }).await;
    let mut rows: Vec<Row> = list.items.iter().map(pods::row).collect();
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    rows
}

fn store_rows(store: &RowStore) -> Vec<Row> {
    store.keys().filter_map(|k| store.get(k)).cloned().collect()
}

async fn store_converges_under(faults: FaultSpec) {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let mut scenario = Scenario::with_pods(120);
    scenario.faults = faults;
    let sim = kdeck::sim::start(SimOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        kubeconfig_out: Some(kc.clone()),
        scenario,
    })
    .await
    .unwrap();
    let set = KubeconfigSet::load(Some(&kc)).unwrap();
    let client = kdeck::cluster::connect(&set, Some("kdeck-sim"))
        .await
        .unwrap();
    let api: Api<Pod> = Api::all(client.clone());

    let (tx, mut rx) = unbounded_channel();
    let kind = KindRegistry::default().resolve("pods").unwrap().clone();
    let target = WatchTarget {
        kind,
        namespace: None,
        labels: None,
        fields: None,
    };
    let _watch = watch::spawn(client.clone(), &target, 7, tx);
    let mut store = RowStore::new();

    // Change the cluster while the faults fire, spread over a few seconds so some deletions land while
    // the watch is down or being relisted: delete pods (their deployments replace them).
    let victims: Vec<Pod> = server_rows_raw(&api).await.into_iter().take(15).collect();
    for p in &victims {
        let ns = p.metadata.namespace.clone().unwrap();
        let name = p.metadata.name.clone().unwrap();
        let nsapi: Api<Pod> = Api::namespaced(client.clone(), &ns);
        retry(|| async {
            match nsapi.delete(&name, &DeleteParams::default()).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
                Err(e) => Err(e),
            }
        })
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The faults stop; from here the store must converge and keep up.
    sim.set_faults(FaultSpec::default());
    converge(&api, &mut rx, &mut store, &victims).await;
    let late: Vec<Pod> = server_rows_raw(&api).await.into_iter().take(1).collect();
    for p in &late {
        let nsapi: Api<Pod> =
            Api::namespaced(client.clone(), p.metadata.namespace.as_deref().unwrap());
        nsapi
            .delete(
                p.metadata.name.as_deref().unwrap(),
                &DeleteParams::default(),
            )
            .await
            .unwrap();
    }
    converge(&api, &mut rx, &mut store, &late).await;
    sim.shutdown().await;
}

/// Applies watch notes until the store equals the server's list (and none of `gone` is in it).
async fn converge(
    api: &Api<Pod>,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<kdeck::cluster::watch::WatchMsg>,
    store: &mut RowStore,
    gone: &[Pod],
) {
    let start = tokio::time::Instant::now();
    loop {
        let tick = tokio::time::sleep(Duration::from_millis(500));
        tokio::pin!(tick);
        loop {
            tokio::select! {
                Some(m) = rx.recv() => {
                    assert_eq!(m.view, 7);
                    if let WatchNote::Delta(d) = m.note {
                        store.apply(d);
                    }
                }
                _ = &mut tick => break,
            }
        }
        let server = server_rows(api).await;
        let mine = store_rows(store);
        if server == mine
            && !server.is_empty()
            && gone.iter().all(|v| store.get(&pods::row(v).key).is_none())
        {
            return;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "store never matched the server: server {} rows, store {} rows",
            server.len(),
            mine.len()
        );
    }
}

async fn server_rows_raw(api: &Api<Pod>) -> Vec<Pod> {
    retry(|| async { api.list(&ListParams::default()).await })
        .await
        .items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resyncs_after_watch_drops() {
    store_converges_under(FaultSpec {
        watch_drop_every_seconds: 0.7,
        ..Default::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resyncs_after_410_gone() {
    store_converges_under(FaultSpec {
        watch_gone_fraction: 0.5,
        watch_drop_every_seconds: 1.0,
        ..Default::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resyncs_through_5xx() {
    store_converges_under(FaultSpec {
        error_rate: 0.3,
        error_code: 503,
        ..Default::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resyncs_with_latency() {
    store_converges_under(FaultSpec {
        latency_ms: 150,
        watch_drop_every_seconds: 2.0,
        ..Default::default()
    })
    .await;
}
