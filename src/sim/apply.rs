//! Server-side apply (`PATCH` with `application/apply-patch+yaml`): the applied configuration is merged
//! into the object (or creates it), owned by its field manager, and refused with a 409 that lists the
//! fields another manager owns with a different value, unless `force=true`.

use http::{HeaderMap, StatusCode, header};
use serde_json::json;

use super::Sim;
use super::api_write::{check_identity, decode_object, dry_run};
use super::fields::{self, Manager};
use super::meta::now_rfc3339;
use super::server::{Body, Query, ResourceRoute, json_response};
use super::status::ApiError;
use super::store::meta_str;
use super::validate;

pub const CONTENT_TYPE: &str = "application/apply-patch+yaml";

/// The field manager of a write: `fieldManager`, else the client's User-Agent up to its first `/`
/// (kubectl's own commands name themselves, `kubectl-edit` and the like).
pub fn manager_name(q: &Query, headers: &HeaderMap) -> String {
    if let Some(m) = q.get("fieldManager").filter(|m| !m.is_empty()) {
        return m.clone();
    }
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .filter(|m| !m.is_empty())
        .unwrap_or("unknown")
        .chars()
        .take(128)
        .collect()
}

/// The entry a write by `name` makes in managedFields.
pub fn manager(sim: &Sim, r: &ResourceRoute, name: String, operation: &str) -> Manager {
    // The version the client wrote in, as the apiserver records it.
    let rt = sim.store.kind(r.view.unwrap_or(r.res));
    Manager {
        manager: name,
        operation: operation.to_string(),
        api_version: rt.api_version(),
        subresource: r.sub.clone(),
        time: now_rfc3339(),
        fields: Default::default(),
    }
}

pub(super) fn serve(
    sim: &Sim,
    r: &ResourceRoute,
    q: &Query,
    body: &[u8],
) -> Result<http::Response<Body>, ApiError> {
    let Some(name) = q.get("fieldManager").filter(|m| !m.is_empty()) else {
        return Err(ApiError::invalid_options(
            "PatchOptions",
            "fieldManager",
            "FieldValueRequired",
            "Required value: is required for apply patch",
        ));
    };
    if r.sub.is_some() {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the sim does not server-side apply the {} subresource",
                r.sub.as_deref().unwrap_or("")
            ),
        ));
    }
    let force = q.get("force").is_some_and(|f| f == "true");
    let rt = sim.store.kind(r.res);
    let mut config = decode_object("application/yaml", body)?;
    check_identity(&super::api_write::asked_kind(sim, r), r, &mut config)?;
    let mut config = super::api_write::into_stored(sim, r, config);
    let warnings = super::field_validation::check(q, &rt, None, &mut config, None)?;
    let url_name = r.name.clone().unwrap_or_default();
    match meta_str(&config, "name") {
        "" => config["metadata"]["name"] = json!(url_name),
        n if n != url_name => {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({url_name})"
            )));
        }
        _ => {}
    }
    let ns = r.ns.clone().unwrap_or_default();
    for _ in 0..16 {
        let old = sim.store.get(r.res, &ns, &url_name);
        let me = manager(sim, r, name.clone(), "Apply");
        let mut merged =
            fields::apply(old.as_deref(), &config, me, force).map_err(|c| conflict_error(&c))?;
        merged["apiVersion"] = json!(rt.api_version());
        merged["kind"] = json!(rt.kind);
        validate::admit(&rt, &mut merged, old.as_deref())?;
        if dry_run(q) {
            let code = if old.is_some() {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            return Ok(super::field_validation::with_warnings(
                json_response(code, &merged),
                &warnings,
            ));
        }
        let stored = match &old {
            None => sim
                .store
                .create(r.res, merged)
                .map(|o| (StatusCode::CREATED, o)),
            Some(o) => {
                merged["metadata"]["resourceVersion"] = json!(meta_str(o, "resourceVersion"));
                sim.store
                    .update(r.res, merged, false)
                    .map(|o| (StatusCode::OK, o))
            }
        };
        match stored {
            // Someone else wrote (or created) it in between: apply again onto what is there now.
            Err(e) if e.reason == "Conflict" || e.reason == "AlreadyExists" => continue,
            Err(e) => return Err(e),
            Ok((code, o)) => {
                return Ok(super::field_validation::with_warnings(
                    json_response(code, &o),
                    &warnings,
                ));
            }
        }
    }
    Err(ApiError::conflict(&rt.group, &rt.plural, &url_name))
}

/// The apiserver's 409 for apply conflicts: one cause per field, the message grouped by manager.
fn conflict_error(conflicts: &[fields::Conflict]) -> ApiError {
    let n = conflicts.len();
    let mut managers: Vec<&str> = Vec::new();
    for c in conflicts {
        if !managers.contains(&c.manager.as_str()) {
            managers.push(&c.manager);
        }
    }
    let groups: Vec<String> = managers
        .iter()
        .map(|m| {
            let fields: Vec<&str> = conflicts
                .iter()
                .filter(|c| c.manager == *m)
                .map(|c| c.field.as_str())
                .collect();
            match fields.as_slice() {
                [one] => format!("conflict with {m}: {one}"),
                many => format!("conflicts with {m}:\n- {}", many.join("\n- ")),
            }
        })
        .collect();
    let plural = if n == 1 { "conflict" } else { "conflicts" };
    let e = ApiError::new(
        409,
        "Conflict",
        format!("Apply failed with {n} {plural}: {}", groups.join("\n")),
    );
    conflicts.iter().fold(e, |e, c| {
        e.with_cause(
            "FieldManagerConflict",
            &format!("conflict with {}", c.manager),
            &c.field,
        )
    })
}
