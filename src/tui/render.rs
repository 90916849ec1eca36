//! One frame from `&App`: header, optional banner, optional command/filter line, the view, footer,
//! and the help overlay. Pure: the same state and `now` always draw the same frame.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::app::{App, Connection, Mode};
use super::views;
use super::widgets::{footer, header, help};

/// Lines that are not table rows: header, table borders and column header, footer.
pub const CHROME_ROWS: u16 = header::HEIGHT + 3 + 1;

fn banner(app: &App) -> Option<Line<'static>> {
    let b = &app.theme.banner;
    match &app.connection {
        Connection::Lost(m) => Some(Line::styled(
            format!(" Connection lost — reconnecting with backoff: {m}"),
            b.error,
        )),
        Connection::Failed(m) => Some(Line::styled(format!(" Cannot connect: {m}"), b.error)),
        _ => None,
    }
}

fn input_line(app: &App) -> Option<Line<'static>> {
    let d = &app.theme.dialog;
    match &app.mode {
        Mode::Command(l) => {
            let mut spans = vec![Span::styled(format!(" :{}█", l.text), d.input)];
            if l.candidates.len() > 1 {
                let list: Vec<&str> = l.candidates.iter().take(8).map(String::as_str).collect();
                spans.push(Span::styled(format!("   {}", list.join(" ")), d.text));
            }
            Some(Line::from(spans))
        }
        Mode::Filter(l) => Some(Line::styled(format!(" /{}█", l.text), d.input)),
        Mode::PageFilter(l) => Some(Line::styled(format!(" &{}█", l.text), d.input)),
        _ => None,
    }
}

/// Draws the whole frame into `buf`. `now` is Unix seconds, for ages.
pub fn draw(app: &App, area: Rect, buf: &mut Buffer, now: i64) {
    let banner = banner(app);
    let input = input_line(app);
    let [head, ban, inp, body, foot] = Layout::vertical([
        Constraint::Length(header::HEIGHT),
        Constraint::Length(u16::from(banner.is_some())),
        Constraint::Length(u16::from(input.is_some())),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(app, head, buf);
    if let Some(b) = banner {
        Paragraph::new(b)
            .style(app.theme.banner.error)
            .render(ban, buf);
    }
    if let Some(i) = input {
        Paragraph::new(i).render(inp, buf);
    }
    match &app.page {
        Some(page) => super::pages::render(app, page, body, buf),
        None => views::table::render(app, body, buf, now),
    }
    footer::render(app, foot, buf);
    if app.mode == Mode::Help {
        help::render(app, body, buf);
    }
    if let Some(d) = &app.dialog {
        super::dialogs::render(app, d, body, buf);
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
