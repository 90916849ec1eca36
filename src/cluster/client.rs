//! Building a `kube::Client` for a context of the merged kubeconfig.
//!
//! The merged view (with relative paths already resolved against their own files) is handed to kube-rs
//! as an in-memory `Kubeconfig`, so kube-rs's auth (tokens, client certs, exec plugins) applies unchanged.

use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::error::RequestError;
use super::exec_auth::ExecAuthError;
use crate::kubeconfig::KubeconfigSet;

/// Why there is no usable client for a context: from [`connect`] and from
/// [`super::session::connect`], which also asks the server a first question.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no context is selected (set one with `kdeck ctx NAME`)")]
    NoContext,
    #[error("no context exists with the name: \"{0}\"")]
    UnknownContext(String),
    #[error("kubeconfig cannot be used for context \"{context}\": {source}")]
    Config {
        context: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot create a client for context \"{context}\": {source}")]
    Client {
        context: String,
        source: kube::Error,
    },
    /// The context's interactive exec plugin, run by kdeck, gave no credential.
    #[error(transparent)]
    Auth(#[from] ExecAuthError),
    /// The server did not answer the first request in time.
    #[error("no answer from the server within {}s", .after.as_secs())]
    Timeout { after: Duration },
    /// The server answered the first request with an error, or could not be reached.
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// The kube-rs configuration for `context` (or the current context).
pub async fn client_config(
    set: &KubeconfigSet,
    context: Option<&str>,
) -> Result<kube::Config, ClientError> {
    let name = context
        .or(set.current_context())
        .ok_or(ClientError::NoContext)?
        .to_string();
    if !set.has_context(&name) {
        return Err(ClientError::UnknownContext(name));
    }
    let config_err = |source: Box<dyn std::error::Error + Send + Sync>| ClientError::Config {
        context: name.clone(),
        source,
    };
    let json = crate::yaml::to_json(&set.merged()).map_err(|e| config_err(Box::new(e)))?;
    let kubeconfig: Kubeconfig =
        serde_json::from_value(json).map_err(|e| config_err(Box::new(e)))?;
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        ..Default::default()
    };
    kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| config_err(Box::new(e)))
}

/// A client for `context` (or the current context).
pub async fn connect(
    set: &KubeconfigSet,
    context: Option<&str>,
) -> Result<kube::Client, ClientError> {
    let config = client_config(set, context).await?;
    let name = context
        .or(set.current_context())
        .unwrap_or_default()
        .to_string();
    kube::Client::try_from(config).map_err(|source| ClientError::Client {
        context: name,
        source,
    })
}
