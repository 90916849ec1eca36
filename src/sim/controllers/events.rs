//! The event recorder: core/v1 Events about objects, aggregated like the apiserver's event correlator
//! (a repeat of the same reason and message on the same object bumps `count` and `lastTimestamp`), and
//! bounded so churn at 50k pods does not grow memory without limit (oldest events are deleted, as their
//! TTL would expire them in a real cluster).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::sim::Sim;
use crate::sim::objects;
use crate::sim::resources::idx;
use crate::sim::store::{meta_str, now_rfc3339};

pub struct Recorder {
    cap: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// (involved uid, reason, message) → (namespace, event name)
    by_key: HashMap<(String, String, String), (String, String)>,
    order: VecDeque<(String, String, String)>,
}

impl Recorder {
    pub fn new(cap: usize) -> Self {
        Recorder {
            cap,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn normal(&self, sim: &Sim, obj: &Value, reason: &str, message: &str, component: &str) {
        self.record(sim, obj, "Normal", reason, message, component);
    }

    pub fn warning(&self, sim: &Sim, obj: &Value, reason: &str, message: &str, component: &str) {
        self.record(sim, obj, "Warning", reason, message, component);
    }

    fn record(
        &self,
        sim: &Sim,
        obj: &Value,
        type_: &str,
        reason: &str,
        message: &str,
        component: &str,
    ) {
        let key = (
            meta_str(obj, "uid").to_string(),
            reason.to_string(),
            message.to_string(),
        );
        let now = now_rfc3339();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((ns, name)) = inner.by_key.get(&key).cloned() {
            let bumped = sim.store.mutate(idx::EVENTS, &ns, &name, |e| {
                e["count"] = json!(e["count"].as_i64().unwrap_or(1) + 1);
                e["lastTimestamp"] = json!(now);
                true
            });
            if bumped.is_some() {
                return;
            }
        }
        let mut ev = objects::event(obj, type_, reason, message, component, &now);
        if let Some(node) = obj["spec"]["nodeName"]
            .as_str()
            .filter(|_| component == "kubelet")
        {
            ev["source"]["host"] = json!(node);
        }
        let ns = meta_str(&ev, "namespace").to_string();
        let name = meta_str(&ev, "name").to_string();
        if sim.store.create(idx::EVENTS, ev).is_ok() {
            inner.by_key.insert(key.clone(), (ns, name));
            inner.order.push_back(key);
        }
        while inner.order.len() > self.cap {
            if let Some(old) = inner.order.pop_front()
                && let Some((ns, name)) = inner.by_key.remove(&old)
            {
                let _ = sim.store.delete(idx::EVENTS, &ns, &name);
            }
        }
    }
}
