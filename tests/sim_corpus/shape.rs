//! The shape of an apiserver answer: what a client can rely on, without names, uids, resourceVersions,
//! times, IPs or random suffixes. Both the recorded answer and the sim's are reduced to a shape (a JSON
//! tree) and the two trees are compared; every difference is reported with its path in the shape.

use serde_json::{Map, Value, json};

/// An answer as received (or as recorded): status, the headers that matter, and the body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Lowercased header names.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// A HEAD answer.
    None,
    Empty,
    Json(Value),
    Text(String),
    /// Protobuf or other bytes.
    Binary,
    /// The body was left out of the recording (OpenAPI documents).
    Omitted,
    /// A stream of JSON lines (watch events).
    Events(Vec<Value>),
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Keys whose object may hold more entries in the sim's shape than in the recorded one: the sim serving
/// more kinds (or verbs of them) than kube-apiserver 1.28 did is not a mismatch.
const SUPERSET_OK: &str = "(superset ok)";

/// The shape of a whole answer.
pub fn shape(a: &Answer) -> Value {
    let ct = a.header("content-type").unwrap_or("");
    let mut media = ct.split(';').next().unwrap_or("").trim().to_lowercase();
    // Aggregated discovery says what it is in the media type's parameters.
    if ct.contains("as=APIGroupDiscoveryList") {
        media = ct.replace(' ', "");
    }
    let body = match &a.body {
        Body::None => json!("none"),
        Body::Empty => json!("empty"),
        Body::Omitted => json!("(not compared)"),
        Body::Binary => json!("binary"),
        Body::Text(t) => text_shape(t),
        Body::Json(v) => json_shape(v),
        Body::Events(evs) => json!({ "events": events_shape(evs) }),
    };
    json!({
        "status": a.status,
        "content-type": if matches!(a.body, Body::None | Body::Empty) && media.is_empty() { json!("(none)") } else { json!(media) },
        "retry-after": a.header("retry-after").is_some(),
        // Deprecated APIs and dropped unknown fields are told in `Warning: 299 - …` headers.
        "warning": a.header("warning").is_some(),
        "body": body,
    })
}

fn text_shape(t: &str) -> Value {
    // Short fixed answers (`ok`, `404 page not found`) are compared as they are; longer text is text.
    if t.len() <= 40 {
        json!({ "text": t })
    } else {
        json!("text")
    }
}

fn keys(v: &Value) -> Value {
    let mut k: Vec<&String> = v
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    k.sort();
    json!(k)
}

/// The JSON type of a value, as a Table cell's or a field's shape.
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn presence(v: &Value) -> Value {
    match v {
        Value::Null => json!("null"),
        Value::Array(a) if a.is_empty() => json!("[]"),
        Value::Array(_) => json!("[…]"),
        _ => json!(type_of(v)),
    }
}

