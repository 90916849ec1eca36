//! DELETE of one object, as the apiserver and its controllers carry it out: DeleteOptions (in the body or
//! the query), preconditions, dryRun, graceful pod deletion, the propagation policies of the garbage
//! collector (Background, Foreground, Orphan) and namespace termination.
//!
//! An object deleted at once answers a `Status` of Success; one whose deletion is pending (a pod in its
//! grace period, an owner waiting on `foregroundDeletion` or `orphan`, a Terminating namespace) answers
//! the object itself, with its deletionTimestamp, as the apiserver does.

use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::Sim;
use super::api::get_obj;
use super::api_write::{decode_object, dry_run, read_body};
use super::meta::now_rfc3339;
use super::resources::idx;
use super::server::{Body, Query, ResourceRoute, json_response};
use super::status::ApiError;
use super::store::meta_str;

/// How long the sim's kubelet takes to stop a pod's containers once told to, and the namespace
/// controller to empty a namespace: short, but long enough that clients see the Terminating state.
const SETTLE: Duration = Duration::from_millis(800);

/// Namespaces the apiserver refuses to delete.
const UNDELETABLE: &[&str] = &["default", "kube-system", "kube-public"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Policy {
    Background,
    Foreground,
    Orphan,
}

struct Options {
    policy: Policy,
    grace: Option<i64>,
    uid: Option<String>,
    rv: Option<String>,
    /// `dryRun=All`, in the query or the body.
    dry_run: bool,
}

fn options(q: &Query, body: &Value) -> Result<Options, ApiError> {
    let policy = q
        .get("propagationPolicy")
        .map(String::as_str)
        .or_else(|| body["propagationPolicy"].as_str());
    let policy = match policy {
        None if body["orphanDependents"] == true => Policy::Orphan,
        None | Some("Background") => Policy::Background,
        Some("Foreground") => Policy::Foreground,
        Some("Orphan") => Policy::Orphan,
        Some(other) => {
            return Err(ApiError::invalid_options(
                "DeleteOptions",
                "propagationPolicy",
                "FieldValueNotSupported",
                &format!(
                    "Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
                ),
            ));
        }
    };
    let grace = match q.get("gracePeriodSeconds") {
        Some(g) => Some(g.parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!("gracePeriodSeconds: invalid value {g:?}"))
        })?),
        None => body["gracePeriodSeconds"].as_i64(),
    };
    let pre = &body["preconditions"];
    Ok(Options {
        policy,
        grace: grace.map(|g| g.max(0)),
        uid: pre["uid"].as_str().map(str::to_string),
        rv: pre["resourceVersion"].as_str().map(str::to_string),
        dry_run: dry_run(q)
            || body["dryRun"]
                .as_array()
                .is_some_and(|d| d.iter().any(|v| v == "All")),
    })
}

/// The answer for an object deleted at once: the object or a `Success` Status, as its registry does.
fn deleted(sim: &Sim, r: &ResourceRoute, obj: &Value) -> Response<Body> {
    json_response(
        StatusCode::OK,
        &super::status::deleted(&sim.store.kind(r.res), obj),
    )
}

fn precondition_failed(kind: &str, name: &str, message: String) -> ApiError {
    ApiError::new(
        409,
        "Conflict",
        format!("Operation cannot be fulfilled on {kind} \"{name}\": {message}"),
    )
    .with_group_kind("", kind)
    .with_name(name)
}

pub(super) async fn delete(
    sim: &Arc<Sim>,
    r: &ResourceRoute,
    q: &Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let (ct, body) = read_body(req).await?;
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        decode_object(&ct, &body)?
    };
    let opts = options(q, &body)?;
    let rt = sim.store.kind(r.res);
    let name = r.name.clone().unwrap_or_default();
    let ns = r.ns.clone().unwrap_or_default();
    if r.res == idx::NAMESPACES && UNDELETABLE.contains(&name.as_str()) {
        return Err(ApiError::new(
            403,
            "Forbidden",
            format!("namespaces \"{name}\" is forbidden: this namespace may not be deleted"),
        )
        .with_group_kind("", "namespaces")
        .with_name(&name));
    }
    let obj = get_obj(sim, r)?;
    if let Some(uid) = opts.uid.as_deref().filter(|u| *u != meta_str(&obj, "uid")) {
        return Err(precondition_failed(
            &rt.kind,
            &name,
            format!(
                "the UID in the precondition ({uid}) does not match the UID in record ({}). The object might have been deleted and then recreated",
                meta_str(&obj, "uid")
            ),
        ));
    }
    if let Some(rv) = opts
        .rv
        .as_deref()
        .filter(|v| *v != meta_str(&obj, "resourceVersion"))
    {
        return Err(precondition_failed(
            &rt.kind,
            &name,
            format!(
                "the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({}). The object might have been modified",
                meta_str(&obj, "resourceVersion")
            ),
        ));
    }
    // Asked again while the deletion is pending: the object as it is.
    if !obj["metadata"]["deletionTimestamp"].is_null() {
        return Ok(json_response(StatusCode::OK, &obj));
    }
    let pending =
        r.res == idx::NAMESPACES || r.res == idx::PODS || opts.policy != Policy::Background;
    if opts.dry_run {
        return Ok(if pending {
            json_response(StatusCode::OK, &obj)
        } else {
            deleted(sim, r, &obj)
        });
    }
    if r.res == idx::NAMESPACES {
        return terminate_namespace(sim, &name);
    }
    if r.res == idx::PODS {
        let marked = delete_pod(sim, &obj, opts.grace)?;
        return Ok(json_response(StatusCode::OK, &marked));
    }
    match opts.policy {
        Policy::Background => {
            let gone = sim.store.delete(r.res, &ns, &name)?;
            Ok(deleted(sim, r, &gone))
        }
        Policy::Foreground => {
            let marked = mark(sim, r.res, &ns, &name, 0, Some("foregroundDeletion"))?;
            let uid = meta_str(&marked, "uid").to_string();
            // Its dependents are deleted first (and show it), then the owner.
            for (res, dep) in dependents(sim, &ns, &uid) {
                let _ = mark(sim, res, &ns, meta_str(&dep, "name"), 0, None);
            }
            let res = r.res;
            finish_later(sim, SETTLE, move |sim| {
                let _ = sim.store.delete(res, &ns, &name);
            });
            Ok(json_response(StatusCode::OK, &marked))
        }
        Policy::Orphan => {
            let marked = mark(sim, r.res, &ns, &name, 0, Some("orphan"))?;
            let uid = meta_str(&marked, "uid").to_string();
            let res = r.res;
            finish_later(sim, SETTLE, move |sim| {
                for (dres, dep) in dependents(&sim, &ns, &uid) {
                    sim.store.mutate(dres, &ns, meta_str(&dep, "name"), |o| {
                        if let Some(refs) = o["metadata"]["ownerReferences"].as_array_mut() {
                            refs.retain(|r| r["uid"] != uid.as_str());
                            if refs.is_empty()
                                && let Some(m) = o["metadata"].as_object_mut()
                            {
                                m.remove("ownerReferences");
                            }
                        }
                        true
                    });
                }
                let _ = sim.store.delete(res, &ns, &name);
            });
            Ok(json_response(StatusCode::OK, &marked))
        }
    }
}

