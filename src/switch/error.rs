//! The failures of the kubectx/kubens faces, worded as kubectx words them so scripts that match on
//! kubectx's messages keep working. kdeck's additions (suggestions, the file that failed) come after
//! kubectx's text, never instead of it.

use std::io;
use std::path::PathBuf;

use crate::kubeconfig::KubeconfigError;

#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    /// Bad arguments; the text is kubectx's (`unsupported option '-x'`, `too many arguments`).
    #[error("{0}")]
    Usage(String),

    /// The kubeconfig error already says "kubeconfig <file> …"; no second prefix.
    #[error("{0}")]
    Kubeconfig(#[source] KubeconfigError),

    #[error("kubeconfig file not found: {}", .0.display())]
    NoKubeconfigFile(PathBuf),

    #[error("current-context is not set")]
    NoCurrentContext,

    #[error("no context exists with the name: \"{name}\"")]
    UnknownContext {
        name: String,
        suggestions: Vec<String>,
    },

    #[error("no previous context found")]
    NoPreviousContext,

    #[error("context \"{name}\" not found, can't rename it")]
    RenameSourceMissing {
        name: String,
        suggestions: Vec<String>,
    },

    #[error("context does not exist")]
    DeleteMissing { suggestions: Vec<String> },

    #[error("can't use '.' as the no active context is set")]
    DeleteDotWithoutCurrent,

    #[error("no contexts found in the kubeconfig file")]
    NoContexts,

    #[error("no namespaces found")]
    NoNamespaces,

    #[error("you did not choose any of the options")]
    NothingChosen,

    #[error("the interactive picker failed on this terminal: {0}")]
    Picker(#[source] io::Error),

    /// A kubeconfig edit that could not be completed (lock, write, or a file changed into garbage).
    #[error("failed to save kubeconfig: {0}")]
    Save(#[source] KubeconfigError),

    #[error("failed to save {what} to {}: {source}", path.display())]
    History {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error("failed to read {what} from {}: {source}", path.display())]
    HistoryRead {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error("No previous namespace found for current context ({0})")]
    NoPreviousNamespace(String),

    #[error("the namespace name is empty; give a name (kubectl reads an empty one as \"default\")")]
    EmptyNamespace,

    #[error(transparent)]
    Timeout(super::namespaces::InvalidTimeout),

    #[error("no namespace exists with name \"{0}\"")]
    UnknownNamespace(String),

    #[error("failed to query if namespace exists (is cluster accessible?): {0}")]
    NamespaceQuery(String),

    #[error("could not list namespaces (is the cluster accessible?): {0}")]
    NamespaceList(String),

    /// kubectx's "what were we doing" prefix, e.g. `failed to switch context: …`.
    #[error("{prefix}: {source}")]
    During {
        prefix: String,
        #[source]
        source: Box<SwitchError>,
    },
}

impl SwitchError {
    /// Wraps `self` in kubectx's prefix for the operation that failed.
    pub fn during(self, prefix: impl Into<String>) -> Self {
        SwitchError::During {
            prefix: prefix.into(),
            source: Box::new(self),
        }
    }

    /// The names that come closest to what the user typed, when the failure is an unknown name.
    pub fn suggestions(&self) -> &[String] {
        match self {
            SwitchError::UnknownContext { suggestions, .. }
            | SwitchError::RenameSourceMissing { suggestions, .. }
            | SwitchError::DeleteMissing { suggestions } => suggestions,
            SwitchError::During { source, .. } => source.suggestions(),
            _ => &[],
        }
    }

    /// Maps an engine error from an edit: a context that vanished between our read and the locked
    /// re-read is still "unknown context"; everything else is a failed save.
    pub fn from_edit(e: KubeconfigError) -> Self {
        match e {
            KubeconfigError::UnknownContext(name) => SwitchError::UnknownContext {
                name,
                suggestions: Vec::new(),
            },
            other => SwitchError::Save(other),
        }
    }
}

impl From<KubeconfigError> for SwitchError {
    fn from(e: KubeconfigError) -> Self {
        SwitchError::Kubeconfig(e)
    }
}

pub type Result<T, E = SwitchError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_read_like_kubectx() {
        let e = SwitchError::UnknownContext {
            name: "prod-ue".into(),
            suggestions: vec!["prod-eu".into()],
        }
        .during("failed to switch context");
        assert_eq!(
            e.to_string(),
            "failed to switch context: no context exists with the name: \"prod-ue\""
        );
        assert_eq!(e.suggestions(), ["prod-eu"]);
    }
}
