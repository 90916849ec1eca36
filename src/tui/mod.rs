//! The full-screen TUI: app loop, views, widgets, themes and keymaps.
//!
//! Data flows one way: watch events → store → view model → widget; key → action → update → effect →
//! message. Views never await the network, and background tasks never touch widgets.
//!
//! Layers, top to bottom (a module uses only the layers below it):
//! - [`app`]: the state and the only code that changes it, `App::update(Msg) -> Vec<Effect>`, pure and
//!   synchronous; it dispatches keys and messages to the components and applies their outcomes.
//! - [`event_loop`] (the terminal, input, coalesced frames) and [`effects`] (the only holder of a
//!   client); [`render`] composes a frame from `&App`; [`reload`] (kubeconfig hot reload, and whether
//!   it changed the credentials in use) and [`shell`] (a container's tty) beside them.
//! - Components: [`pages`], [`dialogs`], [`views`]; and [`widgets`]. Each owns its state, answers keys
//!   with an [`component::Outcome`] and draws from its own state plus the theme. A component never sees
//!   the app.
//! - Vocabulary: [`msg`] (messages and effects, made of `cluster` types), [`component`] (outcomes),
//!   [`session`], [`layout`], [`keymap`], [`theme`], [`action`], [`command`], [`filter`], [`nav`],
//!   [`input`].

pub mod action;
pub mod app;
pub mod command;
pub mod component;
pub mod dialogs;
pub mod edit;
pub mod effects;
pub mod event_loop;
pub mod extensions;
pub mod favourites;
pub mod filter;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod msg;
pub mod nav;
pub mod pages;
pub mod reload;
pub mod render;
pub mod session;
pub mod shell;
pub mod theme;
pub mod views;
pub mod widgets;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::cli::{DemoArgs, GlobalArgs, TuiArgs};
use crate::config::Config;
use crate::dirconfig::DirConfigError;
use crate::kubeconfig::KubeconfigSet;
use crate::safety::SafetySources;
use app::{App, Options};
use keymap::Keymap;
use theme::Theme;

