//! kubectx's and kubens's history files, at kubectx's own paths so the tools share them:
//! `${XDG_CACHE_HOME:-~/.kube}/kubectx` holds the previous context and `…/kubens/<context>` the previous
//! namespace of each context. Both hold the bare name with no newline, as kubectx writes them; reads trim
//! whitespace so files written by hand or by the bash kubectx also work. A context name that is not a
//! plain file name (`..`, `/`, NUL, over-long) is encoded rather than used as a path.

use std::io;
use std::path::{Path, PathBuf};

use super::error::{Result, SwitchError};
use crate::kubeconfig::write::atomic_write;

const PREVIOUS_CONTEXT: &str = "previous context name";
const PREVIOUS_NAMESPACE: &str = "previous namespace";

pub fn previous_context() -> Result<Option<String>> {
    read(&crate::paths::previous_context_file(), PREVIOUS_CONTEXT)
}

pub fn save_previous_context(name: &str) -> Result<()> {
    save(
        &crate::paths::previous_context_file(),
        name,
        PREVIOUS_CONTEXT,
    )
}

pub fn previous_namespace(context: &str) -> Result<Option<String>> {
    read(&namespace_file(context)?, PREVIOUS_NAMESPACE)
}

pub fn save_previous_namespace(context: &str, namespace: &str) -> Result<()> {
    save(&namespace_file(context)?, namespace, PREVIOUS_NAMESPACE)
}

/// The context's file under `kubens/`; the context name comes from a kubeconfig, so it is encoded and
/// confined there (see [`crate::paths::component`]). Callers that edit kubeconfig ask for it first, so
/// a refused path (a symlink planted to lead out) fails before anything is written.
pub fn namespace_file(context: &str) -> Result<PathBuf> {
    crate::paths::previous_namespace_file(context).map_err(|source| SwitchError::HistoryRead {
        what: PREVIOUS_NAMESPACE,
        path: crate::paths::kubectx_state_root().join("kubens"),
        source,
    })
}

fn read(path: &Path, what: &'static str) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SwitchError::HistoryRead {
            what,
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Written atomically (kubectx truncates in place), so concurrent switchers never leave a torn name.
fn save(path: &Path, value: &str, what: &'static str) -> Result<()> {
    atomic_write(path, value.as_bytes(), 0o644).map_err(|source| SwitchError::History {
        what,
        path: PathBuf::from(path),
        source,
    })
}
