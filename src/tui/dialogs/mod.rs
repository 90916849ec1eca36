//! Dialogs: the small forms the mutating verbs open over everything — scale ([`scale`]), rollout
//! restart ([`restart`]), delete ([`delete`]) and port-forward ([`forward`]).
//!
//! A dialog takes every key while it is open (esc cancels, enter confirms, tab and shift-tab move between
//! fields), validates what was typed and shows problems inside itself. Confirming returns one effect;
//! the dialog then waits (busy) for the answer: success closes it, a refusal (the server's message) is
//! shown in it, and both are flashed. Dialogs are plain data: they never do I/O and never decide whether
//! a mutation is allowed — read-only mode is checked by the app when a dialog opens and again when it
//! submits ([`App::on_dialog_key`]), so there is one path for every verb.

pub mod delete;
pub mod forward;
pub mod restart;
pub mod scale;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};
use serde_json::Value;

use super::action::Action;
use super::app::{App, Effect};
use super::input::LineInput;
use super::pages::ObjectRef;
use super::pages::text::Fetched;
use super::theme::Theme;
use crate::cluster::forward::ForwardInfo;

/// What every dialog has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub id: u64,
    pub target: ObjectRef,
    /// A validation problem or the server's refusal, shown inside the dialog.
    pub error: Option<String>,
    /// Confirmed; waiting for the server's answer.
    pub busy: bool,
}

impl Base {
    pub fn new(id: u64, target: ObjectRef) -> Self {
        Base {
            id,
            target,
            error: None,
            busy: false,
        }
    }

    /// `deployment shop/web`: how a dialog names its object.
    pub fn what(&self) -> String {
        let kind = self.target.kind.kind.to_lowercase();
        match &self.target.namespace {
            Some(ns) => format!("{kind} {ns}/{}", self.target.name),
            None => format!("{kind} {}", self.target.name),
        }
    }

    /// The GET that loads the object a dialog needs to show its current values.
    pub fn fetch_effect(&self) -> Effect {
        Effect::FetchObject {
            page: self.id,
            target: self.target.clone(),
            with_related: false,
        }
    }
}

/// The dialog on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    Scale(scale::ScaleDialog),
    Restart(restart::RestartDialog),
    Delete(delete::DeleteDialog),
    Forward(forward::ForwardDialog),
}

/// What a key did to a dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still open; run these effects (a port probe, for example).
    Continue(Vec<Effect>),
    Cancel,
    /// Input is valid: run this mutation (the app checks read-only mode first).
    Submit(Effect),
}

/// The keys every dialog treats alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Common {
    Confirm,
    Cancel,
    Next,
    Prev,
    Up,
    Down,
}

/// Sorts out the keys with the same meaning in every dialog; the rest go to the focused field.
pub fn common(key: &KeyEvent) -> Option<Common> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Enter => Some(Common::Confirm),
        KeyCode::Esc => Some(Common::Cancel),
        KeyCode::Char('c') if ctrl => Some(Common::Cancel),
        KeyCode::Tab if key.modifiers.contains(KeyModifiers::SHIFT) => Some(Common::Prev),
        KeyCode::Tab => Some(Common::Next),
        KeyCode::BackTab => Some(Common::Prev),
        KeyCode::Up => Some(Common::Up),
        KeyCode::Down => Some(Common::Down),
        _ => None,
    }
}

/// Feeds a key to a text field; true when the text changed.
pub fn edit(input: &mut LineInput, key: &KeyEvent) -> bool {
    input.handle(key) == super::input::LineEvent::Edited
}

impl Dialog {
    pub fn base(&self) -> &Base {
        match self {
            Dialog::Scale(d) => &d.base,
            Dialog::Restart(d) => &d.base,
            Dialog::Delete(d) => &d.base,
            Dialog::Forward(d) => &d.base,
        }
    }

    pub fn base_mut(&mut self) -> &mut Base {
        match self {
            Dialog::Scale(d) => &mut d.base,
            Dialog::Restart(d) => &mut d.base,
            Dialog::Delete(d) => &mut d.base,
            Dialog::Forward(d) => &mut d.base,
        }
    }

