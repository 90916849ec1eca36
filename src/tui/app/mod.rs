//! The app: the TUI's state and the only code that changes it, `App::update(Msg) -> Vec<Effect>`.
//!
//! The app dispatches. It routes a key to the open dialog, the open page or the table view (each a
//! component that owns its state and answers with an [`Outcome`]), applies what they answer, and turns
//! the results of effects back into their state. A component never sees the app: everything it needs
//! comes in as arguments, and everything it wants goes out in its outcome.
//!
//! Everything here is plain data and synchronous: no I/O, no clients, no awaiting. The event loop
//! ([`super::event_loop`]) runs the effects and feeds their results back as messages, and the renderer
//! ([`super::render`]) draws a frame from `&App` alone.
//!
//! - this file: the state, startup, and applying an outcome;
//! - [`update`]: messages (watch notes, connection results, answers addressed to pages and dialogs);
//! - [`keys`]: keys, by mode (command line, filter, help, normal) and action;
//! - [`commands`]: `:` commands, context and namespace switches, drill-down;
//! - [`reconnect`]: a kubeconfig reload that changes the credentials in use;
//! - [`verbs`]: the verbs on the selected object, which opens pages and dialogs, and what applies where.

mod commands;
mod keys;
mod reconnect;
mod update;
mod verbs;

#[cfg(test)]
mod tests;

use super::command::History;
use super::component::{Outcome, Request};
use super::dialogs::Dialog;
use super::input::LineInput;
use super::keymap::Keymap;
use super::layout;
use super::nav::{NavEntry, NavStack, ViewSpec};
use super::pages::Page;
use super::theme::Theme;
use super::views::table::TableView;
use crate::cluster::actions::ObjectRef;
use crate::cluster::kinds::KindRegistry;
use crate::cluster::rows::Row;
use crate::config::Config;
use crate::kubeconfig::KubeconfigSet;

pub use super::component::Flash;
pub use super::msg::{Effect, Msg, ServerInfo};
pub use super::session::{Connection, Session};
pub use super::views::table::ViewState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Command(LineInput),
    /// The `/` line: filters a table, searches an open page.
    Filter(LineInput),
    /// The line filter of an open page (logs `&`): only the lines that match are shown.
    PageFilter(LineInput),
    Help,
}

/// Which component an outcome came from (a close request closes that one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    View,
    Page,
    Dialog,
}

/// The safety rules that apply to one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Why mutations are refused there, if they are.
    pub readonly: Option<String>,
    /// Deleting there needs the name (or the count) typed in.
    pub guarded: bool,
}

/// Startup choices (from flags and config).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    /// Where read-only can come from besides config.yaml (`--readonly`, `.kdeck.yaml`, the hook's env).
    pub safety: crate::safety::SafetySources,
    pub command: Option<String>,
    /// `command` opens a view merged across clusters (`--context a,b`): it opens at once, whether or
    /// not the connected context answers, and stays when it does.
    pub merged: bool,
    /// Favourite namespaces per context, from the last runs.
    pub favourites: super::favourites::Favourites,
    /// `aliases.yaml` (k9s format).
    pub aliases: super::extensions::Aliases,
    /// `hotkeys.yaml` (k9s format).
    pub hotkeys: Vec<super::extensions::Hotkey>,
    /// `plugins.yaml` (k9s format).
    pub plugins: Vec<super::extensions::Plugin>,
}

pub struct App {
    pub theme: Theme,
    pub keymap: Keymap,
    pub config: Config,
    pub kubeconfig: KubeconfigSet,
    pub session: Session,
    pub connection: Connection,
    pub kinds: KindRegistry,
    pub view: TableView,
    /// A full-screen page over the view (describe, YAML, …); `esc` closes it.
    pub page: Option<Page>,
    /// A dialog over everything (scale, restart, delete, port-forward); it takes every key while open.
    pub dialog: Option<Dialog>,
    pub nav: NavStack,
    pub mode: Mode,
    pub history: History,
    pub flash: Option<Flash>,
    /// Namespaces on `1`–`9` (most recently used first) for the connected context; `0` is all.
    pub favourites: Vec<String>,
    /// Every context's favourites, as loaded at startup and saved on exit.
    pub saved_favourites: super::favourites::Favourites,
    /// Namespaces the server listed (for completion and 403 offers).
    pub known_namespaces: Vec<String>,
    pub options: Options,
    pub size: (u16, u16),
    /// The first help line shown while help is open (it scrolls when it does not fit).
    pub help_scroll: usize,
    /// The ages on screen at the last age tick ([`App::ages_moved`]).
    last_ages: Option<u64>,
    pub quit: bool,
    next_id: u64,
    /// Command to run once the pending connection succeeds (`:pods @ctx`, `--command`).
    pending_command: Option<String>,
    /// A command naming a kind discovery did not know: it runs again once discovery has been refreshed
    /// (a CRD applied after kdeck started), and is refused only if the kind is still unknown.
    unknown_kind_command: Option<(String, bool)>,
    /// The fetch whose answer `shift-j` waits for, to open the object's owner.
    owner_jump: Option<(u64, Option<String>)>,
}

