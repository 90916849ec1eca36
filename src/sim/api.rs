//! Resource handlers: get, list (paged, filtered, as objects, a Table or metadata only), create, update,
//! patch, delete, and the `status` and `scale` subresources. Watches go to `watch`, logs to `logs`,
//! port-forward to `portforward`, exec to `exec`.
//!
//! Owns: HTTP-level semantics of the REST verbs (status codes, bodies, dryRun, retries of patches on
//! conflict, the checks kube-apiserver makes before it looks at an object). Object rules live in `store`
//! and `validate`; list paging and resourceVersion rules in `list`.

use std::sync::Arc;

use http::{Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::Sim;
use super::api_write::{
    create, delete_collection, patch_obj, scale_get, scale_of, scale_write, update,
};
use super::auth::UserInfo;
use super::delete::delete;
use super::resources::ResourceType;
use super::selectors::{FieldSelector, LabelSelector, LabelSelectorExt};
use super::server::{Body, Query, ResourceRoute, bytes_response, json_response, parse_query};
use super::status::ApiError;
use super::store::meta_str;
use super::table::{self, IncludeObject};

pub use super::api_write::read_body;

pub(super) fn verb(method: &Method, r: &ResourceRoute, q: &Query) -> &'static str {
    // `?watch=1` on an object URL is ignored (a plain GET); the legacy `/watch/` prefix streams both.
    let watch = r.watch_prefix
        || (r.name.is_none() && q.get("watch").is_some_and(|w| w == "true" || w == "1"));
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

/// What representation the Accept header asks for first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum As {
    Object,
    /// `as=Table`, in `meta.k8s.io` v1 or v1beta1.
    Table(&'static str),
    /// `as=PartialObjectMetadata` (one object) or `as=PartialObjectMetadataList`.
    Metadata,
}

pub fn wants(accept: &str) -> As {
    let Some(first) = accept.split(',').next() else {
        return As::Object;
    };
    if first.contains("as=Table") {
        As::Table(if first.contains("v=v1beta1") {
            "meta.k8s.io/v1beta1"
        } else {
            "meta.k8s.io/v1"
        })
    } else if first.contains("as=PartialObjectMetadata") {
        As::Metadata
    } else {
        As::Object
    }
}

/// Query options kube-apiserver validates before anything else (422 naming the options kind).
fn check_options(verb: &str, q: &Query) -> Result<(), ApiError> {
    let options = match verb {
        "create" => "CreateOptions",
        "update" => "UpdateOptions",
        "patch" => "PatchOptions",
        "delete" | "deletecollection" => "DeleteOptions",
        _ => return Ok(()),
    };
    let invalid = |field: &str, detail: String| {
        ApiError::invalid_options(options, field, "FieldValueNotSupported", &detail)
    };
    if let Some(d) = q.get("dryRun").filter(|d| d.as_str() != "All") {
        return Err(invalid(
            "dryRun",
            format!("Unsupported value: []string{{\"{d}\"}}: supported values: \"All\""),
        ));
    }
    if let Some(p) = q.get("propagationPolicy")
        && !matches!(p.as_str(), "Foreground" | "Background" | "Orphan")
    {
        return Err(invalid(
            "propagationPolicy",
            format!(
                "Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
            ),
        ));
    }
    Ok(())
}

/// Exec, attach and port-forward need the pod on a node and an upgraded connection before the
/// apiserver dials the kubelet.
fn check_streaming(sim: &Sim, r: &ResourceRoute, req: &Request<Incoming>) -> Result<(), ApiError> {
    let pod = get_obj(sim, r)?;
    if pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(format!(
            "pod {} does not have a host assigned",
            meta_str(&pod, "name")
        )));
    }
    let upgrade = req
        .headers()
        .get(header::CONNECTION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().contains("upgrade"));
    if !upgrade {
        return Err(ApiError::bad_request("Upgrade request required"));
    }
    Ok(())
}

