//! Managed fields: which manager owns which field of an object, kept in `metadata.managedFields` in the
//! apiserver's FieldsV1 encoding, and the server-side apply rules built on them (merge, removal of what
//! an applier stopped applying, conflicts and `force`).
//!
//! A field is a path of FieldsV1 keys: `f:NAME` for a map field, `k:{"name":"web"}` for an item of a
//! list keyed by its merge key, and `.` for a keyed item itself. Lists whose items carry no known merge
//! key, and lists of scalars, are atomic: owned as one field.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// One owned field: its FieldsV1 keys from the object's root, ending in an `f:` leaf or `.`.
pub type FieldPath = Vec<String>;
pub type FieldSet = BTreeSet<FieldPath>;

/// Which part of an object a write touches: the main resource (not status) or a subresource.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Main,
    Status,
}

/// The fields of an item of a list that make its key, in the order the apiserver prints them.
const MERGE_KEYS: &[&[&str]] = &[
    &["containerPort", "protocol"],
    &["port", "protocol"],
    &["name"],
    &["mountPath"],
    &["devicePath"],
    &["type"],
    &["uid"],
    &["ip"],
];

/// The key fields every item of `items` has, if some known merge key fits them all.
fn merge_key(items: &[Value]) -> Option<&'static [&'static str]> {
    if items.is_empty() || !items.iter().all(Value::is_object) {
        return None;
    }
    MERGE_KEYS.iter().copied().find(|key| {
        items
            .iter()
            .all(|i| i[key[0]].is_string() || i[key[0]].is_number())
    })
}

fn item_key(key: &[&str], item: &Value) -> String {
    let mut m = Map::new();
    for k in key {
        if !item[*k].is_null() {
            m.insert((*k).to_string(), item[*k].clone());
        }
    }
    format!("k:{}", Value::Object(m))
}

/// Every field `obj` sets within `scope`. Of metadata only labels, annotations, finalizers and
/// ownerReferences are owned, as in the apiserver.
pub fn fields_of(obj: &Value, scope: Scope) -> FieldSet {
    let mut out = FieldSet::new();
    let Some(map) = obj.as_object() else {
        return out;
    };
    for (k, v) in map {
        let wanted = match (scope, k.as_str()) {
            (_, "apiVersion" | "kind") => false,
            (Scope::Main, "status") => false,
            (Scope::Main, _) => true,
            (Scope::Status, f) => f == "status",
        };
        if !wanted {
            continue;
        }
        if k == "metadata" {
            for f in ["labels", "annotations", "finalizers", "ownerReferences"] {
                if let Some(child) = v.get(f) {
                    walk(child, vec!["f:metadata".into(), format!("f:{f}")], &mut out);
                }
            }
            continue;
        }
        walk(v, vec![format!("f:{k}")], &mut out);
    }
    out
}

fn walk(v: &Value, path: FieldPath, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let mut p = path.clone();
                p.push(format!("f:{k}"));
                walk(child, p, out);
            }
        }
        Value::Array(items) => match merge_key(items) {
            Some(key) => {
                for item in items {
                    let mut p = path.clone();
                    p.push(item_key(key, item));
                    let mut me = p.clone();
                    me.push(".".into());
                    out.insert(me);
                    walk(item, p, out);
                }
            }
            None => {
                out.insert(path);
            }
        },
        _ => {
            out.insert(path);
        }
    }
}

/// The value at a field path, if the object has it.
pub fn lookup<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for step in path {
        if step == "." {
            break;
        }
        if let Some(f) = step.strip_prefix("f:") {
            cur = cur.get(f)?;
        } else if let Some(k) = step.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).ok()?;
            cur = cur
                .as_array()?
                .iter()
                .find(|i| key.iter().all(|(kf, kv)| &i[kf] == kv))?;
        }
    }
    Some(cur)
}

