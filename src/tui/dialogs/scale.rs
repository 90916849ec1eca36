//! The scale dialog: shows the replica count the object has now and asks for the new one, sent through
//! the scale subresource as `kubectl scale` does.

use crossterm::event::KeyEvent;
use ratatui::text::Line;
use serde_json::Value;

use super::{Answer, Base, Common, common, edit, field, footer, text};
use crate::cluster::actions::ObjectRef;
use crate::tui::input::LineInput;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleDialog {
    pub base: Base,
    /// `spec.replicas` as the server has it; None while loading (or when the GET failed).
    pub current: Option<i64>,
    pub loading: bool,
    pub input: LineInput,
    /// The user typed: a late answer must not overwrite their number.
    edited: bool,
}

/// Parses the replica count the way the server would accept it.
pub fn parse_replicas(text: &str) -> Result<i32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("type the number of replicas, for example 3".to_string());
    }
    match t.parse::<i64>() {
        Ok(n) if n < 0 => Err(format!("replicas must be 0 or more, not {n}")),
        Ok(n) => i32::try_from(n).map_err(|_| format!("{n} replicas is more than the API allows")),
        Err(_) => Err(format!("\"{t}\" is not a whole number of replicas")),
    }
}

impl ScaleDialog {
    pub fn new(id: u64, target: ObjectRef) -> Self {
        ScaleDialog {
            base: Base::new(id, target),
            current: None,
            loading: true,
            input: LineInput::default(),
            edited: false,
        }
    }

    pub fn set_object(&mut self, result: Result<Value, String>) {
        self.loading = false;
        match result {
            Ok(obj) => {
                // The API defaults a missing spec.replicas to 1 for every scalable kind.
                let n = obj
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                self.current = Some(n);
                if !self.edited {
                    self.input = LineInput::with_text(&n.to_string());
                }
            }
            Err(e) => {
                self.base.error = Some(format!("cannot read {}: {e}", self.base.what()));
            }
        }
    }

    fn nudge(&mut self, delta: i64) {
        let n = self.input.text.trim().parse::<i64>().unwrap_or(0);
        self.input = LineInput::with_text(&(n + delta).max(0).to_string());
        self.edited = true;
        self.base.error = None;
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Answer {
        match common(key) {
            Some(Common::Cancel) => Answer::Cancel,
            Some(Common::Confirm) => match parse_replicas(&self.input.text) {
                Ok(replicas) => Answer::submit(Effect::Scale {
                    dialog: self.base.id,
                    target: self.base.target.clone(),
                    replicas,
                }),
                Err(e) => {
                    self.base.error = Some(e);
                    Answer::Continue(vec![])
                }
            },
            Some(Common::Up) => {
                self.nudge(1);
                Answer::Continue(vec![])
            }
            Some(Common::Down) => {
                self.nudge(-1);
                Answer::Continue(vec![])
            }
            Some(Common::Next | Common::Prev) => Answer::Continue(vec![]),
            None => {
                if edit(&mut self.input, key) {
                    self.edited = true;
                    self.base.error = None;
                }
                Answer::Continue(vec![])
            }
        }
    }

    pub fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        let current = match (self.current, self.loading) {
            (Some(n), _) => n.to_string(),
            (None, true) => "loading…".to_string(),
            (None, false) => "unknown".to_string(),
        };
        let mut lines = vec![
            text(format!("Scale {}", self.base.what()), theme),
            Line::raw(""),
            text(format!("  current replicas  {current}"), theme),
            field("new replicas", &self.input, true, theme),
        ];
        footer(
            &self.base,
            &[("enter", "scale"), ("↑/↓", "±1"), ("esc", "cancel")],
            theme,
            &mut lines,
        );
        ("scale".to_string(), lines)
    }
}