pub async fn handle(
    sim: &Arc<Sim>,
    user: &UserInfo,
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
    if super::rbac::authorize(&sim.store, user, &attrs).is_none() {
        let resource = match &r.sub {
            Some(s) => format!("{}/{s}", rt.plural),
            None => rt.plural.to_string(),
        };
        let mut e = ApiError::forbidden(
            &user.name,
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
    // A collection cannot be replaced or patched as a whole.
    if r.name.is_none() && matches!(verb, "update" | "patch") {
        return Err(ApiError::method_not_allowed());
    }
    check_options(verb, &q)?;
    if r.sub.as_deref() == Some("status") && !rt.status {
        // The apiserver serves `/status` only for kinds with the subresource; for others it reports
        // the object missing.
        return Err(ApiError::not_found(
            &rt.group,
            &rt.plural,
            r.name.as_deref().unwrap_or(""),
        ));
    }
    match r.sub.as_deref() {
        Some(sub @ ("exec" | "attach" | "portforward")) => {
            check_streaming(sim, &r, &req)?;
            super::kubelet_reach::check(sim, &r, &q, sub)?;
        }
        Some("log") => {
            super::logs::check_options(sim, &r, &q)?;
            super::kubelet_reach::check(sim, &r, &q, "log")?;
        }
        _ => {}
    }
    let as_ = wants(accept);
    let table = matches!(as_, As::Table(_));
    if rt.is_review() {
        return super::reviews::serve(sim, user, &rt, &r, verb, req).await;
    }
    let resp = if rt.kind == "ComponentStatus" && rt.group.is_empty() {
        super::components::serve(&rt, &r, &q, verb, as_)
    } else if rt.computed && sim.faults.metrics_unavailable() {
        Ok(super::health::text(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "service unavailable\n".into(),
        ))
    } else if rt.computed {
        super::metrics::serve(sim, &rt, &r, &q, verb, table)
    } else {
        serve(sim, &rt, view.as_deref(), r, q, verb, as_, req).await
    };
    // A deprecated kind tells every caller so, as the apiserver's deprecation filter does.
    match (&rt.deprecated, resp) {
        (Some(w), Ok(resp)) => Ok(super::field_validation::with_warnings(
            resp,
            std::slice::from_ref(w),
        )),
        (_, resp) => resp,
    }
}

/// The verbs of stored kinds.
#[allow(clippy::too_many_arguments)]
async fn serve(
    sim: &Arc<Sim>,
    rt: &ResourceType,
    view: Option<&ResourceType>,
    r: ResourceRoute,
    q: Query,
    verb: &'static str,
    as_: As,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let table = matches!(as_, As::Table(_));
    if verb == "patch"
        && rt.crd.is_some()
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with(super::patch::STRATEGIC))
    {
        return Err(ApiError::unsupported_patch_of_custom_resource());
    }
    let answer = match (r.sub.as_deref(), verb) {
        (Some("log"), "get") => super::logs::serve(sim, &r, &q).await,
        (Some("portforward"), "create") => super::portforward::serve(sim, &r, &q, req).await,
        (Some("exec"), "create") => super::exec::serve(sim, &r, req, false).await,
        (Some("attach"), "create") => super::exec::serve(sim, &r, req, true).await,
        (Some("eviction"), "create") => super::eviction::serve(sim, &r, &q, req).await,
        (Some("scale"), "get") if table => {
            let obj = get_obj(sim, &r)?;
            let t = super::printers::scale_table(
                &scale_of(rt, &obj),
                IncludeObject::parse(q.get("includeObject").map(String::as_str)),
            );
            Ok(json_response(StatusCode::OK, &t))
        }
        (Some("scale"), "get") => scale_get(sim, &r),
        (Some("scale"), "update" | "patch") => scale_write(sim, &r, req).await,
        (Some("status"), "get") | (None, "get") if as_ == As::Object => {
            let name = r.name.as_deref().unwrap_or("");
            let raw = sim
                .store
                .get_raw(r.res, r.ns.as_deref().unwrap_or(""), name)
                .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
            Ok(bytes_response(StatusCode::OK, "application/json", raw))
        }
        (Some("status"), "get") | (None, "get") => {
            let obj = get_obj(sim, &r)?;
            Ok(object_response(StatusCode::OK, rt, &obj, as_, &q))
        }
        (None, "list") => super::list::serve(sim, &r, &q, as_).await,
        (None, "watch") => super::watch::serve(sim, &r, &q, as_).await,
        (None, "create") => create(sim, &r, &q, req).await,
        (Some("status"), "update") | (None, "update") => update(sim, &r, &q, req).await,
        (Some("status"), "patch") | (None, "patch") => patch_obj(sim, &r, &q, req).await,
        (None, "delete") => delete(sim, &r, &q, req).await,
        (None, "deletecollection") => delete_collection(sim, &r, &q),
        _ => Err(ApiError::method_not_allowed()),
    };
    match (view, answer) {
        (Some(v), Ok(resp)) => {
            Ok(super::versions::convert_response(v, rt, resp, verb == "watch").await)
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

/// `PartialObjectMetadata` of an object: its metadata under `meta.k8s.io/v1`.
pub fn partial_metadata(obj: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]})
}

fn object_response(
    code: StatusCode,
    rt: &ResourceType,
    obj: &Value,
    as_: As,
    q: &Query,
) -> Response<Body> {
    match as_ {
        As::Table(api_version) => {
            let include = IncludeObject::parse(q.get("includeObject").map(String::as_str));
            let mut t = table::table(
                rt,
                std::iter::once(obj),
                include,
                meta_str(obj, "resourceVersion"),
                None,
            );
            t["apiVersion"] = json!(api_version);
            json_response(code, &t)
        }
        As::Metadata => json_response(code, &partial_metadata(obj)),
        As::Object => json_response(code, obj),
    }
}

/// Label and field selectors of a request; a field the kind cannot be selected by is a 400, as in the
/// apiserver.
pub fn checked_selectors(
    rt: &ResourceType,
    q: &Query,
) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let (ls, fs) = selectors(q)?;
    if let Some(label) = fs.labels().find(|l| !rt.selects_field(l)) {
        return Err(ApiError::bad_request(format!(
            "field label not supported: {label}"
        )));
    }
    Ok((ls, fs))
}