impl App {
    pub fn new(
        kubeconfig: KubeconfigSet,
        config: Config,
        theme: Theme,
        keymap: Keymap,
        options: Options,
    ) -> App {
        let readonly = options.safety.readonly_flag;
        let mut app = App {
            theme,
            keymap,
            config,
            kubeconfig,
            session: Session {
                readonly,
                ..Default::default()
            },
            connection: Connection::Idle,
            kinds: KindRegistry::default(),
            view: TableView::new(
                0,
                ViewSpec::Contexts,
                super::views::contexts::columns(),
                false,
            ),
            page: None,
            dialog: None,
            nav: NavStack::default(),
            mode: Mode::Normal,
            history: History::default(),
            flash: None,
            favourites: Vec::new(),
            saved_favourites: options.favourites.clone(),
            known_namespaces: Vec::new(),
            pending_command: options.command.clone(),
            unknown_kind_command: None,
            owner_jump: None,
            options,
            size: (80, 24),
            help_scroll: 0,
            last_ages: None,
            quit: false,
            next_id: 1,
        };
        app.refresh_contexts();
        app
    }

    /// The first effects: connect to the chosen context, or show the contexts view when there is none.
    pub fn start(&mut self) -> Vec<Effect> {
        let ctx = self
            .options
            .context
            .clone()
            .or_else(|| self.kubeconfig.current_context().map(str::to_string));
        match ctx {
            Some(c) if self.kubeconfig.has_context(&c) && self.options.merged => {
                // The merged view needs no connected context: it opens now, and the connection (for
                // the header and the commands that work on one cluster) comes behind it.
                let mut effects = self.begin_connect(c.clone());
                self.session.namespace = self.start_namespace(&c);
                if let Some(cmd) = self.pending_command.take() {
                    effects.extend(self.run_command(&cmd, true));
                }
                effects
            }
            Some(c) if self.kubeconfig.has_context(&c) => self.begin_connect(c),
            Some(c) => {
                self.connection = Connection::Failed(format!(
                    "no context exists with the name: \"{c}\" — pick one below"
                ));
                vec![]
            }
            None => {
                self.connection = Connection::Failed(
                    "no current context in kubeconfig — pick one below".to_string(),
                );
                vec![]
            }
        }
    }

    /// The namespace the first view opens in (`-A`: all; `-n`; else `context`'s own), once: the
    /// flags are used up.
    fn start_namespace(&mut self, context: &str) -> Option<String> {
        let all = std::mem::take(&mut self.options.all_namespaces);
        let named = self.options.namespace.take();
        (!all).then(|| named.unwrap_or_else(|| self.kubeconfig.namespace_of(context)))
    }

    /// The once-a-second age tick: whether an AGE or LAST SEEN text on screen reads differently at
    /// `now` than at the previous tick (only then is a frame worth drawing).
    pub fn ages_moved(&mut self, now: i64) -> bool {
        if self.page.is_some() {
            self.last_ages = None;
            return false;
        }
        let ages = self.view.visible_ages(now, self.body_rows());
        let moved = ages.is_some() && ages != self.last_ages;
        self.last_ages = ages;
        moved
    }

    pub fn loading(&self) -> bool {
        self.view.state == ViewState::Loading
            || matches!(
                self.connection,
                Connection::Connecting(_) | Connection::Reconnecting(_)
            )
    }

