//! Widgets shared by every view: header, footer (hints and flash), banner, command line and help.

pub mod footer;
pub mod header;
pub mod help;

use ratatui::layout::Rect;

/// A `w`×`h` rectangle centred in `area` (clamped to it), for overlays: help, dialogs, pickers.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
