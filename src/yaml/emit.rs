//! kdeck's own YAML emitter: block style, as kubectl writes kubeconfigs, with scalars quoted for both
//! YAML 1.1 and YAML 1.2 readers.
//!
//! serde_yaml follows YAML 1.2: it writes `yes`, `on`, `n` or `1_000` as plain scalars, which kubectl's
//! YAML 1.1 reader (go-yaml v2 behind sigs.k8s.io/yaml) takes as a bool or a number, so a kubeconfig
//! re-serialized by serde_yaml can stop loading in kubectl ("cannot unmarshal bool into … string"). Here a
//! string is written plain only when it is made of safe characters and no YAML 1.1 or 1.2 resolver could
//! read it as anything but a string; otherwise it is double-quoted (or a literal block for readable
//! multi-line text).

use std::fmt::Write as _;

use std::sync::LazyLock;

use regex::Regex;
use serde_yaml::Value;

/// Every plain scalar (lowercased, underscores removed) that some YAML 1.1/1.2 reader, or go-yaml's
/// `strconv` fallback, takes as a number.
static NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^[-+]?(",
        r"0b[01]+|0o?[0-7]+|0x[0-9a-f]+|[0-9]+",
        r"|[0-9]+(:[0-5]?[0-9])+(\.[0-9]*)?",
        r"|([0-9]+\.?[0-9]*|\.[0-9]+)(e[-+]?[0-9]+)?",
        r"|[0-9]*\.[0-9.]*(e[-+]?[0-9]+)?",
        r"|0x[0-9a-f]*\.?[0-9a-f]*p[-+]?[0-9]+",
        r"|\.?(inf|infinity|nan)",
        r")$"
    ))
    .ok()
});

/// Serializes a value as a block-style YAML document (no `---`, ends with a newline).
pub fn document(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Mapping(m) if !m.is_empty() => mapping(&mut out, m, 0),
        Value::Sequence(s) if !s.is_empty() => sequence(&mut out, s, 0),
        other => {
            out.push_str(&inline(other, 0));
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Whether a value is written on the line of its key (scalars and empty collections).
fn is_inline(v: &Value) -> bool {
    match v {
        Value::Mapping(m) => m.is_empty(),
        Value::Sequence(s) => s.is_empty(),
        Value::Tagged(t) => is_inline(&t.value),
        _ => true,
    }
}

fn mapping(out: &mut String, m: &serde_yaml::Mapping, indent: usize) {
    let mut first = true;
    for (k, v) in m {
        if !first {
            pad(out, indent);
        }
        first = false;
        entry(out, k, v, indent);
    }
}

/// One `key: value` entry whose first line starts at the current position (already indented).
fn entry(out: &mut String, k: &Value, v: &Value, indent: usize) {
    match k {
        Value::Mapping(_) | Value::Sequence(_) | Value::Tagged(_) => {
            // A complex key: YAML's explicit `? key` form, with the key as JSON (valid flow YAML).
            out.push_str("? ");
            out.push_str(&serde_json::to_string(k).unwrap_or_else(|_| "null".into()));
            out.push('\n');
            pad(out, indent);
            out.push(':');
        }
        _ => {
            out.push_str(&scalar(k, indent, true));
            out.push(':');
        }
    }
    value_after_key(out, v, indent);
}

fn value_after_key(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Tagged(t) if !is_inline(&t.value) => {
            let _ = writeln!(out, " {}", t.tag);
            nested(out, &t.value, indent);
        }
        _ if is_inline(v) => {
            out.push(' ');
            out.push_str(&inline(v, indent + 2));
            out.push('\n');
        }
        _ => {
            out.push('\n');
            nested(out, v, indent);
        }
    }
}

/// A block collection below a key at `indent`: mappings indent by two, sequences stay at the key's column
/// (as kubectl and serde_yaml write `contexts:\n- name: …`).
fn nested(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Mapping(m) => {
            pad(out, indent + 2);
            mapping(out, m, indent + 2);
        }
        Value::Sequence(s) => {
            pad(out, indent);
            sequence(out, s, indent);
        }
        _ => {}
    }
}

fn sequence(out: &mut String, s: &[Value], indent: usize) {
    let mut first = true;
    for item in s {
        if !first {
            pad(out, indent);
        }
        first = false;
        out.push_str("- ");
        match item {
            Value::Mapping(m) if !m.is_empty() => mapping(out, m, indent + 2),
            Value::Sequence(inner) if !inner.is_empty() => sequence(out, inner, indent + 2),
            Value::Tagged(t) if !is_inline(&t.value) => {
                let _ = writeln!(out, "{}", t.tag);
                match &t.value {
                    Value::Mapping(m) => {
                        pad(out, indent + 2);
                        mapping(out, m, indent + 2);
                    }
                    Value::Sequence(inner) => {
                        pad(out, indent + 2);
                        sequence(out, inner, indent + 2);
                    }
                    _ => {}
                }
            }
            other => {
                out.push_str(&inline(other, indent + 2));
                out.push('\n');
            }
        }
    }
}