pub fn selectors(q: &Query) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let ls = LabelSelector::parse_query(q.get("labelSelector").map_or("", String::as_str))?;
    let fs = FieldSelector::parse(q.get("fieldSelector").map_or("", String::as_str))?;
    Ok((ls, fs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_detected_from_the_first_accept_choice() {
        assert_eq!(
            wants("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"),
            As::Table("meta.k8s.io/v1")
        );
        assert_eq!(wants("application/json"), As::Object);
        assert_eq!(
            wants("application/json;as=Table;v=v1beta1;g=meta.k8s.io"),
            As::Table("meta.k8s.io/v1beta1")
        );
        assert_eq!(
            wants("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"),
            As::Metadata
        );
    }

    #[test]
    fn bad_options_are_invalid_before_anything_else() {
        let q: Query = [("dryRun".to_string(), "Bogus".to_string())].into();
        let e = check_options("create", &q).unwrap_err();
        assert_eq!((e.code, e.reason), (422, "Invalid"));
        let d = &e.to_status()["details"];
        assert_eq!(
            (d["kind"].as_str(), d["group"].as_str()),
            (Some("CreateOptions"), Some("meta.k8s.io"))
        );
        let q: Query = [("propagationPolicy".to_string(), "Bogus".to_string())].into();
        assert_eq!(check_options("delete", &q).unwrap_err().code, 422);
        assert!(check_options("get", &q).is_ok());
    }
}
