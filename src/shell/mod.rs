//! Shell integration: the prompt segment, `hook` code for bash/zsh/fish, per-shell contexts (`use`),
//! per-directory contexts (`.kdeck.yaml`) with the allow/deny trust store, and completions.
//!
//! Owns: [`prompt`] (pure formatter), [`ps1_env`] (kube-ps1 variables), [`guard`] (guarded-context
//! patterns), [`segment`] (`kdeck prompt`), [`read`] (bounded kubeconfig reads for the prompt), [`hook`] and `scripts/` (the shell side), [`update`] (the
//! step the hook runs on a change), [`state`] (per-shell state), [`overlay`] (per-shell kubeconfigs),
//! [`autoctx`] (applying `.kdeck.yaml`), [`use_cmd`], [`completions`]. The `.kdeck.yaml` model and its
//! trust store live in [`crate::dirconfig`], since `safety`, `kubectl` and the TUI read it too.
//!
//! It reads and writes kubeconfig only through [`crate::kubeconfig`] and never forks kubectl: parts of
//! it run at every prompt. The shell-side check at a prompt forks nothing when nothing changed. The
//! binary talks to the hook through shell code on stdout (see [`emit`]); messages go to stderr. kubectl
//! version pinning (the `kubectl:` key of `.kdeck.yaml`) belongs to [`crate::kubectl`].

pub mod autoctx;
pub mod completions;
pub mod emit;
pub mod guard;
pub mod hook;
pub mod overlay;
pub mod prompt;
pub mod ps1_env;
pub mod read;
pub mod segment;
pub mod state;
pub mod suggest;
#[cfg(test)]
mod test_support;
pub mod update;
pub mod use_cmd;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::cli::{GlobalArgs, HookUpdateArgs, PromptArgs, Shell, UseArgs};
use crate::dirconfig::{self, trust};

/// The shell whose hook wrapper is running us (it sets `_KDECK_HOOK`), if any: then stdout carries
/// shell code for it to eval.
pub fn hook_shell() -> Option<Shell> {
    match std::env::var("_KDECK_HOOK").ok()?.as_str() {
        "bash" => Some(Shell::Bash),
        "zsh" => Some(Shell::Zsh),
        "fish" => Some(Shell::Fish),
        _ => None,
    }
}

pub fn prompt(global: &GlobalArgs, args: &PromptArgs) -> anyhow::Result<i32> {
    segment::run(global, args)
}

pub fn hook(shell: Shell) -> anyhow::Result<()> {
    hook::run(shell)
}

pub fn use_context(global: &GlobalArgs, args: &UseArgs) -> anyhow::Result<i32> {
    use_cmd::run(global, args)
}

pub fn hook_update(_global: &GlobalArgs, args: HookUpdateArgs) -> anyhow::Result<i32> {
    update::run(args)
}

pub fn completions(shell: Shell, cmd: &mut clap::Command) -> anyhow::Result<()> {
    completions::run(shell, cmd)
}

/// `kdeck allow [DIR]`.
pub fn allow(dir: Option<PathBuf>) -> anyhow::Result<()> {
    let found = target_file(dir.as_deref())?;
    let cfg = found.parse().context("not allowed: fix the file first")?;
    trust::TrustStore::user()
        .allow(&found)
        .context("cannot record the trust")?;
    eprintln!("kdeck: allowed {}", found.path.display());
    if let Some(ctx) = cfg.context
        && let Ok(set) = crate::kubeconfig::KubeconfigSet::load_resolution(base_resolution())
        && !set.has_context(&ctx)
    {
        eprintln!(
            "kdeck: warning: {}",
            suggest::unknown_context_message(&ctx, &set.context_names())
        );
    }
    refresh_hook();
    Ok(())
}

/// `kdeck deny [DIR]`.
pub fn deny(dir: Option<PathBuf>) -> anyhow::Result<()> {
    let found = target_file(dir.as_deref())?;
    trust::TrustStore::user()
        .deny(&found)
        .context("cannot record the denial")?;
    eprintln!("kdeck: denied {}", found.path.display());
    refresh_hook();
    Ok(())
}

/// `kdeck gc`.
pub fn gc() -> anyhow::Result<()> {
    let dir = crate::paths::runtime_dir();
    let removed = overlay::gc(&dir).with_context(|| format!("cannot clean {}", dir.display()))?;
    for p in &removed {
        println!("{}", p.display());
    }
    eprintln!(
        "kdeck: removed {} file(s) of exited shells from {}",
        removed.len(),
        dir.display()
    );
    Ok(())
}

/// The `.kdeck.yaml` that `allow`/`deny` act on: DIR's (or the nearest walking up from it, or from
/// $PWD), or DIR itself when it names the file.
fn target_file(dir: Option<&Path>) -> anyhow::Result<dirconfig::FoundDirConfig> {
    let start = match dir {
        Some(d) if d.is_file() => {
            let content =
                std::fs::read(d).with_context(|| format!("cannot read {}", d.display()))?;
            let path = std::path::absolute(d).unwrap_or_else(|_| d.to_path_buf());
            return Ok(dirconfig::FoundDirConfig { path, content });
        }
        Some(d) => std::path::absolute(d).unwrap_or_else(|_| d.to_path_buf()),
        None => update::logical_pwd(),
    };
    dirconfig::find_nearest(&start)?.with_context(|| {
        format!(
            "no {} in {} or above it",
            dirconfig::FILE_NAME,
            start.display()
        )
    })
}

/// The user's own kubeconfig files: the hook's recorded base when run from it, else the environment.
fn base_resolution() -> crate::kubeconfig::Resolution {
    let st = state::ShellState::decode(&std::env::var("_KDECK_STATE").unwrap_or_default());
    if hook_shell().is_some() && st.init {
        update::resolution_of(st.base.as_deref())
    } else {
        crate::kubeconfig::Resolution::from_env(None)
    }
}

/// Tells the hook wrapper (if any) to run its update right away.
fn refresh_hook() {
    if let Some(shell) = hook_shell() {
        let mut e = emit::Emitter::new(shell);
        e.set("_kdeck_pwd", "");
        print!("{}", e.finish());
    }
}
