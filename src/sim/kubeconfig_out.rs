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
    url: &str,
    ca_pem: &str,
    admin_token: &str,
    viewer_token: &str,
) -> Result<String, KubeconfigOutError> {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem.as_bytes());
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kdeck-sim", "cluster": {"server": url, "certificate-authority-data": ca}}],
        "users": [
            {"name": "kdeck-sim-admin", "user": {"token": admin_token}},
            {"name": "kdeck-sim-viewer", "user": {"token": viewer_token}},
        ],
        "contexts": [
            {"name": ADMIN_CONTEXT, "context": {"cluster": "kdeck-sim", "user": "kdeck-sim-admin", "namespace": "default"}},
            {"name": VIEWER_CONTEXT, "context": {"cluster": "kdeck-sim", "user": "kdeck-sim-viewer", "namespace": "default"}},
        ],
        "current-context": ADMIN_CONTEXT,
        "preferences": {},
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
        let text = render("https://127.0.0.1:1", "PEM", "a", "v").unwrap();
        assert!(text.contains("current-context: kdeck-sim\n"));
        assert!(text.contains("kdeck-sim-viewer"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        write(&p, &text).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
