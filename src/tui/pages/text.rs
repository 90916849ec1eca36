//! The describe and YAML page: one object as text, fetched once when the page opens, with syntax
//! colour, search (`/`, `n`/`N`), scrolling both ways, a managedFields toggle (YAML) and secret values
//! masked until `x` (which the caller has already cleared with the safety policy).

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use serde_json::Value;

use crate::cluster::actions::ObjectRef;
use crate::cluster::logs::text::Search;
use crate::describe::{DescribeOptions, LineStyle};
use crate::tui::action::Action;
use crate::tui::component::Outcome;
use crate::tui::msg::{Effect, Fetched};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextMode {
    Describe,
    Yaml,
}

impl TextMode {
    pub fn label(self) -> &'static str {
        match self {
            TextMode::Describe => "describe",
            TextMode::Yaml => "yaml",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextState {
    Loading,
    Ready,
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    Key,
    Header,
    TableHeader,
    Warning,
    String,
    Number,
    Comment,
    Masked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLine {
    pub text: String,
    pub spans: Vec<(Range<usize>, TextStyle)>,
}

#[derive(Debug)]
pub struct TextPage {
    pub id: u64,
    pub mode: TextMode,
    pub target: ObjectRef,
    pub state: TextState,
    fetched: Option<Fetched>,
    pub lines: Vec<TextLine>,
    pub scroll: usize,
    pub hscroll: usize,
    search_text: String,
    search: Option<Search>,
    /// Indices of lines with a match, in order.
    matches: Vec<usize>,
    /// Position in `matches` of the current match.
    current: Option<usize>,
    pub revealed: bool,
    pub show_managed: bool,
}

const HSTEP: usize = 8;
const HIDDEN_NOTE: &str = "hidden: x reveals";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

impl TextPage {
    pub fn new(id: u64, mode: TextMode, target: ObjectRef) -> Self {
        TextPage {
            id,
            mode,
            target,
            state: TextState::Loading,
            fetched: None,
            lines: Vec::new(),
            scroll: 0,
            hscroll: 0,
            search_text: String::new(),
            search: None,
            matches: Vec::new(),
            current: None,
            revealed: false,
            show_managed: false,
        }
    }

    /// The effect that fetches what this page shows.
    pub fn fetch_effect(&self) -> Effect {
        Effect::FetchObject {
            page: self.id,
            target: self.target.clone(),
            with_related: self.mode == TextMode::Describe,
        }
    }

    pub fn is_secret(&self) -> bool {
        self.target.kind.kind == "Secret" && self.target.kind.group.is_empty()
    }

    pub fn search_text(&self) -> &str {
        &self.search_text
    }

    /// Indices of the lines with a search match, in order.
    pub fn matches(&self) -> &[usize] {
        &self.matches
    }

    /// Position in [`Self::matches`] of the current match.
    pub fn current_match(&self) -> Option<usize> {
        self.current
    }

    pub fn set_fetched(&mut self, result: Result<Fetched, String>) {
        match result {
            Ok(f) => {
                self.fetched = Some(f);
                self.state = TextState::Ready;
                self.rebuild();
            }
            Err(e) => self.state = TextState::Failed(e),
        }
    }

    fn rebuild(&mut self) {
        let Some(f) = &self.fetched else {
            return;
        };
        self.lines = match self.mode {
            TextMode::Describe => {
                let opts = DescribeOptions {
                    reveal: self.revealed,
                    show_events: true,
                    tz: f.tz.clone(),
                    now: f.now,
                };
                crate::describe::describe_styled(
                    &self.target.kind.kind,
                    &f.object,
                    &f.events,
                    &f.related,
                    &opts,
                )
                .into_iter()
                .map(|l| TextLine {
                    spans: l
                        .spans
                        .into_iter()
                        .map(|(r, s)| {
                            let s = match s {
                                LineStyle::Key => TextStyle::Key,
                                LineStyle::Header => TextStyle::Header,
                                LineStyle::TableHeader => TextStyle::TableHeader,
                                LineStyle::Warning => TextStyle::Warning,
                            };
                            (r, s)
                        })
                        .collect(),
                    text: l.text,
                })
                .collect()
            }
            TextMode::Yaml => yaml_lines(&yaml_view(
                &f.object,
                self.show_managed,
                self.is_secret(),
                self.revealed,
            )),
        };
        self.refresh_matches();
    }

    /// Handles an action on a body of `rows` lines.
    pub fn on_action(&mut self, action: Action, rows: usize) -> Outcome {
        let page = rows.max(1);
        let max = self.lines.len().saturating_sub(page);
        match action {
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll = (self.scroll + 1).min(max),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(page),
            Action::PageDown => self.scroll = (self.scroll + page).min(max),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = max,
            Action::ScrollLeft => self.hscroll = self.hscroll.saturating_sub(HSTEP),
            Action::ScrollRight => self.hscroll += HSTEP,
            Action::SearchNext | Action::SearchPrev => {
                if self.matches.is_empty() {
                    let msg = if self.search_text.is_empty() {
                        "no search: press / first".to_string()
                    } else {
                        format!("pattern not found: {}", self.search_text)
                    };
                    return Outcome::error(msg);
                }
                let n = self.matches.len();
                let next = match (self.current, action == Action::SearchNext) {
                    (None, _) => 0,
                    (Some(c), true) => (c + 1) % n,
                    (Some(c), false) => (c + n - 1) % n,
                };
                self.current = Some(next);
                self.show_line(self.matches[next], page);
            }
            Action::ToggleManagedFields => {
                if self.mode != TextMode::Yaml {
                    return Outcome::note("managedFields are shown in YAML (y)");
                }
                self.show_managed = !self.show_managed;
                self.rebuild();
                let msg = if self.show_managed {
                    "managedFields shown"
                } else {
                    "managedFields hidden"
                };
                return Outcome::note(msg);
            }
            Action::RevealSecret => {
                if !self.is_secret() {
                    return Outcome::none();
                }
                self.revealed = !self.revealed;
                self.rebuild();
                let msg = if self.revealed {
                    "secret values revealed (x hides them)"
                } else {
                    "secret values hidden"
                };
                return Outcome::note(msg);
            }
            _ => {}
        }
        Outcome::none()
    }

    /// Incremental search from the `/` line; flashes a bad pattern, or a pattern not found on submit.
    pub fn search(&mut self, text: &str, submit: bool, rows: usize) -> Outcome {
        self.search_text = text.to_string();
        if text.is_empty() {
            self.search = None;
            self.refresh_matches();
            return Outcome::none();
        }
        match Search::literal(text) {
            Ok(s) => self.search = Some(s),
            Err(e) => return Outcome::error(e.to_string()),
        }
        self.refresh_matches();
        // Jump to the first match at or after the top of the screen, as less does.
        if let Some(pos) = self
            .matches
            .iter()
            .position(|&l| l >= self.scroll)
            .or((!self.matches.is_empty()).then_some(0))
        {
            self.current = Some(pos);
            self.show_line(self.matches[pos], rows.max(1));
        } else if submit {
            return Outcome::error(format!("pattern not found: {text}"));
        }
        Outcome::none()
    }

    fn refresh_matches(&mut self) {
        self.matches = match &self.search {
            Some(s) => self
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| s.is_match(&l.text))
                .map(|(i, _)| i)
                .collect(),
            None => Vec::new(),
        };
        self.current = self.current.filter(|c| *c < self.matches.len());
    }

    fn show_line(&mut self, line: usize, page: usize) {
        if line < self.scroll || line >= self.scroll + page {
            self.scroll = line.saturating_sub(page / 3);
        }
        let max = self.lines.len().saturating_sub(page);
        self.scroll = self.scroll.min(max);
    }

    /// `first-last/total` of the lines on screen, and the search position.
    fn status(&self, rows: usize) -> String {
        let total = self.lines.len();
        let mut s = format!(
            " {}-{}/{total} ",
            (self.scroll + 1).min(total),
            (self.scroll + rows).min(total),
        );
        if !self.search_text.is_empty() {
            s = format!(
                " /{} {}/{} {s}",
                self.search_text,
                self.current.map_or(0, |c| c + 1),
                self.matches.len()
            );
        }
        s
    }
}

/// The object as the YAML page shows it: managedFields dropped unless asked for; a Secret's values
/// replaced by their size until revealed, then shown decoded.
pub fn yaml_view(object: &Value, show_managed: bool, secret: bool, revealed: bool) -> String {
    let mut obj = object.clone();
    if !show_managed && let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    let mut header = String::new();
    if secret {
        let decoded = crate::cluster::actions::decode_secret(object);
        for field in ["data", "stringData"] {
            let Some(map) = obj.get_mut(field).and_then(Value::as_object_mut) else {
                continue;
            };
            for (k, v) in map.iter_mut() {
                let shown = match (revealed, decoded.get(k)) {
                    (true, Some(crate::cluster::actions::SecretValue::Text(t))) => t.clone(),
                    (true, Some(crate::cluster::actions::SecretValue::Binary(n))) => {
                        format!("<binary: {n} bytes>")
                    }
                    (true, Some(crate::cluster::actions::SecretValue::Invalid(e))) => {
                        format!("<not base64: {e}>")
                    }
                    (_, d) => {
                        let n = match d {
                            Some(crate::cluster::actions::SecretValue::Text(t)) => t.len(),
                            Some(crate::cluster::actions::SecretValue::Binary(n)) => *n,
                            _ => v.as_str().map_or(0, str::len),
                        };
                        format!("<{n} bytes, {HIDDEN_NOTE}>")
                    }
                };
                *v = Value::String(shown);
            }
        }
        // kubectl apply keeps a full copy of the Secret, values included, in this annotation.
        if !revealed
            && let Some(a) = obj
                .pointer_mut("/metadata/annotations")
                .and_then(Value::as_object_mut)
            && let Some(v) = a.get_mut(LAST_APPLIED)
        {
            *v = Value::String(format!("<{HIDDEN_NOTE}>"));
        }
        if revealed {
            header.push_str("# data values decoded from base64 (x hides them)\n");
        }
    }
    match crate::yaml::to_string(&obj) {
        Ok(y) => header + &y,
        Err(e) => format!("# cannot render YAML: {e}\n"),
    }
}

/// Syntax colour for YAML as serde_yaml writes it: keys, comments, quoted and plain scalars.
pub fn yaml_lines(text: &str) -> Vec<TextLine> {
    text.lines()
        .map(|line| {
            let mut spans = Vec::new();
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            if trimmed.starts_with('#') {
                spans.push((0..line.len(), TextStyle::Comment));
                return TextLine {
                    text: line.to_string(),
                    spans,
                };
            }
            let body_start = if let Some(rest) = trimmed.strip_prefix("- ") {
                indent + (trimmed.len() - rest.len())
            } else {
                indent
            };
            let body = &line[body_start..];
            let value_start = match key_end(body) {
                Some(k) => {
                    spans.push((body_start..body_start + k, TextStyle::Key));
                    body_start + k + 1
                }
                None => body_start,
            };
            let value = line[value_start..].trim_start();
            if !value.is_empty() {
                let start = line.len() - value.len();
                let style = scalar_style(value);
                spans.push((start..line.len(), style));
            }
            TextLine {
                text: line.to_string(),
                spans,
            }
        })
        .collect()
}

/// The end of a mapping key in `body` (the position of its `:`), if `body` starts with one.
fn key_end(body: &str) -> Option<usize> {
    if let Some(q) = body.strip_prefix('\'').or_else(|| body.strip_prefix('"')) {
        let quote = body.as_bytes()[0] as char;
        let close = q.find(quote)? + 1;
        return body[close + 1..].starts_with(':').then_some(close + 1);
    }
    let colon = body
        .find(": ")
        .or_else(|| body.strip_suffix(':').map(str::len))?;
    (colon > 0).then_some(colon)
}

fn scalar_style(value: &str) -> TextStyle {
    if value.trim_matches(['\'', '"']).starts_with('<') && value.contains(HIDDEN_NOTE) {
        return TextStyle::Masked;
    }
    match value {
        "true" | "false" | "null" | "~" | "{}" | "[]" => TextStyle::Number,
        v if v.parse::<f64>().is_ok() => TextStyle::Number,
        _ => TextStyle::String,
    }
}

fn style_of(theme: &Theme, s: TextStyle) -> Style {
    let t = &theme.text;
    match s {
        TextStyle::Key => t.key,
        TextStyle::Header => t.header,
        TextStyle::TableHeader => t.table_header,
        TextStyle::Warning => t.warning,
        TextStyle::String => t.string,
        TextStyle::Number => t.number,
        TextStyle::Comment => t.comment,
        TextStyle::Masked => t.masked,
    }
}

/// Splits `line` into spans: its styled ranges, with search matches drawn over them.
fn spans_for(line: &TextLine, search: Option<&Search>, theme: &Theme) -> Line<'static> {
    let text = &line.text;
    let hits = search.map(|s| s.ranges(text)).unwrap_or_default();
    let mut cuts: Vec<usize> = vec![0, text.len()];
    for (r, _) in &line.spans {
        cuts.push(r.start.min(text.len()));
        cuts.push(r.end.min(text.len()));
    }
    for (a, b) in &hits {
        cuts.push(*a);
        cuts.push(*b);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut spans = Vec::with_capacity(cuts.len());
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a >= b || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        let style = if hits.iter().any(|(s, e)| *s <= a && b <= *e) {
            theme.log.search
        } else {
            line.spans
                .iter()
                .rev()
                .find(|(r, _)| r.start <= a && b <= r.end)
                .map_or(theme.text.value, |(_, s)| style_of(theme, *s))
        };
        spans.push(Span::styled(text[a..b].to_string(), style));
    }
    Line::from(spans)
}

pub fn render(page: &TextPage, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let t = &theme.table;
    let mut title = vec![
        Span::styled(format!(" {} ", page.mode.label()), t.title),
        Span::styled(format!("{} ", page.target.display()), t.count),
    ];
    if page.is_secret() {
        let note = if page.revealed {
            "[revealed] "
        } else {
            "[masked] "
        };
        title.push(Span::styled(note, theme.text.masked));
    }
    if page.mode == TextMode::Yaml && page.show_managed {
        title.push(Span::styled("[managedFields] ", t.title));
    }
    let rows = usize::from(area.height.saturating_sub(2));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(Line::from(title))
        .title_bottom(Line::styled(page.status(rows), t.title).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    let body: Vec<Line> = match &page.state {
        TextState::Loading => vec![Line::styled("loading…", t.empty)],
        TextState::Failed(e) => vec![Line::styled(e.clone(), theme.status.error)],
        TextState::Ready => page
            .lines
            .iter()
            .skip(page.scroll)
            .take(rows)
            .map(|l| spans_for(l, page.search.as_ref(), theme))
            .collect(),
    };
    let hscroll = u16::try_from(page.hscroll).unwrap_or(u16::MAX);
    Paragraph::new(body).scroll((0, hscroll)).render(inner, buf);
}
