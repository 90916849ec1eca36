//! `kdeck prompt`: reads the kubeconfig files in effect (never forks kubectl) and prints the segment;
//! `--on`/`--off` do what kube-ps1's kubeon/kubeoff do.
//!
//! This runs once per prompt for users who call it directly, so it stays cheap: one pass of the
//! kubeconfig engine over files read with a bound ([`super::read`]), no async runtime, no network.
//! kube-ps1's shell functions (`KUBE_PS1_CLUSTER_FUNCTION`, `_NAMESPACE_FUNCTION`, `_CTX_COLOR_FUNCTION`)
//! cannot be called from a separate process: they apply only through the hooks (`kdeck hook bash|zsh`).

use std::path::Path;

use anyhow::Context as _;

use crate::cli::{GlobalArgs, PromptArgs, Shell};
use crate::kubeconfig::{KubeconfigSet, Resolution, Section};

use super::emit::Emitter;
use super::prompt::{self, Piece, PromptInput, Wrap};
use super::{guard, hook_shell, ps1_env, read};

/// What kubeconfig says, for the formatter: what `kubectl config current-context` and
/// `kubectl config view --minify -o jsonpath={..namespace}` print, which is what kube-ps1 shows.
pub fn input_from(set: &KubeconfigSet, guards: &[glob::Pattern]) -> PromptInput {
    let Some(name) = set.current_context() else {
        return PromptInput::default();
    };
    let info = set.context(name);
    // `--minify` fails ("cannot locate cluster/user") when the context names an entry that is not
    // defined, and kube-ps1 then shows N/A; a context that names no namespace prints none either.
    let defined = |section: Section, entry: &Option<String>| {
        entry
            .as_ref()
            .is_none_or(|n| set.entry(section, n).is_some())
    };
    let namespace = info.as_ref().and_then(|i| {
        (defined(Section::Clusters, &i.cluster) && defined(Section::Users, &i.user))
            .then(|| i.namespace.clone())
            .flatten()
    });
    PromptInput {
        context: Some(name.to_string()),
        namespace,
        cluster: info.as_ref().and_then(|i| i.cluster.clone()),
        user: info.as_ref().and_then(|i| i.user.clone()),
        guarded: guard::is_guarded(guards, name),
    }
}

/// Loads the files of `resolution` for a prompt: `Ok(None)` when none of them exists (kube-ps1 then
/// prints nothing), an error when one cannot be read or parsed (the prompt shows N/A).
pub fn load(resolution: Resolution) -> Result<Option<KubeconfigSet>, read::PromptReadError> {
    let set = read::load(resolution)?;
    let any = set.existing_files().next().is_some();
    Ok(any.then_some(set))
}

/// The segment pieces for a loaded kubeconfig (`Err` when it could not be read); empty when the
/// prompt is off or there is no kubeconfig file at all.
pub fn pieces<E>(
    set: Result<&Option<KubeconfigSet>, E>,
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
        Ok(None) => return Vec::new(),
        Ok(Some(set)) => input_from(set, &guard::load()),
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
    let loaded = load(Resolution::from_env(global.kubeconfig.as_deref()));
    if let Err(e) = &loaded {
        eprintln!("kdeck: {}", crate::escape::message(&e.to_string()));
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
        let res = Resolution::resolve(None, Some(&env), Path::new("/nonexistent"));
        (dir, super::load(res).unwrap().unwrap())
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
                "current-context: prod-eu\ncontexts:\n- name: prod-eu\n  context: {cluster: c, user: u, namespace: web}\nclusters:\n- {name: c, cluster: {}}\nusers:\n- {name: u, user: {}}\n",
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
    fn namespace_is_na_where_kubectl_minify_prints_none() {
        let (_d, set) = load(&[(
            "a",
            "current-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {}\n",
        )]);
        assert_eq!(input_from(&set, &[]).namespace, None, "no namespace set");
        for (what, text) in [
            (
                "cluster",
                "contexts:\n- name: x\n  context: {cluster: gone, namespace: web}\n",
            ),
            (
                "user",
                "contexts:\n- name: x\n  context: {user: gone, namespace: web}\n",
            ),
        ] {
            let (_d, set) = load(&[("a", &format!("current-context: x\n{text}"))]);
            assert_eq!(input_from(&set, &[]).namespace, None, "undefined {what}");
        }
        let (_d, bare) = load(&[(
            "a",
            "current-context: x\ncontexts:\n- name: x\n  context: {namespace: tools}\n",
        )]);
        assert_eq!(input_from(&bare, &[]).namespace.as_deref(), Some("tools"));
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

    #[test]
    fn no_file_at_all_is_none() {
        let res = Resolution::resolve(
            None,
            Some(std::ffi::OsStr::new("/nonexistent/a:/nonexistent/b")),
            Path::new("/nonexistent"),
        );
        assert!(super::load(res).unwrap().is_none());
    }
}
