//! The only network access of the kubens face: LIST namespaces and GET one, through kube-rs on the
//! context's own credentials, each bounded by a timeout so an unreachable server fails instead of
//! hanging. `KDECK_REQUEST_TIMEOUT` (seconds) overrides the default of 10.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::ListParams;

use crate::cluster::{ClientError, RequestError};
use crate::kubeconfig::KubeconfigSet;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// RBAC said no (HTTP 403); the caller may fall back to what kdeck knows.
    #[error("forbidden by the API server at {server}: {message}")]
    Forbidden { server: String, message: String },
    #[error("cannot start the network runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot create a client for {server}: {source}")]
    NewClient { server: String, source: kube::Error },
    #[error("{what}: {source} (server {server})")]
    Request {
        what: String,
        server: String,
        source: RequestError,
    },
    #[error(
        "the API server at {server} did not answer within {}s (set KDECK_REQUEST_TIMEOUT to wait longer)",
        after.as_secs_f64()
    )]
    Timeout { server: String, after: Duration },
}

/// The timeout for one namespace query, from `KDECK_REQUEST_TIMEOUT` or the default.
pub fn request_timeout() -> Duration {
    std::env::var("KDECK_REQUEST_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().trim_end_matches('s').parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// All namespace names of the context's cluster, in the server's order, paging by 500 as kubens does.
pub fn list(
    set: &KubeconfigSet,
    context: &str,
    timeout: Duration,
) -> Result<Vec<String>, QueryError> {
    block_on(set, context, timeout, |api, server| async move {
        let mut out = Vec::new();
        let mut params = ListParams::default().limit(500);
        loop {
            let page = api
                .list(&params)
                .await
                .map_err(|e| api_error(e, &server, "failed to list namespaces from k8s API"))?;
            out.extend(page.items.into_iter().filter_map(|n| n.metadata.name));
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(out),
            }
        }
    })
}

/// Whether namespace `name` exists (GET; 404 means no).
pub fn exists(
    set: &KubeconfigSet,
    context: &str,
    name: &str,
    timeout: Duration,
) -> Result<bool, QueryError> {
    let name = name.to_string();
    block_on(set, context, timeout, |api, server| async move {
        let what = format!("failed to query namespace \"{name}\" from k8s API");
        api.get_opt(&name)
            .await
            .map(|found| found.is_some())
            .map_err(|e| api_error(e, &server, &what))
    })
}

/// Runs one query on a private single-threaded runtime: kubens does one request and exits, so a
/// multi-threaded runtime would only add startup cost.
fn block_on<T, F, Fut>(
    set: &KubeconfigSet,
    context: &str,
    timeout: Duration,
    query: F,
) -> Result<T, QueryError>
where
    F: FnOnce(Api<Namespace>, String) -> Fut,
    Fut: Future<Output = Result<T, QueryError>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(QueryError::Runtime)?;
    runtime.block_on(async {
        let mut config = crate::cluster::client_config(set, Some(context)).await?;
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        config.write_timeout = Some(timeout);
        let server = config.cluster_url.to_string();
        let client = kube::Client::try_from(config).map_err(|source| QueryError::NewClient {
            server: server.clone(),
            source,
        })?;
        let api: Api<Namespace> = Api::all(client);
        match tokio::time::timeout(timeout, query(api, server.clone())).await {
            Ok(result) => result,
            Err(_) => Err(QueryError::Timeout {
                server,
                after: timeout,
            }),
        }
    })
}

fn api_error(e: kube::Error, server: &str, what: &str) -> QueryError {
    match RequestError::from(e) {
        RequestError::Refused(status) if status.code == 403 => QueryError::Forbidden {
            server: server.to_string(),
            message: status.message,
        },
        source => QueryError::Request {
            what: what.to_string(),
            server: server.to_string(),
            source,
        },
    }
}
