//! The HTTPS front: TLS accept loop, hyper (h2 and http/1.1 with upgrades), authentication (a request
//! without credentials is `system:anonymous`, who may read `/version` and the health checks), fault
//! injection and routing of paths to health, discovery or resource handlers.
//!
//! Owns: turning requests into [`Route`]s and errors into `Status` responses, and which 404 a path
//! nothing serves gets (a `Status` under `/api` and served groups, the mux's plain text elsewhere).
//! Resource semantics live in `api`, watches in `watch`, streaming subresources in `logs`,
//! `portforward` and `exec`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::Sim;
use super::auth::Role;
use super::discovery;
use super::resources::{Kinds, idx};
use super::status::ApiError;

pub type Body = UnsyncBoxBody<Bytes, Infallible>;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed_unsync()
}

/// A body fed from a channel: the stream ends when the sender is dropped, and a dropped body (client
/// gone) makes the sender's next send fail, which is how streaming tasks learn to stop.
pub fn channel_body(rx: mpsc::Receiver<Bytes>) -> Body {
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
    });
    StreamBody::new(stream).boxed_unsync()
}

pub fn json_response(code: StatusCode, v: &Value) -> Response<Body> {
    let bytes = serde_json::to_vec(v).unwrap_or_default();
    bytes_response(code, "application/json", bytes)
}

