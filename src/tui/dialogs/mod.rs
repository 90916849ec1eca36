//! Dialogs: the small forms the mutating verbs open over everything — scale ([`scale`]), rollout
//! restart ([`restart`]), delete ([`delete`]), port-forward ([`forward`]) and node cordon, uncordon and
//! drain ([`node`]).
//!
//! A dialog takes every key while it is open (esc cancels, enter confirms, tab and shift-tab move between
//! fields), validates what was typed and shows problems inside itself. Confirming answers
//! [`Request::Mutate`] with one effect; the dialog then waits (busy) for the answer: success closes it, a
//! refusal (the server's message) is shown in it, and both are flashed.
//!
//! Owns: each dialog's state, keys and drawing. Must not: name the app, do I/O, or decide whether a
//! mutation is allowed — read-only mode is checked by the app when a dialog opens and again when it
//! submits, so there is one path for every verb.

pub mod bulk;
pub mod delete;
pub mod forward;
pub mod image;
pub mod node;
pub mod plugin;
pub mod restart;
pub mod scale;
pub mod trigger;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};
use serde_json::Value;

use super::action::Action;
use super::component::{Outcome, Request};
use super::input::LineInput;
use super::msg::{Effect, Fetched};
use super::theme::Theme;
use crate::cluster::actions::ObjectRef;
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
    Node(node::NodeDialog),
    Trigger(trigger::TriggerDialog),
    Bulk(bulk::BulkDialog),
    Image(image::ImageDialog),
    Plugin(plugin::PluginDialog),
}

/// What a key did to one dialog's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Still open; run these effects (a port probe, for example).
    Continue(Vec<Effect>),
    Cancel,
    /// Input is valid: run this mutation (the app checks read-only mode first).
    Submit(Box<Effect>),
}