/// Removes the field at `path` (a keyed item for a `.` path).
fn remove(obj: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    if last == "." {
        let Some((item, list_path)) = parents.split_last() else {
            return;
        };
        let Some(key) = item
            .strip_prefix("k:")
            .and_then(|k| serde_json::from_str::<Map<String, Value>>(k).ok())
        else {
            return;
        };
        if let Some(list) = lookup_mut(obj, list_path).and_then(Value::as_array_mut) {
            list.retain(|i| !key.iter().all(|(kf, kv)| &i[kf] == kv));
        }
        return;
    }
    if let (Some(f), Some(parent)) = (last.strip_prefix("f:"), lookup_mut(obj, parents))
        && let Some(m) = parent.as_object_mut()
    {
        m.remove(f);
    }
}

fn lookup_mut<'a>(obj: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = obj;
    for step in path {
        if let Some(f) = step.strip_prefix("f:") {
            cur = cur.get_mut(f)?;
        } else if let Some(k) = step.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).ok()?;
            cur = cur
                .as_array_mut()?
                .iter_mut()
                .find(|i| key.iter().all(|(kf, kv)| &i[kf] == kv))?;
        }
    }
    Some(cur)
}

/// A field path as the apiserver prints it in a conflict: `.spec.containers[name="web"].image`.
pub fn display(path: &[String]) -> String {
    let mut s = String::new();
    for step in path {
        if let Some(f) = step.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = step.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            let parts: Vec<String> = key.iter().map(|(f, v)| format!("{f}={v}")).collect();
            s.push_str(&format!("[{}]", parts.join(",")));
        }
    }
    s
}

/// FieldsV1 of a set: nested objects keyed by the path steps.
pub fn to_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut cur = &mut root;
        for step in path {
            let next = cur.entry(step.clone()).or_insert_with(|| json!({}));
            let Value::Object(m) = next else { break };
            cur = m;
        }
    }
    Value::Object(root)
}

/// The set a FieldsV1 value encodes (its leaves).
pub fn from_v1(v: &Value) -> FieldSet {
    fn go(v: &Value, path: &mut FieldPath, out: &mut FieldSet) {
        match v.as_object() {
            Some(m) if !m.is_empty() => {
                for (k, child) in m {
                    path.push(k.clone());
                    go(child, path, out);
                    path.pop();
                }
            }
            _ => {
                if !path.is_empty() {
                    out.insert(path.clone());
                }
            }
        }
    }
    let mut out = FieldSet::new();
    go(v, &mut Vec::new(), &mut out);
    out
}

/// Merges an applied configuration into `target`: maps field by field, keyed lists item by item,
/// anything else replaced.
pub fn merge(target: &mut Value, config: &Value) {
    match (target, config) {
        (Value::Object(t), Value::Object(c)) => {
            for (k, cv) in c {
                match t.get_mut(k) {
                    Some(tv) if !cv.is_null() => merge(tv, cv),
                    _ => {
                        t.insert(k.clone(), cv.clone());
                    }
                }
            }
        }
        (Value::Array(t), Value::Array(c)) => match merge_key(c) {
            Some(key) if merge_key(t).is_some_and(|k| k == key) || t.is_empty() => {
                for item in c {
                    let id = item_key(key, item);
                    match t.iter_mut().find(|i| item_key(key, i) == id) {
                        Some(existing) => merge(existing, item),
                        None => t.push(item.clone()),
                    }
                }
            }
            _ => *t = c.clone(),
        },
        (t, c) => *t = c.clone(),
    }
}

/// One entry of `metadata.managedFields`.
#[derive(Clone, Debug)]
pub struct Manager {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub subresource: Option<String>,
    pub time: String,
    pub fields: FieldSet,
}

impl Manager {
    fn same_owner(&self, other: &Manager) -> bool {
        self.manager == other.manager
            && self.operation == other.operation
            && self.subresource == other.subresource
    }

    /// How a conflict names this manager: `"M"` for an applier, `"M" using apps/v1` for an updater.
    pub fn describe(&self) -> String {
        let mut s = format!("\"{}\"", self.manager);
        if self.operation != "Apply" {
            if let Some(sub) = &self.subresource {
                s.push_str(&format!(" with subresource \"{sub}\""));
            }
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }

    fn to_json(&self) -> Value {
        let mut v = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_v1(&self.fields),
        });
        if let Some(s) = &self.subresource {
            v["subresource"] = json!(s);
        }
        v
    }
}

