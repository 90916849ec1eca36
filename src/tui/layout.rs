//! Where things go on screen: the header's height, the rows the chrome takes around a table or a page,
//! and centred overlays. The one place these numbers live, so the app's scrolling and the renderer's
//! drawing agree.
//!
//! Owns: layout constants and arithmetic on `Rect`s. Must not: draw or hold state.

use ratatui::layout::Rect;

/// Lines the header takes (context, cluster, user, namespace).
pub const HEADER_HEIGHT: u16 = 4;

/// Lines that are not table rows: header, table borders and column header, footer.
pub const CHROME_ROWS: u16 = HEADER_HEIGHT + 3 + 1;

/// Lines a page adds around its text: its two borders, and the footer.
const PAGE_CHROME_ROWS: u16 = HEADER_HEIGHT + 2 + 1;

/// Rows the table body shows for a terminal of `height` lines.
pub fn body_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(CHROME_ROWS))
}

/// Text rows a page shows for a terminal of `height` lines.
pub fn page_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(PAGE_CHROME_ROWS))
}

/// Text columns a page shows for a terminal of `width` columns (inside its borders).
pub fn page_cols(width: u16) -> usize {
    usize::from(width.saturating_sub(2))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_24_line_terminal_leaves_16_table_rows_and_17_page_rows() {
        assert_eq!(body_rows(24), 16);
        assert_eq!(page_rows(24), 17);
        assert_eq!(body_rows(3), 0);
        assert_eq!(page_cols(120), 118);
    }

    #[test]
    fn centred_overlays_stay_inside_their_area() {
        let area = Rect::new(10, 5, 40, 10);
        assert_eq!(centered(area, 20, 4), Rect::new(20, 8, 20, 4));
        assert_eq!(centered(area, 99, 99), area);
    }
}
