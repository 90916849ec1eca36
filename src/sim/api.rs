//! Resource handlers: get, list (paged, filtered, as objects or a Table), create, update, patch, delete,
//! and the `status` and `scale` subresources. Watches go to `watch`, logs to `logs`, port-forward to
//! `portforward`, exec to `exec`.
//!
//! Owns: HTTP-level semantics of the REST verbs (status codes, bodies, dryRun, retries of patches on
//! conflict). Object rules live in `store` and `validate`.

use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::Sim;
use super::api_write::{create, delete_collection, patch_obj, scale_get, scale_write, update};
use super::auth::Role;
use super::delete::delete;
use super::resources::ResourceType;
use super::selectors::{FieldSelector, LabelSelector, LabelSelectorExt};
use super::server::{Body, Query, ResourceRoute, bytes_response, json_response, parse_query};
use super::status::ApiError;
use super::store::{Key, meta_str};
use super::table::{self, IncludeObject};

pub use super::api_write::read_body;

fn verb(method: &Method, r: &ResourceRoute, q: &Query) -> &'static str {
    let watch = r.watch_prefix || q.get("watch").is_some_and(|w| w == "true" || w == "1");
    match (method, r.name.is_some()) {
        (&Method::GET, _) if watch => "watch",
        (&Method::GET, true) => "get",
        (&Method::GET, false) => "list",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, true) => "delete",
        (&Method::DELETE, false) => "deletecollection",
        _ => "unknown",
    }
}

/// Which Table flavour the Accept header asks for, if any.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table"))
}

pub async fn handle(
    sim: &Arc<Sim>,
    role: Role,
    r: ResourceRoute,
    req: Request<Incoming>,
    accept: &str,
) -> Result<Response<Body>, ApiError> {
    let mut q = parse_query(req.uri().query());
    let rt = sim.store.kind(r.res);
    // The kind as asked for: another version of the stored kind answers in its own shape.
    let view = r.view.map(|v| sim.store.kind(v));
    if let Some(v) = &view {
        super::versions::translate_query(v, &mut q);
    }
    let asked = view.clone().unwrap_or_else(|| rt.clone());
    let mut verb = verb(req.method(), &r, &q);
    // Subresources that stream are authorized as the verbs RBAC names for them.
    let streaming = matches!(r.sub.as_deref(), Some("portforward" | "exec" | "attach"));
    if streaming && matches!(*req.method(), Method::GET | Method::POST) {
        verb = "create";
    }
    let attrs = super::rbac::Attributes {
        verb,
        group: &asked.group,
        resource: &asked.plural,
        subresource: r.sub.as_deref(),
        name: r.name.as_deref(),
        namespace: r.ns.as_deref(),
    };
    if super::rbac::authorize(&sim.store, role, &attrs).is_none() {
        let resource = match &r.sub {
            Some(s) => format!("{}/{s}", rt.plural),
            None => rt.plural.to_string(),
        };
        let mut e = ApiError::forbidden(
            role.user(),
            verb,
            &rt.group,
            &rt.plural,
            r.name.as_deref(),
            r.ns.as_deref(),
        );
        e.message = e.message.replace(
            &format!("resource \"{}\"", rt.plural),
            &format!("resource \"{resource}\""),
        );
        return Err(e);
    }
    if let Some(sub @ ("log" | "exec" | "attach" | "portforward")) = r.sub.as_deref() {
        super::kubelet_reach::check(sim, &r, &q, sub)?;
    }
    let table = wants_table(accept);
    if rt.is_review() {
        return super::reviews::serve(sim, role, &rt, verb, req).await;
    }
    if rt.computed {
        return super::metrics::serve(sim, &rt, &r, &q, verb, table);
    }
    let answer = match (r.sub.as_deref(), verb) {
        (Some("log"), "get") => super::logs::serve(sim, &r, &q).await,
        (Some("portforward"), "create") => super::portforward::serve(sim, &r, &q, req).await,
        (Some("exec"), "create") => super::exec::serve(sim, &r, req).await,
        (Some("scale"), "get") => scale_get(sim, &r),
        (Some("scale"), "update" | "patch") => scale_write(sim, &r, req).await,
        (Some("status"), "get") | (None, "get") if !table => {
            let name = r.name.as_deref().unwrap_or("");
            let raw = sim
                .store
                .get_raw(r.res, r.ns.as_deref().unwrap_or(""), name)
                .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
            Ok(bytes_response(StatusCode::OK, "application/json", raw))
        }
        (Some("status"), "get") | (None, "get") => {
            let obj = get_obj(sim, &r)?;
            Ok(object_response(StatusCode::OK, &rt, &obj, table, &q))
        }
        (None, "list") => list(sim, &r, &q, table),
        (None, "watch") => super::watch::serve(sim, &r, &q, table).await,
        (None, "create") => create(sim, &r, &q, req).await,
        (Some("status"), "update") | (None, "update") => update(sim, &r, &q, req).await,
        (Some("status"), "patch") | (None, "patch") => patch_obj(sim, &r, &q, req).await,
        (None, "delete") => delete(sim, &r, &q, req).await,
        (None, "deletecollection") => delete_collection(sim, &r, &q),
        _ => Err(ApiError::method_not_allowed()),
    };
    match (view, answer) {
        (Some(v), Ok(resp)) => {
            Ok(super::versions::convert_response(&v, &rt, resp, verb == "watch").await)
        }
        (_, answer) => answer,
    }
}

