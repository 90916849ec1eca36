//! `kdeck use CTX [-n NS]`, `kdeck use -` and `kdeck use --global`.
//!
//! In a hooked shell the binary only validates and records the choice in the shell's state (printed as
//! shell code for the hook's wrapper to eval); the hook's next update writes the overlay and exports
//! `KUBECONFIG`, so there is one path that touches the environment. `--global` edits the shared
//! kubeconfig through the engine and the kubectx history file, like `kdeck ctx`.

use std::io::IsTerminal;

use crate::cli::{GlobalArgs, UseArgs};
use crate::kubeconfig::KubeconfigSet;

use super::emit::Emitter;
use super::state::{ShellState, Target};
use super::update::resolution_of;
use super::{hook_shell, overlay, suggest};

pub fn run(global: &GlobalArgs, args: &UseArgs) -> anyhow::Result<i32> {
    let hooked = hook_shell();
    let mut st = ShellState::decode(&std::env::var("_KDECK_STATE").unwrap_or_default());
    let pid: u32 = std::env::var("_KDECK_PID")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let overlay_path = overlay::shell_files(&crate::paths::runtime_dir(), pid).overlay;
    st.observe_kubeconfig(
        std::env::var("KUBECONFIG").ok().as_deref(),
        &overlay_path.to_string_lossy(),
    );
    // The user's own files: an explicit --kubeconfig, else what the shell had before any overlay.
    let base = match (&global.kubeconfig, hooked) {
        (Some(p), _) => KubeconfigSet::load(Some(p))?,
        (None, Some(_)) => KubeconfigSet::load_resolution(resolution_of(st.base.as_deref()))?,
        (None, None) => KubeconfigSet::load(None)?,
    };
    if args.global {
        return use_global(base, args);
    }
    // Contexts of the kubeconfig directories (config.yaml's `kubeconfig_dirs`), from the index.
    let (config, _) = crate::config::Config::load();
    let (found, _, refresh) =
        crate::fleet::index::contexts_with_dirs(&base, &config.kubeconfig_dirs);
    let code = choose(&base, &found, args, hooked, st);
    // The index is saved before this short command exits.
    if let Some(r) = refresh {
        let _ = r.join();
    }
    code
}

fn choose(
    base: &KubeconfigSet,
    found: &[crate::fleet::index::Found],
    args: &UseArgs,
    hooked: Option<crate::cli::Shell>,
    mut st: ShellState,
) -> anyhow::Result<i32> {
    if args.context.is_none() && args.namespace.is_none() {
        let mut names = base.context_names();
        names.extend(found.iter().map(|f| f.name.clone()));
        // In a hooked shell at a terminal, pick one (the hook captures stdout: the picker draws on
        // /dev/tty, as `kdeck ctx`'s does); otherwise list them, as `kubectx` does.
        let ignore = std::env::var_os("KUBECTX_IGNORE_FZF").is_some_and(|v| !v.is_empty());
        if hooked.is_some() && !ignore && std::io::stderr().is_terminal() {
            let current = st
                .effective()
                .map(|t| t.context.clone())
                .or_else(current_in_shell);
            return match crate::switch::pick_on_tty(names, current.as_deref())? {
                Some(context) => {
                    let chosen = UseArgs {
                        context: Some(context),
                        ..args.clone()
                    };
                    choose(base, found, &chosen, hooked, st)
                }
                None => Ok(1),
            };
        }
        for name in names {
            println!("{name}");
        }
        return Ok(0);
    }
    let Some(shell) = hooked else {
        anyhow::bail!(
            "`kdeck use` switches this shell only, which needs the hook: add `eval \"$(kdeck hook bash)\"` \
             to ~/.bashrc (or the zsh/fish equivalent). To switch every shell, use `kdeck use --global {}`",
            args.context.as_deref().unwrap_or("NAME")
        );
    };
    if args.context.as_deref() == Some("-") {
        if !st.use_previous() {
            eprintln!("error: no previous context in this shell");
            return Ok(1);
        }
        match st.effective() {
            Some(t) => eprintln!("Switched to context \"{}\" (this shell only).", t.context),
            None => eprintln!("Switched back to the shared kubeconfig in this shell."),
        }
    } else {
        let context = match &args.context {
            Some(c) => c.clone(),
            None => match current_in_shell() {
                Some(c) => c,
                None => {
                    eprintln!("error: no current context to set the namespace on; name one");
                    return Ok(1);
                }
            },
        };
        // The shell's own kubeconfig first; then a context found under a kubeconfig directory,
        // used from its own file.
        let target = if base.has_context(&context) {
            Target {
                context: context.clone(),
                namespace: args.namespace.clone(),
                file: None,
            }
        } else if let Some(f) = found.iter().find(|f| f.name == context) {
            Target {
                context: f.context.clone(),
                namespace: args.namespace.clone(),
                file: Some(f.file.clone()),
            }
        } else {
            let mut known = base.context_names();
            known.extend(found.iter().map(|f| f.name.clone()));
            eprintln!(
                "error: {}",
                suggest::unknown_context_message(&context, &known)
            );
            return Ok(1);
        };
        let from = target
            .file
            .as_ref()
            .map(|f| format!(" from {}", f.display()))
            .unwrap_or_default();
        match &args.namespace {
            Some(ns) => eprintln!(
                "Switched to context \"{}\"{from}, namespace \"{ns}\" (this shell only).",
                target.context
            ),
            None => eprintln!(
                "Switched to context \"{}\"{from} (this shell only).",
                target.context
            ),
        }
        st.use_target(target);
    }
    let mut e = Emitter::new(shell);
    e.set("_kdeck_state", &st.encode()).set("_kdeck_pwd", "");
    print!("{}", e.finish());
    Ok(0)
}

/// The context this shell uses now (overlay included).
fn current_in_shell() -> Option<String> {
    KubeconfigSet::load(None)
        .ok()?
        .current_context()
        .map(str::to_string)
}

/// `kdeck use --global CTX [-n NS]`: the shared kubeconfig, with kubectx's history and message.
fn use_global(mut set: KubeconfigSet, args: &UseArgs) -> anyhow::Result<i32> {
    let history = crate::paths::previous_context_file();
    let context = match args.context.as_deref() {
        Some("-") => match std::fs::read_to_string(&history) {
            Ok(s) if !s.trim().is_empty() => s.trim().to_string(),
            _ => {
                eprintln!("error: no previous context found");
                return Ok(1);
            }
        },
        Some(c) => c.to_string(),
        None => match set.current_context() {
            Some(c) if args.namespace.is_some() => c.to_string(),
            _ => {
                eprintln!("error: name a context: kdeck use --global NAME");
                return Ok(1);
            }
        },
    };
    if !set.has_context(&context) {
        eprintln!(
            "error: {}",
            suggest::unknown_context_message(&context, &set.context_names())
        );
        return Ok(1);
    }
    let previous = set.current_context().map(str::to_string);
    set.use_context(&context)?;
    if let Some(ns) = &args.namespace {
        set.set_namespace(&context, Some(ns))?;
    }
    if let Some(prev) = previous.filter(|p| *p != context) {
        if let Some(dir) = history.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&history, prev)?;
    }
    eprintln!("Switched to context \"{context}\".");
    Ok(0)
}
