//! Lists: paging with continue tokens, the resourceVersion rules of `ListOptions`, selectors, and the
//! three shapes a list comes in (a `…List` written from the stored bytes, a Table, or
//! `PartialObjectMetadataList`).
//!
//! Owns: what kube-apiserver answers for `resourceVersion`, `resourceVersionMatch`, `limit` and
//! `continue` (../shared/apiserver-1.28 README, quirk 10): `resourceVersion=0` is served whole, a version
//! the server has not reached waits 3 s and then times out (504), one older than the history window is
//! 410, and so is a continue token that old, with a token to go on inconsistently.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::Sim;
use super::api::{As, checked_selectors, partial_metadata};
use super::resources::ResourceType;
use super::selectors::LabelSelectorExt;
use super::server::{Body, Query, ResourceRoute, bytes_response, json_response};
use super::status::ApiError;
use super::store::Key;
use super::table::{self, IncludeObject};

/// How long a list for a resourceVersion the server has not reached waits before it times out.
const WAIT_FOR_RV: Duration = Duration::from_secs(3);

/// Continue tokens carry the list's resourceVersion and the last key served.
fn encode_continue(rv: i64, key: &Key) -> String {
    let raw = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{}/{}", key.0, key.1)});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.to_string())
}

/// (resourceVersion, last key); a version of -1 continues without consistency, after a 410.
fn decode_continue(token: &str) -> Result<(i64, Key), ApiError> {
    let bad = |why: &str| {
        ApiError::bad_request(format!(
            "invalid continue token: continue key is not valid: {why}"
        ))
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|e| bad(&e.to_string()))?;
    let v: Value = serde_json::from_slice(&raw).map_err(|e| bad(&e.to_string()))?;
    let rv = v["rv"].as_i64().ok_or_else(|| bad("no resource version"))?;
    let (ns, name) = v["start"]
        .as_str()
        .and_then(|s| s.split_once('/'))
        .ok_or_else(|| bad("no start key"))?;
    Ok((rv, (ns.to_string(), name.to_string())))
}

/// `resourceVersion` and `resourceVersionMatch`, checked as the apiserver checks them.
fn requested_rv(q: &Query) -> Result<Option<u64>, ApiError> {
    let rv = q.get("resourceVersion").filter(|s| !s.is_empty());
    let rv_match = q.get("resourceVersionMatch").filter(|s| !s.is_empty());
    if rv_match.is_some() && rv.is_none() {
        let detail =
            "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided";
        return Err(ApiError::new(
            422,
            "Invalid",
            format!("ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: {detail}"),
        )
        .with_group_kind("meta.k8s.io", "ListOptions")
        .with_cause("FieldValueForbidden", detail, "resourceVersionMatch"));
    }
    rv.map(|s| {
        s.parse::<u64>().map_err(|_| {
            ApiError::server_error(format!(
                "resourceVersion: Invalid value: \"{s}\": strconv.ParseUint: parsing \"{s}\": invalid syntax"
            ))
        })
    })
    .transpose()
}

pub async fn serve(
    sim: &Arc<Sim>,
    r: &ResourceRoute,
    q: &Query,
    as_: As,
) -> Result<Response<Body>, ApiError> {
    let rt = sim.store.kind(r.res);
    let (ls, fs) = checked_selectors(&rt, q)?;
    let requested = requested_rv(q)?;
    let token = q.get("continue").filter(|c| !c.is_empty());
    if token.is_some() && requested.is_some_and(|rv| rv != 0) {
        return Err(ApiError::bad_request(
            "specifying resource version is not allowed when using continue",
        ));
    }
    let (list_rv, after) = match token {
        Some(c) => {
            let (rv, key) = decode_continue(c)?;
            if rv > 0 && (rv as u64) < sim.store.history_floor() {
                let mut e = ApiError::gone(
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                );
                e.continue_token = Some(encode_continue(-1, &key));
                return Err(e);
            }
            (Some(rv).filter(|&rv| rv > 0), Some(key))
        }
        None => (None, None),
    };
    if let Some(rv) = requested.filter(|&rv| rv > 0) {
        wait_for(sim, rv).await?;
        let exact = q.get("resourceVersionMatch").is_some_and(|m| m == "Exact");
        if exact && rv < sim.store.history_floor() {
            return Err(ApiError::gone(
                "The resourceVersion for the provided list is too old.",
            ));
        }
    }
    let filtered = !ls.is_empty() || !fs.is_empty();
    // `resourceVersion=0` is served from the watch cache, which ignores `limit`.
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|&l| l > 0 && !(requested == Some(0) && token.is_none()));
    // Without selectors the page is exactly the next `limit` entries, so only those are copied out.
    let max = if filtered { None } else { limit };
    let (entries, rest, current_rv) =
        sim.store
            .entries(r.res, r.ns.as_deref(), after.as_ref(), max);
    let rv = list_rv.unwrap_or(current_rv as i64);
    let needs_parse = filtered || as_ != As::Object;
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
    let objs = || page.iter().filter_map(|(_, _, v)| v.as_ref());
    match as_ {
        As::Table(api_version) => {
            let include = IncludeObject::parse(q.get("includeObject").map(String::as_str));
            let mut t = table::table(&rt, objs(), include, &rv_s, cont.as_deref());
            if let Some(n) = remaining {
                t["metadata"]["remainingItemCount"] = json!(n);
            }
            t["apiVersion"] = json!(api_version);
            Ok(json_response(StatusCode::OK, &t))
        }
        As::Metadata => {
            let mut meta = json!({"resourceVersion": rv_s});
            if let Some(c) = &cont {
                meta["continue"] = json!(c);
            }
            if let Some(n) = remaining {
                meta["remainingItemCount"] = json!(n);
            }
            let items: Vec<Value> = objs().map(partial_metadata).collect();
            Ok(json_response(
                StatusCode::OK,
                &json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                    "metadata": meta, "items": items}),
            ))
        }
        As::Object => {
            let body = list_bytes(
                &rt,
                &rv_s,
                cont.as_deref(),
                remaining,
                page.iter().map(|(_, raw, _)| raw.as_ref()),
            );
            Ok(bytes_response(StatusCode::OK, "application/json", body))
        }
    }
}

