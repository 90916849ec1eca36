//! A one-line text input (command and filter lines), with tab-completion cycling.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    /// Completion candidates for the word being typed, and which one tab shows next.
    pub candidates: Vec<String>,
    pub candidate: usize,
    /// The text before completion started, so cycling replaces the same word.
    pub before_completion: Option<String>,
    /// Position when browsing history with up/down.
    pub history_pos: Option<usize>,
}

/// What a key did to the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent {
    Edited,
    Submit,
    Cancel,
    Complete,
    HistoryUp,
    HistoryDown,
    Ignored,
}

impl LineInput {
    pub fn with_text(text: &str) -> Self {
        LineInput {
            text: text.to_string(),
            ..Default::default()
        }
    }

    pub fn handle(&mut self, key: &KeyEvent) -> LineEvent {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let ev = match key.code {
            KeyCode::Enter => LineEvent::Submit,
            KeyCode::Esc => LineEvent::Cancel,
            KeyCode::Char('c') if ctrl => LineEvent::Cancel,
            KeyCode::Tab => return LineEvent::Complete,
            KeyCode::Up => LineEvent::HistoryUp,
            KeyCode::Down => LineEvent::HistoryDown,
            KeyCode::Backspace => {
                self.text.pop();
                LineEvent::Edited
            }
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                LineEvent::Edited
            }
            KeyCode::Char('w') if ctrl => {
                let trimmed = self.text.trim_end().len();
                self.text.truncate(trimmed);
                let cut = self.text.rfind(' ').map_or(0, |i| i + 1);
                self.text.truncate(cut);
                LineEvent::Edited
            }
            KeyCode::Char(c) if !ctrl => {
                self.text.push(c);
                LineEvent::Edited
            }
            _ => LineEvent::Ignored,
        };
        self.before_completion = None;
        self.candidates.clear();
        ev
    }
}