pub fn json_shape(v: &Value) -> Value {
    let kind = v["kind"].as_str().unwrap_or("");
    if !v.is_object() {
        return json!({ "json": type_of(v) });
    }
    match kind {
        "Status" => status_shape(v),
        "Table" => table_shape(v),
        "APIResourceList" => resource_list_shape(v),
        "APIGroupList" => {
            let mut groups = Map::new();
            for g in v["groups"].as_array().into_iter().flatten() {
                groups.insert(s(&g["name"]), versions_of(&g["versions"]));
            }
            json!({ "kind": kind, format!("groups {SUPERSET_OK}"): groups })
        }
        "APIGroup" => json!({
            "kind": kind, "apiVersion": v["apiVersion"], "name": v["name"],
            "versions": versions_of(&v["versions"]),
            "preferredVersion": v["preferredVersion"]["version"],
        }),
        "APIVersions" => json!({ "kind": kind, "versions": v["versions"] }),
        "APIGroupDiscoveryList" => aggregated_shape(v),
        _ if v.get("items").is_some() => list_shape(v),
        _ => object_shape(v),
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

fn versions_of(v: &Value) -> Value {
    let mut out: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| s(&x["version"]))
        .collect();
    out.sort();
    json!(out)
}

fn status_shape(v: &Value) -> Value {
    let mut out = json!({
        "kind": v["kind"],
        "apiVersion": v["apiVersion"],
        "metadata": keys(&v["metadata"]),
        "status": v["status"],
        "reason": v.get("reason").cloned().unwrap_or(json!("(absent)")),
        "code": v.get("code").cloned().unwrap_or(json!("(absent)")),
    });
    out["details"] = match v.get("details") {
        None => json!("(absent)"),
        Some(d) => {
            let mut ds = json!({ "keys": keys(d) });
            // details.kind is the plural resource for 403/404/409 and the Kind for 422: a type, not a name.
            if let Some(k) = d.get("kind") {
                ds["kind"] = k.clone();
            }
            if let Some(c) = d["causes"].as_array() {
                ds["causes"] = c.iter().map(|c| c["reason"].clone()).collect();
            }
            ds
        }
    };
    out
}

fn table_shape(v: &Value) -> Value {
    let cols: Vec<Value> = v["columnDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            json!(format!(
                "{} ({}, priority {})",
                s(&c["name"]),
                s(&c["type"]),
                c["priority"]
            ))
        })
        .collect();
    let rows = match &v["rows"] {
        Value::Array(rows) if !rows.is_empty() => {
            let r = &rows[0];
            let object = match r.get("object") {
                None => json!("(absent)"),
                Some(Value::Null) => json!(null),
                Some(o) => json!({
                    "kind": o["kind"].as_str().unwrap_or("(none)"),
                    "apiVersion": o.get("apiVersion").is_some(),
                }),
            };
            let cells: Vec<&str> = r["cells"]
                .as_array()
                .into_iter()
                .flatten()
                .map(type_of)
                .collect();
            json!({ "first row": { "keys": keys(r), "object": object, "cell types": cells } })
        }
        other => presence(other),
    };
    json!({
        "kind": "Table",
        "apiVersion": v["apiVersion"],
        "metadata": keys(&v["metadata"]),
        "columnDefinitions": if v["columnDefinitions"].is_null() { json!(null) } else { json!(cols) },
        "rows": rows,
    })
}

fn list_shape(v: &Value) -> Value {
    let items = &v["items"];
    let first = items.get(0);
    json!({
        "kind": v["kind"],
        "apiVersion": v["apiVersion"],
        "metadata": keys(&v["metadata"]),
        "items": presence(items),
        "items carry kind/apiVersion": first.map(|i| json!(i.get("kind").is_some() && i.get("apiVersion").is_some())),
    })
}

/// A single object: its kind and top-level fields, and the metadata fields that tell a client what
/// state the object is in (being deleted, held by finalizers, generations).
fn object_shape(v: &Value) -> Value {
    let md = &v["metadata"];
    let mut meta = Map::new();
    for k in [
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "finalizers",
        "generation",
    ] {
        meta.insert(k.into(), json!(md.get(k).is_some()));
    }
    json!({
        "kind": v.get("kind").cloned().unwrap_or(json!("(absent)")),
        "apiVersion": v.get("apiVersion").cloned().unwrap_or(json!("(absent)")),
        "fields": keys(v),
        "metadata": meta,
    })
}

fn resource_list_shape(v: &Value) -> Value {
    let mut res = Map::new();
    for r in v["resources"].as_array().into_iter().flatten() {
        let mut verbs: Vec<String> = r["verbs"].as_array().into_iter().flatten().map(s).collect();
        verbs.sort();
        res.insert(
            s(&r["name"]),
            json!({ "kind": r["kind"], "namespaced": r["namespaced"], "verbs": verbs }),
        );
    }
    json!({
        "kind": "APIResourceList",
        "groupVersion": v["groupVersion"],
        format!("resources {SUPERSET_OK}"): res,
    })
}

