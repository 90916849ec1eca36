//! Shell integration: the prompt segment, `hook` code for bash/zsh/fish, per-shell contexts (`use`),
//! per-directory contexts (`.kdeck.yaml`) with the allow/deny trust store, and completions.
//!
//! It reads kubeconfig through [`crate::kubeconfig`] and never forks kubectl: it runs on every prompt.

pub mod dirconfig;

use std::path::PathBuf;

use crate::cli::{GlobalArgs, PromptArgs, Shell, UseArgs};

pub fn prompt(_global: &GlobalArgs, _args: &PromptArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not built yet")
}
pub fn hook(_shell: Shell) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
pub fn use_context(_global: &GlobalArgs, _args: &UseArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not built yet")
}
pub fn allow(_dir: Option<PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
pub fn deny(_dir: Option<PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
pub fn gc() -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
pub fn hook_update(_global: &GlobalArgs, _args: Vec<String>) -> anyhow::Result<i32> {
    anyhow::bail!("not built yet")
}
pub fn completions(_shell: Shell, _cmd: &mut clap::Command) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
