//! The `:pf` page: the running port-forwards with the pod and port each one uses now, its state,
//! connections, traffic and re-resolves, refreshed about once a second while the page is open (the event
//! loop sends [`Msg::RefreshForwards`](crate::tui::msg::Msg) only then). `stop_forward` stops the
//! selected one. The forwards themselves live in the effect runner's `ForwardManager`.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row as TRow, Table, Widget};

use crate::cluster::forward::{ForwardInfo, ForwardState, ForwardTarget};
use crate::tui::action::Action;
use crate::tui::component::Outcome;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardsPage {
    pub id: u64,
    pub rows: Vec<ForwardInfo>,
    pub selected: usize,
    /// The first list has arrived.
    pub loaded: bool,
    /// The key that starts a forward (from the keymap), for the empty page's hint.
    pub start_hint: String,
}

/// `1.5KiB`, `12B`: traffic in binary units, like kubectl's resource quantities.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1}{}", UNITS[unit])
}

fn millis(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

fn state(info: &ForwardInfo) -> &'static str {
    match info.state {
        ForwardState::Active => "Active",
        ForwardState::Waiting(_) => "Waiting",
        ForwardState::PodGone => "PodGone",
        ForwardState::Stopped => "Stopped",
    }
}

/// `svc/shop/web`, `deployment/shop/cart`: short enough for a column, namespace included.
fn target(t: &ForwardTarget) -> String {
    match t {
        ForwardTarget::Pod { namespace, name } => format!("pod/{namespace}/{name}"),
        ForwardTarget::Service { namespace, name } => format!("svc/{namespace}/{name}"),
        ForwardTarget::Workload {
            kind,
            namespace,
            name,
        } => format!("{}/{namespace}/{name}", kind.to_lowercase()),
    }
}

/// The cells of one forward, in [`HEADERS`] order.
pub fn cells(info: &ForwardInfo) -> Vec<String> {
    let pod = match (&info.pod, info.pod_port) {
        (Some(p), Some(port)) => format!("{p}:{port}"),
        _ => "-".to_string(),
    };
    let moves = match info.last_reresolve {
        Some(d) => format!("{} ({})", info.reresolves, millis(d)),
        None => info.reresolves.to_string(),
    };
    let error = match &info.state {
        ForwardState::Waiting(why) => why.clone(),
        _ => info.last_error.clone().unwrap_or_default(),
    };
    let mut target = format!("{}:{}", target(&info.spec.target), info.spec.port);
    if let Some(c) = &info.context {
        target.push_str(" @");
        target.push_str(c);
    }
    vec![
        target,
        info.local.to_string(),
        pod,
        state(info).to_string(),
        format!("{}/{}", info.active_connections, info.connections),
        bytes(info.bytes_in),
        bytes(info.bytes_out),
        moves,
        error,
    ]
}

pub const HEADERS: [&str; 9] = [
    "TARGET",
    "LOCAL",
    "POD:PORT",
    "STATE",
    "CONN",
    "IN",
    "OUT",
    "MOVES",
    "LAST ERROR",
];

impl ForwardsPage {
    pub fn new(id: u64, start_hint: String) -> Self {
        ForwardsPage {
            id,
            rows: Vec::new(),
            selected: 0,
            loaded: false,
            start_hint,
        }
    }

    pub fn list_effect(&self) -> Effect {
        Effect::ListForwards { page: self.id }
    }

    /// New counters; the cursor stays on the same forward when it still runs.
    pub fn set_rows(&mut self, rows: Vec<ForwardInfo>) {
        let current = self.rows.get(self.selected).map(|f| f.id);
        self.rows = rows;
        self.loaded = true;
        if let Some(pos) = current.and_then(|id| self.rows.iter().position(|f| f.id == id)) {
            self.selected = pos;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// Handles an action on a body of `rows` lines.
    pub fn on_action(&mut self, action: Action, rows: usize) -> Outcome {
        let last = self.rows.len().saturating_sub(1);
        let page = rows.max(1);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::PageDown => self.selected = (self.selected + page).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::StopForward => {
                let Some(f) = self.rows.get(self.selected) else {
                    return Outcome::error("no port-forward to stop");
                };
                let msg = format!("stopped forward {} → {}", f.local, target(&f.spec.target));
                return Outcome::effects(vec![Effect::StopForward(f.id), self.list_effect()])
                    .with_note(msg);
            }
            _ => {}
        }
        Outcome::none()
    }
}

pub fn render(page: &ForwardsPage, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let t = &theme.table;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(Line::from(vec![
            Span::styled(" port-forwards", t.title),
            Span::styled(format!("[{}] ", page.rows.len()), t.count),
        ]));
    if page.rows.is_empty() {
        let text = if page.loaded {
            format!(
                "no port-forwards: {} on a pod, service or deployment starts one",
                page.start_hint
            )
        } else {
            "loading…".to_string()
        };
        Paragraph::new(Line::styled(text, t.empty))
            .block(block)
            .render(area, buf);
        return;
    }
    let body: Vec<Vec<String>> = page.rows.iter().map(cells).collect();
    let widths: Vec<Constraint> = HEADERS
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i + 1 == HEADERS.len() {
                // The last error takes whatever width is left.
                return Constraint::Fill(1);
            }
            let w = body
                .iter()
                .map(|r| r[i].chars().count())
                .chain([h.len()])
                .max()
                .unwrap_or(0);
            Constraint::Length(w.min(40) as u16)
        })
        .collect();
    let visible = usize::from(area.height.saturating_sub(3)).max(1);
    let offset =
        crate::tui::views::table::effective_offset(0, page.selected, visible, page.rows.len());
    let rows = body
        .into_iter()
        .zip(&page.rows)
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, (cells, info))| {
            let tone = match info.state {
                ForwardState::Active => t.row,
                ForwardState::Waiting(_) => theme.status.pending,
                ForwardState::PodGone | ForwardState::Stopped => theme.status.error,
            };
            let style = if i == page.selected { t.selected } else { tone };
            TRow::new(cells).style(style)
        });
    Table::new(rows, widths)
        .header(TRow::new(HEADERS).style(t.header))
        .column_spacing(2)
        .block(block)
        .render(area, buf);
}
