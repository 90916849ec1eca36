//! The kubectx/kubens faces: `kdeck ctx`, `kdeck ns`, and the binary invoked as `kubectx` or `kubens`.
//!
//! Owns argument parsing in kubectx's grammar, kubectx's messages and exit codes, the shared history files
//! and the inline fuzzy picker. All kubeconfig reading and writing goes through [`crate::kubeconfig`]; the
//! only network access is the namespace LIST/GET through [`crate::cluster`].

use crate::cli::GlobalArgs;

/// Runs the kubectx face; returns the process exit code.
pub fn run_kubectx(_args: Vec<String>, _global: &GlobalArgs) -> i32 {
    eprintln!("error: kubectx face not built yet");
    1
}

/// Runs the kubens face; returns the process exit code.
pub fn run_kubens(_args: Vec<String>, _global: &GlobalArgs) -> i32 {
    eprintln!("error: kubens face not built yet");
    1
}

/// Prints context names one per line (for completions).
pub fn print_context_names(_global: &GlobalArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not built yet")
}

/// Prints namespace names one per line (for completions).
pub fn print_namespace_names(_global: &GlobalArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not built yet")
}
