//! What kube-controller-manager keeps in every active namespace: the `default` ServiceAccount (the
//! serviceaccounts controller) and the `kube-root-ca.crt` ConfigMap (the root-CA publisher). Seeded
//! namespaces start with them; a namespace created later gets them within a tick, and either one comes
//! back when it is deleted, as on a real cluster.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::sim::Sim;
use crate::sim::objects;
use crate::sim::resources::idx;
use crate::sim::store::{Store, meta_str, new_uid, now_rfc3339};
use crate::sim::store_events::EventType;

const CA: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBkdeckSimulatedClusterRootCA\n-----END CERTIFICATE-----\n";

/// The ServiceAccounts resource of `store`'s kinds.
fn service_accounts(store: &Store) -> Option<usize> {
    store.kinds().lookup("", "v1", "serviceaccounts")
}

/// The objects every namespace holds from its creation, with their resources.
pub fn defaults(store: &Store, ns: &str, created: &str) -> Vec<(usize, Value)> {
    let mut out = vec![(
        idx::CONFIGMAPS,
        objects::configmap(ns, "kube-root-ca.crt", json!({"ca.crt": CA}), created),
    )];
    if let Some(sa) = service_accounts(store) {
        out.push((
            sa,
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "default", "namespace": ns, "uid": new_uid(),
                                "creationTimestamp": created}}),
        ));
    }
    out
}

pub async fn run(sim: Arc<Sim>) {
    let Some(sa) = service_accounts(&sim.store) else {
        return;
    };
    let Ok(sub) = sim.store.subscribe(None) else {
        return;
    };
    let mut rx = sub.rx;
    let mut shutdown = sim.shutdown.clone();
    let all = |sim: &Sim| -> HashSet<String> {
        sim.store
            .objects(idx::NAMESPACES, None)
            .iter()
            .map(|n| meta_str(n, "name").to_string())
            .collect()
    };
    let mut dirty = all(&sim);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            ev = rx.recv() => match ev {
                Ok(ev) if ev.res == idx::NAMESPACES && ev.kind == EventType::Added => {
                    dirty = all(&sim);
                }
                Ok(ev) if (ev.res == sa || ev.res == idx::CONFIGMAPS) && ev.kind == EventType::Deleted => {
                    dirty.insert(ev.namespace.clone());
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => dirty = all(&sim),
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick(), if !dirty.is_empty() => {
                for ns in std::mem::take(&mut dirty) {
                    ensure(&sim, &ns);
                }
            }
        }
    }
}

/// Creates whichever default `ns` lacks, unless the namespace is gone or going.
fn ensure(sim: &Sim, ns: &str) {
    let Some(namespace) = sim.store.get(idx::NAMESPACES, "", ns) else {
        return;
    };
    if namespace["status"]["phase"] == "Terminating"
        || !namespace["metadata"]["deletionTimestamp"].is_null()
    {
        return;
    }
    for (res, obj) in defaults(&sim.store, ns, &now_rfc3339()) {
        if sim.store.get(res, ns, meta_str(&obj, "name")).is_none() {
            let _ = sim.store.create(res, obj);
        }
    }
}