pub fn managers_of(obj: &Value) -> Vec<Manager> {
    let Some(list) = obj["metadata"]["managedFields"].as_array() else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|e| {
            Some(Manager {
                manager: e["manager"].as_str()?.to_string(),
                operation: e["operation"].as_str().unwrap_or("Update").to_string(),
                api_version: e["apiVersion"].as_str().unwrap_or("").to_string(),
                subresource: e["subresource"].as_str().map(str::to_string),
                time: e["time"].as_str().unwrap_or("").to_string(),
                fields: from_v1(&e["fieldsV1"]),
            })
        })
        .collect()
}

/// Writes `managers` into `obj`, appliers first, dropping those that own nothing any more.
pub fn set_managers(obj: &mut Value, mut managers: Vec<Manager>) {
    managers.retain(|m| !m.fields.is_empty());
    managers.sort_by_key(|m| m.operation != "Apply");
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    obj["metadata"]["managedFields"] =
        Value::Array(managers.iter().map(Manager::to_json).collect());
}

/// Records a non-apply write by `me`: the fields it set or changed become its own (and no one
/// else's), and fields it removed are no one's.
pub fn record_update(old: Option<&Value>, new: &mut Value, me: Manager, scope: Scope) {
    let mut managers = old.map(managers_of).unwrap_or_default();
    let after = fields_of(new, scope);
    let before = old.map(|o| fields_of(o, scope)).unwrap_or_default();
    let changed: FieldSet = after
        .iter()
        .filter(|p| old.is_none_or(|o| lookup(o, p) != lookup(new, p)))
        .cloned()
        .collect();
    let removed: FieldSet = before.difference(&after).cloned().collect();
    for m in &mut managers {
        m.fields
            .retain(|p| !changed.contains(p) && !removed.contains(p));
    }
    match managers.iter_mut().find(|m| m.same_owner(&me)) {
        Some(mine) => {
            mine.fields.extend(changed);
            mine.time = me.time;
            mine.api_version = me.api_version;
        }
        None if !changed.is_empty() => managers.push(Manager {
            fields: changed,
            ..me
        }),
        None => {}
    }
    set_managers(new, managers);
    settle(old, new);
}

/// A field another manager owns with a different value than the one applied.
pub struct Conflict {
    pub manager: String,
    pub field: String,
}

