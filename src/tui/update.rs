//! The parts of [`App::update`] that react to keys, commands, watch notes and connection results.

use crossterm::event::KeyEvent;

use super::action::Action;
use super::app::{App, Connection, Effect, Mode, ServerInfo, ViewState};
use super::command::{self, Command, NsChoice};
use super::input::{LineEvent, LineInput};
use super::keymap::Key;
use super::nav::ViewSpec;
use crate::cluster::kinds::Builtin;
use crate::cluster::store::Delta;
use crate::cluster::watch::{WatchMsg, WatchNote};

impl App {
    pub(crate) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.dialog.is_some() {
            return self.on_dialog_key(&key);
        }
        match self.mode.clone() {
            Mode::Command(mut line) => {
                let ev = line.handle(&key);
                self.on_command_line(line, ev)
            }
            Mode::Filter(mut line) => {
                let ev = line.handle(&key);
                let on_page = self.page.is_some();
                match ev {
                    LineEvent::Submit => {
                        self.mode = Mode::Normal;
                        if on_page {
                            self.on_page_search(&line.text, true);
                        }
                    }
                    LineEvent::Cancel => {
                        self.mode = Mode::Normal;
                        if on_page {
                            self.on_page_search("", true);
                        } else {
                            self.set_filter("");
                        }
                    }
                    LineEvent::Edited => {
                        if on_page {
                            self.on_page_search(&line.text, false);
                        } else {
                            self.set_filter(&line.text);
                        }
                        self.mode = Mode::Filter(line);
                    }
                    _ => self.mode = Mode::Filter(line),
                }
                vec![]
            }
            Mode::PageFilter(mut line) => {
                let ev = line.handle(&key);
                match ev {
                    LineEvent::Submit => {
                        self.mode = Mode::Normal;
                        self.on_page_filter(&line.text);
                    }
                    LineEvent::Cancel => {
                        self.mode = Mode::Normal;
                        self.on_page_filter("");
                    }
                    LineEvent::Edited => {
                        self.on_page_filter(&line.text);
                        self.mode = Mode::PageFilter(line);
                    }
                    _ => self.mode = Mode::PageFilter(line),
                }
                vec![]
            }
            Mode::Help | Mode::Normal => {
                let Some(action) = self
                    .keymap
                    .lookup_where(&Key::from_event(&key), |a| self.applies(a))
                else {
                    if self.mode == Mode::Help {
                        self.mode = Mode::Normal;
                    }
                    return vec![];
                };
                self.flash = None;
                if self.mode == Mode::Help && !matches!(action, Action::Quit) {
                    self.mode = Mode::Normal;
                    if matches!(action, Action::Help | Action::Back) {
                        return vec![];
                    }
                }
                self.on_action(action)
            }
        }
    }

    fn on_command_line(&mut self, mut line: LineInput, ev: LineEvent) -> Vec<Effect> {
        match ev {
            LineEvent::Submit => {
                self.mode = Mode::Normal;
                let text = line.text.trim().to_string();
                if text.is_empty() {
                    return vec![];
                }
                self.run_command(&text, true)
            }
            LineEvent::Cancel => {
                self.mode = Mode::Normal;
                vec![]
            }
            LineEvent::Complete => {
                let base = line.before_completion.clone().unwrap_or(line.text.clone());
                if line.before_completion.is_none() {
                    line.candidates = command::completions(
                        &base,
                        &self.kinds,
                        &self.namespace_names(),
                        &self.context_names(),
                    );
                    line.candidate = 0;
                    line.before_completion = Some(base.clone());
                }
                if let Some(word) = line.candidates.get(line.candidate).cloned() {
                    line.text = command::apply_completion(&base, &word);
                    line.candidate = (line.candidate + 1) % line.candidates.len();
                }
                self.mode = Mode::Command(line);
                vec![]
            }
            LineEvent::HistoryUp | LineEvent::HistoryDown => {
                let entries = self.history.entries();
                if !entries.is_empty() {
                    let last = entries.len() - 1;
                    let pos = match (line.history_pos, ev == LineEvent::HistoryUp) {
                        (None, true) => last,
                        (Some(p), true) => p.saturating_sub(1),
                        (Some(p), false) => (p + 1).min(last),
                        (None, false) => last,
                    };
                    line.text = entries[pos].clone();
                    line.history_pos = Some(pos);
                }
                self.mode = Mode::Command(line);
                vec![]
            }
            LineEvent::Edited | LineEvent::Ignored => {
                self.mode = Mode::Command(line);
                vec![]
            }
        }
    }

    /// Runs a command-mode line. `record` adds it to history (history walks do not).
    pub(crate) fn run_command(&mut self, text: &str, record: bool) -> Vec<Effect> {
        let cmd = match command::parse(text, &self.kinds) {
            Ok(c) => c,
            Err(e) => {
                self.set_flash(e, true);
                return vec![];
            }
        };
        if record {
            self.history.push(text.trim().trim_start_matches(':'));
        }
        match cmd {
            Command::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            Command::Contexts => self.open(ViewSpec::Contexts),
            Command::Forwards => self.open_forwards(),
            Command::UseContext(name) => self.switch_context(name, None),
            Command::SaveContext(name) => {
                let Some(name) = name.or_else(|| self.session.context.clone()) else {
                    self.set_flash("no context to save: pick one with :ctx", true);
                    return vec![];
                };
                if !self.kubeconfig.has_context(&name) {
                    self.set_flash(format!("no context exists with the name: \"{name}\""), true);
                    return vec![];
                }
                let mut effects = vec![Effect::SaveContext(name.clone())];
                if self.session.context.as_deref() != Some(name.as_str()) {
                    effects.extend(self.switch_context(name, None));
                }
                effects
            }
            Command::Namespace(choice) => self.switch_namespace(choice),
            Command::View {
                kind,
                namespace,
                context,
            } => {
                if let Some(ctx) = context
                    && Some(ctx.as_str()) != self.session.context.as_deref()
                {
                    let rest = match &namespace {
                        Some(NsChoice::All) => format!("{} all", kind.plural),
                        Some(NsChoice::Named(n)) => format!("{} {n}", kind.plural),
                        None => kind.plural.clone(),
                    };
                    return self.switch_context(ctx, Some(rest));
                }
                let ns = match namespace {
                    Some(NsChoice::All) => None,
                    Some(NsChoice::Named(n)) => {
                        self.remember_namespace(&n);
                        Some(n)
                    }
                    None => self.session.namespace.clone(),
                };
                if let Some(n) = ns.clone().filter(|_| kind.namespaced) {
                    self.session.namespace = Some(n);
                } else if kind.namespaced {
                    self.session.namespace = None;
                }
                self.open(ViewSpec::resource(kind, ns))
            }
        }
    }

    /// Switches to `name` inside kdeck (kubeconfig is not written), then runs `then`.
    pub(crate) fn switch_context(&mut self, name: String, then: Option<String>) -> Vec<Effect> {
        if !self.kubeconfig.has_context(&name) {
            self.set_flash(format!("no context exists with the name: \"{name}\""), true);
            return vec![];
        }
        self.pending_command_replace(then);
        self.begin_connect(name)
    }

    pub(crate) fn switch_namespace(&mut self, choice: NsChoice) -> Vec<Effect> {
        let ns = match choice {
            NsChoice::All => None,
            NsChoice::Named(n) => {
                self.remember_namespace(&n);
                Some(n)
            }
        };
        self.session.namespace = ns.clone();
        match &self.view.spec {
            ViewSpec::Resource { kind, .. } if kind.namespaced => {
                let spec = self.view.spec.with_namespace(ns);
                self.show(spec)
            }
            _ => {
                let pods = self.kinds.resolve("pods").cloned();
                match pods {
                    Some(k) => self.open(ViewSpec::resource(k, ns)),
                    None => vec![],
                }
            }
        }
    }

    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        let page = super::app::body_rows(self.size.1).max(1) as isize;
        if self.page.is_some()
            && !matches!(
                action,
                Action::Quit | Action::Command | Action::Help | Action::Filter
            )
        {
            return self.on_page_action(action);
        }
        match action {
            Action::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            Action::Command => {
                self.mode = Mode::Command(LineInput::default());
                vec![]
            }
            Action::Filter => {
                let text = if self.page.is_some() {
                    self.page_search_text()
                } else {
                    self.view.filter_text.clone()
                };
                self.mode = Mode::Filter(LineInput::with_text(&text));
                vec![]
            }
            Action::Help => {
                self.mode = Mode::Help;
                vec![]
            }
            Action::Back => {
                if !self.view.filter_text.is_empty() {
                    self.set_filter("");
                    return vec![];
                }
                self.back()
            }
            Action::Up => self.nudge(-1),
            Action::Down => self.nudge(1),
            Action::PageUp => self.nudge(-page),
            Action::PageDown => self.nudge(page),
            Action::Top => self.nudge(isize::MIN / 2),
            Action::Bottom => self.nudge(isize::MAX / 2),
            Action::Enter => self.drill_down(),
            Action::HistoryBack => match self.history.back() {
                Some(c) => self.run_command(&c, false),
                None => vec![],
            },
            Action::HistoryForward => match self.history.forward() {
                Some(c) => self.run_command(&c, false),
                None => vec![],
            },
            Action::HistoryLast => match self.history.last() {
                Some(c) => self.run_command(&c, true),
                None => vec![],
            },
            a if a.favourite_slot().is_some() => {
                let slot = a.favourite_slot().unwrap_or(0);
                if slot == 0 {
                    return self.switch_namespace(NsChoice::All);
                }
                match self.favourites.get(slot - 1).cloned() {
                    Some(ns) => self.switch_namespace(NsChoice::Named(ns)),
                    None => vec![],
                }
            }
            other => self.resource_action(other),
        }
    }

    fn nudge(&mut self, delta: isize) -> Vec<Effect> {
        self.move_selection(delta);
        vec![]
    }

    fn drill_down(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row().cloned() else {
            return vec![];
        };
        let pods = self.kinds.resolve("pods").cloned();
        let builtin = self.view.spec.kind().and_then(|k| k.builtin);
        let name = row.key.name.to_string();
        let ns = (!row.key.namespace.is_empty()).then(|| row.key.namespace.to_string());
        let (Some(pods), kind) = (pods, self.view.spec.kind().cloned()) else {
            return vec![];
        };
        match (&self.view.spec, builtin) {
            (ViewSpec::Contexts, _) => self.switch_context(name, None),
            (ViewSpec::Containers { .. }, _) => self.container_logs(false),
            (_, Some(Builtin::Pods)) => match ns {
                Some(namespace) => self.open(ViewSpec::Containers {
                    namespace,
                    pod: name,
                }),
                None => vec![],
            },
            (_, Some(Builtin::Namespaces)) => {
                self.session.namespace = Some(name.clone());
                self.remember_namespace(&name);
                self.open(ViewSpec::resource(pods, Some(name)))
            }
            (_, Some(Builtin::Nodes)) => self.open(ViewSpec::Resource {
                kind: pods,
                namespace: None,
                labels: None,
                fields: Some(format!("spec.nodeName={name}")),
                origin: Some(format!("node/{name}")),
            }),
            (
                _,
                Some(
                    Builtin::Deployments
                    | Builtin::StatefulSets
                    | Builtin::DaemonSets
                    | Builtin::ReplicaSets
                    | Builtin::Services,
                ),
            ) => match row.selector {
                Some(sel) => self.open(ViewSpec::Resource {
                    kind: pods,
                    namespace: ns,
                    labels: Some(sel),
                    fields: None,
                    origin: Some(format!(
                        "{}/{name}",
                        kind.map(|k| k.kind.to_lowercase()).unwrap_or_default()
                    )),
                }),
                None => {
                    self.set_flash(format!("{name} selects no pods"), false);
                    vec![]
                }
            },
            _ => vec![],
        }
    }

    pub(crate) fn on_watch(&mut self, w: WatchMsg) -> Vec<Effect> {
        if w.view != self.view.id {
            return vec![];
        }
        match w.note {
            WatchNote::Delta(d) => {
                let key = self.selected_row().map(|r| r.key.clone());
                let reset = matches!(d, Delta::Reset(_));
                self.view.store.apply(d);
                if reset {
                    self.view.state = ViewState::Ready;
                }
                if let Connection::Lost(_) = self.connection {
                    self.connection = Connection::Connected;
                }
                // Keep the cursor on the same object while rows come and go above it.
                if let Some(k) = key
                    && let Ok(p) = self.view.store.visible_position(&k)
                {
                    self.view.selected = p;
                }
                self.clamp_selection();
                vec![]
            }
            WatchNote::Columns(cols) => {
                self.view.columns = cols;
                vec![]
            }
            WatchNote::Recovered => {
                self.connection = Connection::Connected;
                vec![]
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

    pub(crate) fn on_connected(
        &mut self,
        context: String,
        result: Result<ServerInfo, String>,
    ) -> Vec<Effect> {
        if self.connection != Connection::Connecting(context.clone()) {
            return vec![];
        }
        // A dialog was aimed at an object of the previous context.
        self.dialog = None;
        let info = self.kubeconfig.context(&context);
        if self.session.context.as_deref() != Some(context.as_str()) {
            self.favourites = self
                .saved_favourites
                .get(&context)
                .cloned()
                .unwrap_or_default();
        }
        self.session.context = Some(context.clone());
        self.session.cluster = info.as_ref().and_then(|i| i.cluster.clone());
        self.session.user = info.as_ref().and_then(|i| i.user.clone());
        let policy =
            crate::safety::SafetyPolicy::resolve(&context, &self.config, &self.options.safety);
        self.session.guarded = policy.is_guarded();
        self.session.readonly = policy.is_readonly();
        self.session.readonly_reason = policy.readonly.as_ref().map(ToString::to_string);
        match result {
            Err(e) => {
                self.connection = Connection::Failed(format!("{context}: {e}"));
                self.session.server_version = None;
                self.session.kubectl = None;
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
                let ns = if self.options.all_namespaces {
                    None
                } else {
                    Some(
                        self.options
                            .namespace
                            .take()
                            .unwrap_or_else(|| self.kubeconfig.namespace_of(&context)),
                    )
                };
                self.options.all_namespaces = false;
                self.session.namespace = ns.clone();
                if let Some(n) = &ns {
                    self.remember_namespace(n);
                }
                self.nav.clear();
                let mut effects = vec![Effect::Discover, Effect::ListNamespaces];
                let cmd = self.pending_command_replace(None);
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

    pub(crate) fn on_namespaces(&mut self, result: Result<Vec<String>, String>) -> Vec<Effect> {
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
        self.known_namespaces = names.clone();
        if let ViewState::Forbidden { offer, .. } = &mut self.view.state {
            *offer = names;
        }
        vec![]
    }
}
