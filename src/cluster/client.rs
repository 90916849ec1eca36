//! Building a `kube::Client` for a context of the merged kubeconfig.
//!
//! The merged view (with relative paths already resolved against their own files) is handed to kube-rs
//! as an in-memory `Kubeconfig`, so kube-rs's auth (tokens, client certs, exec plugins) applies unchanged.

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::kubeconfig::KubeconfigSet;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no context is selected (set one with `kdeck ctx NAME`)")]
    NoContext,
    #[error("no context exists with the name: \"{0}\"")]
    UnknownContext(String),
    #[error("kubeconfig cannot be used for context \"{context}\": {message}")]
    Config { context: String, message: String },
    #[error("cannot create a client for context \"{context}\": {message}")]
    Client { context: String, message: String },
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
    let config_err = |message: String| ClientError::Config {
        context: name.clone(),
        message,
    };
    let json = crate::yaml::to_json(&set.merged()).map_err(|e| config_err(e.to_string()))?;
    let kubeconfig: Kubeconfig =
        serde_json::from_value(json).map_err(|e| config_err(e.to_string()))?;
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        ..Default::default()
    };
    kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| config_err(e.to_string()))
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
    kube::Client::try_from(config).map_err(|e| ClientError::Client {
        context: name,
        message: e.to_string(),
    })
}
