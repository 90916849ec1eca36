//! Drawing the logs page: a title with the stream's state (following or paused with the count of new
//! lines, the window asked for, toggles, the filter, lines dropped by the ring), the lines on screen
//! coloured by level with the source prefix coloured per pod and search hits highlighted, and the
//! container picker over them.

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::LogsPage;
use super::layout::wrap_ranges;
use crate::cluster::logs::{LineKind, LogLine};
use crate::tui::theme::Theme;

/// The level a line reads as, for its colour.
fn level_style(theme: &Theme, text: &str) -> Style {
    let head = &text[..text.floor_char_boundary(160)];
    let l = &theme.log;
    let has = |w: &[&str]| w.iter().any(|w| head.contains(w));
    if has(&[
        "ERROR",
        "FATAL",
        "PANIC",
        "\"level\":\"error\"",
        "level=error",
    ]) {
        l.error
    } else if has(&["WARN", "\"level\":\"warn", "level=warn"]) {
        l.warn
    } else if has(&["DEBUG", "TRACE", "\"level\":\"debug\"", "level=debug"]) {
        l.debug
    } else {
        l.info
    }
}

fn notice_style(theme: &Theme, kind: &LineKind) -> Style {
    let s = &theme.status;
    match kind {
        LineKind::Log => s.normal,
        LineKind::Joined => s.ok,
        LineKind::Gone => s.warning,
        LineKind::Resumed => theme.log.debug,
        LineKind::Failed | LineKind::Retrying => s.error,
    }
}

/// Splits `0..len` at every layer boundary; each piece takes the style of the last layer covering it.
fn segments(text: &str, layers: &[(Range<usize>, Style)]) -> Vec<(Range<usize>, Style)> {
    let mut cuts: Vec<usize> = vec![0, text.len()];
    for (r, _) in layers {
        cuts.push(r.start.min(text.len()));
        cuts.push(r.end.min(text.len()));
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .filter(|w| w[0] < w[1] && text.is_char_boundary(w[0]) && text.is_char_boundary(w[1]))
        .map(|w| {
            let style = layers
                .iter()
                .rev()
                .find(|(r, _)| r.start <= w[0] && w[1] <= r.end)
                .map_or_else(Style::default, |(_, s)| *s);
            (w[0]..w[1], style)
        })
        .collect()
}

/// The rows of line `i` as drawn (wrapped when wrap is on).
fn line_rows(
    page: &LogsPage,
    theme: &Theme,
    line: &LogLine,
    i: u64,
    width: usize,
) -> Vec<Line<'static>> {
    let composed = page.compose(line);
    let current = page.current_match() == Some(i);
    let hit = if current {
        theme
            .log
            .search
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    } else {
        theme.log.search
    };
    let body = if line.kind == LineKind::Log {
        level_style(theme, &line.text)
    } else {
        notice_style(theme, &line.kind)
    };
    let mut rows = Vec::new();
    for (n, text) in composed.lines.iter().enumerate() {
        let mut layers = vec![(0..text.len(), body)];
        if n == 0 {
            if let Some(r) = &composed.source {
                layers.push((r.clone(), theme.pod_colour(&line.pod)));
            }
            if let Some(r) = &composed.timestamp {
                layers.push((r.clone(), theme.log.timestamp));
            }
        }
        if let Some(s) = page.search() {
            layers.extend(s.ranges(text).into_iter().map(|(a, b)| (a..b, hit)));
        }
        let segs = segments(text, &layers);
        let cuts = if page.wrap {
            wrap_ranges(text, width)
        } else {
            std::iter::once(0..text.len()).collect()
        };
        for row in cuts {
            let spans: Vec<Span<'static>> = segs
                .iter()
                .filter_map(|(r, st)| {
                    let (a, b) = (r.start.max(row.start), r.end.min(row.end));
                    (a < b).then(|| Span::styled(text[a..b].to_string(), *st))
                })
                .collect();
            rows.push(Line::from(spans));
        }
    }
    rows
}

