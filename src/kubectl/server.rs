//! The apiserver version of a context, for `auto` pins and skew warnings, with a 10-minute cache.
//!
//! The shim runs before every kubectl command, so a server round trip there must be rare: the answer is
//! cached per context under `${XDG_CACHE_HOME:-~/.cache}/kdeck/server-version/`, keyed by context name
//! and checked against the context's server URL so a repointed context is asked again. A failed query
//! is cached too, for a minute, so a dead VPN costs one timeout rather than one per kubectl command.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::version::server_minor;
use crate::kubeconfig::{KubeconfigSet, Section};

pub const CACHE_TTL: Duration = Duration::from_secs(600);
pub const FAILURE_TTL: Duration = Duration::from_secs(60);
/// Long enough for a healthy remote apiserver, short enough that a dead VPN does not hang kubectl.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerVersion {
    pub server: String,
    pub git_version: String,
    pub minor: u32,
}

/// What the cache file holds: an answer, or the fact that asking failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum CacheEntry {
    Version(ServerVersion),
    Unreachable { server: String },
}

/// The context a query goes to and its server URL, read from kubeconfig only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    pub context: String,
    pub server: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Client(#[from] crate::cluster::ClientError),
    #[error("GET {server}/version failed: {source}")]
    Request {
        server: String,
        source: crate::cluster::RequestError,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("{server} did not answer /version within {}s", QUERY_TIMEOUT.as_secs())]
    Timeout { server: String },
    #[error("{server} reported an unreadable minor version {minor:?}")]
    BadMinor { server: String, minor: String },
}

/// The target for `context` (or the current context), if kubeconfig names one with a server.
pub fn target(set: &KubeconfigSet, context: Option<&str>) -> Option<ServerTarget> {
    let name = context.or(set.current_context())?;
    let cluster = set.context(name)?.cluster?;
    let entry = set.entry(Section::Clusters, &cluster)?;
    let server = entry.value.get("server")?.as_str()?.to_string();
    Some(ServerTarget {
        context: name.to_string(),
        server,
    })
}

fn cache_file(cache_root: &Path, context: &str) -> PathBuf {
    let name = percent_encoding::utf8_percent_encode(context, percent_encoding::NON_ALPHANUMERIC);
    cache_root.join("server-version").join(name.to_string())
}

/// A fresh cached outcome for the same server URL: `Some(Some(v))` an answer, `Some(None)` a recent
/// failure (do not ask again yet), `None` nothing usable.
pub fn cached(cache_root: &Path, target: &ServerTarget) -> Option<Option<ServerVersion>> {
    let path = cache_file(cache_root, &target.context);
    let age = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())?;
    match serde_json::from_slice(&std::fs::read(&path).ok()?).ok()? {
        CacheEntry::Version(v) if v.server == target.server && age <= CACHE_TTL => Some(Some(v)),
        CacheEntry::Unreachable { server } if server == target.server && age <= FAILURE_TTL => {
            Some(None)
        }
        _ => None,
    }
}

/// Best effort: a cache that cannot be written only costs a later query.
fn store(cache_root: &Path, target: &ServerTarget, entry: &CacheEntry) {
    if let Ok(bytes) = serde_json::to_vec(entry) {
        let _ = crate::kubeconfig::write::atomic_write(
            &cache_file(cache_root, &target.context),
            &bytes,
            0o600,
        );
    }
}

/// Asks the apiserver for its version, with [`QUERY_TIMEOUT`].
pub async fn query(
    set: &KubeconfigSet,
    target: &ServerTarget,
) -> Result<ServerVersion, ServerError> {
    let server = target.server.clone();
    let ask = async {
        let client = crate::cluster::connect(set, Some(&target.context)).await?;
        let info = client
            .apiserver_version()
            .await
            .map_err(|e| ServerError::Request {
                server: server.clone(),
                source: e.into(),
            })?;
        let minor = server_minor(&info.minor).ok_or_else(|| ServerError::BadMinor {
            server: server.clone(),
            minor: info.minor.clone(),
        })?;
        Ok(ServerVersion {
            server: server.clone(),
            git_version: info.git_version,
            minor,
        })
    };
    match tokio::time::timeout(QUERY_TIMEOUT, ask).await {
        Ok(result) => result,
        Err(_) => Err(ServerError::Timeout { server }),
    }
}

/// Queries on a throwaway current-thread runtime and caches the outcome. Used by the shim (only for
/// `auto`) and by `which --server`, neither of which runs inside tokio.
pub fn query_blocking(
    set: &KubeconfigSet,
    target: &ServerTarget,
) -> Result<ServerVersion, ServerError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    let result = runtime.block_on(query(set, target));
    let entry = match &result {
        Ok(v) => CacheEntry::Version(v.clone()),
        Err(_) => CacheEntry::Unreachable {
            server: target.server.clone(),
        },
    };
    store(&crate::paths::cache_dir(), target, &entry);
    result
}

/// The server minor for `context` (or the current one): from the cache, else asked (and cached). `None`
/// when kubeconfig has no usable context or the server cannot be reached; the caller decides what then.
pub fn minor_cached_or_query(kubeconfig: Option<&Path>, context: Option<&str>) -> Option<u32> {
    let set = KubeconfigSet::load(kubeconfig).ok()?;
    let target = target(&set, context)?;
    match cached(&crate::paths::cache_dir(), &target) {
        Some(outcome) => outcome.map(|v| v.minor),
        None => query_blocking(&set, &target).ok().map(|v| v.minor),
    }
}

/// The server minor from the cache only (no network), for callers that must not block.
pub fn minor_cached_only(kubeconfig: Option<&Path>, context: Option<&str>) -> Option<u32> {
    let set = KubeconfigSet::load(kubeconfig).ok()?;
    let target = target(&set, context)?;
    cached(&crate::paths::cache_dir(), &target)
        .flatten()
        .map(|v| v.minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> ServerTarget {
        ServerTarget {
            context: "prod/eu".into(),
            server: "https://a:6443".into(),
        }
    }

    #[test]
    fn cache_round_trip_is_keyed_by_server_url() {
        let dir = tempfile::tempdir().unwrap();
        let t = target();
        let v = ServerVersion {
            server: t.server.clone(),
            git_version: "v1.29.4".into(),
            minor: 29,
        };
        assert_eq!(cached(dir.path(), &t), None);
        store(dir.path(), &t, &CacheEntry::Version(v.clone()));
        assert_eq!(cached(dir.path(), &t), Some(Some(v)));
        let moved = ServerTarget {
            server: "https://b:6443".into(),
            ..t.clone()
        };
        assert_eq!(cached(dir.path(), &moved), None);
        // The context name never escapes the cache directory.
        assert!(cache_file(dir.path(), "../x").starts_with(dir.path().join("server-version")));
        assert_eq!(
            cache_file(dir.path(), "../x").file_name().unwrap(),
            "%2E%2E%2Fx"
        );
    }

    #[test]
    fn a_failure_is_remembered_for_the_same_server() {
        let dir = tempfile::tempdir().unwrap();
        let t = target();
        store(
            dir.path(),
            &t,
            &CacheEntry::Unreachable {
                server: t.server.clone(),
            },
        );
        assert_eq!(cached(dir.path(), &t), Some(None));
        let moved = ServerTarget {
            server: "https://b:6443".into(),
            ..t
        };
        assert_eq!(cached(dir.path(), &moved), None);
    }
}
