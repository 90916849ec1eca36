//! The text machinery every describer shares: kubectl's prefix writer (two spaces per level), Go's
//! `text/tabwriter` column alignment (minwidth 0, padding 2, space padding, exactly as kubectl sets it
//! up), and the small printing helpers (labels, annotations, tolerations, ages, RFC1123Z times) whose
//! layout every describer repeats.

use serde_json::Value;

/// The describe output being built. Text is written with `\t` cell separators and aligned on
/// [`Doc::flush`] and [`Doc::finish`], as kubectl's tabwriter does.
pub(crate) struct Doc {
    pending: String,
    done: String,
    pub tz: jiff::tz::TimeZone,
    pub now: jiff::Timestamp,
}

impl Doc {
    pub fn new(tz: jiff::tz::TimeZone, now: jiff::Timestamp) -> Self {
        Doc {
            pending: String::new(),
            done: String::new(),
            tz,
            now,
        }
    }

    /// `w.Write(level, ...)`: the text prefixed by two spaces per level.
    pub fn w(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.pending.push_str("  ");
        }
        self.pending.push_str(text);
    }

    /// Aligns what was written so far on its own (kubectl flushes before the events table).
    pub fn flush(&mut self) {
        let text = std::mem::take(&mut self.pending);
        self.done.push_str(&tabwrite(&text));
    }

    pub fn finish(mut self) -> String {
        self.flush();
        self.done
    }

    /// RFC1123Z in the display time zone, as Go's `time.RFC1123Z` layout.
    pub fn time(&self, v: Option<&Value>) -> String {
        match v
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        {
            Some(t) => t
                .to_zoned(self.tz.clone())
                .strftime("%a, %d %b %Y %H:%M:%S %z")
                .to_string(),
            // Go formats the zero time.
            None => jiff::Timestamp::from_second(-62_135_596_800)
                .map(|t| {
                    t.to_zoned(jiff::tz::TimeZone::UTC)
                        .strftime("%a, %d %b %Y %H:%M:%S %z")
                        .to_string()
                })
                .unwrap_or_default(),
        }
    }

    /// kubectl's `translateTimestampSince`: a human age, `<unknown>` for no time.
    pub fn age(&self, v: Option<&Value>) -> String {
        match v
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        {
            Some(t) => human_duration(self.now.as_millisecond() - t.as_millisecond()),
            None => "<unknown>".to_string(),
        }
    }
}

/// Go's `text/tabwriter` with kubectl's settings. A cell is text terminated by a tab; the last cell of a
/// line is not part of any column. Consecutive lines with a cell in column k form a block whose width
/// is its widest cell plus 2.
pub fn tabwrite(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths = Vec::new();
    format_block(&lines, 0, lines.len(), &mut widths, &mut out);
    out
}

fn format_block(
    lines: &[Vec<&str>],
    mut line0: usize,
    line1: usize,
    widths: &mut Vec<usize>,
    out: &mut String,
) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut width = 0;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + 2);
            this += 1;
        }
        widths.push(width);
        format_block(lines, line0, this, widths, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if let Some(w) = widths.get(j) {
                for _ in cell.chars().count()..*w {
                    out.push(' ');
                }
            }
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
}

/// `duration.HumanDuration` from apimachinery, on milliseconds.
pub fn human_duration(ms: i64) -> String {
    crate::duration::human_duration(ms.div_euclid(1000))
}

/// A JSON value as Go's `%v` prints the field's zero-valued type: strings bare, missing as empty.
pub fn s(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

pub fn int(v: Option<&Value>) -> i64 {
    v.and_then(Value::as_i64).unwrap_or(0)
}

pub fn boolean(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool).unwrap_or(false)
}

/// An IntOrString (ports, maxSurge) as its string form.
pub fn int_or_string(v: Option<&Value>) -> String {
    s(v)
}

