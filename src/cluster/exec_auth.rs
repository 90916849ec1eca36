//! Interactive exec credential plugins (kubelogin, `aws sso`, gke-gcloud-auth-plugin in browser mode),
//! run by kdeck itself so they only ever run with the terminal free.
//!
//! kube-rs would run an exec plugin whenever its token expires, from inside whatever request needed
//! it — under the TUI, fighting it for the terminal. For a plugin that may prompt (interactiveMode
//! Always or IfAvailable, or unset as kube-rs treats it), kdeck takes the plugin out of kube-rs's hands:
//! it runs the plugin in the foreground (the caller has suspended the TUI), keeps the token in memory
//! only, and adds it to every request through a layer shared by every clone of the client. Before the
//! token expires the TUI suspends again, the plugin runs again, and the new token applies to running
//! watches, log streams and port-forwards alike, without rebuilding anything.
//!
//! Non-interactive plugins stay with kube-rs (they never touch the terminal). Tokens are never printed
//! or logged: [`Credential`]'s Debug masks them.

use std::process::{Command, Stdio};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http::{HeaderValue, Request};
use kube::config::{ExecConfig, ExecInteractiveMode};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum ExecAuthError {
    #[error("the exec credential plugin has no command")]
    NoCommand,
    #[error("cannot start the exec credential plugin `{command}`: {source}{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Start {
        command: String,
        hint: Option<String>,
        source: std::io::Error,
    },
    #[error("the exec credential plugin `{command}` failed ({status})")]
    Failed { command: String, status: String },
    #[error("the exec credential plugin `{command}` printed no valid ExecCredential: {source}")]
    Output {
        command: String,
        source: CredentialError,
    },
    #[error("the plugin's token is not a valid header value")]
    BadToken,
    #[error("the plugin now returns a client certificate; reconnect to use it (:ctx)")]
    CertificateNow,
    /// The blocking task running the plugin panicked or was cancelled.
    #[error("the exec credential plugin did not finish: {0}")]
    Interrupted(#[source] tokio::task::JoinError),
}

/// Why a plugin's output is not an ExecCredential kdeck can use.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("kind is not ExecCredential")]
    NotExecCredential,
    #[error("no status")]
    NoStatus,
    #[error("expirationTimestamp {value:?}: {source}")]
    BadExpiry { value: String, source: jiff::Error },
    #[error("status has neither a token nor a client certificate and key")]
    NoCredential,
}

/// What a plugin returned.
#[derive(Clone)]
pub struct Credential {
    pub token: Option<String>,
    pub client_certificate_data: Option<String>,
    pub client_key_data: Option<String>,
    pub expires: Option<jiff::Timestamp>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("token", &self.token.as_ref().map(|_| "<masked>"))
            .field(
                "client_certificate",
                &self.client_certificate_data.as_ref().map(|_| "<set>"),
            )
            .field(
                "client_key",
                &self.client_key_data.as_ref().map(|_| "<masked>"),
            )
            .field("expires", &self.expires)
            .finish()
    }
}

/// The plugin of `config` when it may prompt; None when kube-rs can keep running it.
pub fn interactive_plugin(config: &kube::Config) -> Option<&ExecConfig> {
    let exec = config.auth_info.exec.as_ref()?;
    (exec.interactive_mode != Some(ExecInteractiveMode::Never)).then_some(exec)
}

