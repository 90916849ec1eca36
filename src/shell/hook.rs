//! `kdeck hook bash|zsh|fish`: prints the shell code that installs the cached prompt (`kdeck_ps1`,
//! `$KDECK_PS1`), per-directory auto-context, per-shell `kdeck use`, and cleanup on exit.
//!
//! The code lives in `scripts/kdeck.{bash,zsh,fish}`, as real shell files; only the binary's path and
//! the list of prompt variables are filled in here.

use crate::cli::Shell;

use super::emit::quote;
use super::ps1_env;

const BASH: &str = include_str!("scripts/kdeck.bash");
const ZSH: &str = include_str!("scripts/kdeck.zsh");
const FISH: &str = include_str!("scripts/kdeck.fish");

/// The hook script for `shell`, calling the binary at `bin`.
pub fn script(shell: Shell, bin: &str) -> String {
    let template = match shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
    };
    template
        .replace("__KDECK_BIN__", &quote(shell, bin))
        .replace("__KDECK_VARS__", &ps1_env::VARS.join(" "))
        .replace("__KDECK_VARSIG__", &varsig_expansion())
}

/// `"${A+1}${A-}<US>${B+1}${B-}<US>…"` for bash and zsh, so the signature distinguishes unset from empty.
fn varsig_expansion() -> String {
    let parts: Vec<String> = ps1_env::VARS
        .iter()
        .map(|v| format!("${{{v}+1}}${{{v}-}}"))
        .collect();
    format!("\"{}\"", parts.join("\"$'\\037'\""))
}

pub fn run(shell: Shell) -> anyhow::Result<()> {
    // The hook calls this very binary, so a kdeck that is not on PATH (or a second install) still works.
    let bin = std::env::current_exe()
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kdeck".into());
    print!("{}", script(shell, &bin));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let s = script(shell, "/opt/it's/kdeck");
            assert!(!s.contains("__KDECK_"), "{shell:?}");
            assert!(s.contains("KUBE_PS1_SYMBOL_ENABLE KUBE_PS1_SYMBOL_DEFAULT"));
        }
    }

    #[test]
    fn scripts_parse() {
        crate::shell::test_support::assert_scripts_parse(|shell| script(shell, "/bin/kdeck"));
    }
}
