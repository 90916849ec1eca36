//! Errors of the kubeconfig engine. Each one names the file (and line/column for parse errors) so that
//! the message tells the user where to look.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error("cannot read kubeconfig {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },

    #[error("kubeconfig {} is not valid YAML{}: {message}", path.display(), location(*line, *column))]
    Parse {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },

    #[error("kubeconfig {} is malformed: {message}", path.display())]
    Shape { path: PathBuf, message: String },

    #[error("no context exists with the name: \"{0}\"")]
    UnknownContext(String),

    #[error("cannot write kubeconfig {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },

    #[error("timed out waiting for the lock {} (another kubectl or kdeck is writing; remove it if stale)", path.display())]
    LockTimeout { path: PathBuf },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}
