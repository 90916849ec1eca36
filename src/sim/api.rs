//! Resource handlers: get, list (paged, filtered, as objects or a Table), create, update, patch, delete,
//! and the `status` and `scale` subresources. Watches go to `watch`, logs to `logs`, port-forward to
//! `portforward`, exec to `exec`.
//!
//! Owns: HTTP-level semantics of the REST verbs (status codes, bodies, dryRun, retries of patches on
//! conflict). Object rules live in `store` and `validate`.

use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::Sim;
use super::auth::{Role, is_read_verb};
use super::resources::{RESOURCES, ResourceType};
use super::selectors::{FieldSelector, LabelSelector, LabelSelectorExt};
use super::server::{Body, Query, ResourceRoute, bytes_response, json_response, parse_query};
use super::status::ApiError;
use super::store::{Key, meta_str};
use super::table::{self, IncludeObject};
use super::{patch, validate};

const MAX_BODY: usize = 3 * 1024 * 1024;

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
    let q = parse_query(req.uri().query());
    let rt = &RESOURCES[r.res];
    let mut verb = verb(req.method(), &r, &q);
    // Subresources that stream are authorized as the verbs RBAC names for them.
    let streaming = matches!(r.sub.as_deref(), Some("portforward" | "exec"));
    if streaming && matches!(*req.method(), Method::GET | Method::POST) {
        verb = "create";
    }
    if role == Role::Viewer && !is_read_verb(verb) {
        let resource = match &r.sub {
            Some(s) => format!("{}/{s}", rt.plural),
            None => rt.plural.to_string(),
        };
        let mut e = ApiError::forbidden(
            role.user(),
            verb,
            rt.group,
            rt.plural,
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
    match (r.sub.as_deref(), verb) {
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
                .ok_or_else(|| ApiError::not_found(rt.group, rt.plural, name))?;
            Ok(bytes_response(StatusCode::OK, "application/json", raw))
        }
        (Some("status"), "get") | (None, "get") => {
            let obj = get_obj(sim, &r)?;
            Ok(object_response(StatusCode::OK, r.res, &obj, table, &q))
        }
        (None, "list") => list(sim, &r, &q, table),
        (None, "watch") => super::watch::serve(sim, &r, &q, table).await,
        (None, "create") => create(sim, &r, &q, req).await,
        (Some("status"), "update") | (None, "update") => update(sim, &r, &q, req).await,
        (Some("status"), "patch") | (None, "patch") => patch_obj(sim, &r, &q, req).await,
        (None, "delete") => delete(sim, &r, &q),
        _ => Err(ApiError::method_not_allowed()),
    }
}

pub(super) fn get_obj(sim: &Sim, r: &ResourceRoute) -> Result<Arc<Value>, ApiError> {
    let rt = &RESOURCES[r.res];
    let name = r.name.as_deref().unwrap_or("");
    sim.store
        .get(r.res, r.ns.as_deref().unwrap_or(""), name)
        .ok_or_else(|| ApiError::not_found(rt.group, rt.plural, name))
}