/// Server-side apply of `config` by `me` (operation Apply) onto `old` (None: the object is created).
/// Returns the merged object with its managed fields, or the conflicts (unless `force`, which takes
/// the fields over).
pub fn apply(
    old: Option<&Value>,
    config: &Value,
    me: Manager,
    force: bool,
) -> Result<Value, Vec<Conflict>> {
    let applied = fields_of(config, Scope::Main);
    let mut managers = old.map(managers_of).unwrap_or_default();
    let current = old.cloned().unwrap_or_else(|| json!({}));
    let mut conflicts = Vec::new();
    for m in managers.iter_mut().filter(|m| !m.same_owner(&me)) {
        let clashing: Vec<FieldPath> = applied
            .iter()
            .filter(|p| p.last().is_some_and(|l| l != "."))
            .filter(|p| m.fields.contains(*p) && lookup(&current, p) != lookup(config, p))
            .cloned()
            .collect();
        if force {
            m.fields.retain(|p| !clashing.contains(p));
        } else {
            conflicts.extend(clashing.iter().map(|p| Conflict {
                manager: m.describe(),
                field: display(p),
            }));
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let mut merged = current;
    let mut body = config.clone();
    if let Some(m) = body.as_object_mut() {
        m.remove("status");
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
            meta.remove("resourceVersion");
        }
    }
    merge(&mut merged, &body);
    // What this applier applied before and applies no more goes, unless someone else owns it too.
    let prior = managers
        .iter()
        .find(|m| m.same_owner(&me))
        .map(|m| m.fields.clone())
        .unwrap_or_default();
    let others: FieldSet = managers
        .iter()
        .filter(|m| !m.same_owner(&me))
        .flat_map(|m| m.fields.iter().cloned())
        .collect();
    // Deepest first, so that an item goes after its fields.
    let mut dropped: Vec<&FieldPath> = prior
        .iter()
        .filter(|p| !applied.contains(*p) && !others.contains(*p))
        .collect();
    dropped.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in dropped {
        remove(&mut merged, p);
    }
    managers.retain(|m| !m.same_owner(&me));
    managers.push(Manager {
        fields: applied,
        ..me
    });
    set_managers(&mut merged, managers);
    settle(old, &mut merged);
    Ok(merged)
}

/// A write that changes neither the object nor who owns what keeps the old entries (their times
/// too), so that it is a no-op the store does not store, as in the apiserver.
fn settle(old: Option<&Value>, new: &mut Value) {
    let Some(old) = old else { return };
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v["metadata"].as_object_mut() {
            m.remove("managedFields");
        }
        v
    };
    let (before, after) = (managers_of(old), managers_of(new));
    let same_owners = before.len() == after.len()
        && after.iter().all(|m| {
            before
                .iter()
                .any(|b| b.same_owner(m) && b.fields == m.fields)
        });
    if same_owners && strip(old) == strip(new) {
        new["metadata"]["managedFields"] = old["metadata"]["managedFields"].clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mgr(name: &str, op: &str) -> Manager {
        Manager {
            manager: name.into(),
            operation: op.into(),
            api_version: "v1".into(),
            subresource: None,
            time: "2026-01-01T00:00:00Z".into(),
            fields: FieldSet::new(),
        }
    }

    fn cm(colour: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "c", "labels": {"capture": "ssa"}}, "data": {"colour": colour}})
    }

    #[test]
    fn apply_owns_what_it_sets_and_a_second_applier_conflicts_unless_forced() {
        let first = apply(None, &cm("blue"), mgr("test", "Apply"), false)
            .unwrap_or_else(|_| panic!("no conflict on create"));
        assert_eq!(
            first["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:data": {"f:colour": {}}, "f:metadata": {"f:labels": {"f:capture": {}}}})
        );
        let Err(conflicts) = apply(Some(&first), &cm("red"), mgr("other", "Apply"), false) else {
            panic!("a changed field owned by another applier must conflict");
        };
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].field, ".data.colour");
        assert_eq!(conflicts[0].manager, "\"test\"");
        // The same value is shared, not a conflict.
        assert!(apply(Some(&first), &cm("blue"), mgr("other", "Apply"), false).is_ok());
        let forced = apply(Some(&first), &cm("red"), mgr("other", "Apply"), true)
            .unwrap_or_else(|_| panic!("force takes the field"));
        assert_eq!(forced["data"]["colour"], "red");
        let owners = managers_of(&forced);
        let test = owners
            .iter()
            .find(|m| m.manager == "test")
            .map(|m| &m.fields);
        assert!(test.is_some_and(|f| !f.iter().any(|p| display(p) == ".data.colour")));
    }

    #[test]
    fn fields_an_applier_stops_applying_are_removed_and_keyed_lists_merge() {
        let dep = |images: &[(&str, &str)]| {
            let containers: Vec<Value> = images
                .iter()
                .map(|(n, i)| json!({"name": n, "image": i}))
                .collect();
            json!({"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": containers}}}})
        };
        let one = apply(
            None,
            &dep(&[("web", "nginx"), ("side", "busybox")]),
            mgr("a", "Apply"),
            false,
        )
        .unwrap_or_else(|_| panic!("create"));
        let two = apply(
            Some(&one),
            &dep(&[("web", "nginx:2")]),
            mgr("a", "Apply"),
            false,
        )
        .unwrap_or_else(|_| panic!("reapply"));
        let containers = &two["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers, &json!([{"name": "web", "image": "nginx:2"}]));
        let mut upd = two.clone();
        upd["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:3");
        record_update(
            Some(&two),
            &mut upd,
            mgr("kubectl-edit", "Update"),
            Scope::Main,
        );
        let Err(c) = apply(
            Some(&upd),
            &dep(&[("web", "nginx:4")]),
            mgr("a", "Apply"),
            false,
        ) else {
            panic!("the editor owns the image now");
        };
        assert_eq!(
            c[0].field,
            ".spec.template.spec.containers[name=\"web\"].image"
        );
        assert_eq!(c[0].manager, "\"kubectl-edit\" using v1");
    }
}
