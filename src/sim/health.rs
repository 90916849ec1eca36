//! Health checks (`/healthz`, `/livez`, `/readyz`, each check by name and `?verbose`), the apiserver's
//! Prometheus `/metrics` and the plain-text `404 page not found` of paths no API serves.
//!
//! Owns: the text answers of kube-apiserver's non-API mux. Health is public (anonymous callers may ask);
//! `/metrics` reports what the store holds.

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

pub fn text(code: StatusCode, body: String) -> Response<Body> {
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

/// `/metrics`: the build and the objects stored per resource, in Prometheus' text format.
pub fn prometheus(store: &super::store::Store, minor: u32) -> Response<Body> {
    let mut out = String::from(
        "# HELP apiserver_storage_objects [STABLE] Number of stored objects at the time of last check split by kind.\n\
         # TYPE apiserver_storage_objects gauge\n",
    );
    let kinds = store.kinds();
    let mut counts: Vec<(String, usize)> = kinds
        .served()
        .filter(|k| !k.computed)
        .map(|k| {
            let resource = if k.group.is_empty() {
                k.plural.clone()
            } else {
                format!("{}.{}", k.plural, k.group)
            };
            (resource, store.count(k.index))
        })
        .collect();
    counts.sort();
    for (resource, n) in counts {
        out.push_str(&format!(
            "apiserver_storage_objects{{resource=\"{resource}\"}} {n}\n"
        ));
    }
    out.push_str(&format!(
        "# HELP kubernetes_build_info [ALPHA] A metric with a constant '1' value labeled by major, minor, git version.\n\
         # TYPE kubernetes_build_info gauge\n\
         kubernetes_build_info{{git_version=\"v1.{minor}.0\"}} 1\n"
    ));
    let mut r = text(StatusCode::OK, out);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
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

    #[tokio::test]
    async fn metrics_count_the_stored_objects() {
        use http_body_util::BodyExt;
        let store = crate::sim::store::Store::new(16);
        let r = prometheus(&store, 32);
        assert_eq!(r.status(), 200);
        let body = r.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("apiserver_storage_objects{resource=\"pods\"} 0"),
            "{text}"
        );
        assert!(text.contains("git_version=\"v1.32.0\""), "{text}");
    }
}
