//! The banner under the header: shown only while the connection is lost or could not be made.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use crate::tui::session::Connection;
use crate::tui::theme::Theme;

/// The banner's line for `connection`; None when all is well.
pub fn line(connection: &Connection, theme: &Theme) -> Option<Line<'static>> {
    let b = &theme.banner;
    match connection {
        Connection::Lost(m) => Some(Line::styled(
            format!(" Connection lost — reconnecting with backoff: {m}"),
            b.error,
        )),
        Connection::Failed(m) => Some(Line::styled(format!(" Cannot connect: {m}"), b.error)),
        Connection::Idle
        | Connection::Connecting(_)
        | Connection::Reconnecting(_)
        | Connection::Connected => None,
    }
}

pub fn render(line: Line<'static>, theme: &Theme, area: Rect, buf: &mut Buffer) {
    Paragraph::new(line)
        .style(theme.banner.error)
        .render(area, buf);
}
