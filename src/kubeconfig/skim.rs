//! A fast, validating scanner for kubeconfigs written in the plain block style kubectl writes.
//!
//! A full YAML parse of a 1000-context kubeconfig costs tens of milliseconds, which is the whole budget of
//! `kdeck ctx NAME`. This scanner reads the same files in well under a millisecond. It accepts only a
//! conservative subset: block mappings and sequences, one-line plain or quoted scalars, `{}` and `[]`.
//! Anything else (comments after values, flow collections, anchors, tags, block scalars, tabs, CRLF,
//! several documents, keys or names that YAML might read as non-strings, duplicate keys) makes it answer
//! `None`, and callers fall back to the full parse. So when it answers, the file is valid YAML with the
//! shape kubectl requires, and the names and current-context are the ones the full parse would give.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

/// What the fast path needs from one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skim {
    /// Context names in file order, first occurrence only.
    pub context_names: Vec<String>,
    /// The non-empty `current-context`.
    pub current_context: Option<String>,
    /// Where the value of a one-line top-level `current-context:` sits, for a textual edit: replacing
    /// this range with `" " + <scalar>` sets it.
    pub current_span: Option<Range<usize>>,
}

struct Line<'a> {
    start: usize,
    indent: usize,
    content: &'a str,
}

enum Node<'a> {
    Null,
    /// A scalar with its text decoded and whether YAML surely reads it as a string.
    Scalar {
        value: Cow<'a, str>,
        is_string: bool,
    },
    EmptyMap,
    EmptySeq,
    /// The root mapping, with every entry and the span of its one-line value.
    Map(Vec<(&'a str, Node<'a>, Range<usize>)>),
    /// Any other mapping: only its `name` field matters (list entries), and only when it is a scalar.
    Item(Option<(Cow<'a, str>, bool)>),
    /// Items are kept only for lists directly under the root.
    Seq(Vec<Node<'a>>),
}

/// The most keys one mapping may have on the fast path; kubeconfig mappings have a handful.
const MAX_KEYS: usize = 32;

/// Scans `text`; `None` means "outside the subset, use the full parse".
pub fn skim(text: &str) -> Option<Skim> {
    if text.bytes().any(|b| b == b'\t' || b == b'\r') {
        return None;
    }
    let mut lines = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let body = raw.strip_suffix('\n').unwrap_or(raw);
        let trimmed = body.trim_end_matches(' ');
        let content = trimmed.trim_start_matches(' ');
        let indent = trimmed.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            // Blank lines and whole-line comments carry nothing.
        } else if content.starts_with("---")
            || content.starts_with("...")
            || content.starts_with('%')
        {
            return None;
        } else {
            lines.push(Line {
                start: start + indent,
                indent,
                content,
            });
        }
        start += raw.len();
    }
    let mut parser = Parser { lines, i: 0 };
    let root = if parser.lines.is_empty() {
        Node::Null
    } else {
        if parser.lines[0].indent != 0 || is_seq_item(parser.lines[0].content) {
            return None;
        }
        let root = parser.map(0, true)?;
        if parser.i != parser.lines.len() {
            return None;
        }
        root
    };
    shape(root)
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    i: usize,
}

