//! The CronJob trigger confirmation: a Job is created now from the CronJob's template.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::Line;

use super::{Answer, Base, Common, common, footer, text};
use crate::cluster::actions::ObjectRef;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerDialog {
    pub base: Base,
}

impl TriggerDialog {
    pub fn new(id: u64, target: ObjectRef) -> Self {
        TriggerDialog {
            base: Base::new(id, target),
        }
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Answer {
        match (common(key), key.code) {
            (Some(Common::Confirm), _) | (None, KeyCode::Char('y')) => {
                Answer::submit(Effect::Trigger {
                    dialog: self.base.id,
                    target: self.base.target.clone(),
                })
            }
            (Some(Common::Cancel), _) | (None, KeyCode::Char('n')) => Answer::Cancel,
            _ => Answer::Continue(vec![]),
        }
    }

    pub fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        let mut lines = vec![
            text(format!("Trigger {}?", self.base.what()), theme),
            Line::raw(""),
            text(
                "A Job is created now from its job template, as `kubectl create job --from` does.",
                theme,
            ),
        ];
        footer(
            &self.base,
            &[("enter/y", "trigger"), ("esc/n", "cancel")],
            theme,
            &mut lines,
        );
        ("trigger".to_string(), lines)
    }
}
