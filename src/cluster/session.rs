//! Connecting to a context for an interactive session: a client with short connect timeouts and a
//! first request (the server version), so an unreachable cluster is reported in seconds, not minutes,
//! and exec credential plugins run their first authentication right here.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams, PartialObjectMeta};

use super::client::{ClientError, client_config};
use super::error::RequestError;
use super::exec_auth::{self, ExecAuthError};
use crate::kubeconfig::KubeconfigSet;
use crate::yaml::Value;

/// TCP connect timeout: an unreachable server fails fast.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The whole first request (TLS, auth plugins, /version).
pub const FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(8);

/// A connected client and what the server said about itself.
#[derive(Clone)]
pub struct Connected {
    pub client: kube::Client,
    pub git_version: String,
    /// The server's `minor` field as it sent it (`"29"`, `"29+"`), for the caller's kubectl skew check.
    pub minor: String,
    /// Set when kdeck runs this context's interactive exec plugin itself (see [`exec_auth`]).
    pub auth: Option<ManagedAuth>,
}

/// An interactive exec plugin kdeck runs, and the token it gave, shared by every clone of the client.
#[derive(Clone, Debug)]
pub struct ManagedAuth {
    pub exec: kube::config::ExecConfig,
    pub token: exec_auth::SharedToken,
    /// When to run the plugin again (None: the credential did not say it expires).
    pub refresh_at: Option<jiff::Timestamp>,
}

impl ManagedAuth {
    /// Runs the plugin again (blocking; the terminal must be free) and swaps the token in place.
    pub fn reauthenticate(&mut self) -> Result<(), ExecAuthError> {
        let cred = exec_auth::run_plugin(&self.exec)?;
        let token = cred.token.as_deref().ok_or(ExecAuthError::CertificateNow)?;
        self.token.set(token)?;
        self.refresh_at = cred
            .expires
            .map(|e| exec_auth::refresh_at(jiff::Timestamp::now(), e));
        Ok(())
    }
}

/// A client for `context` that has answered its first request. Fails with the same error type as
/// [`super::connect`], plus [`ClientError::Auth`] (the interactive plugin), [`ClientError::Timeout`]
/// and [`ClientError::Request`] (the first request).
pub async fn connect(set: &KubeconfigSet, context: &str) -> Result<Connected, ClientError> {
    let mut config = client_config(set, Some(context)).await?;
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    let client_err = |source| ClientError::Client {
        context: context.to_string(),
        source,
    };
    let (client, auth) = match exec_auth::interactive_plugin(&config).cloned() {
        // Runs in the foreground: the caller only connects such a context with the terminal free.
        Some(exec) => {
            let plugin = exec.clone();
            let cred = tokio::task::spawn_blocking(move || exec_auth::run_plugin(&plugin))
                .await
                .map_err(ExecAuthError::Interrupted)??;
            exec_auth::strip_plugin(&mut config, &cred);
            let token = exec_auth::SharedToken::default();
            if let Some(t) = &cred.token {
                token.set(t)?;
            }
            let client = exec_auth::client_with_token(config, &token).map_err(client_err)?;
            let refresh_at = cred
                .expires
                .map(|e| exec_auth::refresh_at(jiff::Timestamp::now(), e));
            let auth = ManagedAuth {
                exec,
                token,
                refresh_at,
            };
            (client, Some(auth))
        }
        None => (kube::Client::try_from(config).map_err(client_err)?, None),
    };
    let version = tokio::time::timeout(FIRST_REQUEST_TIMEOUT, client.apiserver_version())
        .await
        .map_err(|_| ClientError::Timeout {
            after: FIRST_REQUEST_TIMEOUT,
        })?
        .map_err(RequestError::from)?;
    Ok(Connected {
        client,
        git_version: version.git_version,
        minor: version.minor,
        auth,
    })
}

/// True when the context's user authenticates with an exec plugin that may prompt (interactiveMode
/// Always or IfAvailable, or unset, as kube-rs runs it), so the TUI must be suspended while it runs.
pub fn needs_terminal(set: &KubeconfigSet, context: &str) -> bool {
    let Some(user) = set.context(context).and_then(|c| c.user) else {
        return false;
    };
    let merged = set.merged();
    let users = merged.get("users").and_then(Value::as_sequence);
    let exec = users
        .into_iter()
        .flatten()
        .find(|u| u.get("name").and_then(Value::as_str) == Some(user.as_str()))
        .and_then(|u| u.get("user"))
        .and_then(|u| u.get("exec"));
    match exec {
        None => false,
        Some(e) => e.get("interactiveMode").and_then(Value::as_str) != Some("Never"),
    }
}

/// Namespace names, listed as metadata only.
pub async fn namespace_names(client: &kube::Client) -> Result<Vec<String>, RequestError> {
    let api: Api<PartialObjectMeta<Namespace>> = Api::all(client.clone());
    let list = api.list_metadata(&ListParams::default()).await?;
    let mut names: Vec<String> = list
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interactive_exec_needs_the_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config");
        std::fs::write(
            &p,
            "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n\
             users:\n- name: sso\n  user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: login, interactiveMode: IfAvailable}}\n\
             - name: bot\n  user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: tok, interactiveMode: Never}}\n\
             contexts:\n- {name: a, context: {cluster: c, user: sso}}\n- {name: b, context: {cluster: c, user: bot}}\n",
        )
        .unwrap();
        let set = KubeconfigSet::load(Some(&p)).unwrap();
        assert!(needs_terminal(&set, "a"));
        assert!(!needs_terminal(&set, "b"));
        assert!(!needs_terminal(&set, "missing"));
    }

    #[tokio::test]
    async fn unreachable_server_fails_fast_with_a_message() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config");
        std::fs::write(
            &p,
            format!(
                "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}', insecure-skip-tls-verify: true}}}}]\n\
                 users: [{{name: u, user: {{token: t}}}}]\ncontexts: [{{name: a, context: {{cluster: c, user: u}}}}]\n"
            ),
        )
        .unwrap();
        let set = KubeconfigSet::load(Some(&p)).unwrap();
        let err = connect(&set, "a").await.err().unwrap();
        assert!(
            matches!(err, ClientError::Request(RequestError::Transport(_))),
            "{err:?}"
        );
        assert!(!err.to_string().is_empty());
    }
}
