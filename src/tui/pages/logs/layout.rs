//! Which lines are on screen and how many rows each takes: the visible sequence (all held lines, or
//! the filter's), a line's display form (source prefix, timestamp, JSON pretty-printing), wrapping by
//! display width, and scrolling by rows with follow/pause.
//!
//! Everything is computed from the held lines on demand and only for the lines near the screen, so a
//! 100k-line ring costs nothing per frame beyond the rows drawn.

use std::borrow::Cow;
use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use super::{Anchor, LogsPage};
use crate::cluster::logs::text::pretty_json;
use crate::cluster::logs::{LineKind, LogLine};

/// One line as displayed, before wrapping: one or more text lines (several for pretty JSON), with the
/// source prefix and timestamp ranges in the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub lines: Vec<String>,
    pub source: Option<Range<usize>>,
    pub timestamp: Option<Range<usize>>,
}

/// The marker a notice line starts with.
pub fn notice_marker(kind: &LineKind) -> &'static str {
    match kind {
        LineKind::Log => "",
        LineKind::Joined => "→ ",
        LineKind::Gone => "← ",
        LineKind::Resumed => "↻ ",
        LineKind::Failed => "✗ ",
        LineKind::Retrying => "⟳ ",
    }
}

/// Byte ranges of `text` cut into rows of at most `width` display columns (at least one row; a wide
/// character never straddles two rows).
pub fn wrap_ranges(text: &str, width: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut used) = (0usize, 0usize);
    if width > 0 {
        for (i, c) in text.char_indices() {
            let w = c.width().unwrap_or(0);
            if used + w > width && i > start {
                out.push(start..i);
                start = i;
                used = 0;
            }
            used += w;
        }
    }
    out.push(start..text.len());
    out
}

/// The text as a terminal cell grid can show it: ANSI colour/cursor sequences removed (the terminal
/// would otherwise get them raw, or ratatui would drop the escape and leave `[31m`), tabs expanded to
/// the next multiple of 8 columns, other control characters dropped.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.contains(|c: char| c.is_control()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut col = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                // CSI: ESC [ parameters… final byte in @..~; other escapes: ESC and one character.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for f in chars.by_ref() {
                        if ('@'..='~').contains(&f) {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\t' => {
                let n = 8 - col % 8;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            c if c.is_control() => {}
            c => {
                out.push(c);
                col += c.width().unwrap_or(0);
            }
        }
    }
    Cow::Owned(out)
}

impl LogsPage {
    pub(super) fn compose(&self, line: &LogLine) -> Composed {
        if line.kind != LineKind::Log {
            return Composed {
                lines: vec![format!(
                    "{}{}",
                    notice_marker(&line.kind),
                    sanitize(&line.text)
                )],
                source: None,
                timestamp: None,
            };
        }
        let mut first = String::with_capacity(line.text.len() + 64);
        let mut source = None;
        if self.target.is_merged() {
            first.push('[');
            first.push_str(&line.pod);
            first.push('/');
            first.push_str(&line.container);
            first.push(']');
            source = Some(0..first.len());
            first.push(' ');
        }
        let mut timestamp = None;
        if self.opts.timestamps
            && let Some(ts) = &line.timestamp
        {
            let at = first.len();
            first.push_str(ts);
            timestamp = Some(at..first.len());
            first.push(' ');
        }
        let text = sanitize(&line.text);
        let pretty = if self.json { pretty_json(&text) } else { None };
        let lines = match pretty {
            Some(p) => {
                let mut it = p.lines();
                first.push_str(it.next().unwrap_or_default());
                std::iter::once(first)
                    .chain(it.map(str::to_string))
                    .collect()
            }
            None => {
                first.push_str(&text);
                vec![first]
            }
        };
        Composed {
            lines,
            source,
            timestamp,
        }
    }

    /// Rows line `i` takes at `width`.
    pub(crate) fn rows_of(&self, i: u64, width: usize) -> usize {
        let Some(line) = self.ring.get(i) else {
            return 1;
        };
        if !self.wrap && !self.json {
            return 1;
        }
        let c = self.compose(line);
        if self.wrap {
            c.lines.iter().map(|l| wrap_ranges(l, width).len()).sum()
        } else {
            c.lines.len()
        }
    }

    pub(super) fn first_visible(&self) -> Option<u64> {
        if self.filter.is_some() {
            return self.shown.first().copied();
        }
        (!self.ring.is_empty()).then(|| self.ring.first_index())
    }

    pub(super) fn last_visible(&self) -> Option<u64> {
        if self.filter.is_some() {
            return self.shown.last().copied();
        }
        (!self.ring.is_empty()).then(|| self.ring.total() - 1)
    }

    pub(super) fn next_visible(&self, i: u64) -> Option<u64> {
        if self.filter.is_some() {
            let p = self.shown.partition_point(|&s| s <= i);
            return self.shown.get(p).copied();
        }
        (i + 1 < self.ring.total()).then_some(i + 1)
    }

    pub(super) fn prev_visible(&self, i: u64) -> Option<u64> {
        if self.filter.is_some() {
            let p = self.shown.partition_point(|&s| s < i);
            return p.checked_sub(1).map(|p| self.shown[p]);
        }
        (i > self.ring.first_index()).then(|| i - 1)
    }