/// `kdeck` with no subcommand.
pub fn run(global: &GlobalArgs, args: &TuiArgs) -> anyhow::Result<()> {
    let set = KubeconfigSet::load(global.kubeconfig.as_deref())
        .context("cannot load kubeconfig (fix the file named above, or pass --kubeconfig)")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(open(set, global.kubeconfig.clone(), args));
    // Input and watch tasks may still be parked; the terminal is already restored, so do not wait.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

/// Read-only inputs besides config.yaml. A `.kdeck.yaml` that cannot be read or parsed makes the session
/// read-only (and says why): a typo must never lift a protection the file meant to add.
fn safety_sources(readonly_flag: bool, problems: &mut Vec<String>) -> SafetySources {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    match SafetySources::from_env(readonly_flag, &cwd) {
        Ok(sources) => sources,
        Err(e) => {
            problems.push(format!("{e}; opening read-only"));
            let file = match &e {
                DirConfigError::Read { path, .. } | DirConfigError::Parse { path, .. } => {
                    path.clone()
                }
            };
            SafetySources {
                readonly_flag,
                env_readonly: false,
                readonly_dirconfig: Some(file),
            }
        }
    }
}

/// Opens the TUI on `set`. Must run inside a tokio runtime. A first connection through an exec
/// credential plugin that may prompt happens before the terminal is switched to raw mode; every other
/// one runs behind the first frame.
pub async fn open(
    set: KubeconfigSet,
    explicit: Option<PathBuf>,
    args: &TuiArgs,
) -> anyhow::Result<()> {
    let (config, config_err) = Config::load();
    let (theme, theme_err) = Theme::load_or_default(args.theme.as_deref().unwrap_or(&config.theme));
    let (keymap, keymap_err) =
        Keymap::load_or_default(args.keymap.as_deref().unwrap_or(&config.keymap));
    let mut problems: Vec<String> = [
        config_err.map(|e| format!("config: {e}; using defaults")),
        theme_err.map(|e| format!("{e}; using the default theme")),
        keymap_err.map(|e| format!("{e}; using the default keymap")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let safety = safety_sources(args.readonly, &mut problems);
    let favourites_path = favourites::path();
    let (saved, keep_favourites) = match favourites::load(&favourites_path) {
        Ok(f) => (f, true),
        Err(e) => {
            problems.push(format!(
                "favourite namespaces not loaded ({e}); the file is left as it is"
            ));
            (Default::default(), false)
        }
    };
    let aliases = extensions::Aliases::load().unwrap_or_else(|e| {
        problems.push(format!("{e}; aliases not loaded"));
        Default::default()
    });
    let hotkeys = extensions::load_hotkeys().unwrap_or_else(|e| {
        problems.push(format!("{e}; hotkeys not loaded"));
        Vec::new()
    });
    let plugins = extensions::load_plugins().unwrap_or_else(|e| {
        problems.push(format!("{e}; plugins not loaded"));
        Vec::new()
    });
    for p in &problems {
        eprintln!("kdeck: {p}");
    }
    // `--context a,b` (or a glob, or `all`): connect to one of them and open the start view merged
    // across all of them.
    let (chosen, command, merged) = match &args.context {
        Some(sel) => match crate::cluster::merged::select(sel, &set.context_names()) {
            Some(Ok(contexts)) => {
                let current = set.current_context().map(str::to_string);
                let home = current
                    .filter(|c| contexts.contains(c))
                    .or_else(|| contexts.first().cloned());
                let view = args.command.as_deref().unwrap_or("pods");
                (home, Some(format!("{view} @{sel}")), true)
            }
            Some(Err(e)) => anyhow::bail!("--context {sel}: {e}"),
            None => (Some(sel.clone()), args.command.clone(), false),
        },
        None => (None, args.command.clone(), false),
    };
    let context = chosen
        .clone()
        .or_else(|| set.current_context().map(str::to_string));
    // Only an exec plugin that may prompt is run before the terminal is taken over; any other context
    // connects behind the first frame, so a server that never answers cannot keep the screen blank.
    let preconnected = match context {
        Some(c) if set.has_context(&c) && crate::cluster::session::needs_terminal(&set, &c) => {
            Some(effects::ConnectDone::connect(&set, c).await)
        }
        _ => None,
    };
    let options = Options {
        context: chosen,
        namespace: args.namespace.clone(),
        all_namespaces: args.all_namespaces,
        safety,
        command,
        merged,
        favourites: saved,
        aliases,
        hotkeys,
        plugins,
    };
    let mut app = App::new(set, config, theme, keymap, options);
    if let Some(p) = problems.last() {
        app.set_flash(p.clone(), true);
    }
    let terminal = ratatui::init();
    let setup = event_loop::LoopSetup {
        explicit_kubeconfig: explicit,
        preconnected,
    };
    let (result, app) = event_loop::run(app, terminal, setup).await;
    ratatui::restore();
    if keep_favourites
        && app.saved_favourites != app.options.favourites
        && let Err(e) = favourites::save(&favourites_path, &app.saved_favourites)
    {
        eprintln!("kdeck: cannot save favourite namespaces: {e}");
    }
    result
}

/// `kdeck demo`: the simulated cluster in-process (the built-in lively scenario unless `--scenario` or
/// `--pods` say otherwise) and the TUI on its kubeconfig. Needs no cluster, kubeconfig or network.
pub fn run_demo(_global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<()> {
    let scenario = crate::sim::scenario_from_args(args.scenario.as_deref(), args.pods)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let sim = crate::sim::start(crate::sim::SimOptions {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            kubeconfig_out: None,
            scenario,
        })
        .await
        .context("cannot start the simulated cluster")?;
        let path = sim.kubeconfig_path().to_path_buf();
        // A first look at the demo cluster should show all of it, not the one pod in `default`.
        let mut tui = args.tui.clone();
        if tui.namespace.is_none() {
            tui.all_namespaces = true;
        }
        let result = match KubeconfigSet::load(Some(&path)) {
            Ok(set) => open(set, Some(path), &tui).await,
            Err(e) => Err(anyhow::Error::new(e).context("reading the demo kubeconfig")),
        };
        sim.shutdown().await;
        result
    });
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

#[cfg(test)]
pub(crate) mod test_support;