    pub fn set_flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
        });
    }

    /// A fresh id for a view, page or dialog: answers carry it, so one for something replaced is
    /// dropped.
    pub(crate) fn next_page_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Applies the outcome of the component at `origin`: its flash, its request, then its effects
    /// (returned for the runner).
    fn apply(&mut self, origin: Origin, outcome: Outcome) -> Vec<Effect> {
        let Outcome {
            mut effects,
            flash,
            request,
        } = outcome;
        if let Some(f) = flash {
            self.flash = Some(f);
        }
        match request {
            None => {}
            Some(Request::Close) => match origin {
                Origin::Dialog => self.dialog = None,
                Origin::Page => effects.extend(self.close_page()),
                Origin::View => {}
            },
            Some(Request::EditLineFilter(text)) => {
                self.mode = Mode::PageFilter(LineInput::with_text(&text));
            }
            Some(Request::Mutate { action, effect }) => {
                if let Some(refusal) = self.readonly_refusal(action) {
                    self.dialog = None;
                    self.set_flash(refusal, true);
                    return effects;
                }
                effects.push(*effect);
            }
        }
        effects
    }

    /// Why `action` is refused in this session (read-only), as the flash says it; None when allowed.
    pub fn readonly_refusal(&self, action: super::action::Action) -> Option<String> {
        self.readonly_refusal_in(action, self.acting_context().as_deref())
    }

    /// Why `action` may not run on an object of `context` (None: the connected context), if it may not.
    pub fn readonly_refusal_in(
        &self,
        action: super::action::Action,
        context: Option<&str>,
    ) -> Option<String> {
        if !action.is_mutating() {
            return None;
        }
        let reason = self.rules_for(context).readonly?;
        let verb = action
            .safety_action()
            .map_or_else(|| action.name().replace('_', " "), |a| a.verb().to_string());
        let mut refusal = format!("cannot {verb}: {reason}");
        if let Some(c) = context.filter(|c| Some(*c) != self.session.context.as_deref()) {
            refusal.push_str(&format!(" (context {c})"));
        }
        Some(refusal)
    }

    /// The read-only and guard rules of `context`: the connected context's are the session's; any
    /// other (a merged view's row) is resolved from the same config and sources.
    pub fn rules_for(&self, context: Option<&str>) -> Rules {
        match context {
            Some(c) if Some(c) != self.session.context.as_deref() => {
                let p = crate::safety::SafetyPolicy::resolve(c, &self.config, &self.options.safety);
                Rules {
                    guarded: p.is_guarded(),
                    readonly: p.readonly.as_ref().map(ToString::to_string),
                }
            }
            _ => Rules {
                guarded: self.session.guarded,
                readonly: self.session.readonly.then(|| {
                    self.session
                        .readonly_reason
                        .clone()
                        .unwrap_or_else(|| "read-only: --readonly flag".to_string())
                }),
            },
        }
    }

    /// The context an action would reach: the open dialog's object, else the open page's, else the
    /// row under the cursor (None: the connected context).
    pub fn acting_context(&self) -> Option<String> {
        if let Some(d) = &self.dialog {
            return d.base().target.context.clone();
        }
        if let Some(p) = &self.page {
            return p.context().map(str::to_string);
        }
        let row = self.view.selected_row()?;
        if let Some(o) = &row.object {
            return o.target.context.clone();
        }
        row.key.context.as_deref().map(str::to_string)
    }

    fn begin_connect(&mut self, context: String) -> Vec<Effect> {
        self.connection = Connection::Connecting(context.clone());
        vec![Effect::StopWatch, Effect::Connect { context }]
    }

    /// Rows of the table body at the current terminal size.
    fn body_rows(&self) -> usize {
        layout::body_rows(self.size.1)
    }

    /// Replaces the current view with `spec` (without touching the back stack).
    fn show(&mut self, spec: ViewSpec) -> Vec<Effect> {
        let id = self.next_page_id();
        let columns = match &spec {
            ViewSpec::Contexts => super::views::contexts::columns(),
            ViewSpec::Containers { .. } => crate::cluster::columns::containers::columns(),
            ViewSpec::Resource { kind, .. } => kind.columns(),
            ViewSpec::Xray { .. } => crate::cluster::xray::tree::columns(),
            ViewSpec::Fleet => crate::fleet::rows::columns(),
        };
        let mut effects = self.close_page();
        let watch = self.watch_effect(id, &spec);
        self.view = TableView::new(id, spec, columns, watch.is_some());
        match watch {
            Some(w) => effects.push(w),
            None => {
                self.refresh_contexts();
                effects.push(Effect::StopWatch);
            }
        }
        effects
    }

    /// Opens `spec`, remembering the current view for `esc`.
    fn open(&mut self, spec: ViewSpec) -> Vec<Effect> {
        self.nav.push(NavEntry {
            spec: self.view.spec.clone(),
            filter: self.view.filter_text.clone(),
        });
        self.show(spec)
    }

    fn back(&mut self) -> Vec<Effect> {
        match self.nav.pop() {
            Some(entry) => {
                let effects = self.show(entry.spec);
                if !entry.filter.is_empty() {
                    self.set_filter(&entry.filter);
                }
                effects
            }
            None => vec![],
        }
    }

    /// Rebuilds the contexts rows from kubeconfig when the contexts view is showing.
    fn refresh_contexts(&mut self) {
        if self.view.spec != ViewSpec::Contexts {
            return;
        }
        let rows = super::views::contexts::rows(&self.kubeconfig, self.session.context.as_deref());
        let page = self.body_rows();
        self.view.set_rows(rows, page);
    }

    fn set_filter(&mut self, text: &str) {
        // A filter only ever answers with a flash (a bad pattern).
        if let Some(f) = self.view.set_filter(text).flash {
            self.flash = Some(f);
        }
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.view.selected_row()
    }

    /// The object under the cursor, when the view is a table of Kubernetes objects.
    pub fn selected_object(&self) -> Option<ObjectRef> {
        self.view.selected_object()
    }

    /// Opens `page` over the current table (closing the one open before) and starts what it shows.
    pub(crate) fn open_page(&mut self, mut page: Page) -> Vec<Effect> {
        let mut effects = self.close_page();
        effects.extend(page.open_effects());
        self.mode = Mode::Normal;
        self.page = Some(page);
        effects
    }

    /// Closes the page; the effects stop whatever it had running.
    fn close_page(&mut self) -> Vec<Effect> {
        self.page
            .take()
            .map(|p| p.close_effects())
            .unwrap_or_default()
    }

    /// Opens a dialog and returns what it needs loaded. The caller has already refused mutating verbs
    /// in read-only mode.
    fn open_dialog(&mut self, dialog: Dialog) -> Vec<Effect> {
        let effects = dialog.open_effects();
        self.mode = Mode::Normal;
        self.dialog = Some(dialog);
        effects
    }

    pub fn forwards_page_open(&self) -> bool {
        matches!(self.page, Some(Page::Forwards(_)))
    }

    /// A namespace typed in a `:` command becomes a favourite only once the server listed it: a name
    /// that could not be checked (the list was forbidden) is used but not saved.
    fn remember_typed_namespace(&mut self, ns: &str) {
        if self.known_namespaces.iter().any(|k| k == ns) {
            self.remember_namespace(ns);
        }
    }

    fn remember_namespace(&mut self, ns: &str) {
        super::favourites::remember(&mut self.favourites, ns);
        if let Some(ctx) = &self.session.context {
            self.saved_favourites
                .insert(ctx.clone(), self.favourites.clone());
        }
    }

    /// Every context name, for `:ctx` completion.
    pub fn context_names(&self) -> Vec<String> {
        self.kubeconfig.context_names()
    }

    /// Namespaces for completion: what the server listed, plus favourites.
    pub fn namespace_names(&self) -> Vec<String> {
        let mut v = self.known_namespaces.clone();
        v.extend(self.favourites.iter().cloned());
        v.sort();
        v.dedup();
        v
    }
}

