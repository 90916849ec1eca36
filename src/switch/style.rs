//! kubectx's look: `✔ ` in green before successes, bold yellow `warning: `, bold red `error: `, names in
//! green, and the current entry of a list in bold green.
//!
//! Colour rules, as kubectx applies them: `_KUBECTX_FORCE_COLOR` forces colour on, a non-empty `NO_COLOR`
//! turns it off, otherwise it is on when the stream is a terminal and `TERM` is not `dumb`. kubectx 0.9
//! only warns that `KUBECTX_CURRENT_FGCOLOR`/`KUBECTX_CURRENT_BGCOLOR` are deprecated; kdeck still honours
//! them the way kubectx's bash version did (an escape sequence such as `$(tput setaf 6)`, or a 256-colour
//! number), so an old dotfile keeps its colours.

use std::io::IsTerminal;

const RESET: &str = "\x1b[0m";
const GREEN: &str = "\x1b[32m";
const BOLD_GREEN: &str = "\x1b[32;1m";
const BOLD_YELLOW: &str = "\x1b[33;1m";
const BOLD_RED: &str = "\x1b[31;1m";

/// Colouring for one output stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    color: bool,
    active: String,
}

/// Which stream a style is for: colour depends on whether that stream is a terminal.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Style {
    /// The style for `stream`, from the process environment.
    pub fn detect(stream: Stream) -> Self {
        Self::from_env(match stream {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        })
    }

    /// The style from the environment for an output that is (or is not) a terminal.
    pub fn from_env(is_tty: bool) -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self::from_parts(
            is_tty,
            var("_KUBECTX_FORCE_COLOR").is_some(),
            var("NO_COLOR").is_some(),
            var("TERM").as_deref() == Some("dumb"),
            var("KUBECTX_CURRENT_FGCOLOR").as_deref(),
            var("KUBECTX_CURRENT_BGCOLOR").as_deref(),
        )
    }

    /// Pure form of [`Style::detect`].
    pub fn from_parts(
        is_tty: bool,
        force: bool,
        no_color: bool,
        dumb: bool,
        fg: Option<&str>,
        bg: Option<&str>,
    ) -> Self {
        let color = force || (!no_color && is_tty && !dumb);
        let active = match (fg, bg) {
            (None, None) => BOLD_GREEN.to_string(),
            _ => format!(
                "{}{}",
                bg.map(|b| legacy_color(b, 48)).unwrap_or_default(),
                fg.map(|f| legacy_color(f, 38)).unwrap_or_default()
            ),
        };
        Style { color, active }
    }

    #[cfg(test)]
    pub fn plain() -> Self {
        Self::from_parts(false, false, true, false, None, None)
    }

    pub fn color(&self) -> bool {
        self.color
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    }

    /// A name inside a message (kubectx's `SuccessColor`), control characters escaped.
    pub fn name(&self, s: &str) -> String {
        self.paint(GREEN, &crate::escape::name(s))
    }

    /// The current context or namespace in a list, control characters escaped.
    pub fn active(&self, s: &str) -> String {
        self.paint(&self.active, &crate::escape::name(s))
    }

    /// The escape that starts the "current entry" colour ("" without colour).
    pub fn active_code(&self) -> &str {
        if self.color { &self.active } else { "" }
    }

    pub fn success(&self, message: &str) -> String {
        format!("{}{message}\n", self.paint(GREEN, "✔ "))
    }

    pub fn warning(&self, message: &str) -> String {
        format!("{}{message}\n", self.paint(BOLD_YELLOW, "warning: "))
    }

    /// An error, which may quote names from a kubeconfig: control characters are escaped.
    pub fn error(&self, message: &str) -> String {
        let message = crate::escape::message(message);
        format!("{}{message}\n", self.paint(BOLD_RED, "error: "))
    }
}

/// kubectx-bash colour values: a raw escape sequence is used as is, a number is a 256-colour index.
fn legacy_color(value: &str, layer: u8) -> String {
    match value.trim().parse::<u8>() {
        Ok(n) => format!("\x1b[{layer};5;{n}m"),
        Err(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_rules() {
        assert!(Style::from_parts(true, false, false, false, None, None).color());
        assert!(!Style::from_parts(false, false, false, false, None, None).color());
        assert!(!Style::from_parts(true, false, true, false, None, None).color());
        assert!(!Style::from_parts(true, false, false, true, None, None).color());
        assert!(Style::from_parts(false, true, true, false, None, None).color());
    }

    #[test]
    fn messages_match_kubectx() {
        let plain = Style::plain();
        assert_eq!(
            plain.success("Switched to context \"a\"."),
            "✔ Switched to context \"a\".\n"
        );
        assert_eq!(plain.error("x"), "error: x\n");
        assert_eq!(plain.warning("x"), "warning: x\n");
        assert_eq!(plain.active("a"), "a");
        let colored = Style::from_parts(true, false, false, false, None, None);
        assert_eq!(colored.active("a"), "\x1b[32;1ma\x1b[0m");
        assert_eq!(colored.error("x"), "\x1b[31;1merror: \x1b[0mx\n");
    }

    #[test]
    fn names_and_errors_never_carry_raw_escapes() {
        let colored = Style::from_parts(true, false, false, false, None, None);
        assert_eq!(
            colored.name("a\x1b]0;t\x07"),
            "\x1b[32ma\\x1b]0;t\\x07\x1b[0m"
        );
        assert_eq!(Style::plain().active("\x1b[2J"), "\\x1b[2J");
        assert_eq!(
            Style::plain().error("no context \"\x1b[8m\""),
            "error: no context \"\\x1b[8m\"\n"
        );
    }

    #[test]
    fn legacy_current_colours() {
        let s = Style::from_parts(true, false, false, false, Some("\x1b[36m"), Some("6"));
        assert_eq!(s.active("a"), "\x1b[48;5;6m\x1b[36ma\x1b[0m");
    }
}
