//! The confirmation a plugin with `confirm: true` asks for before it runs.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::Line;

use super::{Answer, Base, Common, common, footer, text};
use crate::cluster::actions::ObjectRef;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginDialog {
    pub base: Base,
    pub name: String,
    pub command_line: String,
    pub run: Box<Effect>,
}

impl PluginDialog {
    pub fn new(
        id: u64,
        target: ObjectRef,
        name: String,
        command_line: String,
        run: Effect,
    ) -> Self {
        PluginDialog {
            base: Base::new(id, target),
            name,
            command_line,
            run: Box::new(run),
        }
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Answer {
        match (common(key), key.code) {
            (Some(Common::Confirm), _) | (None, KeyCode::Char('y')) => {
                Answer::submit((*self.run).clone())
            }
            (Some(Common::Cancel), _) | (None, KeyCode::Char('n')) => Answer::Cancel,
            _ => Answer::Continue(vec![]),
        }
    }

    pub fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        let mut lines = vec![
            text(
                format!("Run plugin {} on {}?", self.name, self.base.what()),
                theme,
            ),
            Line::raw(""),
            text(format!("$ {}", self.command_line), theme),
        ];
        footer(
            &self.base,
            &[("enter/y", "run"), ("esc/n", "cancel")],
            theme,
            &mut lines,
        );
        (format!("plugin {}", self.name), lines)
    }
}
