//! One confirmation for a verb on every marked row: delete, kill (delete with no grace period) or
//! restart. It lists the rows; on a guarded context the count must be typed first, and when the rows of
//! a merged view span several guarded contexts, each of them asks in turn for the count of its rows.
//! While it runs each row shows its own result, and a failure on one row does not stop the others.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::Line;

use super::{Answer, Base, Common, common, edit, field, footer, text};
use crate::cluster::actions::ObjectRef;
use crate::tui::input::LineInput;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

/// What a bulk dialog does to each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkOp {
    Delete,
    Kill,
    Restart,
}

impl BulkOp {
    fn verb(self) -> &'static str {
        match self {
            BulkOp::Delete => "delete",
            BulkOp::Kill => "kill",
            BulkOp::Restart => "restart",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkDialog {
    pub base: Base,
    pub op: BulkOp,
    pub targets: Vec<ObjectRef>,
    /// The count, typed, on guarded contexts.
    confirm: Option<LineInput>,
    /// The guarded contexts among the rows (None: the connected one) and how many rows each has, in
    /// the order they are asked; `asked` of them are confirmed.
    guards: Vec<(Option<String>, usize)>,
    asked: usize,
    /// Each row's result once it is known.
    pub results: Vec<Option<Result<String, String>>>,
}

impl BulkDialog {
    /// `targets` must not be empty (the first names the dialog's object). `guarded` says which of
    /// the rows' contexts (None: the connected one) are guarded.
    pub fn new(
        id: u64,
        op: BulkOp,
        targets: Vec<ObjectRef>,
        guarded: impl Fn(Option<&str>) -> bool,
    ) -> Option<Self> {
        let first = targets.first()?.clone();
        let mut guards: Vec<(Option<String>, usize)> = Vec::new();
        for t in &targets {
            match guards.iter_mut().find(|(c, _)| *c == t.context) {
                Some((_, n)) => *n += 1,
                None if guarded(t.context.as_deref()) => guards.push((t.context.clone(), 1)),
                None => {}
            }
        }
        Some(BulkDialog {
            base: Base::new(id, first),
            op,
            results: vec![None; targets.len()],
            targets,
            confirm: (!guards.is_empty()).then(LineInput::default),
            guards,
            asked: 0,
        })
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Answer {
        match (common(key), key.code) {
            (Some(Common::Cancel), _) => Answer::Cancel,
            (Some(Common::Confirm), _) => {
                if let (Some(c), Some((_, n))) = (&mut self.confirm, self.guards.get(self.asked)) {
                    if c.text.trim() != n.to_string() {
                        self.base.error = Some(format!("type {n} to confirm"));
                        return Answer::Continue(vec![]);
                    }
                    // This context is confirmed: the next guarded one asks for its own count.
                    self.asked += 1;
                    self.base.error = None;
                    *c = LineInput::default();
                    if self.asked < self.guards.len() {
                        return Answer::Continue(vec![]);
                    }
                }
                self.results = vec![None; self.targets.len()];
                Answer::submit(Effect::Bulk {
                    dialog: self.base.id,
                    op: self.op,
                    targets: self.targets.clone(),
                })
            }
            (None, KeyCode::Char('n')) if self.confirm.is_none() => Answer::Cancel,
            (None, KeyCode::Char('y')) if self.confirm.is_none() => {
                self.on_key(&KeyEvent::from(KeyCode::Enter))
            }
            _ => {
                if let Some(c) = &mut self.confirm
                    && edit(c, key)
                {
                    self.base.error = None;
                }
                Answer::Continue(vec![])
            }
        }
    }

    /// One row's result.
    pub fn on_progress(&mut self, index: usize, result: Result<String, String>) {
        if let Some(slot) = self.results.get_mut(index) {
            *slot = Some(result);
        }
    }

    pub fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        let verb = self.op.verb();
        let n = self.targets.len();
        let kind = self.base.target.kind.plural.clone();
        let mut lines = vec![text(
            format!(
                "{}{} {n} marked {kind}?",
                &verb[..1].to_uppercase(),
                &verb[1..]
            ),
            theme,
        )];
        if self.op == BulkOp::Kill {
            lines.push(text(
                "Each is deleted at once, with no grace period.",
                theme,
            ));
        }
        lines.push(Line::raw(""));
        for (t, r) in self.targets.iter().zip(&self.results) {
            let mut name = match &t.namespace {
                Some(ns) => format!("{ns}/{}", t.name),
                None => t.name.clone(),
            };
            if let Some(c) = &t.context {
                name.push_str(&format!(" @{c}"));
            }
            lines.push(match r {
                None => text(format!("  {name}"), theme),
                Some(Ok(_)) => Line::styled(format!("✓ {name}"), theme.status.ok),
                Some(Err(e)) => Line::styled(format!("✗ {name}: {e}"), theme.status.error),
            });
        }
        if let (Some(c), Some((context, count))) = (&self.confirm, self.guards.get(self.asked)) {
            lines.push(Line::raw(""));
            let ask = match context {
                None => format!("Guarded context: type {count} to {verb} them."),
                Some(ctx) => format!(
                    "Guarded context {ctx} ({} of {}): type {count}, its marked rows, to {verb} them.",
                    self.asked + 1,
                    self.guards.len()
                ),
            };
            lines.push(Line::styled(ask, theme.status.warning));
            lines.push(field("count", c, true, theme));
        }
        footer(
            &self.base,
            &[("enter", verb), ("esc", "cancel")],
            theme,
            &mut lines,
        );
        (format!("{verb} {n}"), lines)
    }
}
