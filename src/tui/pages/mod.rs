//! Full-screen pages opened over a table: describe/YAML ([`text`]), logs ([`logs`]) and the `:pf`
//! port-forwards list ([`forwards`]). A page takes the keys while it is open; `esc` closes it and the
//! table underneath, whose watch kept running, is back exactly as it was.
//!
//! Owns: each page's state, its key handling and its drawing. Must not: name the app or another
//! component, or do I/O. A page answers keys and the messages addressed to it with an [`Outcome`]; the
//! app delivers messages by page id, so a late answer for a page that was closed is dropped.

pub mod forwards;
pub mod logs;
pub mod text;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::action::{Action, Place, Scope};
use super::component::{Outcome, Request};
use super::msg::{Effect, Fetched};
use super::theme::Theme;
use crate::cluster::forward::ForwardInfo;
use crate::cluster::logs::LogEvent;

/// The page on screen, if any.
// One page exists at a time, so the variants' size difference costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Page {
    Text(text::TextPage),
    Forwards(forwards::ForwardsPage),
    Logs(logs::LogsPage),
}

impl Page {
    /// The context of the object the page shows, when it is not the connected one.
    pub fn context(&self) -> Option<&str> {
        match self {
            Page::Text(p) => p.target.context.as_deref(),
            Page::Logs(p) => p.target.object.context.as_deref(),
            Page::Forwards(_) => None,
        }
    }

    pub fn place(&self) -> Place {
        match self {
            Page::Text(_) => Place::Text,
            Page::Forwards(_) => Place::Forwards,
            Page::Logs(_) => Place::Logs,
        }
    }

    pub fn id(&self) -> u64 {
        match self {
            Page::Text(p) => p.id,
            Page::Forwards(p) => p.id,
            Page::Logs(p) => p.id,
        }
    }

    /// Whether a page-scoped `action` makes sense on this page (the keymap and help ask).
    pub fn applies(&self, action: Action) -> bool {
        match (action.scope(), self) {
            (Scope::Secret, Page::Text(p)) => p.is_secret(),
            (Scope::Secret, _) => false,
            (Scope::Text, Page::Text(p)) if action == Action::ToggleManagedFields => {
                p.mode == text::TextMode::Yaml
            }
            // The `:pf` list is short and has nothing to search.
            _ if action == Action::Filter => !matches!(self, Page::Forwards(_)),
            _ => true,
        }
    }

    /// Effects that start what the page shows.
    pub fn open_effects(&mut self) -> Vec<Effect> {
        match self {
            Page::Text(p) => vec![p.fetch_effect()],
            Page::Forwards(p) => vec![p.list_effect()],
            Page::Logs(p) => {
                let mut effects = vec![p.fetch_effect()];
                if p.ready_to_stream() {
                    effects.push(p.start());
                }
                effects
            }
        }
    }

    /// Effects that stop what the page had running, when it closes.
    pub fn close_effects(&self) -> Vec<Effect> {
        match self {
            Page::Logs(_) => vec![Effect::StopLogs],
            Page::Text(_) | Page::Forwards(_) => vec![],
        }
    }

    /// After a reconnect with new credentials: starts again what the page streams (the logs page
    /// re-reads its window from the server on the new client).
    pub fn restart_streams(&mut self) -> Vec<Effect> {
        match self {
            Page::Logs(p) if p.streaming() => vec![p.start()],
            Page::Logs(_) | Page::Text(_) | Page::Forwards(_) => vec![],
        }
    }

    /// An action while the page is open, on a body of `rows`×`cols`. Global actions (quit, command,
    /// help) never reach a page.
    pub fn on_action(&mut self, action: Action, rows: usize, cols: usize) -> Outcome {
        if action == Action::Back {
            if let Page::Logs(p) = self
                && p.on_back()
            {
                return Outcome::none();
            }
            return Outcome::request(Request::Close);
        }
        match self {
            Page::Text(p) => p.on_action(action, rows),
            Page::Forwards(p) => p.on_action(action, rows),
            Page::Logs(p) if action == Action::LogFilter => {
                Outcome::request(Request::EditLineFilter(p.filter_text().to_string()))
            }
            Page::Logs(p) => p.on_action(action, rows, cols),
        }
    }

    /// The `/` line: `submit` is false while typing (incremental search).
    pub fn search(&mut self, text: &str, submit: bool, rows: usize, cols: usize) -> Outcome {
        match self {
            Page::Text(p) => p.search(text, submit, rows),
            Page::Logs(p) => match p.set_search(text, submit, rows, cols) {
                Some(e) => Outcome::error(e),
                None => Outcome::none(),
            },
            Page::Forwards(_) => Outcome::none(),
        }
    }

    /// The search text the page already has, to start the `/` line with.
    pub fn search_text(&self) -> String {
        match self {
            Page::Text(p) => p.search_text().to_string(),
            Page::Logs(p) => p.search_text().to_string(),
            Page::Forwards(_) => String::new(),
        }
    }

    /// The `&` line (logs only): only the lines that match are shown.
    pub fn line_filter(&mut self, text: &str) -> Outcome {
        match self {
            Page::Logs(p) => match p.set_filter(text) {
                Some(e) => Outcome::error(e),
                None => Outcome::none(),
            },
            Page::Text(_) | Page::Forwards(_) => Outcome::none(),
        }
    }

    /// The object fetched for page `id`.
    pub fn on_fetched(&mut self, id: u64, result: Result<Fetched, String>) -> Outcome {
        if self.id() != id {
            return Outcome::none();
        }
        match self {
            Page::Text(p) => {
                p.set_fetched(result);
                Outcome::none()
            }
            Page::Logs(p) => Outcome::effects(p.set_fetched(result)),
            Page::Forwards(_) => Outcome::none(),
        }
    }

    /// A batch of log lines for stream `stream` of page `id`; dropped unless it is this page's stream.
    pub fn on_logs(&mut self, id: u64, stream: u32, events: Vec<LogEvent>) {
        if let Page::Logs(p) = self
            && p.id == id
            && p.stream == stream
        {
            p.ingest(events);
        }
    }

    /// The running port-forwards, for the `:pf` page `id`.
    pub fn on_forwards(&mut self, id: u64, list: Vec<ForwardInfo>) {
        if let Page::Forwards(p) = self
            && p.id == id
        {
            p.set_rows(list);
        }
    }

    /// The periodic refresh (the `:pf` page's counters).
    pub fn refresh_effects(&self) -> Vec<Effect> {
        match self {
            Page::Forwards(p) => vec![p.list_effect()],
            Page::Text(_) | Page::Logs(_) => vec![],
        }
    }

    /// Draws the page into the body area.
    pub fn render(&self, theme: &Theme, area: Rect, buf: &mut Buffer) {
        match self {
            Page::Text(p) => text::render(p, theme, area, buf),
            Page::Forwards(p) => forwards::render(p, theme, area, buf),
            Page::Logs(p) => logs::render(p, theme, area, buf),
        }
    }
}
