//! The footer: the flash message when there is one, else key hints from the active keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::tui::action::{Action, Place};
use crate::tui::app::App;

/// The hints for where the user is; an action that does not apply there (e.g. `m` outside YAML) is
/// skipped when drawn.
fn hints(place: Place) -> &'static [(Action, &'static str)] {
    match place {
        Place::Table => &[
            (Action::Command, "cmd"),
            (Action::Filter, "filter"),
            (Action::Enter, "open"),
            (Action::Back, "back"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
        Place::Forwards => &[
            (Action::StopForward, "stop"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        Place::Logs => &[
            (Action::LogFollow, "follow"),
            (Action::Filter, "search"),
            (Action::LogFilter, "filter"),
            (Action::LogWrap, "wrap"),
            (Action::LogContainer, "container"),
            (Action::LogSave, "save"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        Place::Text => &[
            (Action::Filter, "search"),
            (Action::SearchNext, "next"),
            (Action::ToggleManagedFields, "managedFields"),
            (Action::RevealSecret, "reveal"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let f = &app.theme.footer;
    let line = match &app.flash {
        Some(flash) => Line::from(Span::styled(
            format!(" {}", flash.text),
            if flash.error {
                f.flash_error
            } else {
                f.flash_info
            },
        )),
        None => {
            let mut spans = vec![Span::raw(" ")];
            for (action, label) in hints(app.place()) {
                if !app.applies(*action) {
                    continue;
                }
                if let Some(k) = app.keymap.hint(*action) {
                    spans.push(Span::styled(format!("<{k}>"), f.key));
                    spans.push(Span::styled(format!(" {label}  "), f.text));
                }
            }
            Line::from(spans)
        }
    };
    Paragraph::new(line).render(area, buf);
}