/// Runs the plugin with the terminal (stdin and stderr inherited) and parses what it prints. Blocking;
/// the caller must have released the terminal.
pub fn run_plugin(exec: &ExecConfig) -> Result<Credential, ExecAuthError> {
    let command = exec.command.clone().ok_or(ExecAuthError::NoCommand)?;
    let mut cmd = Command::new(&command);
    cmd.args(exec.args.iter().flatten());
    for pair in exec.env.iter().flatten() {
        if let (Some(k), Some(v)) = (pair.get("name"), pair.get("value")) {
            cmd.env(k, v);
        }
    }
    let mut spec = serde_json::json!({"interactive": true});
    if exec.provide_cluster_info
        && let Some(cluster) = &exec.cluster
        && let Ok(c) = serde_json::to_value(cluster)
    {
        spec["cluster"] = c;
    }
    let info = serde_json::json!({
        "apiVersion": exec.api_version.clone().unwrap_or_else(|| "client.authentication.k8s.io/v1".into()),
        "kind": "ExecCredential",
        "spec": spec,
    });
    cmd.env("KUBERNETES_EXEC_INFO", info.to_string())
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped());
    let out = cmd.output().map_err(|source| ExecAuthError::Start {
        command: command.clone(),
        hint: exec.install_hint.clone(),
        source,
    })?;
    if !out.status.success() {
        return Err(ExecAuthError::Failed {
            command,
            status: out.status.to_string(),
        });
    }
    parse_credential(&out.stdout).map_err(|source| ExecAuthError::Output { command, source })
}

/// Parses an ExecCredential (client.authentication.k8s.io v1 or v1beta1).
pub fn parse_credential(stdout: &[u8]) -> Result<Credential, CredentialError> {
    let v: Value = serde_json::from_slice(stdout)?;
    if v.get("kind").and_then(Value::as_str) != Some("ExecCredential") {
        return Err(CredentialError::NotExecCredential);
    }
    let status = v.get("status").ok_or(CredentialError::NoStatus)?;
    let s = |k: &str| status.get(k).and_then(Value::as_str).map(String::from);
    let cred =
        Credential {
            token: s("token"),
            client_certificate_data: s("clientCertificateData"),
            client_key_data: s("clientKeyData"),
            expires: match s("expirationTimestamp") {
                Some(t) => Some(t.parse::<jiff::Timestamp>().map_err(|source| {
                    CredentialError::BadExpiry {
                        value: t.clone(),
                        source,
                    }
                })?),
                None => None,
            },
        };
    if cred.token.is_none()
        && (cred.client_certificate_data.is_none() || cred.client_key_data.is_none())
    {
        return Err(CredentialError::NoCredential);
    }
    Ok(cred)
}

/// When to run the plugin again: a little before the credential expires (a fifth of its lifetime,
/// at most 30 s early), and never sooner than 1 s from `obtained`.
pub fn refresh_at(obtained: jiff::Timestamp, expires: jiff::Timestamp) -> jiff::Timestamp {
    let life = expires.duration_since(obtained);
    let margin = (life / 5).min(jiff::SignedDuration::from_secs(30));
    let at = expires - margin;
    let earliest = obtained + jiff::SignedDuration::from_secs(1);
    if at < earliest { earliest } else { at }
}

/// The bearer token every clone of a client sends; replaced in place on re-authentication.
#[derive(Clone, Default)]
pub struct SharedToken(Arc<RwLock<Option<HeaderValue>>>);

impl std::fmt::Debug for SharedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedToken(<masked>)")
    }
}

impl SharedToken {
    pub fn set(&self, token: &str) -> Result<(), ExecAuthError> {
        // The header value's own error would quote the token; this one never does.
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ExecAuthError::BadToken)?;
        value.set_sensitive(true);
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Some(value);
        Ok(())
    }

    fn apply<B>(&self, mut req: Request<B>) -> Request<B> {
        if let Some(v) = self.0.read().unwrap_or_else(|p| p.into_inner()).clone() {
            req.headers_mut().insert(http::header::AUTHORIZATION, v);
        }
        req
    }
}

/// A client whose requests carry `token`; `config` must have its exec plugin removed.
pub fn client_with_token(
    config: kube::Config,
    token: &SharedToken,
) -> Result<kube::Client, kube::Error> {
    let t = token.clone();
    let layer =
        tower::util::MapRequestLayer::new(move |req: Request<kube::client::Body>| t.apply(req));
    Ok(kube::client::ClientBuilder::try_from(config)?
        .with_layer(&layer)
        .build())
}

