//! The kubeconfig that points kubectl and kube-rs at the sim: one cluster (the sim's CA inlined), an admin
//! and a viewer user, and the contexts `kdeck-sim` (current) and `kdeck-sim-viewer`.
//!
//! Owns: rendering that file through `crate::yaml` and writing it 0600 with `atomic_write`. The default
//! location is a file under `crate::paths::runtime_dir()` (created 0700).

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::json;

use crate::kubeconfig::write::atomic_write;

pub const ADMIN_CONTEXT: &str = "kdeck-sim";
pub const VIEWER_CONTEXT: &str = "kdeck-sim-viewer";

#[derive(Debug, thiserror::Error)]
pub enum KubeconfigOutError {
    #[error("creating {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing the sim kubeconfig to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("rendering the sim kubeconfig: {0}")]
    Yaml(#[from] crate::yaml::YamlError),
}

/// The kubeconfig text.
pub fn render(
    name: &str,
    url: &str,
    ca_pem: &str,
    admin_token: &str,
    viewer_token: &str,
) -> Result<String, KubeconfigOutError> {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem.as_bytes());
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": url, "certificate-authority-data": ca}}],
        "users": [
            {"name": format!("{name}-admin"), "user": {"token": admin_token}},
            {"name": format!("{name}-viewer"), "user": {"token": viewer_token}},
        ],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": format!("{name}-admin"), "namespace": "default"}},
            {"name": format!("{name}-viewer"), "context": {"cluster": name, "user": format!("{name}-viewer"), "namespace": "default"}},
        ],
        "current-context": name,
        "preferences": {},
    });
    Ok(crate::yaml::to_string(&crate::yaml::from_json(&doc)?)?)
}

/// One kubeconfig for several sims: each cluster's admin context (named after the cluster), the first
/// current. `texts` are kubeconfigs [`render`] wrote.
pub fn merge(texts: &[String]) -> Result<String, KubeconfigOutError> {
    let mut clusters = Vec::new();
    let mut users = Vec::new();
    let mut contexts = Vec::new();
    for text in texts {
        let doc = crate::yaml::to_json(&crate::yaml::parse_value(text)?)?;
        let name = doc["current-context"].clone();
        clusters.extend(doc["clusters"].as_array().cloned().unwrap_or_default());
        contexts.extend(
            doc["contexts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["name"] == name)
                .cloned(),
        );
        let user = contexts.last().map(|c| c["context"]["user"].clone());
        users.extend(
            doc["users"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|u| Some(&u["name"]) == user.as_ref())
                .cloned(),
        );
    }
    let current = contexts.first().map_or(json!(""), |c| c["name"].clone());
    let doc = json!({
        "apiVersion": "v1", "kind": "Config",
        "clusters": clusters, "users": users, "contexts": contexts,
        "current-context": current, "preferences": {},
    });
    Ok(crate::yaml::to_string(&crate::yaml::from_json(&doc)?)?)
}

/// The default path: `<runtime_dir>/sim-<pid>-<port>.kubeconfig`, with the directory made 0700.
pub fn default_path(port: u16) -> Result<PathBuf, KubeconfigOutError> {
    let dir = crate::paths::runtime_dir();
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|source| KubeconfigOutError::Dir {
                path: dir.clone(),
                source,
            })?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(
            |source| KubeconfigOutError::Dir {
                path: dir.clone(),
                source,
            },
        )?;
    }
    Ok(dir.join(format!("sim-{}-{port}.kubeconfig", std::process::id())))
}

/// Writes the kubeconfig 0600. An existing file is replaced whole but keeps its mode, so a file the
/// caller created more permissive is tightened explicitly.
pub fn write(path: &Path, text: &str) -> Result<(), KubeconfigOutError> {
    atomic_write(path, text.as_bytes(), 0o600)
        .and_then(|()| std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)))
        .map_err(|source| KubeconfigOutError::Write {
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_both_contexts_and_writes_0600() {
        let text = render("kdeck-sim", "https://127.0.0.1:1", "PEM", "a", "v").unwrap();
        assert!(text.contains("current-context: kdeck-sim\n"));
        assert!(text.contains("kdeck-sim-viewer"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        write(&p, &text).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
