//! The PersistentVolume binder and a provisioner for the default StorageClass: a claim that names a
//! class with a provisioner (or none, when a default class exists) gets a PV of the size it asks for,
//! both go Bound, and the events a real provisioner records are written.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::Recorder;
use crate::sim::Sim;
use crate::sim::store::meta_str;

fn find(sim: &Sim, group: &str, plural: &str) -> Option<usize> {
    sim.store
        .kinds()
        .served()
        .find(|k| k.group == group && k.plural == plural)
        .map(|k| k.index)
}

pub async fn run(sim: Arc<Sim>, rec: Arc<Recorder>) {
    let (Some(pvcs), Some(pvs), Some(classes)) = (
        find(&sim, "", "persistentvolumeclaims"),
        find(&sim, "", "persistentvolumes"),
        find(&sim, "storage.k8s.io", "storageclasses"),
    ) else {
        return;
    };
    let mut shutdown = sim.shutdown.clone();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {
                for pvc in sim.store.objects(pvcs, None) {
                    if pvc["status"]["phase"] != "Bound" {
                        bind(&sim, &rec, (pvcs, pvs, classes), &pvc);
                    }
                }
            }
        }
    }
}

fn default_class(sim: &Sim, classes: usize) -> Option<Arc<Value>> {
    sim.store.objects(classes, None).into_iter().find(|c| {
        c["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    })
}

fn bind(sim: &Sim, rec: &Recorder, (pvcs, pvs, classes): (usize, usize, usize), pvc: &Value) {
    let ns = meta_str(pvc, "namespace");
    let name = meta_str(pvc, "name");
    let class = match pvc["spec"]["storageClassName"].as_str() {
        Some("") => return,
        Some(c) => sim.store.get(classes, "", c),
        None => default_class(sim, classes),
    };
    let Some(class) = class else {
        return;
    };
    let class_name = meta_str(&class, "name").to_string();
    let provisioner = class["provisioner"].as_str().unwrap_or("").to_string();
    let size = pvc["spec"]["resources"]["requests"]["storage"].clone();
    let modes = pvc["spec"]["accessModes"].clone();
    let pv_name = format!("pvc-{}", meta_str(pvc, "uid"));
    rec.normal(
        sim,
        pvc,
        "Provisioning",
        &format!("External provisioner is provisioning volume for claim \"{ns}/{name}\""),
        &provisioner,
    );
    let pv = json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": provisioner}},
        "spec": {
            "capacity": {"storage": size}, "accessModes": modes,
            "persistentVolumeReclaimPolicy": class["reclaimPolicy"].as_str().unwrap_or("Delete"),
            "storageClassName": class_name, "volumeMode": pvc["spec"]["volumeMode"].as_str().unwrap_or("Filesystem"),
            "hostPath": {"path": format!("/var/lib/kdeck-sim/{pv_name}"), "type": "DirectoryOrCreate"},
            "claimRef": {"kind": "PersistentVolumeClaim", "namespace": ns, "name": name,
                         "uid": meta_str(pvc, "uid"), "apiVersion": "v1",
                         "resourceVersion": meta_str(pvc, "resourceVersion")},
        },
        "status": {"phase": "Bound"},
    });
    if sim.store.get(pvs, "", &pv_name).is_none() && sim.store.create(pvs, pv).is_err() {
        return;
    }
    let bound = sim.store.mutate(pvcs, ns, name, |o| {
        if o["status"]["phase"] == "Bound" {
            return false;
        }
        o["spec"]["volumeName"] = json!(pv_name);
        o["spec"]["storageClassName"] = json!(class_name);
        o["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] = json!("yes");
        o["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] =
            json!(provisioner);
        o["status"] =
            json!({"phase": "Bound", "accessModes": modes, "capacity": {"storage": size}});
        true
    });
    if let Some(pvc) = bound {
        rec.normal(
            sim,
            &pvc,
            "ProvisioningSucceeded",
            &format!("Successfully provisioned volume {pv_name}"),
            &provisioner,
        );
    }
}