pub fn bytes_response(code: StatusCode, ct: &str, bytes: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(full(bytes));
    *r.status_mut() = code;
    if let Ok(v) = HeaderValue::from_str(ct) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

pub fn status_response(e: &ApiError) -> Response<Body> {
    let code = StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = json_response(code, &e.to_status());
    if let Some(secs) = e.retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    r
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/`: the list of served paths.
    Root,
    /// `/metrics`: the apiserver's own Prometheus metrics.
    Metrics,
    Version,
    CoreVersions,
    GroupList,
    Group(String),
    ResourceList(String, String),
    OpenApiV2,
    OpenApiV3Index,
    OpenApiV3(String),
    Resource(ResourceRoute),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRoute {
    pub res: usize,
    pub ns: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
    /// Legacy `/watch/` path prefix.
    pub watch_prefix: bool,
    /// The kind asked for when it is another version of the stored kind at `res` (`versions`).
    pub view: Option<usize>,
}

/// Parses a path into a route against the kinds served now; None is a 404.
pub fn route(kinds: &Kinds, path: &str) -> Option<Route> {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        [] => return Some(Route::Root),
        ["metrics"] => return Some(Route::Metrics),
        ["version"] => return Some(Route::Version),
        ["api"] => return Some(Route::CoreVersions),
        ["apis"] => return Some(Route::GroupList),
        ["openapi", "v2"] => return Some(Route::OpenApiV2),
        ["openapi", "v3"] => return Some(Route::OpenApiV3Index),
        ["openapi", "v3", rest @ ..] => return Some(Route::OpenApiV3(rest.join("/"))),
        ["api", v] => return Some(Route::ResourceList(String::new(), (*v).to_string())),
        ["apis", g] => return Some(Route::Group((*g).to_string())),
        ["apis", g, v] => return Some(Route::ResourceList((*g).to_string(), (*v).to_string())),
        _ => {}
    }
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return None,
    };
    let (watch_prefix, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let namespaced_plural = |p: &str| {
        kinds
            .lookup(group, version, p)
            .filter(|&i| kinds.get(i).namespaced)
    };
    let (ns, res, name, sub) = match rest {
        ["namespaces", ns, plural, tail @ ..] if namespaced_plural(plural).is_some() => (
            Some((*ns).to_string()),
            namespaced_plural(plural)?,
            tail.first(),
            tail.get(1),
        ),
        [plural, tail @ ..] => (
            None,
            kinds.lookup(group, version, plural)?,
            tail.first(),
            tail.get(1),
        ),
        _ => return None,
    };
    if rest.len() > 5 || (ns.is_none() && rest.len() > 3) {
        return None;
    }
    // Another version of a stored kind is served from the stored kind's objects.
    let (res, view) = match kinds.get(res).stored_as {
        Some(stored) => (stored, Some(res)),
        None => (res, None),
    };
    let rt = kinds.get(res);
    let sub_ok = match sub.copied() {
        None => true,
        // Kinds without the subresource answer 404 for the object (api.rs), as the apiserver does.
        Some("status") => true,
        Some("scale") => rt.scale.is_some(),
        Some("log" | "portforward" | "exec" | "attach" | "eviction") => res == idx::PODS,
        Some(_) => false,
    };
    if !sub_ok {
        return None;
    }
    Some(Route::Resource(ResourceRoute {
        res,
        ns,
        name: name.map(|s| (*s).to_string()),
        sub: sub.map(|s| (*s).to_string()),
        watch_prefix,
        view,
    }))
}

pub type Query = HashMap<String, String>;

pub fn parse_query(q: Option<&str>) -> Query {
    q.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

/// Serves until `shutdown` flips to true; connections still open then are dropped.
pub async fn run(sim: Arc<Sim>, listener: TcpListener, mut shutdown: watch::Receiver<bool>) {
    let acceptor = tokio_rustls::TlsAcceptor::from(sim.tls.clone());
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let sim = sim.clone();
                conns.spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let svc = hyper::service::service_fn(move |req| {
                        let sim = sim.clone();
                        async move { Ok::<_, Infallible>(handle(sim, req).await) }
                    });
                    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let _ = builder.serve_connection_with_upgrades(TokioIo::new(tls), svc).await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.shutdown().await;
}

async fn handle(sim: Arc<Sim>, req: Request<Incoming>) -> Response<Body> {
    match dispatch(&sim, req).await {
        Ok(r) => r,
        Err(e) => status_response(&e),
    }
}

async fn dispatch(sim: &Arc<Sim>, req: Request<Incoming>) -> Result<Response<Body>, ApiError> {
    if req.uri().path().starts_with(super::fault_api::PATH) {
        let role = authenticate(sim, &req)?;
        return super::fault_api::handle(sim, role, req).await;
    }
    if sim.faults.blackholed() {
        // Accepted, never answered: the client's own timeout is all that ends this request.
        std::future::pending::<()>().await;
    }
    let path = req.uri().path().to_string();
    // Authentication comes first: a token the server never issued is 401 anywhere.
    let anonymous = req.headers().get(header::AUTHORIZATION).is_none();
    let role = if anonymous {
        None
    } else {
        Some(authenticate(sim, &req)?)
    };
    if let Some(r) = super::health::serve(&path, req.uri().query()) {
        return Ok(r);
    }
    let kinds = sim.store.kinds();
    let route = route(&kinds, &path);
    let Some(role) = role else {
        // system:anonymous may read the version and health checks (public-info-viewer) and nothing else.
        return match route {
            Some(Route::Version) => Ok(json_response(
                StatusCode::OK,
                &discovery::version(sim.scenario.identity.minor),
            )),
            Some(Route::Resource(r)) => {
                let q = parse_query(req.uri().query());
                let rt = kinds.get(r.res);
                Err(ApiError::forbidden(
                    "system:anonymous",
                    super::api::verb(req.method(), &r, &q),
                    &rt.group,
                    &rt.plural,
                    r.name.as_deref(),
                    r.ns.as_deref(),
                ))
            }
            _ => Err(ApiError::forbidden_path(
                "system:anonymous",
                &req.method().as_str().to_lowercase(),
                &path,
            )),
        };
    };
    // Impersonation comes after authentication and before everything that authorizes.
    let user = super::rbac::impersonate(&sim.store, role.info(), req.headers())?;
    let Some(route) = route else {
        return if status_404(&kinds, &path) {
            Err(ApiError::page_not_found())
        } else {
            Ok(super::health::page_not_found())
        };
    };
    if let Some(delay) = sim.faults.latency() {
        tokio::time::sleep(delay).await;
    }
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head && !matches!(route, Route::Resource(_)) {
        return Err(ApiError::method_not_allowed());
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let not_found = ApiError::page_not_found;
    match route {
        Route::Root => Ok(json_response(
            StatusCode::OK,
            &discovery::root_paths(&kinds),
        )),
        // Only system:masters reads /metrics: ClusterRole view grants no non-resource URLs.
        Route::Metrics if !user.in_group("system:masters") => {
            Err(ApiError::forbidden_path(&user.name, "get", "/metrics"))
        }
        Route::Metrics => Ok(super::health::prometheus(
            &sim.store,
            sim.scenario.identity.minor,
        )),
        Route::Version => Ok(json_response(
            StatusCode::OK,
            &discovery::version(sim.scenario.identity.minor),
        )),
        Route::CoreVersions => match discovery::wants_aggregated(&accept) {
            Some(v) => Ok(aggregated(&kinds, true, v, &req)),
            None => Ok(json_response(StatusCode::OK, &discovery::api_versions())),
        },
        Route::GroupList => match discovery::wants_aggregated(&accept) {
            Some(v) => Ok(aggregated(&kinds, false, v, &req)),
            None => Ok(json_response(
                StatusCode::OK,
                &discovery::api_group_list(&kinds),
            )),
        },
        Route::Group(g) => Ok(discovery::api_group(&kinds, &g)
            .map_or_else(super::health::page_not_found, |v| {
                json_response(StatusCode::OK, &v)
            })),
        Route::ResourceList(g, v) => match discovery::resource_list(&kinds, &g, &v) {
            Some(v) => Ok(json_response(StatusCode::OK, &v)),
            None if status_404(&kinds, &path) => Err(not_found()),
            None => Ok(super::health::page_not_found()),
        },
        Route::OpenApiV2 if accept.contains("protobuf") => Ok(bytes_response(
            StatusCode::OK,
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
            discovery::openapi_v2_protobuf(),
        )),
        Route::OpenApiV2 => Ok(json_response(StatusCode::OK, &discovery::openapi_v2_json())),
        Route::OpenApiV3Index => Ok(json_response(
            StatusCode::OK,
            &discovery::openapi_v3_index(&kinds),
        )),
        Route::OpenApiV3(p) => discovery::openapi_v3_doc(&kinds, &p)
            .map(|v| json_response(StatusCode::OK, &v))
            .ok_or_else(not_found),
        Route::Resource(r) => {
            if let Some(e) = sim.faults.injected_error() {
                return Err(e);
            }
            let streams = r.watch_prefix
                || parse_query(req.uri().query())
                    .get("watch")
                    .is_some_and(|w| w == "true" || w == "1")
                || matches!(
                    r.sub.as_deref(),
                    Some("log" | "exec" | "attach" | "portforward")
                );
            if !streams && !super::negotiate::acceptable(&accept) {
                return Err(ApiError::not_acceptable());
            }
            let resp = super::api::handle(sim, &user, r, req, &accept).await?;
            if !streams && super::negotiate::wants_yaml(&accept) {
                return Ok(super::negotiate::to_yaml(resp).await);
            }
            Ok(resp)
        }
    }
}

/// Whether a path nothing serves gets a `Status` 404 (under `/api` or a served group) or the mux's
/// plain-text `404 page not found`.
fn status_404(kinds: &Kinds, path: &str) -> bool {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", _, ..] => true,
        ["apis", g, _, ..] => kinds.groups().iter().any(|(known, _)| known == g),
        // An unknown group is the mux's 404, even at `/apis/<group>/<version>`.
        _ => false,
    }
}

/// Aggregated discovery, with the ETag kubectl caches it by: `If-None-Match` with the current one is 304.
fn aggregated(kinds: &Kinds, core: bool, version: &str, req: &Request<Incoming>) -> Response<Body> {
    use sha2::{Digest, Sha256};
    let bytes =
        serde_json::to_vec(&discovery::aggregated(kinds, core, version)).unwrap_or_default();
    let etag = format!("\"{}\"", hex::encode_upper(Sha256::digest(&bytes)));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    let mut r = if fresh {
        let mut r = Response::new(full(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        bytes_response(
            StatusCode::OK,
            &discovery::aggregated_content_type(version),
            bytes,
        )
    };
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public"));
    h.insert(header::VARY, HeaderValue::from_static("Accept"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    r
}

fn authenticate(sim: &Sim, req: &Request<Incoming>) -> Result<Role, ApiError> {
    let h = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    sim.auth.authenticate(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> Option<Route> {
        super::route(&Kinds::default(), path)
    }

    fn res(path: &str) -> ResourceRoute {
        match route(path) {
            Some(Route::Resource(r)) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn routes_resource_paths() {
        let r = res("/api/v1/namespaces/default/pods/web-1/log");
        assert_eq!(
            (r.res, r.ns.as_deref(), r.name.as_deref(), r.sub.as_deref()),
            (idx::PODS, Some("default"), Some("web-1"), Some("log"))
        );
        let r = res("/api/v1/namespaces/default");
        assert_eq!(
            (r.res, r.name.as_deref()),
            (idx::NAMESPACES, Some("default"))
        );
        let r = res("/api/v1/namespaces/default/status");
        assert_eq!((r.res, r.sub.as_deref()), (idx::NAMESPACES, Some("status")));
        let r = res("/apis/apps/v1/deployments");
        assert_eq!((r.res, r.ns), (idx::DEPLOYMENTS, None));
        let r = res("/api/v1/watch/namespaces/a/pods");
        assert!(r.watch_prefix);
        assert_eq!(
            route("/apis/apps/v1"),
            Some(Route::ResourceList("apps".into(), "v1".into()))
        );
        assert_eq!(route("/api/v1/namespaces/a/widgets"), None);
        assert_eq!(route("/apis/nope/v1/things"), None);
    }
}