fn aggregated_shape(v: &Value) -> Value {
    let mut groups = Map::new();
    for g in v["items"].as_array().into_iter().flatten() {
        let mut versions = Map::new();
        for ver in g["versions"].as_array().into_iter().flatten() {
            let mut res = Map::new();
            for r in ver["resources"].as_array().into_iter().flatten() {
                let mut verbs: Vec<String> =
                    r["verbs"].as_array().into_iter().flatten().map(s).collect();
                verbs.sort();
                let mut subs = Map::new();
                for sr in r["subresources"].as_array().into_iter().flatten() {
                    subs.insert(s(&sr["subresource"]), sr["responseKind"]["kind"].clone());
                }
                res.insert(
                    s(&r["resource"]),
                    json!({
                        "kind": r["responseKind"]["kind"],
                        "scope": r["scope"],
                        "verbs": verbs,
                        format!("subresources {SUPERSET_OK}"): subs,
                    }),
                );
            }
            versions.insert(
                s(&ver["version"]),
                json!({ "freshness": ver["freshness"], format!("resources {SUPERSET_OK}"): res }),
            );
        }
        groups.insert(
            s(&g["metadata"]["name"]),
            json!({ format!("versions {SUPERSET_OK}"): versions }),
        );
    }
    json!({
        "kind": v["kind"],
        "apiVersion": v["apiVersion"],
        format!("groups {SUPERSET_OK}"): groups,
    })
}

/// Event types in order, each with the shape of its object. Runs of BOOKMARK (the apiserver sends one
/// or two) and of MODIFIED (how many steps a controller takes to get a pod running) collapse to one.
pub fn events_shape(evs: &[Value]) -> Value {
    let mut out: Vec<Value> = Vec::new();
    let mut last = String::new();
    for e in evs {
        let ty = s(&e["type"]);
        let o = &e["object"];
        let obj = match o["kind"].as_str() {
            Some("Status") => status_shape(o),
            Some("Table") => json!({
                "kind": "Table",
                "columnDefinitions": if o["columnDefinitions"].is_null() { json!(null) } else { json!("[…]") },
                "rows": o["rows"].as_array().map_or(json!(null), |r| json!(r.len())),
            }),
            Some(k) if ty == "BOOKMARK" => json!({ "kind": k, "metadata": keys(&o["metadata"]) }),
            Some(k) => json!({ "kind": k }),
            None => json!("(no kind)"),
        };
        let token = format!("{ty} {obj}");
        if (ty == "BOOKMARK" || ty == "MODIFIED") && token == last {
            continue;
        }
        last = token;
        let ty = if ty == "BOOKMARK" || ty == "MODIFIED" {
            format!("{ty} (1 or more)")
        } else {
            ty
        };
        out.push(json!({ "type": ty, "object": obj }));
    }
    json!(out)
}

/// Table columns kube-apiserver added after 1.28, which the sim prints as 1.32 does: (name, the
/// start of its description). They are taken out of the sim's shape before comparing.
const NEWER_COLUMNS: &[(&str, &str)] = &[
    ("VolumeAttributesClass", "VolumeAttributesClass of the"), // PVC and PV, 1.29
    ("Timezone", "The time zone name"),                        // CronJob, 1.29
    ("PreemptionPolicy", "preemptionPolicy is the Policy"),    // PriorityClass, 1.29
    ("Status", "Status of the job."),                          // Job, 1.30
];

