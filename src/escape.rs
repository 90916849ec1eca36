//! Names from a kubeconfig or a cluster, made safe to print on a terminal.
//!
//! A context or namespace name is any string: a kubeconfig received from someone else can hold ANSI or
//! OSC escape sequences (retitle the window, rewrite the clipboard with OSC 52, hide text) or a carriage
//! return that overwrites what came before. Lists, messages and the prompt show such characters as
//! visible `\xNN` text instead. Printable names, the only kind kubectl's own validation lets a server
//! hold, come through unchanged.
//!
//! Pure text in, text out; callers decide where it is printed.

use std::borrow::Cow;

/// `name` with every control character (C0, DEL, C1) written as `\xNN`, and a backslash as `\\`
/// whenever something was escaped, so the shown text maps back to one name.
pub fn name(name: &str) -> Cow<'_, str> {
    if !name.chars().any(char::is_control) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A message that may quote names: control characters escaped as in [`name`], line breaks kept so a
/// multi-line error stays readable.
pub fn message(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(|line| name(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_names_are_untouched() {
        for n in [
            "dev",
            "arn:aws:eks:eu-west-1:1:cluster/x",
            "ünï",
            "a\\b",
            "%F{1}",
        ] {
            assert!(matches!(name(n), Cow::Borrowed(_)), "{n}");
        }
    }

    #[test]
    fn escapes_ansi_osc_and_c1() {
        assert_eq!(name("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
        assert_eq!(name("x\x1b]0;title\x07"), "x\\x1b]0;title\\x07");
        assert_eq!(name("a\rb\nc\td"), "a\\x0db\\x0ac\\x09d");
        assert_eq!(name("\u{9b}2J"), "\\x9b2J");
        assert_eq!(name("\x7f"), "\\x7f");
        assert_eq!(
            name("\\x1b\x1b"),
            "\\\\x1b\\x1b",
            "a literal \\x1b stays distinct"
        );
        for n in ["\x1b[31m", "a\x07", "\u{9b}"] {
            assert!(!name(n).chars().any(char::is_control), "{n:?}");
        }
    }

    #[test]
    fn messages_keep_line_breaks() {
        assert_eq!(message("line 1\nline 2"), "line 1\nline 2");
        assert_eq!(
            message("no context \"\x1b]52;c;eA==\x07\"\nhint"),
            "no context \"\\x1b]52;c;eA==\\x07\"\nhint"
        );
    }
}