pub(super) fn get_obj(sim: &Sim, r: &ResourceRoute) -> Result<Arc<Value>, ApiError> {
    let rt = sim.store.kind(r.res);
    let name = r.name.as_deref().unwrap_or("");
    sim.store
        .get(r.res, r.ns.as_deref().unwrap_or(""), name)
        .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))
}

fn object_response(
    code: StatusCode,
    rt: &ResourceType,
    obj: &Value,
    table: bool,
    q: &Query,
) -> Response<Body> {
    if table {
        let include = IncludeObject::parse(q.get("includeObject").map(String::as_str));
        let t = table::table(
            rt,
            std::iter::once(obj),
            include,
            meta_str(obj, "resourceVersion"),
            None,
        );
        json_response(code, &t)
    } else {
        json_response(code, obj)
    }
}

/// Continue tokens carry the list's resourceVersion and the last key served.
fn encode_continue(rv: u64, key: &Key) -> String {
    let raw = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{}/{}", key.0, key.1)});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.to_string())
}

fn decode_continue(token: &str) -> Result<(u64, Key), ApiError> {
    let bad = || ApiError::bad_request("continue key is not valid: could not decode the token");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let rv = v["rv"].as_u64().ok_or_else(bad)?;
    let (ns, name) = v["start"]
        .as_str()
        .and_then(|s| s.split_once('/'))
        .ok_or_else(bad)?;
    Ok((rv, (ns.to_string(), name.to_string())))
}

pub fn selectors(q: &Query) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let ls = LabelSelector::parse_query(q.get("labelSelector").map_or("", String::as_str))?;
    let fs = FieldSelector::parse(q.get("fieldSelector").map_or("", String::as_str))?;
    Ok((ls, fs))
}

fn list(sim: &Sim, r: &ResourceRoute, q: &Query, table: bool) -> Result<Response<Body>, ApiError> {
    let rt = sim.store.kind(r.res);
    let (ls, fs) = selectors(q)?;
    let filtered = !ls.is_empty() || !fs.is_empty();
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|&l| l > 0);
    let (list_rv, after) = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(c) => {
            let (rv, key) = decode_continue(c)?;
            (Some(rv), Some(key))
        }
        None => (None, None),
    };
    // Without selectors the page is exactly the next `limit` entries, so only those are copied out.
    let max = if filtered { None } else { limit };
    let (entries, rest, current_rv) =
        sim.store
            .entries(r.res, r.ns.as_deref(), after.as_ref(), max);
    let rv = list_rv.unwrap_or(current_rv);
    let needs_parse = filtered || table;
    let mut page: Vec<(Key, Bytes, Option<Value>)> = Vec::new();
    let mut cont = None;
    let mut remaining = None;
    for (key, raw) in entries {
        let parsed = if needs_parse {
            let v: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
            if !(ls.matches_object(&v) && fs.matches(&v)) {
                continue;
            }
            Some(v)
        } else {
            None
        };
        if limit.is_some_and(|l| page.len() >= l) {
            cont = page.last().map(|(k, _, _)| encode_continue(rv, k));
            break;
        }
        page.push((key, raw, parsed));
    }
    if !filtered && rest > 0 {
        cont = page.last().map(|(k, _, _)| encode_continue(rv, k));
        remaining = Some(rest);
    }
    let rv_s = rv.to_string();
    if table {
        let include = IncludeObject::parse(q.get("includeObject").map(String::as_str));
        let objs: Vec<&Value> = page.iter().filter_map(|(_, _, v)| v.as_ref()).collect();
        let mut t = table::table(&rt, objs.into_iter(), include, &rv_s, cont.as_deref());
        if let Some(n) = remaining {
            t["metadata"]["remainingItemCount"] = json!(n);
        }
        return Ok(json_response(StatusCode::OK, &t));
    }
    let body = list_bytes(
        &rt,
        &rv_s,
        cont.as_deref(),
        remaining,
        page.iter().map(|(_, raw, _)| raw.as_ref()),
    );
    Ok(bytes_response(StatusCode::OK, "application/json", body))
}

/// Writes a list from the stored JSON of its items, without parsing them (50k pods stay cheap).
fn list_bytes<'a>(
    rt: &ResourceType,
    rv: &str,
    cont: Option<&str>,
    remaining: Option<usize>,
    items: impl Iterator<Item = &'a [u8]>,
) -> Bytes {
    let mut meta = json!({"resourceVersion": rv});
    if let Some(c) = cont {
        meta["continue"] = json!(c);
    }
    if let Some(n) = remaining {
        meta["remainingItemCount"] = json!(n);
    }
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice(
        format!(
            "{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"metadata\":{meta},\"items\":[",
            rt.list_kind(),
            rt.api_version()
        )
        .as_bytes(),
    );
    for (i, raw) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(raw);
    }
    out.extend_from_slice(b"]}");
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let t = encode_continue(42, &("ns".into(), "pod-1".into()));
        assert_eq!(
            decode_continue(&t).unwrap(),
            (42, ("ns".to_string(), "pod-1".to_string()))
        );
        assert_eq!(decode_continue("garbage!").unwrap_err().code, 400);
    }

    #[test]
    fn table_is_detected_from_the_first_accept_choice() {
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
