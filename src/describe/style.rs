//! Style information for describe output: which part of each line is a key, a section header, or a
//! warning event, so the TUI (and the CLI on a tty) can colour it without re-parsing objects.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStyle {
    /// A field name (`Name:`), left of its value.
    Key,
    /// A section heading with nothing after it (`Containers:`, `Events:`, `Data`).
    Header,
    /// The column headings of a table and their `----` underline.
    TableHeader,
    /// An event row of type Warning.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledLine {
    pub text: String,
    /// Byte ranges of `text` and their style; the rest is plain value text.
    pub spans: Vec<(Range<usize>, LineStyle)>,
}

pub fn style_lines(text: &str) -> Vec<StyledLine> {
    let mut in_events = false;
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            let mut spans = Vec::new();
            if indent == 0 && line.starts_with("Events:") {
                in_events = true;
            } else if indent == 0 && !line.is_empty() {
                in_events = false;
            }
            let first_word = trimmed.split_whitespace().next().unwrap_or("");
            if in_events && indent > 0 && first_word == "Warning" {
                spans.push((0..line.len(), LineStyle::Warning));
            } else if indent > 0
                && (first_word == "Type"
                    || trimmed.starts_with("----")
                    || first_word == "Namespace" && trimmed.contains("CPU Requests")
                    || first_word == "Resource")
            {
                spans.push((indent..line.len(), LineStyle::TableHeader));
            } else if trimmed.ends_with(':') && !trimmed.contains(": ")
                || trimmed == "Data"
                || trimmed == "BinaryData"
                || trimmed.chars().all(|c| c == '=') && !trimmed.is_empty()
            {
                spans.push((indent..line.len(), LineStyle::Header));
            } else if let Some(colon) = key_end(trimmed) {
                spans.push((indent..indent + colon + 1, LineStyle::Key));
            }
            StyledLine {
                text: line.to_string(),
                spans,
            }
        })
        .collect()
}

/// The colon ending a `Key:` at the start of a trimmed line: the key has no spaces other than between
/// words, and the colon is followed by whitespace.
fn key_end(trimmed: &str) -> Option<usize> {
    let idx = trimmed.find(": ").or_else(|| trimmed.find(":\t"))?;
    let key = &trimmed[..idx];
    if key.is_empty() || key.contains("  ") || key.contains('=') || key.contains('/') {
        return None;
    }
    Some(idx)
}