use crate::cluster::merged::Inner;

impl App {
    /// What keeps view `view` of `spec` live: its watch (the containers view, the xray and the fleet have
    /// their own); None for local views.
    pub(super) fn watch_effect(&self, view: u64, spec: &ViewSpec) -> Option<Effect> {
        match spec {
            ViewSpec::Contexts => None,
            ViewSpec::Fleet => Some(Effect::WatchFleet {
                view,
                dirs: self.config.kubeconfig_dirs.clone(),
                config: Box::new(self.config.clone()),
            }),
            ViewSpec::Containers {
                namespace,
                pod,
                clusters: None,
            } => Some(Effect::WatchContainers {
                view,
                namespace: namespace.clone(),
                pod: pod.clone(),
            }),
            ViewSpec::Xray {
                kind,
                namespace,
                clusters: None,
            } => crate::cluster::xray::Root::of(kind).map(|root| Effect::WatchXray {
                view,
                root,
                namespace: namespace.clone(),
            }),
            ViewSpec::Resource { clusters: None, .. } => spec
                .watch_target()
                .map(|target| Effect::Watch { view, target }),
            ViewSpec::Containers {
                namespace,
                pod,
                clusters: Some(c),
            } => Some(Effect::WatchMerged {
                view,
                contexts: c.contexts.clone(),
                inner: Inner::Containers {
                    namespace: namespace.clone(),
                    pod: pod.clone(),
                },
            }),
            ViewSpec::Xray {
                kind,
                namespace,
                clusters: Some(c),
            } => crate::cluster::xray::Root::of(kind).map(|root| Effect::WatchMerged {
                view,
                contexts: c.contexts.clone(),
                inner: Inner::Xray {
                    root,
                    namespace: namespace.clone(),
                },
            }),
            ViewSpec::Resource {
                clusters: Some(c), ..
            } => spec.watch_target().map(|target| Effect::WatchMerged {
                view,
                contexts: c.contexts.clone(),
                inner: Inner::Resource(target),
            }),
        }
    }
}