pub fn arr(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

pub fn or_none(text: String) -> String {
    if text.is_empty() {
        "<none>".into()
    } else {
        text
    }
}

/// `printLabelsMultilineWithIndent`: sorted `k=v`, one per line, `<none>` when empty.
pub fn labels(doc: &mut Doc, initial: &str, title: &str, inner: &str, map: Option<&Value>) {
    doc.w(0, &format!("{initial}{title}:{inner}"));
    let mut keys: Vec<(&String, &Value)> = map
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    if keys.is_empty() {
        doc.w(0, "<none>\n");
        return;
    }
    keys.sort_by(|a, b| a.0.cmp(b.0));
    for (i, (k, v)) in keys.iter().enumerate() {
        if i != 0 {
            doc.w(0, initial);
            doc.w(0, inner);
        }
        doc.w(0, &format!("{k}={}\n", s(Some(v))));
    }
}

/// `printLabelsMultiline(w, title, labels)`.
pub fn labels_ml(doc: &mut Doc, title: &str, map: Option<&Value>) {
    labels(doc, "", title, "\t", map);
}

const MAX_ANNOTATION_LEN: usize = 140;

/// `printAnnotationsMultiline`: kubectl hides last-applied-configuration and folds long values.
pub fn annotations(doc: &mut Doc, title: &str, map: Option<&Value>) {
    doc.w(0, &format!("{title}:\t"));
    let mut keys: Vec<(&String, &Value)> = map
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(k, _)| *k != "kubectl.kubernetes.io/last-applied-configuration")
                .collect()
        })
        .unwrap_or_default();
    if keys.is_empty() {
        doc.w(0, "<none>\n");
        return;
    }
    keys.sort_by(|a, b| a.0.cmp(b.0));
    for (i, (k, v)) in keys.iter().enumerate() {
        if i != 0 {
            doc.w(0, "\t");
        }
        let value = s(Some(v));
        let value = value.strip_suffix('\n').unwrap_or(&value);
        if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            doc.w(0, &format!("{k}:\n"));
            for line in value.split('\n') {
                doc.w(
                    0,
                    &format!("\t  {}\n", shorten(line, MAX_ANNOTATION_LEN - 2)),
                );
            }
        } else {
            doc.w(0, &format!("{k}: {value}\n"));
        }
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}...", &s[..cut])
    } else {
        s.to_string()
    }
}

/// `printTolerationsMultilineWithIndent`.
pub fn tolerations(doc: &mut Doc, initial: &str, title: &str, inner: &str, list: &[Value]) {
    doc.w(0, &format!("{initial}{title}:{inner}"));
    if list.is_empty() {
        doc.w(0, "<none>\n");
        return;
    }
    let mut list: Vec<&Value> = list.iter().collect();
    list.sort_by_key(|t| s(t.get("key")));
    for (i, t) in list.iter().enumerate() {
        if i != 0 {
            doc.w(0, initial);
            doc.w(0, inner);
        }
        let (key, value, effect) = (s(t.get("key")), s(t.get("value")), s(t.get("effect")));
        let mut line = key.clone();
        if !value.is_empty() {
            line.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            line.push_str(&format!(":{effect}"));
        }
        if s(t.get("operator")) == "Exists" && value.is_empty() {
            line.push_str(if !key.is_empty() || !effect.is_empty() {
                " op=Exists"
            } else {
                "op=Exists"
            });
        }
        if let Some(secs) = t.get("tolerationSeconds").and_then(Value::as_i64) {
            line.push_str(&format!(" for {secs}s"));
        }
        doc.w(0, &format!("{line}\n"));
    }
}

/// `metav1.FormatLabelSelector`: `<none>` for nil, empty string for "everything".
pub fn format_label_selector(sel: Option<&Value>) -> String {
    let Some(sel) = sel.filter(|v| !v.is_null()) else {
        return "<none>".into();
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        let mut kv: Vec<_> = m.iter().collect();
        kv.sort_by(|a, b| a.0.cmp(b.0));
        parts.extend(kv.iter().map(|(k, v)| format!("{k}={}", s(Some(v)))));
    }
    for e in arr(sel.get("matchExpressions")) {
        let key = s(e.get("key"));
        let values: Vec<String> = arr(e.get("values")).iter().map(|v| s(Some(v))).collect();
        match s(e.get("operator")).as_str() {
            "In" => parts.push(format!("{key} in ({})", values.join(","))),
            "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
            "Exists" => parts.push(key),
            "DoesNotExist" => parts.push(format!("!{key}")),
            _ => {}
        }
    }
    if parts.is_empty() {
        return "<none>".into();
    }
    parts.join(",")
}