/// Waits (up to [`WAIT_FOR_RV`]) for the store to reach `rv`, then gives up as the watch cache does.
async fn wait_for(sim: &Sim, rv: u64) -> Result<(), ApiError> {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_RV;
    loop {
        let current = sim.store.current_rv();
        if current >= rv {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            let mut e = ApiError::new(
                504,
                "Timeout",
                format!("Timeout: Too large resource version: {rv}, current: {current}"),
            )
            .with_cause("ResourceVersionTooLarge", "Too large resource version", "");
            e.retry_after = Some(1);
            return Err(e);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An item as a list carries it: built-in kinds without `kind`/`apiVersion` (the list says them once),
/// custom resources with them (README quirk 12). Objects are stored with those two keys first, so
/// usually they are cut off the stored bytes without parsing.
fn list_item(rt: &ResourceType, raw: &[u8], out: &mut Vec<u8>) {
    if rt.crd.is_some() {
        out.extend_from_slice(raw);
        return;
    }
    let av = rt.api_version();
    for prefix in [
        format!("{{\"apiVersion\":\"{av}\",\"kind\":\"{}\",", rt.kind),
        format!("{{\"kind\":\"{}\",\"apiVersion\":\"{av}\",", rt.kind),
    ] {
        if let Some(rest) = raw.strip_prefix(prefix.as_bytes()) {
            out.push(b'{');
            out.extend_from_slice(rest);
            return;
        }
    }
    match serde_json::from_slice::<Value>(raw) {
        Ok(Value::Object(mut m)) => {
            m.remove("kind");
            m.remove("apiVersion");
            out.extend_from_slice(&serde_json::to_vec(&m).unwrap_or_default());
        }
        _ => out.extend_from_slice(raw),
    }
}

/// Objects as the items of a list of `rt` (see [`list_item`]).
pub fn as_items(rt: &ResourceType, items: Vec<Value>) -> Vec<Value> {
    items
        .into_iter()
        .map(|mut v| {
            if rt.crd.is_none()
                && let Some(m) = v.as_object_mut()
            {
                m.remove("kind");
                m.remove("apiVersion");
            }
            v
        })
        .collect()
}

/// Writes a list from the stored JSON of its items, without parsing them (50k pods stay cheap).
pub fn list_bytes<'a>(
    rt: &ResourceType,
    rv: &str,
    cont: Option<&str>,
    remaining: Option<usize>,
    items: impl Iterator<Item = &'a [u8]>,
) -> Bytes {
    let mut meta = json!({"resourceVersion": rv});
    match cont {
        Some(c) => meta["continue"] = json!(c),
        // Custom resource lists always say `continue`, empty when there is no more.
        None if rt.crd.is_some() => meta["continue"] = json!(""),
        None => {}
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
        list_item(rt, raw, &mut out);
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
    fn built_in_items_lose_kind_and_custom_ones_keep_it() {
        let kinds = crate::sim::resources::Kinds::default();
        let pods = kinds.get(crate::sim::resources::idx::PODS);
        let raw = br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"#;
        let body = list_bytes(pods, "7", None, None, [&raw[..]].into_iter());
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["items"][0], json!({"metadata": {"name": "p"}}));
        let odd = br#"{"metadata":{"name":"p"},"kind":"Pod","apiVersion":"v1"}"#;
        let body = list_bytes(pods, "7", None, None, [&odd[..]].into_iter());
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["items"][0], json!({"metadata": {"name": "p"}}));
        assert!(v["metadata"].get("continue").is_none());
    }

    #[test]
    fn list_options_are_checked_like_the_apiserver() {
        let q = |k: &str, v: &str| -> Query { [(k.to_string(), v.to_string())].into() };
        let e = requested_rv(&q("resourceVersionMatch", "NotOlderThan")).unwrap_err();
        assert_eq!(e.code, 422);
        let e = requested_rv(&q("resourceVersion", "abc")).unwrap_err();
        assert_eq!(e.code, 500);
        assert!(e.to_status().get("reason").is_none());
        assert_eq!(requested_rv(&q("resourceVersion", "0")).unwrap(), Some(0));
    }
}
