//! The object store: every object as JSON, one global resourceVersion counter, a bounded event history
//! and one broadcast of each change to all watchers.
//!
//! Owns: create/update/delete semantics shared by API handlers and controllers (uid, creationTimestamp,
//! generation, optimistic concurrency, namespace existence, owner-reference garbage collection). Objects
//! are kept as compact JSON bytes (a parsed `serde_json::Value` costs ~8x more, which matters at 50k
//! pods) and handed out parsed, so unknown fields survive. Each change is serialized once into a watch
//! frame that all watchers and the history window share. It must not know about HTTP.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::resources::{Kinds, ResourceType, idx};
use super::status::ApiError;

pub use super::meta::{meta_str, new_uid, now_rfc3339, random_suffix};
use super::store_events::frame;
pub use super::store_events::{EventType, Subscription, WatchEvent};

pub type Obj = Arc<Value>;
/// (namespace, name); the namespace is empty for cluster-scoped kinds.
pub type Key = (String, String);

/// A stored object: its JSON and the owner uids the garbage collector and controllers look up.
struct Entry {
    raw: Bytes,
    owners: Box<[Box<str>]>,
}

impl Entry {
    fn new(obj: &Value) -> Self {
        let owners = obj["metadata"]["ownerReferences"]
            .as_array()
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| r["uid"].as_str().map(Box::from))
                    .collect()
            })
            .unwrap_or_default();
        // Exactly the bytes: a serializer's buffer grows by doubling, and 50k pods would keep the slack.
        let mut raw = serde_json::to_vec(obj).unwrap_or_default();
        raw.shrink_to_fit();
        Entry {
            raw: Bytes::from(raw),
            owners,
        }
    }

    fn parse(&self) -> Obj {
        Arc::new(serde_json::from_slice(&self.raw).unwrap_or(Value::Null))
    }

    fn owned_by(&self, uid: &str) -> bool {
        self.owners.iter().any(|o| &**o == uid)
    }
}

pub struct State {
    rv: u64,
    kinds: Kinds,
    tables: Vec<BTreeMap<Key, Entry>>,
    history: VecDeque<Arc<WatchEvent>>,
    /// Every change after this resourceVersion is in `history`.
    history_floor: u64,
}

pub struct Store {
    state: RwLock<State>,
    tx: broadcast::Sender<Arc<WatchEvent>>,
    history_cap: usize,
}

fn key_of(rt: &ResourceType, obj: &Value) -> Key {
    let ns = if rt.namespaced {
        meta_str(obj, "namespace").to_string()
    } else {
        String::new()
    };
    (ns, meta_str(obj, "name").to_string())
}