/// `labels.Selector.String()` of `LabelSelectorAsSelector`: requirements sorted by key.
pub fn selector_string(sel: Option<&Value>) -> String {
    let Some(sel) = sel.filter(|v| !v.is_null()) else {
        return "<none>".into();
    };
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in m {
            reqs.push((k.clone(), format!("{k}={}", s(Some(v)))));
        }
    }
    for e in arr(sel.get("matchExpressions")) {
        let key = s(e.get("key"));
        let mut values: Vec<String> = arr(e.get("values")).iter().map(|v| s(Some(v))).collect();
        values.sort();
        let text = match s(e.get("operator")).as_str() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.clone(),
            "DoesNotExist" => format!("!{key}"),
            _ => continue,
        };
        reqs.push((key, text));
    }
    if reqs.is_empty() && sel.get("matchLabels").is_none() && sel.get("matchExpressions").is_none()
    {
        return String::new();
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    reqs.into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(",")
}

/// `labels.FormatLabels` of a plain map: sorted `k=v`, `<none>` when empty.
pub fn format_labels(map: Option<&Value>) -> String {
    let mut kv: Vec<(&String, &Value)> = map
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    if kv.is_empty() {
        return "<none>".into();
    }
    kv.sort_by(|a, b| a.0.cmp(b.0));
    kv.iter()
        .map(|(k, v)| format!("{k}={}", s(Some(v))))
        .collect::<Vec<_>>()
        .join(",")
}

/// `Kind/name` of the controller owner reference.
pub fn controlled_by(obj: &Value) -> Option<String> {
    arr(obj.pointer("/metadata/ownerReferences"))
        .iter()
        .find(|r| boolean(r.get("controller")))
        .map(|r| format!("{}/{}", s(r.get("kind")), s(r.get("name"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabwriter_aligns_blocks_like_go() {
        let out =
            tabwrite("Name:\tweb\nNamespace:\tdefault\nLabels:\ta=b\n\tc=d\nPlain line\nX:\ty\n");
        assert_eq!(
            out,
            "Name:       web\nNamespace:  default\nLabels:     a=b\n            c=d\nPlain line\nX:  y\n"
        );
        // Empty last cell still pads the first column (kubectl's trailing spaces).
        assert_eq!(tabwrite("IP:\t\nIPs:\t<none>\n"), "IP:   \nIPs:  <none>\n");
        // Nested columns.
        assert_eq!(
            tabwrite("  Type\tStatus\n  ----\t------\n  Ready \tTrue \n"),
            "  Type    Status\n  ----    ------\n  Ready   True \n"
        );
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(5_000), "5s");
        assert_eq!(human_duration(119_000), "119s");
        assert_eq!(human_duration(150_000), "2m30s");
        assert_eq!(human_duration(600_000), "10m");
        assert_eq!(human_duration(3 * 3_600_000 + 60_000), "3h1m");
        assert_eq!(human_duration(30 * 3_600_000), "30h");
        assert_eq!(human_duration(50 * 3_600_000), "2d2h");
        assert_eq!(human_duration(-5_000), "<invalid>");
    }

    #[test]
    fn selectors() {
        let sel = serde_json::json!({"matchLabels":{"b":"2","a":"1"}});
        assert_eq!(selector_string(Some(&sel)), "a=1,b=2");
        assert_eq!(format_labels(None), "<none>");
    }

    #[test]
    fn times_in_rfc1123z() {
        let doc = Doc::new(jiff::tz::TimeZone::UTC, jiff::Timestamp::UNIX_EPOCH);
        let v = serde_json::json!("2024-03-05T10:11:12Z");
        assert_eq!(doc.time(Some(&v)), "Tue, 05 Mar 2024 10:11:12 +0000");
    }
}
