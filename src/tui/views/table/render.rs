//! The table body of a view: title `<kind>(<ns>)[<count>]`, headers, and the visible rows only.
//! Column widths come from the rows on screen, so a frame costs the same at 50 or 50k rows.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row as TRow, Table, Widget};

use super::{TableView, ViewState};
use crate::cluster::rows::{Column, Row};
use crate::tui::theme::Theme;

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const MAX_COL: usize = 64;

/// The offset that keeps the selection on screen for a body of `height` rows.
pub fn effective_offset(offset: usize, selected: usize, height: usize, len: usize) -> usize {
    let height = height.max(1);
    let mut o = offset.min(len.saturating_sub(height));
    if selected < o {
        o = selected;
    } else if selected >= o + height {
        o = selected + 1 - height;
    }
    o
}

fn title(v: &TableView, theme: &Theme) -> Line<'static> {
    let t = &theme.table;
    let mut spans = vec![
        Span::styled(
            format!(" {}({})", v.spec.title_kind(), v.spec.title_scope()),
            t.title,
        ),
        Span::styled(format!("[{}]", v.object_count()), t.count),
    ];
    if let Some(c) = v.spec.clusters() {
        let n = c.contexts.len();
        let what = if n == 1 { "cluster" } else { "clusters" };
        let label = crate::escape::name(&c.label);
        spans.push(Span::styled(format!(" @{label} ({n} {what})"), t.title));
    }
    if let Some(o) = v.spec.origin() {
        spans.push(Span::styled(format!(" <{o}>"), t.title));
    }
    if !v.filter_text.is_empty() {
        spans.push(Span::styled(format!(" </{}>", v.filter_text), t.count));
    }
    if v.wide {
        spans.push(Span::styled(" <wide>", t.count));
    }
    if !v.marks.is_empty() {
        spans.push(Span::styled(
            format!(" <{} marked>", v.marks.len()),
            t.count,
        ));
    }
    if let Some(sort) = v.sort_label() {
        spans.push(Span::styled(format!(" <{sort}>"), t.count));
    }
    if let Some(e) = &v.metrics_error {
        spans.push(Span::styled(format!(" <{e}>"), t.empty));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

fn highlighted(text: String, marks: &[usize], base: Style, mark: Style) -> Line<'static> {
    if marks.is_empty() {
        return Line::from(Span::styled(text, base));
    }
    let spans: Vec<Span> = text
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let s = if marks.contains(&i) {
                base.patch(mark)
            } else {
                base
            };
            Span::styled(c.to_string(), s)
        })
        .collect();
    Line::from(spans)
}

fn message(area: Rect, buf: &mut Buffer, block: Block, text: Vec<Line<'static>>) {
    Paragraph::new(text)
        .block(block)
        .alignment(Alignment::Center)
        .render(area, buf);
}