impl<'a> Parser<'a> {
    /// A block mapping at `indent`. Only the root keeps its entries; duplicate keys are checked against
    /// a fixed array so that the thousands of small mappings of a big file allocate nothing.
    fn map(&mut self, indent: usize, root: bool) -> Option<Node<'a>> {
        let mut entries: Vec<(&'a str, Node<'a>, Range<usize>)> = Vec::new();
        let mut keys: [&str; MAX_KEYS] = [""; MAX_KEYS];
        let mut key_count = 0;
        let mut name = None;
        while let Some(line) = self.lines.get(self.i) {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_seq_item(line.content) {
                return None;
            }
            let (key, rest) = split_key(line.content)?;
            if key_count == MAX_KEYS || keys[..key_count].contains(&key) {
                return None;
            }
            keys[key_count] = key;
            key_count += 1;
            let rest_start = line.start + key.len() + 1;
            let span_end = line.start + line.content.len();
            self.i += 1;
            let value = if rest.is_empty() {
                match self.lines.get(self.i) {
                    Some(next) if next.indent > indent => self.node(next.indent, root)?,
                    Some(next) if next.indent == indent && is_seq_item(next.content) => {
                        self.seq(indent, root)?
                    }
                    _ => Node::Null,
                }
            } else {
                scalar(rest)?
            };
            if root {
                entries.push((key, value, rest_start..span_end));
            } else if key == "name"
                && let Node::Scalar { value, is_string } = value
            {
                name = Some((value, is_string));
            }
        }
        Some(if root {
            Node::Map(entries)
        } else {
            Node::Item(name)
        })
    }

    /// A block sequence at `indent`; `keep` keeps its items (lists directly under the root).
    fn seq(&mut self, indent: usize, keep: bool) -> Option<Node<'a>> {
        let mut items = Vec::new();
        let mut push = |item: Node<'a>| {
            if keep {
                items.push(item);
            }
        };
        while let Some(line) = self.lines.get(self.i) {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return None;
            }
            if !is_seq_item(line.content) {
                // The parent mapping's next key (kubectl indents lists at their key's level); the
                // parent decides whether that is valid.
                break;
            }
            let after = &line.content[1..];
            let rest = after.trim_start_matches(' ');
            if rest.is_empty() {
                self.i += 1;
                match self.lines.get(self.i) {
                    Some(next) if next.indent > indent => push(self.node(next.indent, false)?),
                    _ => push(Node::Null),
                }
            } else if is_seq_item(rest) {
                return None;
            } else if split_key(rest).is_some() {
                // A compact mapping: `- key: value` opens a mapping whose keys sit under `key`.
                let column = indent + 1 + (after.len() - rest.len());
                let start = line.start + (line.content.len() - rest.len());
                self.lines[self.i] = Line {
                    start,
                    indent: column,
                    content: rest,
                };
                push(self.map(column, false)?);
            } else {
                push(scalar(rest)?);
                self.i += 1;
            }
        }
        Some(Node::Seq(items))
    }

    /// The value block of a key; `under_root` when that key belongs to the root mapping.
    fn node(&mut self, indent: usize, under_root: bool) -> Option<Node<'a>> {
        let line = self.lines.get(self.i)?;
        if is_seq_item(line.content) {
            self.seq(indent, under_root)
        } else {
            self.map(indent, false)
        }
    }
}

fn is_seq_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

/// `key:` or `key: rest`, for plain keys that YAML reads as strings.
fn split_key(content: &str) -> Option<(&str, &str)> {
    let bytes = content.as_bytes();
    let colon = bytes.iter().position(|&b| b == b':')?;
    let key = &content[..colon];
    let rest = &content[colon + 1..];
    let key_ok = bytes[0].is_ascii_alphabetic()
        && bytes[..colon]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'))
        && !["null", "true", "false"]
            .iter()
            .any(|k| key.eq_ignore_ascii_case(k));
    if !key_ok {
        return None;
    }
    if rest.is_empty() {
        return Some((key, rest));
    }
    rest.strip_prefix(' ')
        .map(|r| (key, r.trim_start_matches(' ')))
}

fn scalar(text: &str) -> Option<Node<'_>> {
    match text {
        "{}" => return Some(Node::EmptyMap),
        "[]" => return Some(Node::EmptySeq),
        _ => {}
    }
    if let Some(inner) = text.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        if inner.contains(['"', '\\']) {
            return None;
        }
        return Some(Node::Scalar {
            value: Cow::Borrowed(inner),
            is_string: true,
        });
    }
    if let Some(inner) = text.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        let value = inner.replace("''", "'");
        if value.replace('\'', "").len() + 2 * value.matches('\'').count() != inner.len() {
            return None;
        }
        return Some(Node::Scalar {
            value: Cow::Owned(value),
            is_string: true,
        });
    }
    let first = text.chars().next()?;
    // `-x` is a plain scalar (command-line flags in exec args); `- ` would be a sequence entry.
    let dash_word = first == '-' && text.len() > 1 && !text.starts_with("- ");
    if ("-?:,[]{}#&*!|>'\"%@`".contains(first) && !dash_word)
        || text.contains(": ")
        || text.contains(" #")
    {
        return None;
    }
    if text.ends_with(':') {
        return None;
    }
    if matches!(text, "~" | "null" | "Null" | "NULL") {
        return Some(Node::Null);
    }
    Some(Node::Scalar {
        value: Cow::Borrowed(text),
        is_string: surely_string(text),
    })
}

/// Whether YAML's core schema reads a plain scalar as a string. Doubtful cases answer false.
fn surely_string(s: &str) -> bool {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let starts_numeric = unsigned
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == b'+' || c == b'.');
    !(starts_numeric
        || ["true", "false", ".inf", ".nan"]
            .iter()
            .any(|k| unsigned.eq_ignore_ascii_case(k)))
}

