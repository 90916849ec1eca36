//! Full-screen pages opened over a table: describe/YAML ([`text`]), logs ([`logs`]) and the `:pf`
//! port-forwards list ([`forwards`]). A page takes the keys while it is
//! open (routed here by [`Place`]); `esc` closes it and the table underneath, whose watch kept running,
//! is back exactly as it was.
//!
//! Each page owns its state, its key handling and its drawing; the event loop only runs the effects it
//! returns and feeds back the messages addressed to it (by page id, so a late answer for a page that
//! was closed is dropped).

pub mod forwards;
pub mod logs;
pub mod text;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::action::{Action, Place};
use super::app::{App, Effect};
use crate::cluster::kinds::KindSpec;

/// One object of the cluster, as the pages and dialogs address it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: KindSpec,
    /// None for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// `pod/shop/web-1`, `node/n1`: how titles and messages name it.
    pub fn display(&self) -> String {
        let kind = self.kind.kind.to_lowercase();
        match &self.namespace {
            Some(ns) => format!("{kind}/{ns}/{}", self.name),
            None => format!("{kind}/{}", self.name),
        }
    }
}

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
}

impl App {
    /// Where the user is: the open page, or the table.
    pub fn place(&self) -> Place {
        self.page.as_ref().map_or(Place::Table, Page::place)
    }

    /// The object under the cursor, when the view is a table of Kubernetes objects.
    pub fn selected_object(&self) -> Option<ObjectRef> {
        let kind = self.view.spec.kind()?.clone();
        let row = self.selected_row()?;
        Some(ObjectRef {
            namespace: (kind.namespaced && !row.key.namespace.is_empty())
                .then(|| row.key.namespace.to_string()),
            name: row.key.name.to_string(),
            kind,
        })
    }

    pub(crate) fn next_page_id(&mut self) -> u64 {
        self.next_view_id_bump()
    }

    /// Opens `page` over the current table.
    pub(crate) fn open_page(&mut self, page: Page) {
        self.mode = super::app::Mode::Normal;
        self.page = Some(page);
    }

    /// Closes the page; the effects stop whatever it had running.
    pub(crate) fn close_page(&mut self) -> Vec<Effect> {
        match self.page.take() {
            Some(Page::Logs(_)) => vec![Effect::StopLogs],
            _ => vec![],
        }
    }

    /// An action while a page is open. Global actions (quit, command, help) are handled by the caller.
    pub(crate) fn on_page_action(&mut self, action: Action) -> Vec<Effect> {
        if action == Action::Back {
            if let Some(Page::Logs(p)) = self.page.as_mut()
                && p.on_back()
            {
                return vec![];
            }
            return self.close_page();
        }
        let rows = super::app::page_rows(self.size.1);
        let width = usize::from(self.size.0.saturating_sub(2));
        let readonly = self.readonly_refusal(action);
        match self.page.as_mut() {
            Some(Page::Text(p)) => {
                if let Some(reason) = readonly {
                    self.set_flash(reason, true);
                    return vec![];
                }
                let (effects, flash) = p.on_action(action, rows);
                if let Some((text, error)) = flash {
                    self.set_flash(text, error);
                }
                effects
            }
            Some(Page::Forwards(p)) => {
                let (effects, flash) = p.on_action(action, rows);
                if let Some((text, error)) = flash {
                    self.set_flash(text, error);
                }
                effects
            }
            Some(Page::Logs(p)) => {
                if action == Action::LogFilter {
                    let line = super::input::LineInput::with_text(p.filter_text());
                    self.mode = super::app::Mode::PageFilter(line);
                    return vec![];
                }
                let (effects, flash) = p.on_action(action, rows, width);
                if let Some((text, error)) = flash {
                    self.set_flash(text, error);
                }
                effects
            }
            None => vec![],
        }
    }

    /// The `/` line while a page is open: `submit` is false while typing (incremental search).
    pub(crate) fn on_page_search(&mut self, text: &str, submit: bool) {
        let rows = super::app::page_rows(self.size.1);
        let width = usize::from(self.size.0.saturating_sub(2));
        let flash = match self.page.as_mut() {
            Some(Page::Text(p)) => p.search(text, submit, rows),
            Some(Page::Logs(p)) => p.set_search(text, submit, rows, width),
            Some(Page::Forwards(_)) | None => None,
        };
        if let Some(e) = flash {
            self.set_flash(e, true);
        }
    }

    /// The search text a page already has, to start the `/` line with.
    pub(crate) fn page_search_text(&self) -> String {
        match &self.page {
            Some(Page::Text(p)) => p.search_text().to_string(),
            Some(Page::Logs(p)) => p.search_text().to_string(),
            Some(Page::Forwards(_)) | None => String::new(),
        }
    }
}

/// Draws the open page into the body area.
pub fn render(app: &App, page: &Page, area: Rect, buf: &mut Buffer) {
    match page {
        Page::Text(p) => text::render(p, &app.theme, area, buf),
        Page::Forwards(p) => forwards::render(app, p, area, buf),
        Page::Logs(p) => logs::render(app, p, area, buf),
    }
}
