//! The help overlay, generated from the active keymap and filtered to what applies in this view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::action::{Action, Place, Scope};
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

/// What the help lists: the actions that `applies` at `place`, in `keymap`'s keys.
pub struct Help<'a> {
    pub keymap: &'a Keymap,
    pub place: Place,
    /// Mutating actions are marked as blocked.
    pub readonly: bool,
    pub applies: &'a dyn Fn(Action) -> bool,
    /// The first line shown (the app keeps it within [`max_scroll`]).
    pub scroll: usize,
}

/// The help box's height in a body of `body_height` lines, for `lines` lines of help.
fn box_height(lines: usize, body_height: u16) -> u16 {
    u16::try_from(lines + 2)
        .unwrap_or(u16::MAX)
        .min(body_height)
}

/// Help lines visible at once in a body of `body_height` lines.
pub fn visible_lines(lines: usize, body_height: u16) -> usize {
    usize::from(box_height(lines, body_height).saturating_sub(2))
}

/// How far help can scroll: its lines past what fits.
pub fn max_scroll(lines: usize, body_height: u16) -> usize {
    lines.saturating_sub(visible_lines(lines, body_height))
}

const GROUPS: &[(&str, &[Scope])] = &[
    ("General", &[Scope::Global]),
    ("Navigation", &[Scope::Table]),
    (
        "Resource",
        &[
            Scope::Resource,
            Scope::Pods,
            Scope::Pod,
            Scope::Workload,
            Scope::Restartable,
            Scope::Forwardable,
            Scope::Secret,
        ],
    ),
    (
        "Page",
        &[Scope::Pager, Scope::Text, Scope::Logs, Scope::Forwards],
    ),
];

pub fn lines(model: &Help, theme: &Theme) -> Vec<Line<'static>> {
    let d = &theme.dialog;
    let mut out = Vec::new();
    for (title, scopes) in GROUPS {
        let actions: Vec<Action> = Action::ALL
            .iter()
            .copied()
            .filter(|a| scopes.contains(&a.scope()) && (model.applies)(*a))
            .filter(|a| !model.keymap.keys_for(*a).is_empty())
            // A verb whose keys mean a kind's own verb here (`c` on nodes) is not offered here.
            .filter(|a| !model.keymap.shadowed(*a, model.applies))
            // Slots 1-9 are listed on the line of slot 0.
            .filter(|a| a.favourite_slot().is_none_or(|s| s == 0))
            .collect();
        if actions.is_empty() {
            continue;
        }
        out.push(Line::styled(title.to_string(), d.title));
        for a in actions {
            let mut keys: Vec<String> = model
                .keymap
                .keys_for(a)
                .iter()
                .map(|k| k.to_string())
                .collect();
            let mut help = a.help().to_string();
            if a == Action::Filter && model.place != Place::Table {
                help = "Search (highlight; n / shift-n: next / previous)".to_string();
            }
            if a.favourite_slot() == Some(0) {
                keys.push("… 9".to_string());
                help =
                    "Namespace: 0 = all, 1–9 = recent favourites (shown in the header)".to_string();
            }
            if a.is_mutating() && model.readonly {
                help.push_str(" (blocked: read-only)");
            }
            out.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keys.join(" ")), d.key),
                Span::styled(help, d.text),
            ]));
        }
        out.push(Line::raw(""));
    }
    out
}

pub fn render(help: &Help, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let d = &theme.dialog;
    let body = lines(help, theme);
    let w = area.width.min(72);
    let h = box_height(body.len(), area.height);
    let max = max_scroll(body.len(), area.height);
    let scroll = help.scroll.min(max);
    let popup = crate::tui::layout::centered(area, w, h);
    Clear.render(popup, buf);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(d.border)
        .title(Span::styled(
            format!(" help — keymap {} ", help.keymap.name),
            d.title,
        ));
    if max > 0 {
        let more = match (scroll > 0, scroll < max) {
            (true, true) => "↑↓ more",
            (false, _) => "↓ more",
            (true, false) => "↑ more",
        };
        block = block.title_bottom(Span::styled(format!(" {} {more} ", scroll + 1), d.key));
    }
    Paragraph::new(body)
        .block(block)
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .render(popup, buf);
}
