//! `kdeck completions bash|zsh|fish`: clap_complete's static script, wrapped so that context and
//! namespace names for `ctx`, `ns` and `use` are completed live from `kdeck __internal contexts` and
//! `kdeck __internal namespaces`.

use std::io::Write;

use crate::cli::Shell;

const BASH_DYNAMIC: &str = include_str!("scripts/complete.bash");
const ZSH_DYNAMIC: &str = include_str!("scripts/complete.zsh");
const FISH_DYNAMIC: &str = include_str!("scripts/complete.fish");

/// clap_complete's zsh tail, which we point at the dynamic wrapper instead of `_kdeck`.
const ZSH_CLAP_TAIL: &str = "if [ \"$funcstack[1]\" = \"_kdeck\" ]; then\n    _kdeck \"$@\"\nelse\n    compdef _kdeck kdeck\nfi";
const ZSH_OUR_TAIL: &str = "if [ \"$funcstack[1]\" = \"_kdeck\" ]; then\n    _kdeck_dynamic \"$@\"\nelse\n    compdef _kdeck_dynamic kdeck\nfi";

/// The complete script for one shell.
pub fn script(shell: Shell, cmd: &mut clap::Command) -> String {
    let mut buf = Vec::new();
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(generator, cmd, "kdeck", &mut buf);
    let generated = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        Shell::Bash => format!("{generated}\n{BASH_DYNAMIC}"),
        Shell::Fish => format!("{generated}\n{FISH_DYNAMIC}"),
        Shell::Zsh => {
            // The wrapper must be defined before the tail runs it (autoloaded from fpath as `_kdeck`).
            match generated.rfind(ZSH_CLAP_TAIL) {
                Some(at) => format!(
                    "{}{ZSH_DYNAMIC}\n{ZSH_OUR_TAIL}{}",
                    &generated[..at],
                    &generated[at + ZSH_CLAP_TAIL.len()..]
                ),
                None => format!("{generated}\n{ZSH_DYNAMIC}\ncompdef _kdeck_dynamic kdeck\n"),
            }
        }
    }
}

pub fn run(shell: Shell, cmd: &mut clap::Command) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(script(shell, cmd).as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn zsh_tail_is_rewired() {
        let s = script(Shell::Zsh, &mut crate::cli::Cli::command());
        assert!(
            s.contains(ZSH_OUR_TAIL),
            "clap's zsh tail changed; update ZSH_CLAP_TAIL"
        );
        assert!(!s.contains("compdef _kdeck kdeck"));
        assert!(s.contains("__internal"));
    }

    #[test]
    fn scripts_parse_in_real_shells() {
        crate::shell::test_support::assert_scripts_parse(|shell| {
            script(shell, &mut crate::cli::Cli::command())
        });
    }

    #[test]
    fn bash_and_fish_call_internal_lists() {
        for shell in [Shell::Bash, Shell::Fish] {
            let s = script(shell, &mut crate::cli::Cli::command());
            assert!(s.contains("__internal contexts") || s.contains("__internal \"$list\""));
        }
    }
}
