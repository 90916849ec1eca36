//! The `pods/eviction` subresource (`kubectl drain`, the cluster autoscaler): a pod is deleted
//! gracefully unless a PodDisruptionBudget that selects it allows no disruption now, which is a 429 the
//! client retries. An allowed eviction is counted against the budget at once (`disruptedPods`), so two
//! evictions racing for the last allowed disruption cannot both pass.
//!
//! Owns: the eviction checks and answers. Budgets' status is `controllers::disruption`'s.

use std::sync::Arc;

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::Sim;
use super::api::get_obj;
use super::api_write::{decode_object, dry_run, read_body};
use super::selectors::{LabelSelector, LabelSelectorExt};
use super::server::{Body, Query, ResourceRoute, json_response};
use super::status::ApiError;
use super::store::{meta_str, now_rfc3339};

/// The budgets in the pod's namespace whose selector picks it (an empty selector picks every pod; a
/// missing one none).
fn budgets_of(sim: &Sim, res: usize, pod: &Value) -> Vec<Arc<Value>> {
    sim.store
        .objects(res, Some(meta_str(pod, "namespace")))
        .into_iter()
        .filter(|pdb| {
            let sel = &pdb["spec"]["selector"];
            sel.is_object() && LabelSelector::from_spec(sel).matches_object(pod)
        })
        .collect()
}

fn too_many(message: &str) -> ApiError {
    ApiError::new(
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
    )
    .with_cause("DisruptionBudget", message, "")
}

pub async fn serve(
    sim: &Arc<Sim>,
    r: &ResourceRoute,
    q: &Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let (ct, body) = read_body(req).await?;
    let eviction = decode_object(&ct, &body)?;
    let name = r.name.as_deref().unwrap_or("");
    let asked = meta_str(&eviction, "name");
    if !asked.is_empty() && asked != name {
        return Err(ApiError::bad_request(
            "name in URL does not match name in Eviction object",
        ));
    }
    let pod = get_obj(sim, r)?;
    let options = &eviction["deleteOptions"];
    let dry = dry_run(q)
        || options["dryRun"]
            .as_array()
            .is_some_and(|d| d.iter().any(|v| v == "All"));
    let phase = pod["status"]["phase"].as_str().unwrap_or("");
    // A pod already going, finished or never started disrupts nothing: no budget is consulted.
    let exempt = !pod["metadata"]["deletionTimestamp"].is_null()
        || matches!(phase, "Succeeded" | "Failed" | "Pending");
    let pdb_res = sim
        .store
        .kinds()
        .lookup("policy", "v1", "poddisruptionbudgets");
    if let Some(res) = pdb_res.filter(|_| !exempt) {
        match budgets_of(sim, res, &pod).as_slice() {
            [] => {}
            [pdb] => admit(sim, res, pdb, &pod, dry)?,
            _ => {
                return Err(ApiError::internal(
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                ));
            }
        }
    }
    if !dry && pod["metadata"]["deletionTimestamp"].is_null() {
        super::delete::delete_pod(sim, &pod, options["gracePeriodSeconds"].as_i64())?;
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// Takes one disruption from `pdb` for `pod`, or refuses with the budget's numbers.
fn admit(sim: &Sim, res: usize, pdb: &Value, pod: &Value, dry: bool) -> Result<(), ApiError> {
    let name = meta_str(pdb, "name");
    let status = &pdb["status"];
    let exhausted = || {
        too_many(&format!(
            "The disruption budget {name} needs {} healthy pods and has {} currently",
            status["desiredHealthy"].as_i64().unwrap_or(0),
            status["currentHealthy"].as_i64().unwrap_or(0)
        ))
    };
    let generation = pdb["metadata"]["generation"].as_i64().unwrap_or(0);
    if status["observedGeneration"].as_i64().unwrap_or(0) < generation {
        return Err(too_many(&format!(
            "The disruption budget {name} is still being processed by the server."
        )));
    }
    if status["disruptionsAllowed"].as_i64().unwrap_or(0) <= 0 {
        return Err(exhausted());
    }
    if dry {
        return Ok(());
    }
    let pod_name = meta_str(pod, "name").to_string();
    let now = now_rfc3339();
    let updated = sim
        .store
        .mutate(res, meta_str(pdb, "namespace"), name, |o| {
            // Another eviction may have taken the last disruption since `pdb` was read.
            let left = o["status"]["disruptionsAllowed"].as_i64().unwrap_or(0);
            if left <= 0 {
                return false;
            }
            o["status"]["disruptionsAllowed"] = json!(left - 1);
            o["status"]["disruptedPods"][&pod_name] = json!(now);
            true
        });
    match updated {
        Some(o) if o["status"]["disruptedPods"][&pod_name].is_string() => Ok(()),
        _ => Err(exhausted()),
    }
}