/// The kubeconfig shape checks of the full parse, and extraction of what the fast path needs.
fn shape(root: Node<'_>) -> Option<Skim> {
    let mut skim = Skim {
        context_names: Vec::new(),
        current_context: None,
        current_span: None,
    };
    let mut seen: HashSet<String> = HashSet::new();
    let Node::Map(entries) = root else {
        return matches!(root, Node::Null).then_some(skim);
    };
    for (key, value, span) in entries {
        match key {
            "clusters" | "users" | "contexts" => {
                let items = match value {
                    Node::Null | Node::EmptySeq => Vec::new(),
                    Node::Seq(items) => items,
                    _ => return None,
                };
                for item in items {
                    let Node::Item(Some((value, true))) = item else {
                        return None;
                    };
                    if key == "contexts" && !seen.contains(value.as_ref()) {
                        seen.insert(value.to_string());
                        skim.context_names.push(value.to_string());
                    }
                }
            }
            "current-context" => match value {
                Node::Null => skim.current_span = Some(span),
                Node::Scalar {
                    value,
                    is_string: true,
                } => {
                    skim.current_context = Some(value.into_owned()).filter(|v| !v.is_empty());
                    skim.current_span = Some(span);
                }
                _ => return None,
            },
            _ => {}
        }
    }
    Some(skim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::{KubeconfigDoc, Section};
    use std::path::Path;

    const KUBECTL_STYLE: &str = "\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://10.0.0.1:6443
  name: c1
contexts:
- context:
    cluster: c1
    namespace: kube-system
    user: u1
  name: dev
- context:
    cluster: c1
    user: u1
  name: 'it''s'
- name: \"quoted\"
  context: {}
current-context: dev
kind: Config
preferences: {}
users:
- name: u1
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - --region
      - eu-west-1
      command: aws
      env: null
";

    /// What the full parse says about the same text.
    fn full(text: &str) -> Option<(Vec<String>, Option<String>)> {
        let doc = KubeconfigDoc::parse(Path::new("/k"), text.to_string()).ok()?;
        Some((
            doc.names(Section::Contexts),
            doc.current_context().map(str::to_string),
        ))
    }

    #[test]
    fn reads_kubectl_style_like_the_full_parse() {
        let s = skim(KUBECTL_STYLE).expect("kubectl's own style is in the subset");
        assert_eq!(s.context_names, ["dev", "it's", "quoted"]);
        assert_eq!(s.current_context.as_deref(), Some("dev"));
        assert_eq!(
            full(KUBECTL_STYLE),
            Some((s.context_names.clone(), s.current_context.clone()))
        );
        let span = s.current_span.unwrap();
        assert_eq!(&KUBECTL_STYLE[span], " dev");
    }

    #[test]
    fn empty_and_missing_current_context() {
        let s = skim("").unwrap();
        assert!(s.context_names.is_empty() && s.current_context.is_none());
        let text = "kind: Config\ncurrent-context:\ncontexts: []\n";
        let s = skim(text).unwrap();
        assert_eq!(s.current_context, None);
        assert_eq!(s.current_span.map(|r| &text[r]), Some(""));
        assert_eq!(
            skim("current-context: \"\"\n").unwrap().current_context,
            None
        );
    }

    #[test]
    fn leaves_everything_unusual_to_the_full_parse() {
        for text in [
            "contexts: [{name: a}]\n",
            "current-context: a # comment\n",
            "current-context: 123\n",
            "current-context: true\n",
            "contexts:\n- name: 1\n",
            "contexts:\n- context: {}\n",
            "contexts: {}\n",
            "a: &x 1\nb: *x\n",
            "a: |\n  text\n",
            "a: b\na: c\n",
            "---\na: b\n",
            "a:\tb\n",
            "a: b\r\n",
            "- a\n",
            "a: b\n  c\n",
            "a: \"x\\ny\"\n",
            "true: 1\n",
            "a: b: c\n",
        ] {
            assert_eq!(skim(text), None, "{text:?}");
        }
    }

    /// Random small edits of a real kubeconfig: whenever the scanner accepts a text, the full parse
    /// must accept it too and agree on names and current-context.
    #[test]
    fn never_accepts_what_the_full_parse_rejects() {
        let alphabet = [
            " ", ":", "-", "\n", "\"", "'", "#", "{", "}", "a", "1", "  ", "- ", ": ",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut accepted = 0;
        for _ in 0..4000 {
            let mut text = KUBECTL_STYLE.to_string();
            for _ in 0..1 + next(3) {
                let mut at = next(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match next(3) {
                    0 => text.insert_str(at, alphabet[next(alphabet.len())]),
                    1 => {
                        let mut end = (at + 1 + next(3)).min(text.len());
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text.replace_range(at..end, "");
                    }
                    _ => {
                        let mut end = (at + 1).min(text.len());
                        while !text.is_char_boundary(end) {
                            end += 1;
                        }
                        text.replace_range(at..end, alphabet[next(alphabet.len())]);
                    }
                }
            }
            if let Some(s) = skim(&text) {
                accepted += 1;
                assert_eq!(
                    full(&text),
                    Some((s.context_names, s.current_context)),
                    "scanner and full parse disagree on:\n{text}"
                );
            }
        }
        assert!(
            accepted > 100,
            "the mutations should not all leave the subset ({accepted})"
        );
    }
}
