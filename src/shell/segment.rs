//! `kdeck prompt`: reads the kubeconfig files in effect (never forks kubectl) and prints the segment;
//! `--on`/`--off` do what kube-ps1's kubeon/kubeoff do.
//!
//! This runs once per prompt for users who call it directly, so it stays cheap: one pass of the
//! kubeconfig engine, no async runtime, no network.

use std::path::Path;

use anyhow::Context as _;

use crate::cli::{GlobalArgs, PromptArgs, Shell};
use crate::kubeconfig::{KubeconfigError, KubeconfigSet};

use super::emit::Emitter;
use super::prompt::{self, Piece, PromptInput, Wrap};
use super::{guard, hook_shell, ps1_env};

/// What kubeconfig says, for the formatter.
pub fn input_from(set: &KubeconfigSet, guards: &[glob::Pattern]) -> PromptInput {
    let Some(name) = set.current_context() else {
        return PromptInput::default();
    };
    let info = set.context(name);
    PromptInput {
        context: Some(name.to_string()),
        // A context that names no namespace works in `default`, and that is what kubectl will use.
        namespace: info
            .as_ref()
            .map(|i| i.namespace.clone().unwrap_or_else(|| "default".into())),
        cluster: info.as_ref().and_then(|i| i.cluster.clone()),
        user: info.as_ref().and_then(|i| i.user.clone()),
        guarded: guard::is_guarded(guards, name),
    }
}

/// The segment pieces for a loaded (or failed) kubeconfig; empty when the prompt is off.
pub fn pieces(
    set: Result<&KubeconfigSet, &KubeconfigError>,
    var: &dyn Fn(&str) -> Option<String>,
    format: Option<&str>,
    wrap: Wrap,
) -> Vec<Piece> {
    if !ps1_env::enabled(var, ps1_env::global_off_file().exists()) {
        return Vec::new();
    }
    let mut settings = ps1_env::settings(var);
    if let Some(f) = format {
        settings.format = Some(f.to_string());
    }
    let input = match set {
        Ok(set) => input_from(set, &guard::load()),
        // kube-ps1 shows N/A when kubectl cannot read the config; the error is reported by the caller.
        Err(_) => PromptInput::default(),
    };
    prompt::render(&settings, &input, wrap)
}

pub fn wrap_for(shell: Option<Shell>) -> Wrap {
    match shell {
        Some(Shell::Bash) => Wrap::Bash,
        Some(Shell::Zsh) => Wrap::Zsh,
        Some(Shell::Fish) | None => Wrap::Raw,
    }
}

/// `kdeck prompt [--format F] [--shell S] [--on|--off [--global]]`.
pub fn run(global: &GlobalArgs, args: &PromptArgs) -> anyhow::Result<i32> {
    if args.on || args.off {
        return toggle(args.on, args.global);
    }
    let loaded = KubeconfigSet::load(global.kubeconfig.as_deref());
    if let Err(e) = &loaded {
        eprintln!("kdeck: {e}");
    }
    let out = prompt::join(&pieces(
        loaded.as_ref(),
        &ps1_env::from_process,
        args.format.as_deref(),
        wrap_for(args.shell),
    ));
    if !out.is_empty() {
        println!("{out}");
    }
    Ok(0)
}

/// kubeon/kubeoff. The global switch is a file; the per-shell one is a variable the hook's wrapper sets
/// from the code printed here, since a child process cannot change its shell's environment.
fn toggle(on: bool, global: bool) -> anyhow::Result<i32> {
    let file = ps1_env::global_off_file();
    if global {
        set_global_off(&file, !on)?;
    }
    match hook_shell() {
        Some(shell) => {
            let mut e = Emitter::new(shell);
            e.export("KDECK_PROMPT", Some(if on { "on" } else { "off" }));
            print!("{}", e.finish());
            Ok(0)
        }
        None if global => Ok(0),
        None => anyhow::bail!(
            "`kdeck prompt --{}` for this shell needs the hook (add `eval \"$(kdeck hook bash)\"` to ~/.bashrc, \
             or the zsh/fish equivalent); use --global to switch every shell",
            if on { "on" } else { "off" }
        ),
    }
}

fn set_global_off(file: &Path, off: bool) -> anyhow::Result<()> {
    if off {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(file, b"").with_context(|| format!("cannot write {}", file.display()))?;
    } else {
        match std::fs::remove_file(file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {}", file.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, KubeconfigSet) {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<_> = files
            .iter()
            .map(|(name, text)| {
                let p = dir.path().join(name);
                std::fs::write(&p, text).unwrap();
                p
            })
            .collect();
        let env = std::env::join_paths(&paths).unwrap();
        let res =
            crate::kubeconfig::Resolution::resolve(None, Some(&env), Path::new("/nonexistent"));
        (dir, KubeconfigSet::load_resolution(res).unwrap())
    }

    #[test]
    fn multi_file_first_current_context_and_entry_win() {
        let (_d, set) = load(&[
            (
                "a",
                "contexts:\n- name: other\n  context: {cluster: x, namespace: nope}\n",
            ),
            (
                "b",
                "current-context: prod-eu\ncontexts:\n- name: prod-eu\n  context: {cluster: c, user: u, namespace: web}\n",
            ),
            ("c", "current-context: ignored\n"),
        ]);
        let input = input_from(&set, &guard::patterns_from(None));
        assert_eq!(input.context.as_deref(), Some("prod-eu"));
        assert_eq!(input.namespace.as_deref(), Some("web"));
        assert_eq!(input.cluster.as_deref(), Some("c"));
        assert!(input.guarded);
    }

    #[test]
    fn context_without_namespace_is_default_and_dangling_is_na() {
        let (_d, set) = load(&[(
            "a",
            "current-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c}\n",
        )]);
        assert_eq!(input_from(&set, &[]).namespace.as_deref(), Some("default"));
        let (_d2, dangling) = load(&[("a", "current-context: gone\n")]);
        let settings = prompt::PromptSettings {
            color: false,
            ..Default::default()
        };
        let text = prompt::join(&prompt::render(
            &settings,
            &input_from(&dangling, &[]),
            Wrap::Raw,
        ));
        assert_eq!(text, "(⎈|gone:N/A)");
    }
}