/// The sim's answer without the columns (and their cells) of [`NEWER_COLUMNS`].
pub fn without_newer_columns(mut a: Answer) -> Answer {
    fn strip(t: &mut Value) {
        if t["kind"] != "Table" {
            return;
        }
        let drop: Vec<usize> = t["columnDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, c)| {
                NEWER_COLUMNS.iter().any(|(name, desc)| {
                    c["name"] == *name && c["description"].as_str().unwrap_or("").starts_with(desc)
                })
            })
            .map(|(i, _)| i)
            .collect();
        for &i in drop.iter().rev() {
            if let Some(c) = t["columnDefinitions"].as_array_mut() {
                c.remove(i);
            }
            for row in t["rows"].as_array_mut().into_iter().flatten() {
                if let Some(c) = row["cells"].as_array_mut()
                    && i < c.len()
                {
                    c.remove(i);
                }
            }
        }
    }
    match &mut a.body {
        Body::Json(v) => strip(v),
        Body::Events(evs) => evs.iter_mut().for_each(|e| strip(&mut e["object"])),
        _ => {}
    }
    a
}

/// The recorded shape without the discovery entries of kinds the sim serves nowhere (`claimed` are the
/// kinds it does serve): serving fewer kinds than kube-apiserver is not a mismatch, serving fewer
/// resources of a kind it has is.
pub fn only_claimed(mut shape: Value, claimed: &std::collections::BTreeSet<String>) -> Value {
    fn prune(v: &mut Value, claimed: &std::collections::BTreeSet<String>) {
        let Value::Object(m) = v else { return };
        for (k, child) in m.iter_mut() {
            if k.ends_with(SUPERSET_OK)
                && let Value::Object(entries) = child
            {
                entries.retain(|_, e| {
                    let kind = match e {
                        Value::String(k) => Some(k.as_str()),
                        Value::Object(o) => o.get("kind").and_then(Value::as_str),
                        _ => None,
                    };
                    kind.is_none_or(|k| claimed.contains(k))
                });
            }
            prune(child, claimed);
        }
    }
    prune(&mut shape, claimed);
    shape
}

/// Differences between a recorded shape and the sim's, as `path: recorded …, sim …` lines.
pub fn diff(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(expected, actual, "$", false, &mut out);
    out
}

fn walk(e: &Value, a: &Value, path: &str, superset_ok: bool, out: &mut Vec<String>) {
    match (e, a) {
        // A different kind of body (a Status where an object was recorded): one line says it all.
        (Value::Object(em), Value::Object(am))
            if em.contains_key("kind") && am.contains_key("kind") && em["kind"] != am["kind"] =>
        {
            out.push(format!("{path}: recorded {}, sim {}", brief(e), brief(a)));
        }
        (Value::Object(em), Value::Object(am)) => {
            for (k, ev) in em {
                let p = format!("{path}.{k}");
                match am.get(k) {
                    Some(av) => walk(ev, av, &p, k.ends_with(SUPERSET_OK), out),
                    None => out.push(format!("{p}: recorded {}, sim has none", brief(ev))),
                }
            }
            if !superset_ok {
                for (k, av) in am {
                    if !em.contains_key(k) {
                        out.push(format!(
                            "{path}.{k}: sim has {}, the recording has none",
                            brief(av)
                        ));
                    }
                }
            }
        }
        (Value::Array(ea), Value::Array(aa)) if ea.iter().chain(aa).any(Value::is_object) => {
            for (i, (ev, av)) in ea.iter().zip(aa).enumerate() {
                walk(ev, av, &format!("{path}[{i}]"), false, out);
            }
            if ea.len() != aa.len() {
                out.push(format!(
                    "{path}: recorded {} entries, sim {}: recorded {}, sim {}",
                    ea.len(),
                    aa.len(),
                    brief(e),
                    brief(a)
                ));
            }
        }
        _ if e != a => out.push(format!("{path}: recorded {}, sim {}", brief(e), brief(a))),
        _ => {}
    }
}

fn brief(v: &Value) -> String {
    let t = v.to_string();
    if t.len() > 300 {
        format!(
            "{}…",
            &t[..t.char_indices().nth(300).map_or(t.len(), |(i, _)| i)]
        )
    } else {
        t
    }
}
