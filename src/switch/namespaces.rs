//! The only network access of the kubens face: LIST namespaces and GET one, through kube-rs on the
//! context's own credentials, each bounded by a timeout so an unreachable server fails instead of
//! hanging. `KDECK_REQUEST_TIMEOUT` (seconds, or with a unit) overrides the default of 10; a value that
//! does not parse is an error.

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

/// `KDECK_REQUEST_TIMEOUT` holds something that is not a positive duration.
#[derive(Debug, thiserror::Error)]
#[error(
    "KDECK_REQUEST_TIMEOUT={0:?} is not a valid timeout: give a positive number of seconds, or a number with a unit (500ms, 10s, 1m)"
)]
pub struct InvalidTimeout(String);

/// The timeout for one namespace query, from `KDECK_REQUEST_TIMEOUT` or the default. A value that does
/// not parse is an error: silently waiting 10 s instead of what the user asked for hides the typo.
pub fn request_timeout() -> Result<Duration, InvalidTimeout> {
    match std::env::var("KDECK_REQUEST_TIMEOUT") {
        Ok(v) if !v.trim().is_empty() => parse_timeout(&v).ok_or(InvalidTimeout(v)),
        _ => Ok(DEFAULT_TIMEOUT),
    }
}

/// `10`, `2.5`, `10s`, `500ms`, `1m`, `1h` (kubectl's `--request-timeout` spellings).
fn parse_timeout(v: &str) -> Option<Duration> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let scale = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    let secs = number.parse::<f64>().ok()? * scale;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
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
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_spellings() {
        assert_eq!(parse_timeout("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_timeout(" 2.5s "), Some(Duration::from_millis(2500)));
        assert_eq!(parse_timeout("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_timeout("1m"), Some(Duration::from_secs(60)));
        for bad in ["0", "-1", "ten", "10x", "1e400", "s", ""] {
            assert_eq!(parse_timeout(bad), None, "{bad}");
        }
    }
}
