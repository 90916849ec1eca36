//! `App::update`: every message into the app. Answers addressed to a page or a dialog are delivered by
//! id (a late one for something closed is dropped) and their outcomes applied; watch notes and
//! connection results change the view and the session.

use super::{App, Connection, Effect, Msg, Origin, ServerInfo, ViewState};
use crate::cluster::watch::{WatchMsg, WatchNote};
use crate::tui::component::Outcome;
use crate::tui::dialogs;
use crate::tui::nav::ViewSpec;

impl App {
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) => self.on_key(k),
            Msg::Resize { width, height } => {
                self.size = (width, height);
                let rows = self.body_rows();
                self.view.clamp(rows);
                vec![]
            }
            Msg::Tick => {
                self.view.tick();
                vec![]
            }
            Msg::Watch(w) => self.on_watch(w),
            Msg::Connected { context, result } => self.on_connected(context, result),
            Msg::KindsChanged => vec![Effect::Discover],
            Msg::ClusterUsage { context, usage } => {
                if self.session.context.as_deref() == Some(context.as_str()) {
                    self.session.usage = Some(usage);
                }
                vec![]
            }
            Msg::Discovered(kinds) => {
                self.kinds.merge_discovered(kinds);
                self.after_discovery()
            }
            Msg::Namespaces(result) => self.on_namespaces(result),
            Msg::EditEnded(result) => {
                use crate::tui::edit::Outcome;
                match result {
                    Ok(Outcome::Applied(note)) => self.set_flash(note, false),
                    Ok(Outcome::Unchanged) => {
                        self.set_flash("edit cancelled: no changes".to_string(), false)
                    }
                    Ok(Outcome::Dropped { reason, kept }) => self.set_flash(
                        format!(
                            "edit dropped ({reason}); your text is kept in {}",
                            kept.display()
                        ),
                        true,
                    ),
                    Err(e) => self.set_flash(e, true),
                }
                vec![]
            }
            Msg::ShellEnded(result) => {
                // A confirmed plugin's dialog waits for its command; it ended.
                if matches!(self.dialog, Some(crate::tui::dialogs::Dialog::Plugin(_))) {
                    self.dialog = None;
                }
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
            Msg::LoggedIn(result) => match result {
                Ok(ctx) => {
                    self.set_flash(format!("logged in to {ctx}"), false);
                    let here = self
                        .view
                        .spec
                        .clusters()
                        .is_some_and(|c| c.contexts.contains(&ctx));
                    if here { self.rewatch() } else { vec![] }
                }
                Err(e) => {
                    self.set_flash(format!("login failed: {e}"), true);
                    vec![]
                }
            },
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
            Msg::Fetched { page, result }
                if self.owner_jump.as_ref().is_some_and(|(p, _)| *p == page) =>
            {
                let context = self.owner_jump.take().and_then(|(_, c)| c);
                match *result {
                    Ok(f) => self.open_owner(&f.object, context),
                    Err(e) => {
                        self.set_flash(e, true);
                        vec![]
                    }
                }
            }
            Msg::Fetched { page, result } => {
                if let Some(d) = self.dialog.as_mut().filter(|d| d.id() == page) {
                    let outcome = d.on_fetched(*result);
                    return self.apply(Origin::Dialog, outcome);
                }
                match self.page.as_mut() {
                    Some(p) => {
                        let outcome = p.on_fetched(page, *result);
                        self.apply(Origin::Page, outcome)
                    }
                    None => vec![],
                }
            }
            Msg::Logs {
                page,
                stream,
                events,
            } => {
                if let Some(p) = self.page.as_mut() {
                    p.on_logs(page, stream, events);
                }
                vec![]
            }
            Msg::LogsSaved(result) => {
                match result {
                    Ok(s) => self.set_flash(
                        format!("saved {} lines to {}", s.lines, s.path.display()),
                        false,
                    ),
                    Err(e) => self.set_flash(format!("cannot save logs: {e}"), true),
                }
                vec![]
            }
            Msg::ActionDone { dialog, result } => self.finish_dialog(dialog, result),
            Msg::BulkProgress {
                dialog,
                index,
                result,
            } => {
                if let Some(d) = self.dialog.as_mut().filter(|d| d.id() == dialog) {
                    d.on_bulk_progress(index, result);
                }
                vec![]
            }
            Msg::DrainProgress { dialog, pod, step } => {
                if let Some(d) = self.dialog.as_mut().filter(|d| d.id() == dialog) {
                    d.on_drain_progress(pod, step);
                }
                vec![]
            }
            Msg::ForwardStarted { dialog, result } => {
                let result = result.map(|info| dialogs::forward_started(&info));
                self.finish_dialog(dialog, result)
            }
            Msg::LocalPortSuggested {
                dialog,
                remote,
                local,
            } => {
                if let Some(d) = self.dialog.as_mut().filter(|d| d.id() == dialog) {
                    d.on_port_suggested(remote, local);
                }
                vec![]
            }
            Msg::Forwards { page, list } => {
                if let Some(p) = self.page.as_mut() {
                    p.on_forwards(page, list);
                }
                vec![]
            }
            Msg::RefreshForwards => self
                .page
                .as_ref()
                .map(|p| p.refresh_effects())
                .unwrap_or_default(),
            Msg::KubeconfigReloaded(result) => match result {
                Ok(set) => self.on_kubeconfig_reloaded(set),
                Err(e) => {
                    self.set_flash(format!("kubeconfig reload failed: {e}"), true);
                    vec![]
                }
            },
            Msg::ForwardsMoved { moved, failed } => {
                self.on_forwards_moved(moved, failed);
                vec![]
            }
        }
    }

    /// The answer to a dialog's mutation; for a dialog already closed it is only flashed.
    fn finish_dialog(&mut self, id: u64, result: Result<String, String>) -> Vec<Effect> {
        // A bulk verb that went through on every row is done with the marks.
        if result.is_ok()
            && matches!(&self.dialog, Some(crate::tui::dialogs::Dialog::Bulk(d)) if d.base.id == id)
        {
            self.view.marks.clear();
        }
        match self.dialog.as_mut().filter(|d| d.id() == id) {
            Some(d) => {
                let outcome = d.finish(result);
                self.apply(Origin::Dialog, outcome)
            }
            None => {
                let outcome = match result {
                    Ok(text) => Outcome::note(text),
                    Err(e) => Outcome::error(e),
                };
                self.apply(Origin::View, outcome)
            }
        }
    }

    fn on_watch(&mut self, w: WatchMsg) -> Vec<Effect> {
        if w.view != self.view.id {
            return vec![];
        }
        match w.note {
            WatchNote::Delta(d) => {
                let rows = self.body_rows();
                self.view.apply(d, rows);
                if let Connection::Lost(_) = self.connection {
                    self.connection = Connection::Connected;
                }
                vec![]
            }
            WatchNote::Columns(cols) => {
                self.view.set_columns(cols);
                vec![]
            }
            WatchNote::Metrics { group, note } => {
                let rows = self.body_rows();
                self.view.set_usage(group, note, rows);
                vec![]
            }
            WatchNote::Recovered => {
                self.connection = Connection::Connected;
                vec![]
            }
            WatchNote::Error(f) if f.unusable => {
                self.view.state = ViewState::Unusable { message: f.message };
                vec![Effect::StopWatch]
            }
            WatchNote::Error(f) => match f.code {
                Some(403) => {
                    self.view.state = ViewState::Forbidden {
                        message: f.message,
                        offer: Vec::new(),
                    };
                    vec![Effect::StopWatch, Effect::ListNamespaces]
                }
                // 410 Gone is the watcher's cue to relist, not a connection problem.
                Some(410) => vec![],
                // An expired credential: a plugin kdeck runs can renew it (the runner ignores this
                // for other kinds of auth, and the banner stays until the watch recovers).
                Some(401) => {
                    self.connection = Connection::Lost(format!("unauthorized: {}", f.message));
                    vec![Effect::Reauthenticate]
                }
                Some(code) => {
                    self.connection =
                        Connection::Lost(format!("server error {code}: {}", f.message));
                    vec![]
                }
                None => {
                    self.connection = Connection::Lost(f.message);
                    vec![]
                }
            },
        }
    }

    pub(super) fn on_connected(
        &mut self,
        context: String,
        result: Result<ServerInfo, String>,
    ) -> Vec<Effect> {
        if self.connection == Connection::Reconnecting(context.clone()) {
            return self.on_reconnected(context, result);
        }
        if self.connection != Connection::Connecting(context.clone()) {
            return vec![];
        }
        // A dialog was aimed at an object of the previous context.
        self.dialog = None;
        if self.session.context.as_deref() != Some(context.as_str()) {
            self.favourites = self
                .saved_favourites
                .get(&context)
                .cloned()
                .unwrap_or_default();
        }
        self.adopt_context(&context);
        self.session.usage = None;
        // Started on a merged view (`--context a,b`): it stays whatever this connection answers.
        let keep_view = std::mem::take(&mut self.options.merged);
        match result {
            Err(e) => {
                self.connection = Connection::Failed(format!("{context}: {e}"));
                self.session.server_version = None;
                self.session.kubectl = None;
                if keep_view {
                    return vec![];
                }
                self.nav.clear();
                self.show(ViewSpec::Contexts)
            }
            Ok(server) => {
                self.connection = Connection::Connected;
                self.session.server_version = Some(server.git_version);
                if let Some(w) = server.kubectl.as_ref().and_then(|k| k.skew_warning.clone()) {
                    self.set_flash(w, false);
                }
                self.session.kubectl = server.kubectl;
                self.options.context = None;
                // The namespaces of the previous context no longer say anything; the list is re-asked.
                self.known_namespaces.clear();
                if keep_view {
                    return vec![Effect::Discover, Effect::ListNamespaces];
                }
                let ns = self.start_namespace(&context);
                self.session.namespace = ns.clone();
                if let Some(n) = &ns {
                    self.remember_namespace(n);
                }
                self.nav.clear();
                let mut effects = vec![Effect::Discover, Effect::ListNamespaces];
                let cmd = self.pending_command.take();
                let mut opened = match cmd {
                    Some(c) => self.run_command(&c, true),
                    None => vec![],
                };
                if opened.is_empty() && !self.quit {
                    if let Some(pods) = self.kinds.resolve("pods").cloned() {
                        opened = self.show(ViewSpec::resource(pods, ns));
                    }
                } else {
                    self.nav.clear();
                }
                effects.extend(opened);
                effects
            }
        }
    }

    /// The session's who-and-where for `context`, from kubeconfig and the safety policy.
    pub(super) fn adopt_context(&mut self, context: &str) {
        let info = self.kubeconfig.context(context);
        self.session.context = Some(context.to_string());
        self.session.cluster = info.as_ref().and_then(|i| i.cluster.clone());
        self.session.user = info.as_ref().and_then(|i| i.user.clone());
        let policy =
            crate::safety::SafetyPolicy::resolve(context, &self.config, &self.options.safety);
        self.session.guarded = policy.is_guarded();
        self.session.readonly = policy.is_readonly();
        self.session.readonly_reason = policy.readonly.as_ref().map(ToString::to_string);
    }

    fn on_namespaces(&mut self, result: Result<Vec<String>, String>) -> Vec<Effect> {
        let result_kind = if result.is_ok() {
            ListKind::Listed
        } else {
            ListKind::Guessed
        };
        let names = match result {
            Ok(n) => n,
            Err(_) => {
                // Listing is forbidden: offer what kubeconfig and history know.
                let mut v: Vec<String> = self
                    .kubeconfig
                    .context_names()
                    .iter()
                    .filter_map(|c| self.kubeconfig.context(c).and_then(|i| i.namespace))
                    .collect();
                v.extend(self.favourites.iter().cloned());
                v.sort();
                v.dedup();
                v
            }
        };
        let listed = matches!(result_kind, ListKind::Listed);
        // The first list after connecting checks a namespace typed before it arrived (a command run at
        // connect, `:pods shop @prod`).
        let first = self.known_namespaces.is_empty();
        if listed
            && first
            && let Some(ns) = self.session.namespace.clone()
        {
            // A namespace typed before the list arrived (a command run at connect) is checked now.
            if names.contains(&ns) {
                self.remember_namespace(&ns);
            } else if !names.is_empty() {
                self.set_flash(
                    format!(
                        "namespace \"{}\" not found in context {}",
                        crate::escape::message(&ns),
                        crate::escape::message(self.session.context.as_deref().unwrap_or("?"))
                    ),
                    true,
                );
            }
        }
        self.known_namespaces = if listed { names.clone() } else { Vec::new() };
        if let ViewState::Forbidden { offer, .. } = &mut self.view.state {
            *offer = names;
        }
        vec![]
    }
}

/// Whether a namespace list came from the server or was pieced together from kubeconfig and history.
enum ListKind {
    Listed,
    Guessed,
}
