//! The delete confirmation: grace period (empty = the object's own), force, and on guarded contexts the
//! object's name typed in full before delete is enabled.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::Line;
use serde_json::Value;

use super::{Answer, Base, Common, checkbox, common, edit, field, footer, text};
use crate::cluster::actions::DeleteOptions;
use crate::cluster::actions::ObjectRef;
use crate::tui::input::LineInput;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

/// The API's default `terminationGracePeriodSeconds` for a pod that does not set one.
const POD_DEFAULT_GRACE: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteField {
    Grace,
    Force,
    Name,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteDialog {
    pub base: Base,
    /// Seconds; empty means the object's own grace period.
    pub grace: LineInput,
    pub force: bool,
    /// The typed name, on guarded contexts only.
    pub confirm: Option<LineInput>,
    pub focus: DeleteField,
    /// A pod's own grace period, once loaded (other kinds have none to show).
    pub default_grace: Option<i64>,
}

/// Parses the grace period field: empty is the object's default.
pub fn parse_grace(text: &str) -> Result<Option<u32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| {
        format!("grace period \"{t}\" must be whole seconds (leave it empty for the default)")
    })
}

impl DeleteDialog {
    pub fn new(id: u64, target: ObjectRef, guarded: bool) -> Self {
        DeleteDialog {
            base: Base::new(id, target),
            grace: LineInput::default(),
            force: false,
            confirm: guarded.then(LineInput::default),
            focus: if guarded {
                DeleteField::Name
            } else {
                DeleteField::Grace
            },
            default_grace: None,
        }
    }

    /// `ctrl-k` kill: the same confirmation with force (grace period 0) already ticked.
    pub fn kill(id: u64, target: ObjectRef, guarded: bool) -> Self {
        DeleteDialog {
            force: true,
            ..Self::new(id, target, guarded)
        }
    }

    fn is_pod(&self) -> bool {
        self.base.target.kind.kind == "Pod" && self.base.target.kind.group.is_empty()
    }

    /// Only a pod has a grace period worth loading to show.
    pub fn open_effects(&self) -> Vec<Effect> {
        if self.is_pod() {
            vec![self.base.fetch_effect()]
        } else {
            vec![]
        }
    }

    pub fn set_object(&mut self, result: Result<Value, String>) {
        // A failed GET changes nothing: delete works without knowing the default.
        if let Ok(obj) = result {
            self.default_grace = Some(
                obj.pointer("/spec/terminationGracePeriodSeconds")
                    .and_then(Value::as_i64)
                    .unwrap_or(POD_DEFAULT_GRACE),
            );
        }
    }

    fn fields(&self) -> Vec<DeleteField> {
        let mut v = vec![DeleteField::Grace, DeleteField::Force];
        if self.confirm.is_some() {
            v.push(DeleteField::Name);
        }
        v
    }

    fn move_focus(&mut self, step: isize) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        let n = fields.len() as isize;
        self.focus = fields[((at + step).rem_euclid(n)) as usize];
    }

    /// Whether the typed name allows deleting (always, off guarded contexts).
    pub fn name_confirmed(&self) -> bool {
        self.confirm
            .as_ref()
            .is_none_or(|c| c.text == self.base.target.name)
    }

    fn submit(&mut self) -> Answer {
        if !self.name_confirmed() {
            self.base.error = Some(format!(
                "this context is guarded: type the name \"{}\" exactly to delete",
                self.base.target.name
            ));
            self.focus = DeleteField::Name;
            return Answer::Continue(vec![]);
        }
        match parse_grace(&self.grace.text) {
            Ok(grace_period) => Answer::submit(Effect::Delete {
                dialog: self.base.id,
                target: self.base.target.clone(),
                options: DeleteOptions {
                    grace_period,
                    force: self.force,
                },
            }),
            Err(e) => {
                self.base.error = Some(e);
                self.focus = DeleteField::Grace;
                Answer::Continue(vec![])
            }
        }
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Answer {
        match common(key) {
            Some(Common::Cancel) => return Answer::Cancel,
            Some(Common::Confirm) => return self.submit(),
            Some(Common::Next | Common::Down) => self.move_focus(1),
            Some(Common::Prev | Common::Up) => self.move_focus(-1),
            None => {
                let changed = match self.focus {
                    DeleteField::Grace => edit(&mut self.grace, key),
                    DeleteField::Force => match key.code {
                        KeyCode::Char(' ' | 'x') => {
                            self.force = !self.force;
                            true
                        }
                        _ => false,
                    },
                    DeleteField::Name => self.confirm.as_mut().is_some_and(|c| edit(c, key)),
                };
                if changed {
                    self.base.error = None;
                }
            }
        }
        Answer::Continue(vec![])
    }

    pub fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        let default = match (self.is_pod(), self.default_grace) {
            (true, Some(s)) => format!("empty = the pod's own, {s}s"),
            (true, None) => "empty = the pod's own".to_string(),
            (false, _) => "empty = the object's default".to_string(),
        };
        let mut lines = vec![text(format!("Delete {}?", self.base.what()), theme)];
        if self.confirm.is_some() {
            lines.push(Line::styled(
                "Guarded context: type the name to enable delete.",
                theme.status.warning,
            ));
        }
        lines.push(Line::raw(""));
        let mut grace = field(
            "grace (s)",
            &self.grace,
            self.focus == DeleteField::Grace,
            theme,
        );
        grace.push_span(ratatui::text::Span::styled(
            format!(" {default}"),
            theme.dialog.text,
        ));
        lines.push(grace);
        lines.push(checkbox(
            "force: no grace period, removed at once",
            self.force,
            self.focus == DeleteField::Force,
            theme,
        ));
        if let Some(c) = &self.confirm {
            lines.push(field("name", c, self.focus == DeleteField::Name, theme));
        }
        let confirm = if self.name_confirmed() {
            ("enter", "delete")
        } else {
            ("enter", "delete (disabled: type the name)")
        };
        footer(
            &self.base,
            &[
                confirm,
                ("tab", "next field"),
                ("space", "toggle"),
                ("esc", "cancel"),
            ],
            theme,
            &mut lines,
        );
        ("delete".to_string(), lines)
    }
}
