//! The TUI's state and its update function: `App::update(Msg) -> Vec<Effect>`.
//!
//! Everything here is plain data and synchronous: no I/O, no clients, no awaiting. The event loop
//! ([`super::event_loop`]) runs the effects and feeds their results back as messages, and the
//! renderer ([`super::render`]) draws a frame from `&App` alone.

use std::sync::Arc;

use super::command::History;
use super::filter::Filter;
use super::input::LineInput;
use super::keymap::Keymap;
use super::nav::{NavEntry, NavStack, ViewSpec};
use super::theme::Theme;
use crate::cluster::kinds::KindRegistry;
use crate::cluster::rows::Column;
use crate::cluster::store::{RowMatcher, RowStore};
use crate::config::Config;
use crate::kubeconfig::KubeconfigSet;

pub use super::msg::{Effect, Msg, ServerInfo};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// No context selected, or not connected yet.
    Idle,
    Connecting(String),
    Connected,
    /// Watches fail and are retried with backoff.
    Lost(String),
    /// The initial connection failed.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewState {
    Loading,
    Ready,
    /// The list was refused (403); `offer` holds namespaces the user can see, when known.
    Forbidden {
        message: String,
        offer: Vec<String>,
    },
}

/// The view on screen.
#[derive(Debug)]
pub struct View {
    pub id: u64,
    pub spec: ViewSpec,
    pub columns: Vec<Column>,
    pub store: RowStore,
    pub state: ViewState,
    pub selected: usize,
    pub offset: usize,
    /// The active `/` filter text (as typed).
    pub filter_text: String,
}

impl View {
    pub fn filter(&self) -> Option<&Filter> {
        self.store
            .filter()
            .and_then(|f| f.as_any().downcast_ref::<Filter>())
    }
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

/// Who and where: what the header shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    /// The namespace views open in; None = all namespaces.
    pub namespace: Option<String>,
    pub server_version: Option<String>,
    /// The local kubectl and its skew against the server (from `crate::kubectl`).
    pub kubectl: Option<crate::kubectl::KubectlNote>,
    pub readonly: bool,
    /// Why the session is read-only, as shown when an action is refused.
    pub readonly_reason: Option<String>,
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
    /// Favourite namespaces per context, from the last runs.
    pub favourites: super::favourites::Favourites,
}

pub struct App {
    pub theme: Theme,
    pub keymap: Keymap,
    pub config: Config,
    pub kubeconfig: KubeconfigSet,
    pub session: Session,
    pub connection: Connection,
    pub kinds: KindRegistry,
    pub view: View,
    /// A full-screen page over the view (describe, YAML, …); `esc` closes it.
    pub page: Option<super::pages::Page>,
    /// A dialog over everything (scale, restart, delete, port-forward); it takes every key while open.
    pub dialog: Option<super::dialogs::Dialog>,
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
    pub spinner: usize,
    pub size: (u16, u16),
    pub quit: bool,
    next_view_id: u64,
    /// Command to run once the pending connection succeeds (`:pods @ctx`, `--command`).
    pending_command: Option<String>,
}

/// Rows the table body shows for a terminal of `height` lines (header, title, borders, footer).
pub fn body_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(super::render::CHROME_ROWS))
}