/// Draws `v` into `area`; `now` is Unix seconds, for ages.
pub fn render(v: &TableView, theme: &Theme, area: Rect, buf: &mut Buffer, now: i64) {
    let t = &theme.table;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(title(v, theme))
        .title_alignment(Alignment::Center);
    let inner_h = usize::from(area.height.saturating_sub(3));
    match &v.state {
        ViewState::Loading => {
            let s = SPINNER[v.spinner % SPINNER.len()];
            let text = vec![
                Line::raw(""),
                Line::styled(format!("{s} loading {}…", v.spec.title_kind()), t.empty),
            ];
            return message(area, buf, block, text);
        }
        ViewState::Forbidden { message: m, offer } => {
            let mut text = vec![
                Line::raw(""),
                Line::styled(format!("Forbidden: {m}"), theme.status.error),
                Line::raw(""),
            ];
            if offer.is_empty() {
                text.push(Line::styled(
                    "Try another namespace with :ns NAME, or another context with :ctx.",
                    t.empty,
                ));
            } else {
                text.push(Line::styled(
                    format!("Namespaces you can try (:ns NAME): {}", offer.join(", ")),
                    t.row,
                ));
            }
            return message(area, buf, block, text);
        }
        ViewState::Unusable { message: m } => {
            let text = vec![
                Line::raw(""),
                Line::styled(
                    format!(
                        "Cannot read the server's answer for {}:",
                        v.spec.title_kind()
                    ),
                    theme.status.error,
                ),
                Line::styled(m.clone(), theme.status.error),
                Line::raw(""),
                Line::styled(
                    "The watch has stopped (asking again gets the same answer); :ctx and other views work as usual.",
                    t.empty,
                ),
            ];
            return message(area, buf, block, text);
        }
        ViewState::Ready => {}
    }
    let len = v.store.visible_len();
    if len == 0 {
        let what = if v.filter_text.is_empty() {
            format!("no {} in {}", v.spec.title_kind(), v.spec.title_scope())
        } else {
            format!("no {} match /{}", v.spec.title_kind(), v.filter_text)
        };
        return message(
            area,
            buf,
            block,
            vec![Line::raw(""), Line::styled(what, t.empty)],
        );
    }
    let offset = effective_offset(v.offset, v.selected, inner_h, len);
    let end = (offset + inner_h).min(len);
    let spans_ns = v.spec.spans_namespaces();
    let merged = v.spec.clusters().is_some();
    let mut headers: Vec<String> = Vec::new();
    if merged {
        headers.push("CONTEXT".into());
    }
    if spans_ns {
        headers.push("NAMESPACE".into());
    }
    headers.extend(v.columns.iter().map(|c| c.name.clone()));
    let name_col = headers.iter().position(|h| h == "NAME");
    let visible: Vec<(&Row, Vec<String>)> = (offset..end)
        .filter_map(|i| v.store.visible_row(i))
        .map(|r| {
            let mut cells = Vec::with_capacity(headers.len());
            if merged {
                // A name from a kubeconfig: control characters shown, never sent to the terminal.
                let ctx = r.key.context.as_deref().unwrap_or_default();
                cells.push(crate::escape::name(ctx).into_owned());
            }
            if spans_ns {
                cells.push(r.key.namespace.to_string());
            }
            cells.extend(r.cells.iter().map(|c| c.render(now)));
            (r, cells)
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for (_, cells) in &visible {
        for (w, c) in widths.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count()).min(MAX_COL);
        }
    }
    // The server's wide columns only in wide mode; then drop wide columns (IP, NODE) first when the
    // terminal is narrow.
    let mut keep: Vec<bool> = vec![true; headers.len()];
    let offset_cols = usize::from(spans_ns) + usize::from(merged);
    for (i, c) in v.columns.iter().enumerate() {
        if c.wide_only && !v.wide {
            keep[i + offset_cols] = false;
        }
    }
    let avail = usize::from(area.width.saturating_sub(2));
    let total = |keep: &[bool]| -> usize {
        widths
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(w, _)| w + 2)
            .sum()
    };
    // The extra columns (usage percentages) go first, then the other wide ones, right to left.
    for droppable in [|c: &Column| c.extra, |c: &Column| c.wide] {
        for (i, c) in v.columns.iter().enumerate().rev() {
            if total(&keep) <= avail {
                break;
            }
            if droppable(c) {
                keep[i + offset_cols] = false;
            }
        }
    }
    let filter = v.filter();
    let rows: Vec<TRow> = visible
        .into_iter()
        .enumerate()
        .map(|(i, (row, cells))| {
            let selected = offset + i == v.selected;
            let base = if selected {
                t.selected
            } else {
                t.row.patch(theme.tone(row.tone))
            };
            // Marked rows stand out in every theme, under the cursor too.
            let base = if v.marks.contains(&row.key) {
                base.patch(t.matched)
                    .add_modifier(ratatui::style::Modifier::BOLD)
            } else {
                base
            };
            let cells: Vec<Line> = cells
                .into_iter()
                .enumerate()
                .filter(|(ci, _)| keep[*ci])
                .map(|(ci, text)| match (filter, Some(ci) == name_col) {
                    (Some(f), true) => {
                        let marks = f.highlights(&text);
                        highlighted(text, &marks, base, t.matched)
                    }
                    _ => Line::from(Span::styled(text, base)),
                })
                .collect();
            TRow::new(cells).style(base)
        })
        .collect();
    let header = TRow::new(
        headers
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(h, _)| Line::styled(h.clone(), t.header))
            .collect::<Vec<_>>(),
    );
    let constraints: Vec<Constraint> = widths
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(w, _)| Constraint::Length(*w as u16))
        .collect();
    Table::new(rows, constraints)
        .header(header)
        .column_spacing(2)
        .block(block)
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_keeps_selection_visible() {
        assert_eq!(effective_offset(0, 5, 10, 100), 0);
        assert_eq!(effective_offset(0, 15, 10, 100), 6);
        assert_eq!(effective_offset(50, 20, 10, 100), 20);
        assert_eq!(effective_offset(95, 99, 10, 100), 90);
    }
}