    /// The first visible line at or after `i`.
    fn visible_from(&self, i: u64) -> Option<u64> {
        if self.filter.is_some() {
            let p = self.shown.partition_point(|&s| s < i);
            return self.shown.get(p).copied();
        }
        let i = i.max(self.ring.first_index());
        (i < self.ring.total()).then_some(i)
    }

    /// Lines shown (all held lines, or those the filter keeps).
    pub fn visible_count(&self) -> usize {
        if self.filter.is_some() {
            self.shown.len()
        } else {
            self.ring.len()
        }
    }

    /// The top of the last screenful: where a following view starts.
    pub(super) fn bottom_top(&self, height: usize, width: usize) -> Anchor {
        let Some(mut i) = self.last_visible() else {
            return Anchor::default();
        };
        let mut need = height.max(1);
        loop {
            let r = self.rows_of(i, width);
            if r >= need {
                return Anchor {
                    entry: i,
                    row: r - need,
                };
            }
            need -= r;
            match self.prev_visible(i) {
                Some(p) => i = p,
                None => return Anchor { entry: i, row: 0 },
            }
        }
    }

    /// Where the view starts now: the end when following, else the paused position moved onto a
    /// visible line and never past the last screenful.
    pub(super) fn effective_top(&self, height: usize, width: usize) -> Anchor {
        let bottom = self.bottom_top(height, width);
        if self.follow {
            return bottom;
        }
        let top = match self.visible_from(self.top.entry) {
            Some(e) if e == self.top.entry => {
                let r = self.rows_of(e, width);
                Anchor {
                    entry: e,
                    row: self.top.row.min(r.saturating_sub(1)),
                }
            }
            Some(e) => Anchor { entry: e, row: 0 },
            None => return bottom,
        };
        top.min(bottom)
    }

    /// The lines on screen: (line, first row shown, rows shown).
    pub fn screen(&self, height: usize, width: usize) -> Vec<(u64, usize, usize)> {
        let mut out = Vec::new();
        if self.first_visible().is_none() {
            return out;
        }
        let top = self.effective_top(height, width);
        let (mut left, mut skip, mut at) = (height, top.row, Some(top.entry));
        while left > 0
            && let Some(i) = at
        {
            let r = self.rows_of(i, width);
            let take = r.saturating_sub(skip).min(left);
            out.push((i, skip, take));
            left -= take;
            skip = 0;
            at = self.next_visible(i);
        }
        out
    }

    /// Pauses the view where it is.
    pub(super) fn pause(&mut self, height: usize, width: usize) {
        if self.follow {
            self.top = self.bottom_top(height, width);
            self.follow = false;
            self.paused_at = self.ring.total();
        }
    }

    pub(super) fn resume_follow(&mut self) {
        self.follow = true;
    }

    /// Scrolls by `delta` rows; scrolling pauses the view.
    pub(super) fn scroll(&mut self, delta: isize, height: usize, width: usize) {
        if delta == 0 || self.first_visible().is_none() {
            return;
        }
        let mut a = self.effective_top(height, width);
        self.pause(height, width);
        if delta < 0 {
            for _ in 0..delta.unsigned_abs() {
                if a.row > 0 {
                    a.row -= 1;
                } else if let Some(p) = self.prev_visible(a.entry) {
                    a = Anchor {
                        entry: p,
                        row: self.rows_of(p, width) - 1,
                    };
                } else {
                    break;
                }
            }
        } else {
            let bottom = self.bottom_top(height, width);
            for _ in 0..delta {
                if a >= bottom {
                    break;
                }
                if a.row + 1 < self.rows_of(a.entry, width) {
                    a.row += 1;
                } else if let Some(n) = self.next_visible(a.entry) {
                    a = Anchor { entry: n, row: 0 };
                } else {
                    break;
                }
            }
        }
        self.top = a;
    }

    pub(super) fn scroll_to_top(&mut self, height: usize, width: usize) {
        self.pause(height, width);
        if let Some(f) = self.first_visible() {
            self.top = Anchor { entry: f, row: 0 };
        }
    }

    /// Brings line `i` on screen (a third of the way down when it was off screen), pausing the view.
    pub(super) fn show_entry(&mut self, i: u64, height: usize, width: usize) {
        let on_screen = self
            .screen(height, width)
            .iter()
            .any(|&(e, skip, take)| e == i && skip == 0 && take == self.rows_of(e, width));
        self.pause(height, width);
        if on_screen {
            return;
        }
        self.top = Anchor { entry: i, row: 0 };
        let up = (height / 3) as isize;
        self.scroll(-up, height, width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_wrap_by_display_width_and_control_bytes_are_cleaned() {
        assert_eq!(wrap_ranges("ab日本", 3), [0..2, 2..5, 5..8]);
        assert_eq!(
            sanitize("\x1b[31mERROR\x1b[0m\tat Foo.bar(Foo.java:1)\r"),
            "ERROR   at Foo.bar(Foo.java:1)"
        );
        assert!(matches!(sanitize("plain"), Cow::Borrowed("plain")));
    }
}
