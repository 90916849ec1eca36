//! One frame from `&App`: header, optional banner, optional command/filter line, the open page or the
//! table view, footer, and the overlays (help, a dialog). The app's state is handed to each component
//! and widget as the data it draws; none of them sees the app. Pure: the same state and `now` always
//! draw the same frame.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};

use super::app::{App, Mode};
use super::layout::HEADER_HEIGHT;
use super::widgets::footer::{self, Footer};
use super::widgets::header::{self, Header};
use super::widgets::help::{self, Help};
use super::widgets::{banner, prompt};

/// Draws the whole frame into `buf`. `now` is Unix seconds, for ages.
pub fn draw(app: &App, area: Rect, buf: &mut Buffer, now: i64) {
    let theme = &app.theme;
    let banner = banner::line(&app.connection, theme);
    let input = match &app.mode {
        Mode::Command(l) => Some(prompt::line(':', l, theme)),
        Mode::Filter(l) => Some(prompt::line('/', l, theme)),
        Mode::PageFilter(l) => Some(prompt::line('&', l, theme)),
        Mode::Normal | Mode::Help => None,
    };
    let [head, ban, inp, body, foot] = Layout::vertical([
        Constraint::Length(HEADER_HEIGHT),
        Constraint::Length(u16::from(banner.is_some())),
        Constraint::Length(u16::from(input.is_some())),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let h = Header {
        session: &app.session,
        connection: &app.connection,
        favourites: &app.favourites,
    };
    header::render(&h, theme, head, buf);
    if let Some(b) = banner {
        banner::render(b, theme, ban, buf);
    }
    if let Some(i) = input {
        prompt::render(i, inp, buf);
    }
    match &app.page {
        Some(page) => page.render(theme, body, buf),
        None => super::views::table::render(&app.view, theme, body, buf, now),
    }
    let applies = |a| app.applies(a);
    let f = Footer {
        flash: app.flash.as_ref(),
        place: app.place(),
        keymap: &app.keymap,
        applies: &applies,
    };
    footer::render(&f, theme, foot, buf);
    if app.mode == Mode::Help {
        let h = Help {
            keymap: &app.keymap,
            place: app.place(),
            readonly: app.session.readonly,
            applies: &applies,
            scroll: app.help_scroll,
        };
        help::render(&h, theme, body, buf);
    }
    if let Some(d) = &app.dialog {
        super::dialogs::render(d, theme, body, buf);
    }
}

/// A ratatui frame callback.
pub fn frame(app: &App, f: &mut ratatui::Frame, now: i64) {
    let area = f.area();
    draw(app, area, f.buffer_mut(), now);
}

#[cfg(test)]
pub(crate) fn to_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