/// A value that fits after `key: ` or `- `: a scalar, `{}`, `[]`, or a tagged one of those.
fn inline(v: &Value, indent: usize) -> String {
    match v {
        Value::Mapping(_) => "{}".into(),
        Value::Sequence(_) => "[]".into(),
        Value::Tagged(t) => format!("{} {}", t.tag, inline(&t.value, indent)),
        other => scalar(other, indent, false),
    }
}

fn scalar(v: &Value, indent: usize, is_key: bool) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(s) => string(s, indent, is_key),
        Value::Mapping(_) | Value::Sequence(_) | Value::Tagged(_) => inline(v, indent),
    }
}

fn number(n: &serde_yaml::Number) -> String {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        if f.is_nan() {
            return ".nan".into();
        }
        if f.is_infinite() {
            return if f > 0.0 {
                ".inf".into()
            } else {
                "-.inf".into()
            };
        }
    }
    n.to_string()
}

/// A string scalar: plain when every reader takes it as this string, a literal block for readable
/// multi-line text (never for keys), else double-quoted.
pub fn string(s: &str, indent: usize, is_key: bool) -> String {
    if plain_is_safe(s) {
        return s.to_string();
    }
    if !is_key && let Some(block) = literal_block(s, indent) {
        return block;
    }
    // Text that only needs quoting for its punctuation (JSON in an annotation, `a: b`) reads best
    // single-quoted; words a resolver would misread, and anything needing an escape, are double-quoted
    // as kubectl writes them.
    if !s.is_empty()
        && !resolves_to_non_string(s)
        && s.chars()
            .all(|c| printable(c) && !matches!(c, '\n' | '\r' | '\t' | '\u{85}'))
    {
        return format!("'{}'", s.replace('\'', "''"));
    }
    double_quoted(s)
}

/// Characters a plain scalar may hold without any context rules getting involved.
fn plain_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '_'
                | '.'
                | '/'
                | '@'
                | '+'
                | '='
                | ':'
                | ','
                | '~'
                | '('
                | ')'
                | ' '
                | '$'
                | '^'
                | ';'
                | '<'
                | '>'
                | '\\'
        )
}

/// Whether `s` can be written plain and still read back as this exact string by YAML 1.1 and 1.2 readers.
pub fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !s.chars().all(plain_char) || s.trim() != s {
        return false;
    }
    // Indicators that start something else; `-` only as `- ` or alone.
    if matches!(
        first,
        ':' | ',' | '~' | '<' | '>' | '=' | '\\' | '$' | '^' | ';' | '(' | ')' | '@'
    ) || s.starts_with("---")
        || s.starts_with("...")
    {
        return false;
    }
    if first == '-' && !s[1..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-') {
        return false;
    }
    if s.contains(": ") || s.ends_with(':') || s.contains(" #") {
        return false;
    }
    !resolves_to_non_string(s)
}

/// Whether a YAML 1.1 or 1.2 resolver (go-yaml v2 or v3, libyaml, serde_yaml) could read the plain scalar
/// `s` as a bool, null, number, timestamp or merge/value key. Errs on the side of quoting.
pub fn resolves_to_non_string(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "y" | "n" | "yes" | "no" | "true" | "false" | "on" | "off" | "null" | "~" | "=" | "<<"
    ) {
        return true;
    }
    // Numbers of either version and of go-yaml's strconv fallback (1_000, 0x1F, 0o17, 017, 0b1, 1e3,
    // 1.5, .5, +1, 1.2.3, .inf, +Inf, -.nan, 190:20:30, 0x1p-2) all start with a sign, digit or dot.
    if s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
        let compact: String = lower.chars().filter(|c| *c != '_').collect();
        // A pattern that failed to build (it cannot) would quote every such string: the safe side.
        if NUMBER.as_ref().is_none_or(|n| n.is_match(&compact)) {
            return true;
        }
    }
    // YAML 1.1 timestamps: 2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10 -5.
    let b = lower.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[5].is_ascii_digit()
}