/// Text rows a page shows for a terminal of `height` lines (header, page borders, footer).
pub fn page_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(super::widgets::header::HEIGHT + 2 + 1))
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
            view: View {
                id: 0,
                spec: ViewSpec::Contexts,
                columns: super::views::contexts::columns(),
                store: RowStore::new(),
                state: ViewState::Ready,
                selected: 0,
                offset: 0,
                filter_text: String::new(),
            },
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
            options,
            spinner: 0,
            size: (80, 24),
            quit: false,
            next_view_id: 1,
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

    pub fn loading(&self) -> bool {
        self.view.state == ViewState::Loading
            || matches!(self.connection, Connection::Connecting(_))
    }

    pub fn set_flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
        });
    }

    pub(crate) fn next_view_id_bump(&mut self) -> u64 {
        let id = self.next_view_id;
        self.next_view_id += 1;
        id
    }

    /// Why `action` is refused in this session (read-only), as the flash says it; None when allowed.
    pub fn readonly_refusal(&self, action: super::action::Action) -> Option<String> {
        if !(action.is_mutating() && self.session.readonly) {
            return None;
        }
        let reason = self
            .session
            .readonly_reason
            .clone()
            .unwrap_or_else(|| "read-only: --readonly flag".to_string());
        let verb = action
            .safety_action()
            .map_or_else(|| action.name().replace('_', " "), |a| a.verb().to_string());
        Some(format!("cannot {verb}: {reason}"))
    }

    pub(crate) fn begin_connect(&mut self, context: String) -> Vec<Effect> {
        self.connection = Connection::Connecting(context.clone());
        vec![Effect::StopWatch, Effect::Connect { context }]
    }

    /// Replaces the current view with `spec` (without touching the back stack).
    pub(crate) fn show(&mut self, spec: ViewSpec) -> Vec<Effect> {
        let id = self.next_view_id_bump();
        let columns = match &spec {
            ViewSpec::Contexts => super::views::contexts::columns(),
            ViewSpec::Containers { .. } => crate::cluster::columns::containers::columns(),
            ViewSpec::Resource { kind, .. } => kind.columns(),
        };
        let target = spec.watch_target();
        let pod = match &spec {
            ViewSpec::Containers { namespace, pod } => Some((namespace.clone(), pod.clone())),
            _ => None,
        };
        let mut effects = self.close_page();
        self.view = View {
            id,
            spec,
            columns,
            store: RowStore::new(),
            state: if target.is_some() || pod.is_some() {
                ViewState::Loading
            } else {
                ViewState::Ready
            },
            selected: 0,
            offset: 0,
            filter_text: String::new(),
        };
        match (target, pod) {
            (Some(target), _) => effects.push(Effect::Watch { view: id, target }),
            (None, Some((namespace, pod))) => effects.push(Effect::WatchContainers {
                view: id,
                namespace,
                pod,
            }),
            (None, None) => {
                self.refresh_contexts();
                effects.push(Effect::StopWatch);
            }
        }
        effects
    }

    /// Opens `spec`, remembering the current view for `esc`.
    pub(crate) fn open(&mut self, spec: ViewSpec) -> Vec<Effect> {
        self.nav.push(NavEntry {
            spec: self.view.spec.clone(),
            filter: self.view.filter_text.clone(),
        });
        self.show(spec)
    }

    pub(crate) fn back(&mut self) -> Vec<Effect> {
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
    pub(crate) fn refresh_contexts(&mut self) {
        if self.view.spec != ViewSpec::Contexts {
            return;
        }
        let rows = super::views::contexts::rows(&self.kubeconfig, self.session.context.as_deref());
        self.view
            .store
            .apply(crate::cluster::store::Delta::Reset(rows));
        self.clamp_selection();
    }

    pub(crate) fn set_filter(&mut self, text: &str) {
        match Filter::parse(text) {
            Ok(f) => {
                self.view.filter_text = text.to_string();
                self.view
                    .store
                    .set_filter(f.map(|f| Arc::new(f) as Arc<dyn RowMatcher>));
                self.view.selected = 0;
                self.view.offset = 0;
            }
            Err(e) => self.set_flash(e.to_string(), true),
        }
    }

    pub(crate) fn clamp_selection(&mut self) {
        let n = self.view.store.visible_len();
        let page = body_rows(self.size.1).max(1);
        let v = &mut self.view;
        if v.selected >= n {
            v.selected = n.saturating_sub(1);
        }
        if v.selected < v.offset {
            v.offset = v.selected;
        } else if v.selected >= v.offset + page {
            v.offset = v.selected + 1 - page;
        }
        if v.offset + page > n {
            v.offset = n.saturating_sub(page);
        }
    }

    pub(crate) fn move_selection(&mut self, delta: isize) {
        let n = self.view.store.visible_len();
        if n == 0 {
            return;
        }
        let cur = self.view.selected as isize;
        self.view.selected = (cur + delta).clamp(0, n as isize - 1) as usize;
        self.clamp_selection();
    }

    pub fn selected_row(&self) -> Option<&crate::cluster::rows::Row> {
        self.view.store.visible_row(self.view.selected)
    }

    pub(crate) fn pending_command_replace(&mut self, cmd: Option<String>) -> Option<String> {
        std::mem::replace(&mut self.pending_command, cmd)
    }

    pub(crate) fn remember_namespace(&mut self, ns: &str) {
        super::favourites::remember(&mut self.favourites, ns);
        if let Some(ctx) = &self.session.context {
            self.saved_favourites
                .insert(ctx.clone(), self.favourites.clone());
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) => self.on_key(k),
            Msg::Resize { width, height } => {
                self.size = (width, height);
                self.clamp_selection();
                vec![]
            }
            Msg::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                vec![]
            }
            Msg::Watch(w) => self.on_watch(w),
            Msg::Connected { context, result } => self.on_connected(context, result),
            Msg::Discovered(kinds) => {
                self.kinds.merge_discovered(kinds);
                vec![]
            }
            Msg::Namespaces(result) => self.on_namespaces(result),
            Msg::ShellEnded(result) => {
                match result {
                    Ok(note) => self.set_flash(note, false),
                    Err(e) => self.set_flash(e, true),
                }
                vec![]
            }
            Msg::ContextSaved(result) => {
                match result {
                    Ok(note) => self.set_flash(note, false),
                    Err(e) => self.set_flash(format!("cannot write kubeconfig: {e}"), true),
                }
                vec![]
            }
            Msg::Reauthenticated(result) => {
                match result {
                    Ok(ctx) => {
                        self.set_flash(format!("re-authenticated to {ctx}"), false);
                        if let Connection::Lost(_) = self.connection {
                            self.connection = Connection::Connected;
                        }
                    }
                    Err(e) => self.set_flash(format!("re-authentication failed: {e}"), true),
                }
                vec![]
            }
            Msg::Fetched { page, result } => {
                if self.dialog.as_ref().is_some_and(|d| d.id() == page) {
                    return self.on_dialog_fetched(*result);
                }
                match self.page.as_mut() {
                    Some(super::pages::Page::Text(p)) if p.id == page => {
                        p.set_fetched(*result);
                        vec![]
                    }
                    Some(super::pages::Page::Logs(_)) => self.on_logs_fetched(page, *result),
                    _ => vec![],
                }
            }
            Msg::Logs {
                page,
                stream,
                events,
            } => {
                self.on_logs(page, stream, events);
                vec![]
            }
            Msg::LogsSaved(result) => {
                self.on_logs_saved(result);
                vec![]
            }
            Msg::ActionDone { dialog, result } => self.on_action_done(dialog, result),
            Msg::ForwardStarted { dialog, result } => self.on_forward_started(dialog, result),
            Msg::LocalPortSuggested {
                dialog,
                remote,
                local,
            } => self.on_local_port_suggested(dialog, remote, local),
            Msg::Forwards { page, list } => {
                self.on_forwards_listed(page, list);
                vec![]
            }
            Msg::RefreshForwards => self.refresh_forwards(),
            Msg::KubeconfigReloaded(result) => {
                match result {
                    Ok(set) => {
                        self.kubeconfig = set;
                        self.refresh_contexts();
                    }
                    Err(e) => self.set_flash(format!("kubeconfig reload failed: {e}"), true),
                }
                vec![]
            }
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
