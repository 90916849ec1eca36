//! The rollout-restart confirmation: what will happen, then enter (or `y`) to restart.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::Line;

use super::{Answer, Base, Common, common, footer, text};
use crate::cluster::actions::ObjectRef;
use crate::cluster::actions::RESTARTED_AT;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartDialog {
    pub base: Base,
}

impl RestartDialog {
    pub fn new(id: u64, target: ObjectRef) -> Self {
        RestartDialog {
            base: Base::new(id, target),
        }
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Answer {
        let yes = Answer::submit(Effect::Restart {
            dialog: self.base.id,
            target: self.base.target.clone(),
        });
        match (common(key), key.code) {
            (Some(Common::Confirm), _) | (None, KeyCode::Char('y')) => yes,
            (Some(Common::Cancel), _) | (None, KeyCode::Char('n')) => Answer::Cancel,
            _ => Answer::Continue(vec![]),
        }
    }

    pub fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        let mut lines = vec![
            text(format!("Restart {}?", self.base.what()), theme),
            Line::raw(""),
            text(
                "Every pod is replaced by a rolling update, as `kubectl rollout restart` does:",
                theme,
            ),
            text(
                format!("the pod template gets a fresh {RESTARTED_AT}."),
                theme,
            ),
        ];
        footer(
            &self.base,
            &[("enter/y", "restart"), ("esc/n", "cancel")],
            theme,
            &mut lines,
        );
        ("rollout restart".to_string(), lines)
    }
}