    pub fn id(&self) -> u64 {
        self.base().id
    }

    /// The verb this dialog performs, for the read-only check on submit.
    pub fn action(&self) -> Action {
        match self {
            Dialog::Scale(_) => Action::Scale,
            Dialog::Restart(_) => Action::Restart,
            Dialog::Delete(_) => Action::Delete,
            Dialog::Forward(_) => Action::PortForward,
        }
    }

    /// Effects to run when the dialog opens (loading the object it shows values of).
    pub fn open_effects(&self) -> Vec<Effect> {
        match self {
            Dialog::Scale(d) => vec![d.base.fetch_effect()],
            Dialog::Restart(_) => vec![],
            Dialog::Delete(d) => d.open_effects(),
            Dialog::Forward(d) => vec![d.base.fetch_effect()],
        }
    }

    fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        match self {
            Dialog::Scale(d) => d.on_key(key),
            Dialog::Restart(d) => d.on_key(key),
            Dialog::Delete(d) => d.on_key(key),
            Dialog::Forward(d) => d.on_key(key),
        }
    }

    fn set_object(&mut self, result: Result<Value, String>) -> Vec<Effect> {
        match self {
            Dialog::Scale(d) => {
                d.set_object(result);
                vec![]
            }
            Dialog::Restart(_) => vec![],
            Dialog::Delete(d) => {
                d.set_object(result);
                vec![]
            }
            Dialog::Forward(d) => d.set_object(result),
        }
    }

    /// Title and body lines, as drawn inside the box.
    fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        match self {
            Dialog::Scale(d) => d.content(theme),
            Dialog::Restart(d) => d.content(theme),
            Dialog::Delete(d) => d.content(theme),
            Dialog::Forward(d) => d.content(theme),
        }
    }
}

impl App {
    /// Opens the dialog `make` builds (with a fresh id) and returns what it needs loaded. The caller
    /// ([`App::resource_action`]) has already refused mutating verbs in read-only mode.
    pub(crate) fn open_dialog(&mut self, make: impl FnOnce(u64) -> Dialog) -> Vec<Effect> {
        let dialog = make(self.next_view_id_bump());
        let effects = dialog.open_effects();
        self.mode = super::app::Mode::Normal;
        self.dialog = Some(dialog);
        effects
    }

    pub(crate) fn on_dialog_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let Some(dialog) = self.dialog.as_mut() else {
            return vec![];
        };
        if dialog.base().busy {
            // The request is in flight; esc hides the dialog and the answer is still flashed.
            if common(key) == Some(Common::Cancel) {
                self.dialog = None;
            }
            return vec![];
        }
        let action = dialog.action();
        match dialog.on_key(key) {
            Outcome::Continue(effects) => effects,
            Outcome::Cancel => {
                self.dialog = None;
                vec![]
            }
            Outcome::Submit(effect) => {
                if let Some(refusal) = self.readonly_refusal(action) {
                    self.dialog = None;
                    self.set_flash(refusal, true);
                    return vec![];
                }
                if let Some(d) = self.dialog.as_mut() {
                    let base = d.base_mut();
                    base.busy = true;
                    base.error = None;
                }
                vec![effect]
            }
        }
    }

    pub(crate) fn on_dialog_fetched(&mut self, result: Result<Fetched, String>) -> Vec<Effect> {
        match self.dialog.as_mut() {
            Some(d) => d.set_object(result.map(|f| f.object)),
            None => vec![],
        }
    }

    /// The open dialog when it is the one with `id` (answers for a closed dialog only flash).
    fn dialog_with(&mut self, id: u64) -> Option<&mut Dialog> {
        self.dialog.as_mut().filter(|d| d.id() == id)
    }

    /// Success closes the dialog; a refusal stays in it so the user sees what the server said.
    fn finish_dialog(&mut self, id: u64, result: Result<String, String>) {
        match result {
            Ok(text) => {
                if self.dialog_with(id).is_some() {
                    self.dialog = None;
                }
                self.set_flash(text, false);
            }
            Err(e) => {
                if let Some(d) = self.dialog_with(id) {
                    let base = d.base_mut();
                    base.busy = false;
                    base.error = Some(e.clone());
                }
                self.set_flash(e, true);
            }
        }
    }

    pub(crate) fn on_action_done(
        &mut self,
        id: u64,
        result: Result<String, String>,
    ) -> Vec<Effect> {
        self.finish_dialog(id, result);
        vec![]
    }

    pub(crate) fn on_forward_started(
        &mut self,
        id: u64,
        result: Result<ForwardInfo, String>,
    ) -> Vec<Effect> {
        let result = result.map(|info| {
            let pod = match (&info.pod, info.pod_port) {
                (Some(p), Some(port)) => format!(" (pod {p}:{port})"),
                _ => String::new(),
            };
            format!(
                "forwarding {} → {} port {}{pod}; :pf lists forwards",
                info.local, info.spec.target, info.spec.port
            )
        });
        self.finish_dialog(id, result);
        vec![]
    }

    pub(crate) fn on_local_port_suggested(
        &mut self,
        id: u64,
        remote: u16,
        local: u16,
    ) -> Vec<Effect> {
        if let Some(Dialog::Forward(d)) = self.dialog_with(id) {
            d.suggested(remote, local);
        }
        vec![]
    }
}