impl Answer {
    pub fn submit(effect: Effect) -> Self {
        Answer::Submit(Box::new(effect))
    }
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
            Dialog::Node(d) => &d.base,
            Dialog::Trigger(d) => &d.base,
            Dialog::Bulk(d) => &d.base,
            Dialog::Image(d) => &d.base,
            Dialog::Plugin(d) => &d.base,
        }
    }

    pub fn base_mut(&mut self) -> &mut Base {
        match self {
            Dialog::Scale(d) => &mut d.base,
            Dialog::Restart(d) => &mut d.base,
            Dialog::Delete(d) => &mut d.base,
            Dialog::Forward(d) => &mut d.base,
            Dialog::Node(d) => &mut d.base,
            Dialog::Trigger(d) => &mut d.base,
            Dialog::Bulk(d) => &mut d.base,
            Dialog::Image(d) => &mut d.base,
            Dialog::Plugin(d) => &mut d.base,
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
            Dialog::Node(d) => match d.op {
                node::NodeOp::Cordon => Action::Cordon,
                node::NodeOp::Uncordon => Action::Uncordon,
                node::NodeOp::Drain => Action::Drain,
            },
            Dialog::Trigger(_) => Action::Trigger,
            Dialog::Bulk(d) => match d.op {
                bulk::BulkOp::Delete => Action::Delete,
                bulk::BulkOp::Kill => Action::Kill,
                bulk::BulkOp::Restart => Action::Restart,
            },
            Dialog::Image(_) => Action::SetImage,
            Dialog::Plugin(_) => Action::RunPlugin,
        }
    }

    /// Effects to run when the dialog opens (loading the object it shows values of).
    pub fn open_effects(&self) -> Vec<Effect> {
        match self {
            Dialog::Scale(d) => vec![d.base.fetch_effect()],
            Dialog::Restart(_) => vec![],
            Dialog::Delete(d) => d.open_effects(),
            Dialog::Forward(d) => vec![d.base.fetch_effect()],
            Dialog::Image(d) => vec![d.base.fetch_effect()],
            Dialog::Node(_) | Dialog::Trigger(_) | Dialog::Bulk(_) | Dialog::Plugin(_) => vec![],
        }
    }

    fn answer(&mut self, key: &KeyEvent) -> Answer {
        match self {
            Dialog::Scale(d) => d.on_key(key),
            Dialog::Restart(d) => d.on_key(key),
            Dialog::Delete(d) => d.on_key(key),
            Dialog::Forward(d) => d.on_key(key),
            Dialog::Node(d) => d.on_key(key),
            Dialog::Trigger(d) => d.on_key(key),
            Dialog::Bulk(d) => d.on_key(key),
            Dialog::Image(d) => d.on_key(key),
            Dialog::Plugin(d) => d.on_key(key),
        }
    }

    /// A key. While the confirmed request is in flight only esc works: it hides the dialog, and the
    /// answer is still flashed.
    pub fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        if self.base().busy {
            return match common(key) {
                Some(Common::Cancel) => Outcome::request(Request::Close),
                _ => Outcome::none(),
            };
        }
        let action = self.action();
        match self.answer(key) {
            Answer::Continue(effects) => Outcome::effects(effects),
            Answer::Cancel => Outcome::request(Request::Close),
            Answer::Submit(effect) => {
                let base = self.base_mut();
                base.busy = true;
                base.error = None;
                Outcome::request(Request::Mutate { action, effect })
            }
        }
    }

    /// The object this dialog loaded to show its current values.
    pub fn on_fetched(&mut self, result: Result<Fetched, String>) -> Outcome {
        Outcome::effects(self.set_object(result.map(|f| f.object)))
    }

    /// The answer to the confirmed mutation: success closes the dialog, a refusal stays in it so the
    /// user sees what the server said; both are flashed.
    pub fn finish(&mut self, result: Result<String, String>) -> Outcome {
        match result {
            Ok(text) => Outcome::note(text).with_request(Request::Close),
            Err(e) => {
                let base = self.base_mut();
                base.busy = false;
                base.error = Some(e.clone());
                Outcome::error(e)
            }
        }
    }

    /// A bulk verb's result for its `index`th row.
    pub fn on_bulk_progress(&mut self, index: usize, result: Result<String, String>) {
        if let Dialog::Bulk(d) = self {
            d.on_progress(index, result);
        }
    }

    /// A running drain's report about one pod.
    pub fn on_drain_progress(&mut self, pod: String, step: crate::cluster::nodes::PodStep) {
        if let Dialog::Node(d) = self {
            d.on_progress(pod, step);
        }
    }

    /// The local port a forward dialog should offer for `remote`.
    pub fn on_port_suggested(&mut self, remote: u16, local: u16) {
        if let Dialog::Forward(d) = self {
            d.suggested(remote, local);
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
            Dialog::Image(d) => {
                d.set_object(result);
                vec![]
            }
            Dialog::Node(_) | Dialog::Trigger(_) | Dialog::Bulk(_) | Dialog::Plugin(_) => vec![],
        }
    }

    /// Title and body lines, as drawn inside the box.
    fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        match self {
            Dialog::Scale(d) => d.content(theme),
            Dialog::Restart(d) => d.content(theme),
            Dialog::Delete(d) => d.content(theme),
            Dialog::Forward(d) => d.content(theme),
            Dialog::Node(d) => d.content(theme),
            Dialog::Trigger(d) => d.content(theme),
            Dialog::Bulk(d) => d.content(theme),
            Dialog::Image(d) => d.content(theme),
            Dialog::Plugin(d) => d.content(theme),
        }
    }
}

/// How a started port-forward is announced.
pub fn forward_started(info: &ForwardInfo) -> String {
    let pod = match (&info.pod, info.pod_port) {
        (Some(p), Some(port)) => format!(" (pod {p}:{port})"),
        _ => String::new(),
    };
    format!(
        "forwarding {} → {} port {}{pod}; :pf lists forwards",
        info.local, info.spec.target, info.spec.port
    )
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
pub fn render(dialog: &Dialog, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let d = &theme.dialog;
    let (mut title, body) = dialog.content(theme);
    // An object of another cluster (a merged view's row): the frame says which, on every dialog but the
    // bulk one (its rows name their own).
    if let Some(c) = &dialog.base().target.context
        && !matches!(dialog, Dialog::Bulk(_))
    {
        title.push_str(&format!(" @{}", crate::escape::name(c)));
    }
    let widest = body.iter().map(Line::width).max().unwrap_or(0) as u16;
    let w = (widest + 4).clamp(56, 90).min(area.width);
    // Long messages (a server refusal) wrap: count the rows they take at this width.
    let inner_w = usize::from(w.saturating_sub(2)).max(1);
    let rows: usize = body
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let h = (rows as u16 + 2).min(area.height);
    let popup = crate::tui::layout::centered(area, w, h);
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