fn object_response(
    code: StatusCode,
    res: usize,
    obj: &Value,
    table: bool,
    q: &Query,
) -> Response<Body> {
    if table {
        let include = IncludeObject::parse(q.get("includeObject").map(String::as_str));
        let t = table::table(
            res,
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
    let rt = &RESOURCES[r.res];
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
        let mut t = table::table(r.res, objs.into_iter(), include, &rv_s, cont.as_deref());
        if let Some(n) = remaining {
            t["metadata"]["remainingItemCount"] = json!(n);
        }
        return Ok(json_response(StatusCode::OK, &t));
    }
    let body = list_bytes(
        rt,
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

pub async fn read_body(req: Request<Incoming>) -> Result<(String, Bytes), ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let body = Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| {
            ApiError::new(
                413,
                "RequestEntityTooLarge",
                format!("reading the request body: {e}"),
            )
        })?
        .to_bytes();
    Ok((ct, body))
}

fn decode_object(ct: &str, body: &[u8]) -> Result<Value, ApiError> {
    if ct.starts_with("application/vnd.kubernetes.protobuf") {
        return super::protobuf::decode(body);
    }
    let v: Value = if ct.starts_with("application/yaml") {
        let text = std::str::from_utf8(body).map_err(|e| ApiError::bad_request(e.to_string()))?;
        let y = crate::yaml::parse_value(text)
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
        crate::yaml::to_json(&y).map_err(|e| ApiError::bad_request(e.to_string()))?
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?
    };
    if !v.is_object() {
        return Err(ApiError::bad_request(
            "Object 'Kind' is missing in the request body",
        ));
    }
    Ok(v)
}

/// Checks apiVersion/kind and namespace of a body against the URL.
fn check_identity(rt: &ResourceType, r: &ResourceRoute, obj: &mut Value) -> Result<(), ApiError> {
    if let Some(k) = obj["kind"].as_str()
        && k != rt.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({k}) does not match the expected kind ({})",
            rt.kind
        )));
    }
    if let Some(av) = obj["apiVersion"].as_str()
        && av != rt.api_version()
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({av}) does not match the expected API version ({})",
            rt.api_version()
        )));
    }
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    if rt.namespaced {
        let url_ns = r.ns.clone().unwrap_or_default();
        match obj["metadata"]["namespace"].as_str() {
            Some(ns) if !ns.is_empty() && ns != url_ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => obj["metadata"]["namespace"] = json!(url_ns),
        }
        if url_ns.is_empty() {
            return Err(ApiError::bad_request(
                "the server could not find the requested resource: namespace is required",
            ));
        }
    } else if let Some(m) = obj["metadata"].as_object_mut() {
        m.remove("namespace");
    }
    Ok(())
}

fn dry_run(q: &Query) -> bool {
    q.get("dryRun").is_some_and(|v| v == "All")
}

async fn create(
    sim: &Sim,
    r: &ResourceRoute,
    q: &Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let rt = &RESOURCES[r.res];
    if r.name.is_some() {
        return Err(ApiError::method_not_allowed());
    }
    let (ct, body) = read_body(req).await?;
    let mut obj = decode_object(&ct, &body)?;
    check_identity(rt, r, &mut obj)?;
    validate::admit(r.res, &mut obj, None)?;
    if dry_run(q) {
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        return Ok(json_response(StatusCode::CREATED, &obj));
    }
    let created = sim.store.create(r.res, obj)?;
    Ok(json_response(StatusCode::CREATED, &created))
}

async fn update(
    sim: &Sim,
    r: &ResourceRoute,
    q: &Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let rt = &RESOURCES[r.res];
    let (ct, body) = read_body(req).await?;
    let mut obj = decode_object(&ct, &body)?;
    check_identity(rt, r, &mut obj)?;
    let name = r.name.clone().unwrap_or_default();
    if meta_str(&obj, "name") != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            meta_str(&obj, "name")
        )));
    }
    let old = get_obj(sim, r)?;
    let status_only = r.sub.as_deref() == Some("status");
    if !status_only {
        validate::admit(r.res, &mut obj, Some(&old))?;
    }
    if dry_run(q) {
        return Ok(json_response(StatusCode::OK, &obj));
    }
    let updated = sim.store.update(r.res, obj, status_only)?;
    Ok(json_response(StatusCode::OK, &updated))
}

