//! The header: context, cluster, user, namespace, server version, badges and connection state.
//! Guarded contexts paint the whole header red.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::cluster::metrics::ClusterUsage;
use crate::tui::session::{Connection, Session};
use crate::tui::theme::Theme;

/// What the header shows.
pub struct Header<'a> {
    pub session: &'a Session,
    pub connection: &'a Connection,
    /// Namespaces on `1`–`9`.
    pub favourites: &'a [String],
}

fn pair<'a>(theme: &Theme, label: &'a str, value: String, width: usize) -> Vec<Span<'a>> {
    let h = &theme.header;
    let value = format!("{value:<width$}");
    vec![Span::styled(label, h.label), Span::styled(value, h.value)]
}

/// Draws the header into `area` (its height is [`crate::tui::layout::HEADER_HEIGHT`]).
pub fn render(header: &Header, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let h = &theme.header;
    let s = header.session;
    let none = || "n/a".to_string();
    // While connecting, the context being connected is the one the user is about to act on.
    let ctx = match header.connection {
        Connection::Connecting(c) => c.clone(),
        _ => s.context.clone().unwrap_or_else(none),
    };
    let ns = s.namespace.clone().unwrap_or_else(|| "all".to_string());
    let (conn_text, conn_style) = match header.connection {
        Connection::Idle => ("not connected".to_string(), h.label),
        Connection::Connecting(c) => (format!("connecting to {c}…"), h.label),
        Connection::Reconnecting(_) => ("new credentials: reconnecting…".to_string(), h.label),
        Connection::Connected => ("● connected".to_string(), h.connected),
        Connection::Lost(_) => ("○ reconnecting".to_string(), h.disconnected),
        Connection::Failed(_) => ("✕ unreachable".to_string(), h.disconnected),
    };
    let mut l1 = vec![
        Span::styled(" Context:   ", h.label),
        Span::styled(format!("{ctx:<24}"), h.context),
    ];
    l1.extend(pair(
        theme,
        " Server: ",
        s.server_version.clone().unwrap_or_else(none),
        14,
    ));
    if let Some(k) = &s.kubectl {
        l1.push(Span::styled(" kubectl: ", h.label));
        l1.push(Span::styled(k.version.clone(), h.value));
        if k.skew_warning.is_some() {
            l1.push(Span::raw(" "));
            l1.push(Span::styled(" SKEW ", h.readonly));
        }
    }
    if s.readonly {
        l1.push(Span::raw(" "));
        l1.push(Span::styled(" READ-ONLY ", h.readonly));
    }
    if s.guarded {
        l1.push(Span::raw(" "));
        l1.push(Span::styled(" GUARDED ", h.guarded));
    }
    let mut l2 = vec![Span::styled(" Cluster:   ", h.label)];
    l2.push(Span::styled(
        format!("{:<24}", s.cluster.clone().unwrap_or_else(none)),
        h.value,
    ));
    l2.push(Span::styled(" Status: ", h.label));
    l2.push(Span::styled(conn_text, conn_style));
    if let Some(u) = s.usage {
        let (cpu, mem) = match u {
            ClusterUsage::Percent { cpu, memory } => (format!("{cpu}%"), format!("{memory}%")),
            ClusterUsage::Unavailable => ("n/a".to_string(), "n/a".to_string()),
        };
        l2.extend(pair(theme, "   CPU: ", cpu, 5));
        l2.extend(pair(theme, " MEM: ", mem, 5));
    }
    let mut l3 = vec![Span::styled(" User:      ", h.label)];
    l3.push(Span::styled(
        format!("{:<24}", s.user.clone().unwrap_or_else(none)),
        h.value,
    ));
    l3.push(Span::styled(" ", h.label));
    l3.push(Span::styled("<0> all", h.favourites));
    for (i, f) in header.favourites.iter().enumerate() {
        l3.push(Span::styled(format!("  <{}> {f}", i + 1), h.favourites));
    }
    let l4 = vec![
        Span::styled(" Namespace: ", h.label),
        Span::styled(ns, h.value),
    ];
    let style = if s.guarded { h.guarded } else { h.text };
    Paragraph::new(vec![
        Line::from(l1),
        Line::from(l2),
        Line::from(l3),
        Line::from(l4),
    ])
    .block(Block::default().style(style))
    .render(area, buf);
}