/// Takes the plugin out of `config` and puts the credential's certificate (if any) in its place; the
/// token goes through a [`SharedToken`] instead.
pub fn strip_plugin(config: &mut kube::Config, cred: &Credential) {
    config.auth_info.exec = None;
    if let (Some(cert), Some(key)) = (&cred.client_certificate_data, &cred.client_key_data) {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        config.auth_info.client_certificate_data = Some(b64.encode(cert));
        config.auth_info.client_key_data = Some(b64.encode(key).into());
    }
}

/// The wait before `at`, from now (zero when it is past).
pub fn until(at: jiff::Timestamp) -> Duration {
    let d = at.duration_since(jiff::Timestamp::now());
    d.try_into().unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tokens_and_certificates_and_rejects_the_rest() {
        let c = parse_credential(
            br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
                "status":{"token":"abc","expirationTimestamp":"2026-01-01T12:00:00Z"}}"#,
        )
        .unwrap();
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(c.expires.unwrap().to_string(), "2026-01-01T12:00:00Z");
        assert!(!format!("{c:?}").contains("abc"), "Debug masks the token");
        let c = parse_credential(
            br#"{"kind":"ExecCredential","status":{"clientCertificateData":"C","clientKeyData":"K"}}"#,
        )
        .unwrap();
        assert!(c.token.is_none() && c.expires.is_none());
        for bad in [
            &br#"{"kind":"ExecCredential","status":{}}"#[..],
            br#"{"kind":"Other","status":{"token":"a"}}"#,
            br#"{"kind":"ExecCredential","status":{"token":"a","expirationTimestamp":"soon"}}"#,
            b"not json",
        ] {
            assert!(parse_credential(bad).is_err());
        }
    }

    #[test]
    fn refreshes_before_expiry_but_not_in_a_loop() {
        let t0: jiff::Timestamp = "2026-01-01T12:00:00Z".parse().unwrap();
        let at = |secs: i64| refresh_at(t0, t0 + jiff::SignedDuration::from_secs(secs));
        assert_eq!(at(3600), t0 + jiff::SignedDuration::from_secs(3570));
        assert_eq!(at(10), t0 + jiff::SignedDuration::from_secs(8));
        assert_eq!(at(0), t0 + jiff::SignedDuration::from_secs(1));
        assert_eq!(at(-60), t0 + jiff::SignedDuration::from_secs(1));
    }

    #[test]
    fn only_plugins_that_may_prompt_are_taken_over() {
        let mut config = kube::Config::new("https://127.0.0.1:1".parse().unwrap());
        assert!(interactive_plugin(&config).is_none());
        let exec: ExecConfig = serde_json::from_value(serde_json::json!({
            "apiVersion": "client.authentication.k8s.io/v1", "command": "login",
            "interactiveMode": "IfAvailable"
        }))
        .unwrap();
        config.auth_info.exec = Some(exec.clone());
        assert!(interactive_plugin(&config).is_some());
        config.auth_info.exec = Some(ExecConfig {
            interactive_mode: Some(ExecInteractiveMode::Never),
            ..exec
        });
        assert!(interactive_plugin(&config).is_none());
    }

    #[test]
    fn a_plugin_that_fails_or_is_missing_says_so() {
        let exec: ExecConfig = serde_json::from_value(serde_json::json!({
            "command": "/nonexistent/kdeck-login", "installHint": "install kdeck-login"
        }))
        .unwrap();
        let e = run_plugin(&exec).unwrap_err().to_string();
        assert!(
            e.contains("cannot start") && e.contains("install kdeck-login"),
            "{e}"
        );
        let exec: ExecConfig =
            serde_json::from_value(serde_json::json!({"command": "false"})).unwrap();
        assert!(
            run_plugin(&exec)
                .unwrap_err()
                .to_string()
                .contains("failed")
        );
    }
}
