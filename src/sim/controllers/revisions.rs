//! ControllerRevisions, the history StatefulSets and DaemonSets keep of their pod templates
//! (`kubectl rollout history|undo sts/ds`): one revision per distinct template, named
//! `<owner>-<hash>`, numbered in order, owned by the workload and pruned to its
//! `revisionHistoryLimit` (10 by default), never pruning the live one.

use serde_json::{Value, json};

use crate::sim::Sim;
use crate::sim::objects;
use crate::sim::store::meta_str;

/// Makes sure `owner` has the revision of its current template (`hash`), and prunes old ones.
pub fn ensure(sim: &Sim, owner: &Value, hash: &str) {
    let Some(res) = sim
        .store
        .kinds()
        .lookup("apps", "v1", "controllerrevisions")
    else {
        return;
    };
    let ns = meta_str(owner, "namespace");
    let name = format!("{}-{hash}", meta_str(owner, "name"));
    let mut owned = sim.store.owned(res, ns, meta_str(owner, "uid"));
    if !owned.iter().any(|r| meta_str(r, "name") == name) {
        let next = owned
            .iter()
            .filter_map(|r| r["revision"].as_i64())
            .max()
            .unwrap_or(0)
            + 1;
        let mut template = owner["spec"]["template"].clone();
        template["$patch"] = json!("replace");
        let mut labels = owner["spec"]["template"]["metadata"]["labels"].clone();
        if !labels.is_object() {
            labels = json!({});
        }
        labels["controller.kubernetes.io/hash"] = json!(hash);
        let rev = json!({
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": name, "namespace": ns, "labels": labels,
                         "ownerReferences": [objects::owner_ref(owner)]},
            "data": {"spec": {"template": template}},
            "revision": next,
        });
        if let Ok(created) = sim.store.create(res, rev) {
            owned.push(created);
        }
    }
    let limit = owner["spec"]["revisionHistoryLimit"]
        .as_i64()
        .unwrap_or(10)
        .max(0) as usize;
    // The live revision and the `limit` newest before it stay.
    let mut old: Vec<_> = owned
        .iter()
        .filter(|r| meta_str(r, "name") != name)
        .collect();
    if old.len() > limit {
        old.sort_by_key(|r| r["revision"].as_i64().unwrap_or(0));
        for r in &old[..old.len() - limit] {
            let _ = sim.store.delete(res, ns, meta_str(r, "name"));
        }
    }
}
