//! The object store: every object as JSON, one global resourceVersion counter, a bounded event history
//! and one broadcast of each change to all watchers.
//!
//! Owns: create/update/delete semantics shared by API handlers and controllers (uid, creationTimestamp,
//! generation, optimistic concurrency, namespace existence, owner-reference garbage collection). Objects
//! are `serde_json::Value` so unknown fields survive; each change is serialized once into a watch frame
//! that all watchers share. It must not know about HTTP.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::resources::{RESOURCES, idx};
use super::status::ApiError;

pub type Obj = Arc<Value>;
/// (namespace, name); the namespace is empty for cluster-scoped kinds.
pub type Key = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, shared by every watcher that receives it.
#[derive(Debug)]
pub struct WatchEvent {
    pub res: usize,
    pub kind: EventType,
    pub rv: u64,
    pub object: Obj,
    /// `{"type":..,"object":..}\n`, serialized once.
    pub frame: Bytes,
}

/// A watch's starting point: the events after `rv` that are still in the history window, plus a receiver
/// for everything after them, taken atomically so nothing is lost or repeated.
pub struct Subscription {
    pub backlog: Vec<Arc<WatchEvent>>,
    pub rx: broadcast::Receiver<Arc<WatchEvent>>,
    pub rv: u64,
}

pub struct State {
    rv: u64,
    tables: Vec<BTreeMap<Key, Obj>>,
    history: VecDeque<Arc<WatchEvent>>,
    /// Every change after this resourceVersion is in `history`.
    history_floor: u64,
}

pub struct Store {
    state: RwLock<State>,
    tx: broadcast::Sender<Arc<WatchEvent>>,
    history_cap: usize,
}

/// RFC 3339 at second precision, as the apiserver writes metav1.Time.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub fn new_uid() -> String {
    let a: u64 = rand::random();
    let b: u64 = rand::random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

pub fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj["metadata"][field].as_str().unwrap_or("")
}

fn key_of(res: usize, obj: &Value) -> Key {
    let ns = if RESOURCES[res].namespaced {
        meta_str(obj, "namespace").to_string()
    } else {
        String::new()
    };
    (ns, meta_str(obj, "name").to_string())
}

fn frame(kind: EventType, obj: &Value) -> Bytes {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(kind.as_str().as_bytes());
    out.extend_from_slice(b"\",\"object\":");
    // Serializing a Value into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, obj);
    out.extend_from_slice(b"}\n");
    Bytes::from(out)
}