/// Deletes a pod as the kubelet does: marked with its grace period (`grace`, or the pod's own), gone
/// once its containers have stopped; at once with no grace period or no node. Answers the marked pod.
pub(super) fn delete_pod(
    sim: &Arc<Sim>,
    pod: &Value,
    grace: Option<i64>,
) -> Result<Arc<Value>, ApiError> {
    let grace = grace.unwrap_or_else(|| {
        pod["spec"]["terminationGracePeriodSeconds"]
            .as_i64()
            .unwrap_or(30)
    });
    let (ns, name) = (
        meta_str(pod, "namespace").to_string(),
        meta_str(pod, "name").to_string(),
    );
    // An unscheduled pod has no kubelet to wait for.
    let scheduled = pod["spec"]["nodeName"]
        .as_str()
        .is_some_and(|n| !n.is_empty());
    let marked = mark(sim, idx::PODS, &ns, &name, grace, None)?;
    if grace == 0 || !scheduled {
        sim.store.delete(idx::PODS, &ns, &name)?;
    } else {
        finish_later(sim, SETTLE, move |sim| {
            let _ = sim.store.delete(idx::PODS, &ns, &name);
        });
    }
    Ok(marked)
}

/// Objects in `ns` whose ownerReferences name `uid`.
fn dependents(sim: &Sim, ns: &str, uid: &str) -> Vec<(usize, Arc<Value>)> {
    let kinds: Vec<usize> = sim
        .store
        .kinds()
        .served()
        .filter(|k| k.namespaced && k.index != idx::EVENTS)
        .map(|k| k.index)
        .collect();
    kinds
        .into_iter()
        .flat_map(|res| {
            sim.store
                .owned(res, ns, uid)
                .into_iter()
                .map(move |o| (res, o))
        })
        .collect()
}

/// Sets deletionTimestamp (now + grace) and deletionGracePeriodSeconds, and adds `finalizer`.
fn mark(
    sim: &Sim,
    res: usize,
    ns: &str,
    name: &str,
    grace: i64,
    finalizer: Option<&str>,
) -> Result<Arc<Value>, ApiError> {
    let at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(grace))
        .map_or_else(
            |_| now_rfc3339(),
            |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
    sim.store
        .mutate(res, ns, name, |o| {
            o["metadata"]["deletionTimestamp"] = json!(at);
            o["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
            if let Some(f) = finalizer {
                if !o["metadata"]["finalizers"].is_array() {
                    o["metadata"]["finalizers"] = json!([]);
                }
                if let Some(list) = o["metadata"]["finalizers"].as_array_mut() {
                    list.push(json!(f));
                }
            }
            true
        })
        .ok_or_else(|| {
            let rt = sim.store.kind(res);
            ApiError::not_found(&rt.group, &rt.plural, name)
        })
}

/// The namespace goes Terminating at once; its content and then the namespace itself go a moment
/// later, as the namespace controller empties it. Creating in it meanwhile is refused (`store`).
fn terminate_namespace(sim: &Arc<Sim>, name: &str) -> Result<Response<Body>, ApiError> {
    let now = now_rfc3339();
    let marked = sim
        .store
        .mutate(idx::NAMESPACES, "", name, |o| {
            o["metadata"]["deletionTimestamp"] = json!(now);
            o["status"] = json!({"phase": "Terminating"});
            true
        })
        .ok_or_else(|| ApiError::not_found("", "namespaces", name))?;
    let name = name.to_string();
    finish_later(sim, SETTLE, move |sim| {
        let _ = sim.store.delete(idx::NAMESPACES, "", &name);
    });
    Ok(json_response(StatusCode::OK, &marked))
}

fn finish_later(sim: &Arc<Sim>, after: Duration, f: impl FnOnce(Arc<Sim>) + Send + 'static) {
    let sim = sim.clone();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        f(sim);
    });
}
