//! Where kdeck keeps its files: the XDG-derived locations PRODUCT.md names, in one place.
//!
//! Every function reads the environment at call time (tests set `HOME`/`XDG_*` per process) and never
//! creates anything; callers create directories when they write.

use std::path::PathBuf;

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$HOME`, falling back to the passwd entry via `dirs`.
pub fn home() -> PathBuf {
    env_dir("HOME")
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// `$HOME/.kube/config`, kubectl's default kubeconfig.
pub fn default_kubeconfig() -> PathBuf {
    home().join(".kube").join("config")
}

/// kubectx's state root: `${XDG_CACHE_HOME:-$HOME/.kube}`. Shared with kubectx so history is shared.
pub fn kubectx_state_root() -> PathBuf {
    env_dir("XDG_CACHE_HOME").unwrap_or_else(|| home().join(".kube"))
}

/// Previous-context file, as kubectx stores it.
pub fn previous_context_file() -> PathBuf {
    kubectx_state_root().join("kubectx")
}

/// Previous-namespace file for one context, as kubens stores it.
pub fn previous_namespace_file(context: &str) -> PathBuf {
    kubectx_state_root().join("kubens").join(context)
}

/// kdeck's config directory: `${XDG_CONFIG_HOME:-~/.config}/kdeck`.
pub fn config_dir() -> PathBuf {
    env_dir("XDG_CONFIG_HOME")
        .unwrap_or_else(|| home().join(".config"))
        .join("kdeck")
}

/// kdeck's data directory: `${XDG_DATA_HOME:-~/.local/share}/kdeck`.
pub fn data_dir() -> PathBuf {
    env_dir("XDG_DATA_HOME")
        .unwrap_or_else(|| home().join(".local").join("share"))
        .join("kdeck")
}

/// kdeck's cache directory: `${XDG_CACHE_HOME:-~/.cache}/kdeck` (disposable data, e.g. server versions).
pub fn cache_dir() -> PathBuf {
    env_dir("XDG_CACHE_HOME")
        .unwrap_or_else(|| home().join(".cache"))
        .join("kdeck")
}

/// The real user id of this process.
#[allow(unsafe_code)]
pub fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// Per-shell runtime directory: `${XDG_RUNTIME_DIR:-/tmp}/kdeck-$UID`.
pub fn runtime_dir() -> PathBuf {
    env_dir("XDG_RUNTIME_DIR")
        .unwrap_or_else(|| PathBuf::from("/tmp"))
        .join(format!("kdeck-{}", uid()))
}
