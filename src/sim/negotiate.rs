//! Content negotiation for resource answers: which `Accept` headers the sim can satisfy (406 otherwise,
//! as kube-apiserver answers `text/html`) and YAML output for clients that ask for it first.
//!
//! Owns: the media types of resource bodies. Protobuf is accepted in an Accept list (the sim answers
//! JSON, which every client lists after it).

use http::{HeaderValue, Response, header};
use http_body_util::BodyExt;

use super::server::{Body, full};

fn ranges(accept: &str) -> impl Iterator<Item = String> + '_ {
    accept.split(',').map(|r| {
        r.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// Whether any media range of `accept` is one the sim answers in.
pub fn acceptable(accept: &str) -> bool {
    accept.trim().is_empty()
        || ranges(accept).any(|m| {
            matches!(
                m.as_str(),
                "" | "*/*"
                    | "application/*"
                    | "application/json"
                    | "application/yaml"
                    | "application/vnd.kubernetes.protobuf"
            )
        })
}

/// Whether YAML is the first choice.
pub fn wants_yaml(accept: &str) -> bool {
    ranges(accept)
        .next()
        .is_some_and(|m| m == "application/yaml")
}

/// A JSON answer re-encoded as YAML (any other answer as it is).
pub async fn to_yaml(resp: Response<Body>) -> Response<Body> {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let text = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| crate::yaml::to_string(&v).ok());
    match text {
        Some(t) => {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/yaml"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, full(t))
        }
        None => Response::from_parts(parts, full(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_not_acceptable_and_lists_are() {
        assert!(!acceptable("text/html"));
        assert!(acceptable(""));
        assert!(acceptable(
            "application/vnd.kubernetes.protobuf, application/json"
        ));
        assert!(acceptable("application/json;as=Table;v=v1;g=meta.k8s.io"));
        assert!(wants_yaml("application/yaml"));
        assert!(!wants_yaml("application/json, application/yaml"));
    }
}
