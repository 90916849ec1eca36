//! Resource writes: create, update, patch, delete, deletecollection, and the `scale` subresource.
//!
//! Owns: HTTP-level semantics of the writing verbs (status codes, bodies, dryRun, retries of patches on
//! conflict, the Scale object). Object rules live in `store` and `validate`.

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::Sim;
use super::api::{get_obj, selectors};
use super::apply::{manager, manager_name};
use super::cells::Path;
use super::field_validation::{self, with_warnings};
use super::fields::{self, Scope};
use super::resources::ResourceType;
use super::selectors::{LabelSelector, LabelSelectorExt};
use super::server::{Body, Query, ResourceRoute, json_response};
use super::status::ApiError;
use super::store::meta_str;
use super::{patch, validate};

const MAX_BODY: usize = 3 * 1024 * 1024;

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

pub(super) fn decode_object(ct: &str, body: &[u8]) -> Result<Value, ApiError> {
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
pub(super) fn check_identity(
    rt: &ResourceType,
    r: &ResourceRoute,
    obj: &mut Value,
) -> Result<(), ApiError> {
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

/// The kind the request names: another version of the stored kind (`versions`), or the stored kind.
pub(super) fn asked_kind(sim: &Sim, r: &ResourceRoute) -> std::sync::Arc<ResourceType> {
    sim.store.kind(r.view.unwrap_or(r.res))
}

/// A body in the asked-for version, in the stored kind.
pub(super) fn into_stored(sim: &Sim, r: &ResourceRoute, obj: Value) -> Value {
    match r.view {
        Some(v) => super::versions::to_storage(&sim.store.kind(v), &sim.store.kind(r.res), obj),
        None => obj,
    }
}

pub(super) fn dry_run(q: &Query) -> bool {
    q.get("dryRun").is_some_and(|v| v == "All")
}

pub(super) async fn create(
    sim: &Sim,
    r: &ResourceRoute,
    q: &Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let rt = sim.store.kind(r.res);
    if r.name.is_some() {
        return Err(ApiError::method_not_allowed());
    }
    let me = manager(sim, r, manager_name(q, req.headers()), "Update");
    let (ct, body) = read_body(req).await?;
    let mut obj = decode_object(&ct, &body)?;
    check_identity(&asked_kind(sim, r), r, &mut obj)?;
    let mut obj = into_stored(sim, r, obj);
    let warnings = field_validation::check(q, &rt, Some((&ct, &body)), &mut obj, None)?;
    validate::admit(&sim.store.kind(r.res), &mut obj, None)?;
    fields::record_update(None, &mut obj, me, Scope::Main);
    if dry_run(q) {
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        return Ok(with_warnings(
            json_response(StatusCode::CREATED, &obj),
            &warnings,
        ));
    }
    let created = sim.store.create(r.res, obj)?;
    Ok(with_warnings(
        json_response(StatusCode::CREATED, &created),
        &warnings,
    ))
}

pub(super) async fn update(
    sim: &Sim,
    r: &ResourceRoute,
    q: &Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let rt = sim.store.kind(r.res);
    let me = manager(sim, r, manager_name(q, req.headers()), "Update");
    let (ct, body) = read_body(req).await?;
    let mut obj = decode_object(&ct, &body)?;
    check_identity(&asked_kind(sim, r), r, &mut obj)?;
    let mut obj = into_stored(sim, r, obj);
    let name = r.name.clone().unwrap_or_default();
    if meta_str(&obj, "name") != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            meta_str(&obj, "name")
        )));
    }
    let old = get_obj(sim, r)?;
    let warnings = field_validation::check(q, &rt, Some((&ct, &body)), &mut obj, Some(&old))?;
    let status_only = r.sub.as_deref() == Some("status");
    if status_only {
        fields::record_update(Some(&old), &mut obj, me, Scope::Status);
    } else {
        validate::admit(&sim.store.kind(r.res), &mut obj, Some(&old))?;
        fields::record_update(Some(&old), &mut obj, me, Scope::Main);
    }
    if dry_run(q) {
        return Ok(with_warnings(
            json_response(StatusCode::OK, &obj),
            &warnings,
        ));
    }
    let updated = sim.store.update(r.res, obj, status_only)?;
    Ok(with_warnings(
        json_response(StatusCode::OK, &updated),
        &warnings,
    ))
}

