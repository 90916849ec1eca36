//! How the prompt and the hook read kubeconfig files: the same merge as everywhere else, but each file
//! checked before it is read, so a prompt costs milliseconds whatever `KUBECONFIG` names.
//!
//! A FIFO would block the shell until something writes to it, `/dev/zero` never ends, and a 50 MB file
//! takes seconds to parse. Each is refused with the reason (the prompt then shows `N/A`, as kube-ps1
//! does when kubectl cannot read the config). Nesting depth is bounded by the YAML reader itself.

use std::path::PathBuf;

use crate::kubeconfig::{KubeconfigDoc, KubeconfigError, KubeconfigSet, Resolution};

/// The largest kubeconfig file the prompt reads: about 2,000 contexts, or a hundred clusters with embedded
/// CA data. Parsing this much takes ~40 ms in a release build, the prompt's whole budget
/// (`scripts/bench-prompt-hostile.sh`: 1 MiB takes ~170 ms).
pub const MAX_KUBECONFIG_BYTES: u64 = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PromptReadError {
    /// Not a regular file, or larger than [`MAX_KUBECONFIG_BYTES`]: not read at all.
    #[error("not reading kubeconfig {}: {source}", path.display())]
    Refused {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Kubeconfig(#[from] KubeconfigError),
}

/// Loads `resolution` as [`KubeconfigSet::load_resolution`] does, refusing files that are not regular or
/// are over the size bound. A missing file is an empty document, as for kubectl.
pub fn load(resolution: Resolution) -> Result<KubeconfigSet, PromptReadError> {
    let mut docs = Vec::with_capacity(resolution.files.len());
    for path in &resolution.files {
        let doc = match crate::paths::read_bounded(path, MAX_KUBECONFIG_BYTES) {
            Ok(Some(bytes)) => KubeconfigDoc::from_bytes(path, bytes)?,
            Ok(None) => KubeconfigDoc::empty(path),
            Err(source) if is_refusal(&source) => {
                return Err(PromptReadError::Refused {
                    path: path.clone(),
                    source,
                });
            }
            Err(source) => {
                return Err(KubeconfigError::Read {
                    path: path.clone(),
                    source,
                }
                .into());
            }
        };
        docs.push(doc);
    }
    Ok(KubeconfigSet::from_docs(resolution, docs))
}

fn is_refusal(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::FileTooLarge
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolution(files: Vec<PathBuf>) -> Resolution {
        let env = std::env::join_paths(&files).unwrap();
        Resolution::resolve(None, Some(&env), std::path::Path::new("/nonexistent"))
    }

    #[test]
    fn refuses_devices_and_huge_files_and_merges_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok");
        std::fs::write(
            &ok,
            "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c}\n",
        )
        .unwrap();
        let set = load(resolution(vec![dir.path().join("missing"), ok.clone()])).unwrap();
        assert_eq!(set.current_context(), Some("a"));

        let err = load(resolution(vec![ok.clone(), "/dev/zero".into()])).unwrap_err();
        assert!(
            err.to_string()
                == "not reading kubeconfig /dev/zero: it is a character device, not a regular file",
            "{err}"
        );
        let big = dir.path().join("big");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_KUBECONFIG_BYTES + 1).unwrap();
        let err = load(resolution(vec![big])).unwrap_err();
        assert!(err.to_string().contains("bytes, more than"), "{err}");
    }
}
