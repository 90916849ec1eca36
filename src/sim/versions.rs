//! Kinds served in more than one version from one stored form, as the apiserver converts them:
//! autoscaling/v1 HorizontalPodAutoscalers (stored as autoscaling/v2) and events.k8s.io/v1 Events
//! (stored as core v1 Events). `kinds.yaml` marks the served-only versions with `stored_as`; the
//! route keeps the version asked for in `ResourceRoute::view`.
//!
//! Owns: the conversions both ways, and turning a response of the stored kind (an object, a list, a
//! Table's row objects, watch events) into the asked-for version.

use bytes::Bytes;
use http::Response;
use http_body_util::BodyExt;
use serde_json::{Map, Value, json};

use super::resources::ResourceType;
use super::server::{Body, Query, full};

fn is_hpa_v1(view: &ResourceType) -> bool {
    view.group == "autoscaling" && view.version == "v1"
}

fn is_events_v1(view: &ResourceType) -> bool {
    view.group == "events.k8s.io"
}

/// Moves `from` to `to` in a JSON object, when present.
fn rename(obj: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(v) = obj.remove(from) {
        obj.insert(to.to_string(), v);
    }
}

/// A stored object in the version `view`.
pub fn to_view(view: &ResourceType, mut obj: Value) -> Value {
    if is_hpa_v1(view) {
        let cpu = |list: &Value, key: &str| {
            list.as_array()
                .into_iter()
                .flatten()
                .find(|m| m["type"] == "Resource" && m["resource"]["name"] == "cpu")
                .and_then(|m| m["resource"][key]["averageUtilization"].as_i64())
        };
        let target = cpu(&obj["spec"]["metrics"], "target");
        let current = cpu(&obj["status"]["currentMetrics"], "current");
        if let Some(spec) = obj["spec"].as_object_mut() {
            spec.remove("metrics");
            spec.remove("behavior");
            if let Some(t) = target {
                spec.insert("targetCPUUtilizationPercentage".into(), json!(t));
            }
        }
        if let Some(status) = obj["status"].as_object_mut() {
            status.remove("currentMetrics");
            status.remove("conditions");
            if let Some(c) = current {
                status.insert("currentCPUUtilizationPercentage".into(), json!(c));
            }
        }
    } else if is_events_v1(view)
        && let Some(m) = obj.as_object_mut()
    {
        rename(m, "involvedObject", "regarding");
        rename(m, "message", "note");
        rename(m, "source", "deprecatedSource");
        rename(m, "firstTimestamp", "deprecatedFirstTimestamp");
        rename(m, "lastTimestamp", "deprecatedLastTimestamp");
        rename(m, "count", "deprecatedCount");
        rename(m, "reportingComponent", "reportingController");
        if !m.contains_key("reportingController")
            && let Some(c) = m["deprecatedSource"]["component"].as_str()
        {
            let c = c.to_string();
            m.insert("reportingController".into(), json!(c));
        }
        // Every events.k8s.io Event has an eventTime; old core events take their first timestamp's.
        if m.get("eventTime").is_none_or(Value::is_null) {
            let at = m["deprecatedFirstTimestamp"]
                .as_str()
                .map(|t| t.replace('Z', ".000000Z"));
            m.insert("eventTime".into(), json!(at));
        }
    }
    obj["apiVersion"] = json!(view.api_version());
    obj["kind"] = json!(view.kind);
    obj
}

