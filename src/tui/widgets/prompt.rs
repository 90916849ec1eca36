//! The line the user types in: `:` commands (with completion candidates), `/` filter or search, and a
//! page's `&` line filter.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::tui::input::LineInput;
use crate::tui::theme::Theme;

/// The prompt line for `input` typed after `prefix`; completion candidates are listed after a command.
pub fn line(prefix: char, input: &LineInput, theme: &Theme) -> Line<'static> {
    let d = &theme.dialog;
    let text = format!(" {prefix}{}█", input.text);
    if prefix != ':' {
        return Line::styled(text, d.input);
    }
    let mut spans = vec![Span::styled(text, d.input)];
    if input.candidates.len() > 1 {
        let list: Vec<&str> = input
            .candidates
            .iter()
            .take(8)
            .map(String::as_str)
            .collect();
        spans.push(Span::styled(format!("   {}", list.join(" ")), d.text));
    }
    Line::from(spans)
}

pub fn render(line: Line<'static>, area: Rect, buf: &mut Buffer) {
    Paragraph::new(line).render(area, buf);
}
