//! Health checks (`/healthz`, `/livez`, `/readyz`, each check by name and `?verbose`) and the plain-text
//! `404 page not found` of paths no API serves.
//!
//! Owns: the text answers of kube-apiserver's non-API mux. Health is public (anonymous callers may ask).

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use super::server::{Body, full};

/// The checks each endpoint reports, as a kube-apiserver without extra hooks lists them.
fn checks(endpoint: &str) -> &'static [&'static str] {
    match endpoint {
        "readyz" => &[
            "ping",
            "log",
            "etcd",
            "etcd-readiness",
            "informer-sync",
            "poststarthook/start-apiextensions-controllers",
            "poststarthook/crd-informer-synced",
            "poststarthook/rbac/bootstrap-roles",
            "shutdown",
        ],
        "livez" => &[
            "ping",
            "log",
            "etcd",
            "poststarthook/start-apiextensions-controllers",
            "poststarthook/crd-informer-synced",
            "poststarthook/rbac/bootstrap-roles",
        ],
        _ => &[
            "ping",
            "log",
            "etcd",
            "poststarthook/start-apiextensions-controllers",
            "poststarthook/crd-informer-synced",
            "poststarthook/rbac/bootstrap-roles",
        ],
    }
}

fn text(code: StatusCode, body: String) -> Response<Body> {
    let mut r = Response::new(full(Bytes::from(body)));
    *r.status_mut() = code;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// The mux's answer for a path nothing serves.
pub fn page_not_found() -> Response<Body> {
    text(StatusCode::NOT_FOUND, "404 page not found\n".into())
}

/// The answer to a health path, or None when `path` is not one.
pub fn serve(path: &str, query: Option<&str>) -> Option<Response<Body>> {
    let segs: Vec<&str> = path.trim_matches('/').splitn(2, '/').collect();
    let endpoint = *segs.first()?;
    if !matches!(endpoint, "healthz" | "livez" | "readyz") {
        return None;
    }
    let all = checks(endpoint);
    if let Some(check) = segs.get(1) {
        return Some(if all.contains(check) {
            text(StatusCode::OK, "ok".into())
        } else {
            page_not_found()
        });
    }
    let verbose = query.is_some_and(|q| {
        q.split('&')
            .any(|kv| kv.split('=').next() == Some("verbose"))
    });
    if !verbose {
        return Some(text(StatusCode::OK, "ok".into()));
    }
    let mut body: String = all.iter().map(|c| format!("[+]{c} ok\n")).collect();
    body.push_str(&format!("{endpoint} check passed\n"));
    Some(text(StatusCode::OK, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_by_name_and_unknown_ones() {
        assert_eq!(serve("/healthz", None).unwrap().status(), 200);
        assert_eq!(serve("/healthz/etcd", None).unwrap().status(), 200);
        assert_eq!(serve("/readyz/no-such-check", None).unwrap().status(), 404);
        assert!(serve("/api", None).is_none());
    }
}