/// A text field: label, then the text with a cursor when focused.
pub fn field(label: &str, input: &LineInput, focused: bool, theme: &Theme) -> Line<'static> {
    let d = &theme.dialog;
    let marker = if focused { "▸ " } else { "  " };
    let cursor = if focused { "█" } else { "" };
    Line::from(vec![
        Span::styled(
            format!("{marker}{label:<14}"),
            if focused { d.key } else { d.text },
        ),
        Span::styled(format!(" {}{cursor} ", input.text), d.input),
    ])
}

/// A checkbox field.
pub fn checkbox(label: &str, checked: bool, focused: bool, theme: &Theme) -> Line<'static> {
    let d = &theme.dialog;
    let marker = if focused { "▸ " } else { "  " };
    let mark = if checked { "[x]" } else { "[ ]" };
    Line::from(vec![
        Span::styled(marker.to_string(), d.key),
        Span::styled(mark.to_string(), d.input),
        Span::styled(format!(" {label}"), if focused { d.key } else { d.text }),
    ])
}

pub fn text(s: impl Into<String>, theme: &Theme) -> Line<'static> {
    Line::styled(s.into(), theme.dialog.text)
}

/// The error line (or nothing), then a blank line and the key hints.
pub fn footer(base: &Base, hints: &[(&str, &str)], theme: &Theme, out: &mut Vec<Line<'static>>) {
    out.push(Line::raw(""));
    if base.busy {
        out.push(Line::styled("working…", theme.status.pending));
    } else if let Some(e) = &base.error {
        out.push(Line::styled(format!("✗ {e}"), theme.status.error));
    }
    let d = &theme.dialog;
    let mut spans = Vec::new();
    for (i, (key, label)) in hints.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(format!("<{key}>"), d.key));
        spans.push(Span::styled(format!(" {label}"), d.text));
    }
    out.push(Line::from(spans));
}

/// Draws the dialog centred over `area`, after everything else.
pub fn render(app: &App, dialog: &Dialog, area: Rect, buf: &mut Buffer) {
    let d = &app.theme.dialog;
    let (title, body) = dialog.content(&app.theme);
    let widest = body.iter().map(Line::width).max().unwrap_or(0) as u16;
    let w = (widest + 4).clamp(56, 90).min(area.width);
    // Long messages (a server refusal) wrap: count the rows they take at this width.
    let inner_w = usize::from(w.saturating_sub(2)).max(1);
    let rows: usize = body
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let h = (rows as u16 + 2).min(area.height);
    let popup = crate::tui::widgets::centered(area, w, h);
    Clear.render(popup, buf);
    Paragraph::new(body)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(d.border)
                .title(Span::styled(format!(" {title} "), d.title)),
        )
        .render(popup, buf);
}

#[cfg(test)]
mod forward_tests;
#[cfg(test)]
mod tests;