/// `|`, `|-` or `|+` with the text indented below, when the text is printable, multi-line and has no
/// line the block form cannot carry (leading spaces on the first line, trailing spaces, carriage returns).
fn literal_block(s: &str, indent: usize) -> Option<String> {
    if !s.contains('\n') || s.chars().any(|c| !printable(c) || c == '\r' || c == '\t') {
        return None;
    }
    let body = s.trim_end_matches('\n');
    if body.is_empty() || body.starts_with([' ', '\n']) || body.lines().any(|l| l.ends_with(' ')) {
        return None;
    }
    let trailing = s.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|{chomp}");
    for line in s[..body.len() + trailing.saturating_sub(1)].split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(line);
        }
    }
    Some(out)
}

/// Characters YAML allows unescaped (the c-printable set, minus BOM).
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// A double-quoted scalar with YAML escapes for everything not printable.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if printable(c) && c != '\u{85}' => out.push(c),
            c if (c as u32) <= 0xff => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings a YAML 1.1 reader (kubectl) would resolve to something else when written plain.
    pub const YAML11_SPECIAL: &[&str] = &[
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "y",
        "Y",
        "n",
        "N",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "true",
        "True",
        "FALSE",
        "null",
        "Null",
        "NULL",
        "~",
        "",
        "1_000",
        "0x1F",
        "0o17",
        "017",
        "0b101",
        "1e3",
        "1.5",
        ".5",
        "+1",
        "-1",
        ".inf",
        "-.Inf",
        ".NaN",
        "190:20:30",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "=",
        "<<",
        "12",
        "1.28",
        "1.28.0",
        "+Inf",
        "-infinity",
        "0x1p-2",
        "1_0.5",
        "-0",
        "+.5",
    ];

    #[test]
    fn special_scalars_are_quoted_and_read_back_as_strings() {
        for s in YAML11_SPECIAL {
            let text = document(&Value::Sequence(vec![Value::String((*s).into())]));
            assert!(text.starts_with("- \""), "{s:?} must be quoted: {text}");
            let back: Vec<String> = serde_yaml::from_str(&text).unwrap();
            assert_eq!(back, [*s]);
        }
    }

    #[test]
    fn ordinary_strings_stay_plain() {
        for s in [
            "kdeck-sim",
            "https://127.0.0.1:6443",
            "--region",
            "eu-west-1",
            "arn:aws:eks:eu-west-1:123:cluster/prod",
            "v1",
            "client.authentication.k8s.io/v1beta1",
            "a b",
            "x=y",
            "7d9f",
            "1a",
            "v1.28.0",
            "e1",
            "-foo",
        ] {
            assert!(plain_is_safe(s), "{s:?}");
        }
    }

    #[test]
    fn awkward_strings_round_trip() {
        let cases = [
            "a: b",
            "a #b",
            "- x",
            "-",
            "#x",
            "'q'",
            "\"d\"",
            "tab\there",
            "bell\u{7}",
            "nul\0",
            "del\u{7f}",
            "bom\u{feff}",
            " lead",
            "trail ",
            "ünïcødé",
            "line1\nline2\n",
            "l1\n  l2",
            "keep\n\n",
            "no-end\nx",
            " first\nx",
            "\nstart",
            "cr\r\n",
            "---",
            "...",
            "@at",
            "%p",
            "!t",
            "&a",
            "*a",
            "|",
            ">",
            "[x]",
            "{x}",
            "a,b",
            "?",
            "`",
        ];
        let mut m = serde_yaml::Mapping::new();
        for (i, c) in cases.iter().enumerate() {
            m.insert(Value::String(format!("k{i}")), Value::String((*c).into()));
            m.insert(Value::String((*c).into()), Value::Number(i.into()));
        }
        let doc = Value::Mapping(
            [(
                Value::String("outer".into()),
                Value::Sequence(vec![Value::Mapping(m.clone()), Value::Mapping(m)]),
            )]
            .into_iter()
            .collect(),
        );
        let text = document(&doc);
        let back: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, doc, "{text}");
    }

    #[test]
    fn kubeconfig_layout_matches_kubectl() {
        let text = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://a\n  name: a\ncontexts: []\nusers:\n- name: u\n  user:\n    exec:\n      args:\n      - \"yes\"\n      - --x\n      env: null\n    extra: {}\n";
        let v: Value = serde_yaml::from_str(text).unwrap();
        assert_eq!(document(&v), text);
    }

    #[test]
    fn nested_sequences_tags_and_numbers() {
        let text = "a:\n- - 1\n  - 2.5\n- []\nb: !t x\nc: .inf\nd: false\n";
        let v: Value = serde_yaml::from_str(text).unwrap();
        let out = document(&v);
        assert_eq!(serde_yaml::from_str::<Value>(&out).unwrap(), v, "{out}");
    }
}