fn title(page: &LogsPage, theme: &Theme) -> Line<'static> {
    let t = &theme.table;
    let s = &theme.status;
    let mut spans = vec![
        Span::styled(" logs ", t.title),
        Span::styled(format!("{} ", page.target.display()), t.count),
    ];
    let mut badge =
        |text: String, style: Style| spans.push(Span::styled(format!("[{text}] "), style));
    if page.follow {
        badge("following".into(), s.ok);
    } else {
        badge(format!("paused +{} new", page.new_since_pause()), s.warning);
    }
    badge(page.window(), t.title);
    if page.opts.previous {
        badge("previous".into(), s.warning);
    }
    for (on, name) in [
        (page.wrap, "wrap"),
        (page.opts.timestamps, "timestamps"),
        (page.json, "json"),
    ] {
        if on {
            badge(name.into(), t.title);
        }
    }
    if !page.filter_text().is_empty() {
        badge(
            format!(
                "&{}: {} of {}",
                page.filter_text(),
                page.visible_count(),
                page.ring.len()
            ),
            t.count,
        );
    }
    if page.dropped() > 0 {
        badge(
            format!(
                "{} lines dropped (ring {})",
                page.dropped(),
                page.ring.capacity()
            ),
            s.warning,
        );
    }
    if page.finished {
        badge("ended".into(), s.done);
    }
    Line::from(spans)
}

fn status(page: &LogsPage) -> String {
    let mut s = format!(" {} lines ", page.visible_count());
    if !page.search_text().is_empty() {
        s = format!(
            " /{} {}/{} {s}",
            page.search_text(),
            page.match_position().unwrap_or(0),
            page.match_count()
        );
    }
    s
}

fn render_picker(page: &LogsPage, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(p) = &page.picker else { return };
    let d = &theme.dialog;
    let name_w = p
        .choices
        .iter()
        .map(|c| c.label().chars().count())
        .max()
        .unwrap_or(0);
    let detail_w = p
        .choices
        .iter()
        .map(|c| c.detail.chars().count())
        .max()
        .unwrap_or(0);
    // Borders, a margin each side and two spaces between name and detail.
    let width = (name_w + detail_w + 6).clamp(30, usize::from(area.width));
    let w = u16::try_from(width).unwrap_or(area.width).min(area.width);
    let h = (p.choices.len() as u16 + 2).min(area.height);
    let popup = crate::tui::layout::centered(area, w, h);
    let lines: Vec<Line> = p
        .choices
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let text = format!(" {:<name_w$}  {}", c.label(), c.detail);
            if i == p.selected {
                Line::styled(text, theme.table.selected)
            } else {
                Line::styled(text, d.text)
            }
        })
        .collect();
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(d.border)
                .title(Span::styled(" container (enter picks) ", d.title)),
        )
        .render(popup, buf);
}

pub fn render(page: &LogsPage, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let t = &theme.table;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(title(page, theme))
        .title_bottom(Line::styled(status(page), t.title).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    let (height, width) = (usize::from(inner.height), usize::from(inner.width));
    let body: Vec<Line> = if !page.streaming() {
        let note = if page.picker.is_some() {
            "pick a container"
        } else {
            "loading containers…"
        };
        vec![Line::styled(note, t.empty)]
    } else if page.visible_count() == 0 {
        let note = match (page.finished, page.filter_text().is_empty()) {
            (_, false) => format!("no line matches &{}", page.filter_text()),
            (true, true) => "no log lines".to_string(),
            (false, true) => "waiting for log lines…".to_string(),
        };
        vec![Line::styled(note, t.empty)]
    } else {
        let mut rows = Vec::with_capacity(height);
        for (i, skip, take) in page.screen(height, width) {
            if let Some(line) = page.ring.get(i) {
                rows.extend(
                    line_rows(page, theme, line, i, width)
                        .into_iter()
                        .skip(skip)
                        .take(take),
                );
            }
        }
        rows
    };
    let hscroll = if page.wrap {
        0
    } else {
        u16::try_from(page.hscroll).unwrap_or(u16::MAX)
    };
    Paragraph::new(body).scroll((0, hscroll)).render(inner, buf);
    render_picker(page, theme, inner, buf);
}
