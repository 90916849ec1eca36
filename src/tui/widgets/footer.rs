//! The footer: the flash message when there is one, else key hints from the active keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::tui::action::{Action, Place};
use crate::tui::component::Flash;
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

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

/// What the footer shows: the flash, or the hints for `place` that `applies` there, in `keymap`'s keys.
pub struct Footer<'a> {
    pub flash: Option<&'a Flash>,
    pub place: Place,
    pub keymap: &'a Keymap,
    pub applies: &'a dyn Fn(Action) -> bool,
}

pub fn render(footer: &Footer, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let f = &theme.footer;
    let line = match footer.flash {
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
            for (action, label) in hints(footer.place) {
                if !(footer.applies)(*action) {
                    continue;
                }
                if let Some(k) = footer.keymap.hint(*action) {
                    spans.push(Span::styled(format!("<{k}>"), f.key));
                    spans.push(Span::styled(format!(" {label}  "), f.text));
                }
            }
            Line::from(spans)
        }
    };
    Paragraph::new(line).render(area, buf);
}