pub(super) async fn patch_obj(
    sim: &Sim,
    r: &ResourceRoute,
    q: &Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let me = manager(sim, r, manager_name(q, req.headers()), "Update");
    let (ct, body) = read_body(req).await?;
    if ct
        .split(';')
        .next()
        .is_some_and(|t| t.trim() == super::apply::CONTENT_TYPE)
    {
        return super::apply::serve(sim, r, q, &body);
    }
    let status_only = r.sub.as_deref() == Some("status");
    for _ in 0..16 {
        let old = get_obj(sim, r)?;
        // A patch applies to the object as the asked-for version shows it.
        let shown = match r.view {
            Some(v) => super::versions::to_view(&sim.store.kind(v), (*old).clone()),
            None => (*old).clone(),
        };
        let mut obj = patch::apply(&ct, &shown, &body)?;
        let rt = sim.store.kind(r.res);
        check_identity(&asked_kind(sim, r), r, &mut obj)?;
        let mut obj = into_stored(sim, r, obj);
        let warnings = field_validation::check(q, &rt, None, &mut obj, Some(&old))?;
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
        if status_only {
            fields::record_update(Some(&old), &mut obj, me.clone(), Scope::Status);
        } else {
            validate::admit(&sim.store.kind(r.res), &mut obj, Some(&old))?;
            fields::record_update(Some(&old), &mut obj, me.clone(), Scope::Main);
        }
        if dry_run(q) {
            return Ok(with_warnings(
                json_response(StatusCode::OK, &obj),
                &warnings,
            ));
        }
        match sim.store.update(r.res, obj, status_only) {
            Err(e) if e.reason == "Conflict" && !pinned => continue,
            Err(e) => return Err(e),
            Ok(o) => return Ok(with_warnings(json_response(StatusCode::OK, &o), &warnings)),
        }
    }
    let rt = sim.store.kind(r.res);
    Err(ApiError::conflict(
        &rt.group,
        &rt.plural,
        r.name.as_deref().unwrap_or(""),
    ))
}

/// The objects of one kind that a DELETE on the collection removes: those matching the label and field
/// selectors, in one namespace or all. Answers with the list of what was deleted, as the apiserver does.
pub(super) fn delete_collection(
    sim: &Sim,
    r: &ResourceRoute,
    q: &Query,
) -> Result<Response<Body>, ApiError> {
    let rt = sim.store.kind(r.res);
    if r.res == super::resources::idx::NAMESPACES {
        return Err(ApiError::method_not_allowed());
    }
    let (ls, fs) = selectors(q)?;
    let (entries, _, _) = sim.store.entries(r.res, r.ns.as_deref(), None, None);
    let mut items = Vec::new();
    for (_, raw) in entries {
        let obj: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        if !(ls.matches_object(&obj) && fs.matches(&obj)) {
            continue;
        }
        if dry_run(q) {
            items.push(obj);
            continue;
        }
        // Something else may have deleted it meanwhile; that is not an error for the collection.
        if let Ok(gone) =
            sim.store
                .delete(r.res, meta_str(&obj, "namespace"), meta_str(&obj, "name"))
        {
            items.push((*gone).clone());
        }
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "kind": rt.list_kind(),
            "apiVersion": rt.api_version(),
            "metadata": {"resourceVersion": sim.store.current_rv().to_string()},
            "items": super::list::as_items(&rt, items),
        }),
    ))
}

/// Sets a `.a.b.c` field path, creating the objects on the way.
fn set_path(obj: &mut Value, path: &str, v: Value) {
    let mut cur = obj;
    for part in path.trim_start_matches('.').split('.') {
        if !cur.is_object() {
            *cur = json!({});
        }
        cur = &mut cur[part];
    }
    *cur = v;
}

pub(super) fn scale_of(rt: &ResourceType, obj: &Value) -> Value {
    let Some(paths) = &rt.scale else {
        return Value::Null;
    };
    let at = |p: &str| Path::parse(p).map(|p| p.get(obj)).unwrap_or(Value::Null);
    let selector = match &paths.label_selector {
        Some(p) => at(p).as_str().unwrap_or("").to_string(),
        None => LabelSelector::from_spec(&obj["spec"]["selector"]).to_string(),
    };
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
        "spec": {"replicas": at(&paths.spec_replicas).as_i64().unwrap_or(0)},
        "status": {"replicas": at(&paths.status_replicas).as_i64().unwrap_or(0), "selector": selector},
    })
}

pub(super) fn scale_get(sim: &Sim, r: &ResourceRoute) -> Result<Response<Body>, ApiError> {
    let obj = get_obj(sim, r)?;
    Ok(json_response(
        StatusCode::OK,
        &scale_of(&sim.store.kind(r.res), &obj),
    ))
}

pub(super) async fn scale_write(
    sim: &Sim,
    r: &ResourceRoute,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let rt = sim.store.kind(r.res);
    let is_patch = req.method() == Method::PATCH;
    let q = super::server::parse_query(req.uri().query());
    let me = manager(sim, r, manager_name(&q, req.headers()), "Update");
    let (ct, body) = read_body(req).await?;
    for _ in 0..16 {
        let old = get_obj(sim, r)?;
        let current = scale_of(&rt, &old);
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
                &rt.group,
                &rt.plural,
                meta_str(&old, "name"),
            ));
        }
        let mut obj = (*old).clone();
        let spec_path = rt
            .scale
            .as_ref()
            .map_or(".spec.replicas", |p| p.spec_replicas.as_str());
        set_path(&mut obj, spec_path, json!(replicas));
        fields::record_update(Some(&old), &mut obj, me.clone(), Scope::Main);
        match sim.store.update(r.res, obj, false) {
            Err(e) if e.reason == "Conflict" => continue,
            Err(e) => return Err(e),
            Ok(o) => return Ok(json_response(StatusCode::OK, &scale_of(&rt, &o))),
        }
    }
    Err(ApiError::conflict(
        &rt.group,
        &rt.plural,
        r.name.as_deref().unwrap_or(""),
    ))
}
