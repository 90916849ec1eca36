//! Unit tests of `store.rs`.
use super::*;

fn ns(name: &str) -> Value {
    json!({"metadata": {"name": name}})
}

fn pod(ns: &str, name: &str) -> Value {
    json!({"metadata": {"name": name, "namespace": ns}, "spec": {}})
}

#[test]
fn create_assigns_rising_versions_and_rejects_duplicates() {
    let s = Store::new(100);
    let a = s.create(idx::NAMESPACES, ns("a")).unwrap();
    let p = s.create(idx::PODS, pod("a", "p")).unwrap();
    let rva: u64 = meta_str(&a, "resourceVersion").parse().unwrap();
    let rvp: u64 = meta_str(&p, "resourceVersion").parse().unwrap();
    assert!(rvp > rva);
    assert_eq!(s.create(idx::PODS, pod("a", "p")).unwrap_err().code, 409);
    assert_eq!(s.create(idx::PODS, pod("nope", "p")).unwrap_err().code, 404);
}

#[test]
fn stale_update_conflicts() {
    let s = Store::new(100);
    s.create(idx::NAMESPACES, ns("a")).unwrap();
    let p = s.create(idx::PODS, pod("a", "p")).unwrap();
    let mut v = (*p).clone();
    v["metadata"]["labels"] = json!({"x": "1"});
    s.update(idx::PODS, v.clone(), false).unwrap();
    v["metadata"]["labels"] = json!({"x": "2"});
    assert_eq!(
        s.update(idx::PODS, v, false).unwrap_err().reason,
        "Conflict"
    );
}

#[test]
fn history_window_expires_old_versions() {
    let s = Store::new(16);
    s.create(idx::NAMESPACES, ns("a")).unwrap();
    for i in 0..40 {
        s.create(idx::PODS, pod("a", &format!("p{i}"))).unwrap();
    }
    assert_eq!(s.subscribe(Some(2)).err().unwrap().code, 410);
    let sub = s.subscribe(Some(s.current_rv() - 3)).unwrap();
    assert_eq!(sub.backlog.len(), 3);
}

#[test]
fn namespace_delete_cascades() {
    let s = Store::new(100);
    s.create(idx::NAMESPACES, ns("a")).unwrap();
    s.create(idx::PODS, pod("a", "p")).unwrap();
    s.delete(idx::NAMESPACES, "", "a").unwrap();
    assert_eq!(s.count(idx::PODS), 0);
}

#[test]
fn owner_delete_collects_dependents() {
    let s = Store::new(100);
    s.create(idx::NAMESPACES, ns("a")).unwrap();
    let rs = s
        .create(
            idx::REPLICASETS,
            json!({"metadata": {"name": "r", "namespace": "a"}}),
        )
        .unwrap();
    let mut p = pod("a", "p");
    p["metadata"]["ownerReferences"] = json!([{"uid": meta_str(&rs, "uid")}]);
    s.create(idx::PODS, p).unwrap();
    s.create(idx::PODS, pod("a", "q")).unwrap();
    s.delete(idx::REPLICASETS, "a", "r").unwrap();
    assert_eq!(s.count(idx::PODS), 1);
}