async fn patch_obj(
    sim: &Sim,
    r: &ResourceRoute,
    q: &Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let (ct, body) = read_body(req).await?;
    let status_only = r.sub.as_deref() == Some("status");
    for _ in 0..16 {
        let old = get_obj(sim, r)?;
        let mut obj = patch::apply(&ct, &old, &body)?;
        let rt = &RESOURCES[r.res];
        check_identity(rt, r, &mut obj)?;
        if meta_str(&obj, "name") != meta_str(&old, "name") {
            return Err(ApiError::bad_request(
                "metadata.name: the name of a patched object cannot change",
            ));
        }
        // A patch that names no resourceVersion applies to whatever is current, so a concurrent change
        // is retried rather than reported.
        let pinned = meta_str(&obj, "resourceVersion") != meta_str(&old, "resourceVersion");
        if !pinned {
            obj["metadata"]["resourceVersion"] = json!(meta_str(&old, "resourceVersion"));
        }
        if !status_only {
            validate::admit(r.res, &mut obj, Some(&old))?;
        }
        if dry_run(q) {
            return Ok(json_response(StatusCode::OK, &obj));
        }
        match sim.store.update(r.res, obj, status_only) {
            Err(e) if e.reason == "Conflict" && !pinned => continue,
            Err(e) => return Err(e),
            Ok(o) => return Ok(json_response(StatusCode::OK, &o)),
        }
    }
    Err(ApiError::conflict(
        RESOURCES[r.res].group,
        RESOURCES[r.res].plural,
        r.name.as_deref().unwrap_or(""),
    ))
}

fn delete(sim: &Sim, r: &ResourceRoute, q: &Query) -> Result<Response<Body>, ApiError> {
    let name = r.name.as_deref().unwrap_or("");
    if dry_run(q) {
        let obj = get_obj(sim, r)?;
        return Ok(json_response(StatusCode::OK, &obj));
    }
    let gone = sim
        .store
        .delete(r.res, r.ns.as_deref().unwrap_or(""), name)?;
    Ok(json_response(StatusCode::OK, &gone))
}

fn scale_of(obj: &Value) -> Value {
    let selector = LabelSelector::from_spec(&obj["spec"]["selector"]).to_string();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": obj["metadata"]["name"],
            "namespace": obj["metadata"]["namespace"],
            "uid": obj["metadata"]["uid"],
            "resourceVersion": obj["metadata"]["resourceVersion"],
            "creationTimestamp": obj["metadata"]["creationTimestamp"],
        },
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(0)},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector},
    })
}

fn scale_get(sim: &Sim, r: &ResourceRoute) -> Result<Response<Body>, ApiError> {
    let obj = get_obj(sim, r)?;
    Ok(json_response(StatusCode::OK, &scale_of(&obj)))
}

async fn scale_write(
    sim: &Sim,
    r: &ResourceRoute,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let rt = &RESOURCES[r.res];
    let is_patch = req.method() == Method::PATCH;
    let (ct, body) = read_body(req).await?;
    for _ in 0..16 {
        let old = get_obj(sim, r)?;
        let current = scale_of(&old);
        let scale = if is_patch {
            patch::apply(&ct, &current, &body)?
        } else {
            decode_object(&ct, &body)?
        };
        let Some(replicas) = scale["spec"]["replicas"].as_i64() else {
            return Err(ApiError::invalid(
                "Scale.autoscaling",
                meta_str(&old, "name"),
                &["spec.replicas: Required value".into()],
            ));
        };
        if replicas < 0 {
            return Err(ApiError::invalid(
                "Scale.autoscaling",
                meta_str(&old, "name"),
                &[format!(
                    "spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
                )],
            ));
        }
        let pinned_rv = meta_str(&scale, "resourceVersion");
        let pinned = !pinned_rv.is_empty() && pinned_rv != meta_str(&old, "resourceVersion");
        if pinned {
            return Err(ApiError::conflict(
                rt.group,
                rt.plural,
                meta_str(&old, "name"),
            ));
        }
        let mut obj = (*old).clone();
        obj["spec"]["replicas"] = json!(replicas);
        match sim.store.update(r.res, obj, false) {
            Err(e) if e.reason == "Conflict" => continue,
            Err(e) => return Err(e),
            Ok(o) => return Ok(json_response(StatusCode::OK, &scale_of(&o))),
        }
    }
    Err(ApiError::conflict(
        rt.group,
        rt.plural,
        r.name.as_deref().unwrap_or(""),
    ))
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
