//! `/kdeck-sim/v1/faults`: the faults of a running sim, read and changed through its own API (admin
//! credentials only), which `kdeck sim fault` talks to. GET answers the spec in effect and how often each
//! counted fault fired; PUT replaces the spec (a scenario's `faults:` as JSON); DELETE clears it. This path
//! is exempt from the blackhole so that the fault can always be cleared.

use std::sync::Arc;

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::json;

use super::Sim;
use super::auth::Role;
use super::scenario::FaultSpec;
use super::server::{Body, json_response};
use super::status::ApiError;

pub const PATH: &str = "/kdeck-sim/v1/faults";

pub async fn handle(
    sim: &Arc<Sim>,
    role: Role,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    if req.uri().path() != PATH {
        return Err(ApiError::page_not_found());
    }
    if role != Role::Admin {
        return Err(ApiError::new(
            403,
            "Forbidden",
            format!("User \"{}\" cannot change the sim's faults", role.user()),
        ));
    }
    match *req.method() {
        Method::GET => {}
        Method::DELETE => sim.faults.set(FaultSpec::default()),
        Method::PUT => {
            let (_, body) = super::api::read_body(req).await?;
            let spec: FaultSpec = serde_json::from_slice(&body)
                .map_err(|e| ApiError::new(400, "BadRequest", format!("faults: {e}")))?;
            sim.faults.set(spec);
        }
        _ => return Err(ApiError::method_not_allowed()),
    }
    let spec = serde_json::to_value(sim.faults.current())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "faults": spec, "fired": sim.faults.fired() }),
    ))
}