impl Store {
    pub fn new(history_cap: usize) -> Self {
        let (tx, _) = broadcast::channel(16 * 1024);
        Store {
            state: RwLock::new(State {
                rv: 1,
                tables: RESOURCES.iter().map(|_| BTreeMap::new()).collect(),
                history: VecDeque::new(),
                history_floor: 1,
            }),
            tx,
            history_cap: history_cap.max(16),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn current_rv(&self) -> u64 {
        self.read().rv
    }

    pub fn get(&self, res: usize, ns: &str, name: &str) -> Option<Obj> {
        let ns = if RESOURCES[res].namespaced { ns } else { "" };
        self.read().tables[res]
            .get(&(ns.to_string(), name.to_string()))
            .cloned()
    }

    pub fn count(&self, res: usize) -> usize {
        self.read().tables[res].len()
    }

    /// Objects of one kind (in one namespace when given), ordered by namespace then name, with the
    /// resourceVersion the list is consistent at. `after` continues a paged list past that key.
    pub fn list(
        &self,
        res: usize,
        ns: Option<&str>,
        after: Option<&Key>,
    ) -> (Vec<(Key, Obj)>, u64) {
        use std::ops::Bound;
        let st = self.read();
        let table = &st.tables[res];
        let start = match after {
            Some(k) => Bound::Excluded(k.clone()),
            None => match ns {
                Some(ns) => Bound::Included((ns.to_string(), String::new())),
                None => Bound::Unbounded,
            },
        };
        let items = table
            .range((start, Bound::Unbounded))
            .take_while(|((kns, _), _)| ns.is_none_or(|ns| kns == ns))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        (items, st.rv)
    }

    /// Objects of one kind in one namespace (all when None), without their keys.
    pub fn objects(&self, res: usize, ns: Option<&str>) -> Vec<Obj> {
        let st = self.read();
        match ns {
            Some(ns) => st.tables[res]
                .range((ns.to_string(), String::new())..)
                .take_while(|((kns, _), _)| kns == ns)
                .map(|(_, v)| v.clone())
                .collect(),
            None => st.tables[res].values().cloned().collect(),
        }
    }

    /// Objects in `ns` whose ownerReferences name `owner_uid`.
    pub fn owned(&self, res: usize, ns: &str, owner_uid: &str) -> Vec<Obj> {
        let st = self.read();
        st.tables[res]
            .range((ns.to_string(), String::new())..)
            .take_while(|((kns, _), _)| kns == ns)
            .filter(|(_, o)| owned_by(o, owner_uid))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The n-th object of a kind (modulo the count), for picking one at random without copying a list.
    pub fn nth(&self, res: usize, n: usize) -> Option<Obj> {
        let st = self.read();
        let len = st.tables[res].len();
        if len == 0 {
            return None;
        }
        st.tables[res].values().nth(n % len).cloned()
    }

    /// Starts a watch after `rv` (None: from now). Err when `rv` is older than the history window.
    pub fn subscribe(&self, rv: Option<u64>) -> Result<Subscription, ApiError> {
        let st = self.read();
        let rx = self.tx.subscribe();
        let backlog = match rv {
            None => Vec::new(),
            Some(rv) if rv >= st.rv => Vec::new(),
            Some(rv) if rv < st.history_floor => {
                return Err(ApiError::gone(format!(
                    "too old resource version: {rv} ({})",
                    st.history_floor
                )));
            }
            Some(rv) => st.history.iter().filter(|e| e.rv > rv).cloned().collect(),
        };
        Ok(Subscription {
            backlog,
            rx,
            rv: st.rv,
        })
    }

    /// Subscribes and snapshots one kind at the same instant (for watches that send initial events).
    pub fn snapshot_and_subscribe(&self, res: usize, ns: Option<&str>) -> (Vec<Obj>, Subscription) {
        let st = self.read();
        let rx = self.tx.subscribe();
        let items = st.tables[res]
            .iter()
            .filter(|((kns, _), _)| ns.is_none_or(|ns| kns == ns))
            .map(|(_, v)| v.clone())
            .collect();
        (
            items,
            Subscription {
                backlog: Vec::new(),
                rx,
                rv: st.rv,
            },
        )
    }

    fn emit(&self, st: &mut State, res: usize, kind: EventType, object: Obj) {
        let ev = Arc::new(WatchEvent {
            res,
            kind,
            rv: st.rv,
            frame: frame(kind, &object),
            object,
        });
        st.history.push_back(ev.clone());
        while st.history.len() > self.history_cap {
            if let Some(old) = st.history.pop_front() {
                st.history_floor = old.rv;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = self.tx.send(ev);
    }

    fn bump(st: &mut State, obj: &mut Value) -> u64 {
        st.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(st.rv.to_string());
        st.rv
    }

    /// Inserts a new object, filling in server-set metadata.
    pub fn create(&self, res: usize, mut obj: Value) -> Result<Obj, ApiError> {
        let rt = &RESOURCES[res];
        if obj["metadata"]["name"].as_str().is_none_or(str::is_empty)
            && let Some(prefix) = obj["metadata"]["generateName"].as_str()
        {
            let name = format!("{prefix}{}", random_suffix(5));
            obj["metadata"]["name"] = json!(name);
        }
        let key = key_of(res, &obj);
        let mut st = self.write();
        if rt.namespaced
            && !st.tables[idx::NAMESPACES].contains_key(&(String::new(), key.0.clone()))
        {
            return Err(ApiError::not_found("", "namespaces", &key.0));
        }
        if st.tables[res].contains_key(&key) {
            return Err(ApiError::already_exists(rt.group, rt.plural, &key.1));
        }
        let meta = &mut obj["metadata"];
        meta["uid"] = json!(new_uid());
        meta["creationTimestamp"] = json!(now_rfc3339());
        if let Some(m) = meta.as_object_mut() {
            m.remove("deletionTimestamp");
            m.remove("managedFields");
        }
        if rt.group == "apps" {
            obj["metadata"]["generation"] = json!(1);
        }
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        Self::bump(&mut st, &mut obj);
        let obj = Arc::new(obj);
        st.tables[res].insert(key, obj.clone());
        self.emit(&mut st, res, EventType::Added, obj.clone());
        Ok(obj)
    }

    /// Replaces an object. A resourceVersion in the body must match (409 Conflict otherwise). With
    /// `status_only`, only `.status` changes; otherwise `.status` is kept for kinds with a status
    /// subresource, as the apiserver does.
    pub fn update(&self, res: usize, mut obj: Value, status_only: bool) -> Result<Obj, ApiError> {
        let rt = &RESOURCES[res];
        let key = key_of(res, &obj);
        let mut st = self.write();
        let Some(old) = st.tables[res].get(&key).cloned() else {
            return Err(ApiError::not_found(rt.group, rt.plural, &key.1));
        };
        if let Some(rv) = obj["metadata"]["resourceVersion"].as_str()
            && !rv.is_empty()
            && rv != meta_str(&old, "resourceVersion")
        {
            return Err(ApiError::conflict(rt.group, rt.plural, &key.1));
        }
        if status_only {
            let status = obj["status"].take();
            obj = (*old).clone();
            obj["status"] = status;
        } else {
            if rt.status {
                obj["status"] = old["status"].clone();
            }
            for field in [
                "uid",
                "creationTimestamp",
                "generation",
                "deletionTimestamp",
            ] {
                match old["metadata"].get(field) {
                    Some(v) => obj["metadata"][field] = v.clone(),
                    None => {
                        if let Some(m) = obj["metadata"].as_object_mut() {
                            m.remove(field);
                        }
                    }
                }
            }
            if rt.group == "apps" && obj["spec"] != old["spec"] {
                let generation = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
                obj["metadata"]["generation"] = json!(generation);
            }
        }
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        if obj == *old {
            return Ok(old);
        }
        Self::bump(&mut st, &mut obj);
        let obj = Arc::new(obj);
        st.tables[res].insert(key, obj.clone());
        self.emit(&mut st, res, EventType::Modified, obj.clone());
        Ok(obj)
    }

    /// Changes an object in place (controllers). `f` returns false to leave it untouched.
    pub fn mutate(
        &self,
        res: usize,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut Value) -> bool,
    ) -> Option<Obj> {
        let ns = if RESOURCES[res].namespaced { ns } else { "" };
        let key = (ns.to_string(), name.to_string());
        let mut st = self.write();
        let old = st.tables[res].get(&key)?;
        let mut obj = (**old).clone();
        if !f(&mut obj) {
            return Some(old.clone());
        }
        Self::bump(&mut st, &mut obj);
        let obj = Arc::new(obj);
        st.tables[res].insert(key, obj.clone());
        self.emit(&mut st, res, EventType::Modified, obj.clone());
        Some(obj)
    }

    /// Deletes an object and, like the garbage collector, everything it owns (transitively) and, for a
    /// namespace, everything in it.
    pub fn delete(&self, res: usize, ns: &str, name: &str) -> Result<Obj, ApiError> {
        let rt = &RESOURCES[res];
        let ns = if rt.namespaced { ns } else { "" };
        let mut st = self.write();
        let key = (ns.to_string(), name.to_string());
        let Some(obj) = st.tables[res].remove(&key) else {
            return Err(ApiError::not_found(rt.group, rt.plural, name));
        };
        let gone = self.tombstone(&mut st, res, &obj);
        if res == idx::NAMESPACES {
            for (r, rt) in RESOURCES.iter().enumerate() {
                if !rt.namespaced {
                    continue;
                }
                let keys: Vec<Key> = st.tables[r]
                    .range((name.to_string(), String::new())..)
                    .take_while(|((kns, _), _)| kns == name)
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in keys {
                    if let Some(o) = st.tables[r].remove(&k) {
                        self.tombstone(&mut st, r, &o);
                    }
                }
            }
        } else if matches!(
            res,
            idx::DEPLOYMENTS | idx::REPLICASETS | idx::STATEFULSETS | idx::DAEMONSETS
        ) {
            self.collect_dependents(&mut st, ns, meta_str(&obj, "uid"));
        }
        Ok(gone)
    }

    fn tombstone(&self, st: &mut State, res: usize, obj: &Obj) -> Obj {
        let mut gone = (**obj).clone();
        Self::bump(st, &mut gone);
        let gone = Arc::new(gone);
        self.emit(st, res, EventType::Deleted, gone.clone());
        gone
    }

    fn collect_dependents(&self, st: &mut State, ns: &str, owner_uid: &str) {
        let mut pending = vec![owner_uid.to_string()];
        while let Some(uid) = pending.pop() {
            for r in [idx::REPLICASETS, idx::PODS] {
                let keys: Vec<Key> = st.tables[r]
                    .range((ns.to_string(), String::new())..)
                    .take_while(|((kns, _), _)| kns == ns)
                    .filter(|(_, o)| owned_by(o, &uid))
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in keys {
                    if let Some(o) = st.tables[r].remove(&k) {
                        pending.push(meta_str(&o, "uid").to_string());
                        self.tombstone(st, r, &o);
                    }
                }
            }
        }
    }

    /// Loads objects without events or history (scenario seeding before serving). Server-set metadata
    /// must already be filled in.
    pub fn seed(&self, res: usize, objs: impl IntoIterator<Item = Value>) {
        let mut st = self.write();
        for mut obj in objs {
            Self::bump(&mut st, &mut obj);
            let key = key_of(res, &obj);
            st.tables[res].insert(key, Arc::new(obj));
        }
        st.history_floor = st.rv;
    }
}

pub fn owned_by(obj: &Value, uid: &str) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["uid"].as_str() == Some(uid)))
}

/// Lowercase alphanumerics without vowels, as the apiserver's generateName uses.
pub fn random_suffix(n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..n)
        .map(|_| ALPHABET[rand::random::<u32>() as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
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
}