/// An object sent in the version `view`, in the stored kind `stored`.
pub fn to_storage(view: &ResourceType, stored: &ResourceType, mut obj: Value) -> Value {
    if is_hpa_v1(view) {
        let percent = obj["spec"]["targetCPUUtilizationPercentage"].take();
        if let Some(spec) = obj["spec"].as_object_mut() {
            spec.remove("targetCPUUtilizationPercentage");
            // autoscaling/v1 without a target means 80 % of the cpu requests, as the apiserver defaults it.
            let percent = percent.as_i64().unwrap_or(80);
            spec.insert(
                "metrics".into(),
                json!([{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": percent}}}]),
            );
        }
        if let Some(status) = obj["status"].as_object_mut() {
            status.remove("currentCPUUtilizationPercentage");
        }
    } else if is_events_v1(view)
        && let Some(m) = obj.as_object_mut()
    {
        rename(m, "regarding", "involvedObject");
        rename(m, "note", "message");
        rename(m, "deprecatedSource", "source");
        rename(m, "deprecatedFirstTimestamp", "firstTimestamp");
        rename(m, "deprecatedLastTimestamp", "lastTimestamp");
        rename(m, "deprecatedCount", "count");
        rename(m, "reportingController", "reportingComponent");
    }
    obj["apiVersion"] = json!(stored.api_version());
    obj["kind"] = json!(stored.kind);
    obj
}

/// Field selectors name the asked-for version's fields; the store knows the stored kind's.
pub fn translate_query(view: &ResourceType, q: &mut Query) {
    if !is_events_v1(view) {
        return;
    }
    if let Some(fs) = q.get_mut("fieldSelector") {
        *fs = fs
            .replace("regarding.", "involvedObject.")
            .replace("reportingController", "reportingComponent")
            .replace("deprecatedSource.", "source.");
    }
}

/// A response body of the stored kind, in the version `view`: objects, lists and Table row objects
/// are converted; a Status is left alone.
fn convert_document(view: &ResourceType, stored: &ResourceType, mut v: Value) -> Value {
    let kind = v["kind"].as_str().unwrap_or("").to_string();
    if kind == stored.kind {
        return to_view(view, v);
    }
    if kind == stored.list_kind() {
        if let Some(items) = v["items"].as_array_mut() {
            for item in items.iter_mut() {
                let mut o = item.take();
                if !o.is_object() {
                    continue;
                }
                o["apiVersion"] = json!(stored.api_version());
                o["kind"] = json!(stored.kind);
                let mut converted = to_view(view, o);
                // List items carry no kind of their own.
                if let Some(m) = converted.as_object_mut() {
                    m.remove("apiVersion");
                    m.remove("kind");
                }
                *item = converted;
            }
        }
        v["apiVersion"] = json!(view.api_version());
        v["kind"] = json!(view.list_kind());
        return v;
    }
    if kind == "Table" {
        for row in v["rows"].as_array_mut().into_iter().flatten() {
            if row["object"]["kind"] == stored.kind.as_str() {
                let o = row["object"].take();
                row["object"] = to_view(view, o);
            }
        }
    }
    v
}

/// Converts a whole response: buffered documents at once, watch streams event by event.
pub async fn convert_response(
    view: &ResourceType,
    stored: &ResourceType,
    resp: Response<Body>,
    watch: bool,
) -> Response<Body> {
    let (parts, body) = resp.into_parts();
    if watch {
        let (view, stored) = (view.clone(), stored.clone());
        let body = body
            .map_frame(move |f| {
                f.map_data(|d| {
                    let Ok(mut ev) = serde_json::from_slice::<Value>(&d) else {
                        return d;
                    };
                    let o = ev["object"].take();
                    ev["object"] = convert_document(&view, &stored, o);
                    let mut out = serde_json::to_vec(&ev).unwrap_or_default();
                    out.push(b'\n');
                    Bytes::from(out)
                })
            })
            .boxed_unsync();
        return Response::from_parts(parts, body);
    }
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    let out = match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) => serde_json::to_vec(&convert_document(view, stored, v)).map_or(bytes, Bytes::from),
        Err(_) => bytes,
    };
    let mut parts = parts;
    parts.headers.remove(http::header::CONTENT_LENGTH);
    Response::from_parts(parts, full(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::Kinds;

    fn kinds() -> (ResourceType, ResourceType, ResourceType, ResourceType) {
        let k = Kinds::default();
        let get = |g: &str, v: &str, p: &str| {
            let i = k.lookup(g, v, p).unwrap_or_else(|| panic!("{g}/{v}/{p}"));
            (**k.get(i)).clone()
        };
        (
            get("autoscaling", "v1", "horizontalpodautoscalers"),
            get("autoscaling", "v2", "horizontalpodautoscalers"),
            get("events.k8s.io", "v1", "events"),
            get("", "v1", "events"),
        )
    }

    #[test]
    fn hpa_v1_round_trips_through_v2() {
        let (v1, v2, _, _) = kinds();
        assert_eq!(v1.stored_as, Some(v2.index));
        let sent = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "maxReplicas": 4, "targetCPUUtilizationPercentage": 60}});
        let stored = to_storage(&v1, &v2, sent);
        assert_eq!(stored["apiVersion"], "autoscaling/v2");
        assert_eq!(
            stored["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            60
        );
        let back = to_view(&v1, stored);
        assert_eq!(back["spec"]["targetCPUUtilizationPercentage"], 60);
        assert!(back["spec"].get("metrics").is_none());
    }

    #[test]
    fn events_v1_renames_the_core_fields() {
        let (_, _, ev1, core) = kinds();
        let stored = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
            "involvedObject": {"kind": "Pod", "name": "p"}, "message": "m", "count": 3,
            "source": {"component": "kubelet"}, "firstTimestamp": "2026-01-01T00:00:00Z"});
        let v = to_view(&ev1, stored.clone());
        assert_eq!(v["regarding"]["name"], "p");
        assert_eq!(v["note"], "m");
        assert_eq!(v["deprecatedCount"], 3);
        assert_eq!(v["reportingController"], "kubelet");
        assert_eq!(v["eventTime"], "2026-01-01T00:00:00.000000Z");
        let back = to_storage(&ev1, &core, v);
        assert_eq!(back["involvedObject"], stored["involvedObject"]);
        assert_eq!(back["message"], "m");
    }
}