impl Store {
    pub fn new(history_cap: usize) -> Self {
        let (tx, _) = broadcast::channel(16 * 1024);
        let kinds = Kinds::default();
        Store {
            state: RwLock::new(State {
                rv: 1,
                tables: (0..kinds.len()).map(|_| BTreeMap::new()).collect(),
                kinds,
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

    /// Every change after this resourceVersion is still in the history: older versions are "too old".
    pub fn history_floor(&self) -> u64 {
        self.read().history_floor
    }

    /// The kind at an index (indexes come from [`Store::lookup`] or `idx`, so they always exist).
    pub fn kind(&self, res: usize) -> Arc<ResourceType> {
        self.read().kinds.get(res).clone()
    }

    /// A snapshot of the kinds this cluster serves.
    pub fn kinds(&self) -> Kinds {
        self.read().kinds.clone()
    }

    pub fn get(&self, res: usize, ns: &str, name: &str) -> Option<Obj> {
        let st = self.read();
        let ns = if st.kinds.get(res).namespaced { ns } else { "" };
        st.tables[res]
            .get(&(ns.to_string(), name.to_string()))
            .map(Entry::parse)
    }

    /// The stored JSON of one object, unparsed.
    pub fn get_raw(&self, res: usize, ns: &str, name: &str) -> Option<Bytes> {
        let st = self.read();
        let ns = if st.kinds.get(res).namespaced { ns } else { "" };
        st.tables[res]
            .get(&(ns.to_string(), name.to_string()))
            .map(|e| e.raw.clone())
    }

    pub fn count(&self, res: usize) -> usize {
        self.read().tables[res].len()
    }

    /// The stored JSON of objects of one kind (in one namespace when given), ordered by namespace then
    /// name, starting after `after`, at most `max` of them; with the number of objects left beyond those
    /// returned and the resourceVersion the list is consistent at.
    pub fn entries(
        &self,
        res: usize,
        ns: Option<&str>,
        after: Option<&Key>,
        max: Option<usize>,
    ) -> (Vec<(Key, Bytes)>, usize, u64) {
        use std::ops::Bound;
        let st = self.read();
        let start = match after {
            Some(k) => Bound::Excluded(k.clone()),
            None => match ns {
                Some(ns) => Bound::Included((ns.to_string(), String::new())),
                None => Bound::Unbounded,
            },
        };
        let mut it = st.tables[res]
            .range((start, Bound::Unbounded))
            .take_while(|((kns, _), _)| ns.is_none_or(|ns| kns == ns));
        let items: Vec<(Key, Bytes)> = it
            .by_ref()
            .take(max.unwrap_or(usize::MAX))
            .map(|(k, e)| (k.clone(), e.raw.clone()))
            .collect();
        let rest = it.count();
        (items, rest, st.rv)
    }

    /// Objects of one kind in one namespace (all when None), parsed.
    pub fn objects(&self, res: usize, ns: Option<&str>) -> Vec<Obj> {
        self.objects_containing(res, ns, &[])
    }

    /// Like [`Store::objects`], but only objects whose JSON contains every one of `needles` are parsed
    /// and returned: a cheap prefilter for scans over 50k pods.
    pub fn objects_containing(&self, res: usize, ns: Option<&str>, needles: &[&str]) -> Vec<Obj> {
        let raws: Vec<Bytes> = {
            let st = self.read();
            let range: Box<dyn Iterator<Item = (&Key, &Entry)>> = match ns {
                Some(ns) => Box::new(
                    st.tables[res]
                        .range((ns.to_string(), String::new())..)
                        .take_while(move |((kns, _), _)| kns == ns),
                ),
                None => Box::new(st.tables[res].iter()),
            };
            range
                .filter(|(_, e)| needles.iter().all(|n| contains(&e.raw, n.as_bytes())))
                .map(|(_, e)| e.raw.clone())
                .collect()
        };
        raws.iter()
            .map(|r| Arc::new(serde_json::from_slice(r).unwrap_or(Value::Null)))
            .collect()
    }

    /// Objects in `ns` whose ownerReferences name `owner_uid`.
    pub fn owned(&self, res: usize, ns: &str, owner_uid: &str) -> Vec<Obj> {
        let st = self.read();
        st.tables[res]
            .range((ns.to_string(), String::new())..)
            .take_while(|((kns, _), _)| kns == ns)
            .filter(|(_, e)| e.owned_by(owner_uid))
            .map(|(_, e)| e.parse())
            .collect()
    }

    /// The n-th object of a kind (modulo the count), for picking one at random without copying a list.
    pub fn nth(&self, res: usize, n: usize) -> Option<Obj> {
        let st = self.read();
        let len = st.tables[res].len();
        if len == 0 {
            return None;
        }
        st.tables[res].values().nth(n % len).map(Entry::parse)
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

    /// Subscribes and snapshots one kind (as stored JSON) at the same instant, for watches that start
    /// with the current state.
    pub fn snapshot_and_subscribe(
        &self,
        res: usize,
        ns: Option<&str>,
    ) -> (Vec<Bytes>, Subscription) {
        let st = self.read();
        let rx = self.tx.subscribe();
        let items = st.tables[res]
            .iter()
            .filter(|((kns, _), _)| ns.is_none_or(|ns| kns == ns))
            .map(|(_, e)| e.raw.clone())
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

    fn emit(
        &self,
        st: &mut State,
        res: usize,
        kind: EventType,
        raw: &[u8],
        namespace: String,
        prev_raw: Option<Bytes>,
    ) {
        let (frame, raw) = frame(kind, raw);
        let ev = Arc::new(WatchEvent {
            res,
            kind,
            rv: st.rv,
            namespace,
            frame,
            raw,
            prev_raw,
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

    /// Stores `obj` under `key` and tells watchers.
    fn put(&self, st: &mut State, res: usize, key: Key, obj: Value, kind: EventType) -> Obj {
        let entry = Entry::new(&obj);
        let prev_raw = match kind {
            EventType::Modified => st.tables[res].get(&key).map(|e| e.raw.clone()),
            _ => None,
        };
        self.emit(st, res, kind, &entry.raw, key.0.clone(), prev_raw);
        st.tables[res].insert(key, entry);
        Arc::new(obj)
    }

    /// Inserts a new object, filling in server-set metadata.
    pub fn create(&self, res: usize, mut obj: Value) -> Result<Obj, ApiError> {
        if obj["metadata"]["name"].as_str().is_none_or(str::is_empty)
            && let Some(prefix) = obj["metadata"]["generateName"].as_str()
        {
            let name = format!("{prefix}{}", random_suffix(5));
            obj["metadata"]["name"] = json!(name);
        }
        let mut st = self.write();
        let rt = st.kinds.get(res).clone();
        let key = key_of(&rt, &obj);
        if rt.namespaced {
            let Some(ns) = st.tables[idx::NAMESPACES].get(&(String::new(), key.0.clone())) else {
                return Err(ApiError::not_found("", "namespaces", &key.0));
            };
            if !ns.parse()["metadata"]["deletionTimestamp"].is_null() {
                return Err(ApiError::namespace_terminating(
                    &rt.group, &rt.plural, &key.1, &key.0,
                ));
            }
        }
        if st.tables[res].contains_key(&key) {
            return Err(ApiError::already_exists(&rt.group, &rt.plural, &key.1));
        }
        let meta = &mut obj["metadata"];
        meta["uid"] = json!(new_uid());
        meta["creationTimestamp"] = json!(now_rfc3339());
        if let Some(m) = meta.as_object_mut() {
            m.remove("deletionTimestamp");
        }
        if has_generation(&rt, &obj) {
            obj["metadata"]["generation"] = json!(1);
        }
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        if res == idx::CRDS {
            self.serve_crd(&mut st, &mut obj)?;
        }
        Self::bump(&mut st, &mut obj);
        Ok(self.put(&mut st, res, key, obj, EventType::Added))
    }

    /// Replaces an object. A resourceVersion in the body must match (409 Conflict otherwise). With
    /// `status_only`, only `.status` changes; otherwise `.status` is kept for kinds with a status
    /// subresource, as the apiserver does.
    pub fn update(&self, res: usize, mut obj: Value, status_only: bool) -> Result<Obj, ApiError> {
        let mut st = self.write();
        let rt = st.kinds.get(res).clone();
        let key = key_of(&rt, &obj);
        let Some(old) = st.tables[res].get(&key).map(Entry::parse) else {
            return Err(ApiError::not_found(&rt.group, &rt.plural, &key.1));
        };
        if let Some(rv) = obj["metadata"]["resourceVersion"].as_str()
            && !rv.is_empty()
            && rv != meta_str(&old, "resourceVersion")
        {
            return Err(ApiError::conflict(&rt.group, &rt.plural, &key.1));
        }
        if status_only {
            let status = obj["status"].take();
            let managed = obj["metadata"]["managedFields"].take();
            obj = (*old).clone();
            obj["status"] = status;
            if !managed.is_null() {
                obj["metadata"]["managedFields"] = managed;
            }
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
            if has_generation(&rt, &obj) && obj["spec"] != old["spec"] {
                let generation = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
                obj["metadata"]["generation"] = json!(generation);
            }
        }
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
        if res == idx::CRDS && !status_only {
            self.serve_crd(&mut st, &mut obj)?;
        }
        if obj == *old {
            return Ok(old);
        }
        Self::bump(&mut st, &mut obj);
        Ok(self.put(&mut st, res, key, obj, EventType::Modified))
    }

    /// Registers (or re-registers) the kinds a CRD defines and fills in its status, as the
    /// apiextensions controllers do: names accepted and Established at once.
    fn serve_crd(&self, st: &mut State, crd: &mut Value) -> Result<(), ApiError> {
        let kinds = super::crd::kinds_of(crd).map_err(|problems| {
            ApiError::invalid(
                "CustomResourceDefinition.apiextensions.k8s.io",
                meta_str(crd, "name"),
                &problems,
            )
        })?;
        for rt in kinds {
            let i = st.kinds.upsert(rt);
            if st.tables.len() <= i {
                st.tables.resize_with(i + 1, BTreeMap::new);
            }
        }
        super::crd::set_established(crd);
        Ok(())
    }

    /// Changes an object in place (controllers). `f` returns false to leave it untouched.
    pub fn mutate(
        &self,
        res: usize,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut Value) -> bool,
    ) -> Option<Obj> {
        let mut st = self.write();
        let ns = if st.kinds.get(res).namespaced { ns } else { "" };
        let key = (ns.to_string(), name.to_string());
        let old = st.tables[res].get(&key)?.parse();
        let mut obj = (*old).clone();
        if !f(&mut obj) {
            return Some(old);
        }
        Self::bump(&mut st, &mut obj);
        Some(self.put(&mut st, res, key, obj, EventType::Modified))
    }

    /// Deletes an object and, like the garbage collector, everything it owns (transitively) and, for a
    /// namespace, everything in it; deleting a CRD removes its kinds and their objects.
    pub fn delete(&self, res: usize, ns: &str, name: &str) -> Result<Obj, ApiError> {
        let mut st = self.write();
        let rt = st.kinds.get(res).clone();
        let ns = if rt.namespaced { ns } else { "" };
        let key = (ns.to_string(), name.to_string());
        let Some(entry) = st.tables[res].remove(&key) else {
            return Err(ApiError::not_found(&rt.group, &rt.plural, name));
        };
        let gone = self.tombstone(&mut st, res, &key, &entry);
        if res == idx::NAMESPACES {
            let namespaced: Vec<usize> = st
                .kinds
                .served()
                .filter(|k| k.namespaced)
                .map(|k| k.index)
                .collect();
            for r in namespaced {
                let keys: Vec<Key> = st.tables[r]
                    .range((name.to_string(), String::new())..)
                    .take_while(|((kns, _), _)| kns == name)
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in keys {
                    if let Some(e) = st.tables[r].remove(&k) {
                        self.tombstone(&mut st, r, &k, &e);
                    }
                }
            }
        } else if res == idx::CRDS {
            for r in st.kinds.remove_crd(name) {
                let keys: Vec<Key> = st.tables[r].keys().cloned().collect();
                for k in keys {
                    if let Some(e) = st.tables[r].remove(&k) {
                        self.tombstone(&mut st, r, &k, &e);
                    }
                }
            }
        } else if rt.namespaced && !matches!(res, idx::PODS | idx::EVENTS) {
            self.collect_dependents(&mut st, ns, meta_str(&gone, "uid"));
        }
        Ok(gone)
    }

    fn tombstone(&self, st: &mut State, res: usize, key: &Key, entry: &Entry) -> Obj {
        let mut gone = (*entry.parse()).clone();
        Self::bump(st, &mut gone);
        let raw = serde_json::to_vec(&gone).unwrap_or_default();
        self.emit(st, res, EventType::Deleted, &raw, key.0.clone(), None);
        Arc::new(gone)
    }

    fn collect_dependents(&self, st: &mut State, ns: &str, owner_uid: &str) {
        let mut pending = vec![owner_uid.to_string()];
        let namespaced: Vec<usize> = st
            .kinds
            .served()
            .filter(|k| k.namespaced && k.index != idx::EVENTS)
            .map(|k| k.index)
            .collect();
        while let Some(uid) = pending.pop() {
            for &r in &namespaced {
                let keys: Vec<Key> = st.tables[r]
                    .range((ns.to_string(), String::new())..)
                    .take_while(|((kns, _), _)| kns == ns)
                    .filter(|(_, e)| e.owned_by(&uid))
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in keys {
                    if let Some(e) = st.tables[r].remove(&k) {
                        let gone = self.tombstone(st, r, &k, &e);
                        pending.push(meta_str(&gone, "uid").to_string());
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
            let key = key_of(st.kinds.get(res), &obj);
            st.tables[res].insert(key, Entry::new(&obj));
        }
        st.history_floor = st.rv;
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;

/// Whether a kind's objects carry metadata.generation (`generation` in kinds.yaml; every custom
/// resource).
fn has_generation(rt: &ResourceType, _obj: &Value) -> bool {
    rt.generation
}
