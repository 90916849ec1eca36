//! The asdf `.tool-versions` format, as far as kubectl is concerned: reading the `kubectl` line and
//! rewriting it for `pin`. Pure text in, text out.
//!
//! asdf rules kept here: `#` starts a comment anywhere on a line; the first line naming the tool wins;
//! further words on that line are fallbacks tried in order; `system` means "whatever is on PATH".

use std::fmt;

use super::version::{Version, VersionError};

pub const FILE_NAME: &str = ".tool-versions";
pub const TOOL: &str = "kubectl";

/// One word of a pin: a concrete version, `system` or `auto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    Version(Version),
    /// The kubectl found on PATH outside the shim directory.
    System,
    /// The installed version closest to the server's minor version.
    Auto,
}

impl Spec {
    pub fn parse(word: &str) -> Result<Spec, VersionError> {
        match word {
            "system" => Ok(Spec::System),
            "auto" => Ok(Spec::Auto),
            _ => word.parse().map(Spec::Version),
        }
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spec::Version(v) => v.fmt(f),
            Spec::System => f.write_str("system"),
            Spec::Auto => f.write_str("auto"),
        }
    }
}

/// The `kubectl` line of a `.tool-versions` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubectlLine {
    /// 1-based line number, for messages.
    pub line: usize,
    pub specs: Vec<Spec>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolVersionsError {
    #[error("line {line}: `kubectl` has no version (write e.g. `kubectl 1.29.4`)")]
    Empty { line: usize },
    #[error("line {line}: {source}")]
    BadVersion { line: usize, source: VersionError },
}

/// The part of a line before its comment.
fn strip_comment(line: &str) -> &str {
    line.split_once('#').map_or(line, |(code, _)| code)
}

/// Finds the first `kubectl` line. `Ok(None)` when the file does not name kubectl, so the lookup goes on
/// to the next file up, as asdf does.
pub fn parse(content: &str) -> Result<Option<KubectlLine>, ToolVersionsError> {
    for (idx, raw) in content.lines().enumerate() {
        let line = idx + 1;
        let mut words = strip_comment(raw).split_whitespace();
        if words.next() != Some(TOOL) {
            continue;
        }
        let specs = words
            .map(|w| {
                Spec::parse(w).map_err(|source| ToolVersionsError::BadVersion { line, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if specs.is_empty() {
            return Err(ToolVersionsError::Empty { line });
        }
        return Ok(Some(KubectlLine { line, specs }));
    }
    Ok(None)
}

/// Returns `content` with kubectl pinned to `spec`.
///
/// An existing `kubectl` line keeps its indentation, its trailing comment and its fallbacks (minus any
/// that equal the new pin); only the first version is replaced. Without one, `kubectl SPEC` is appended.
/// Every other line, blank lines and the file's line endings are left exactly as they were.
pub fn pin(content: &str, spec: &Spec) -> String {
    let newline = if content.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = String::with_capacity(content.len() + 32);
    let mut done = false;
    for piece in content.split_inclusive('\n') {
        let (body, ending) = split_ending(piece);
        if !done && let Some(edited) = edit_line(body, spec) {
            out.push_str(&edited);
            out.push_str(ending);
            done = true;
            continue;
        }
        out.push_str(piece);
    }
    if !done {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(newline);
        }
        out.push_str(&format!("{TOOL} {spec}{newline}"));
    }
    out
}

fn split_ending(piece: &str) -> (&str, &str) {
    if let Some(body) = piece.strip_suffix("\r\n") {
        (body, "\r\n")
    } else if let Some(body) = piece.strip_suffix('\n') {
        (body, "\n")
    } else {
        (piece, "")
    }
}

fn edit_line(body: &str, spec: &Spec) -> Option<String> {
    let (code, comment) = match body.find('#') {
        Some(i) => body.split_at(i),
        None => (body, ""),
    };
    let mut words = code.split_whitespace();
    if words.next() != Some(TOOL) {
        return None;
    }
    let indent = &code[..code.len() - code.trim_start().len()];
    let wanted = spec.to_string();
    // The old first version goes; fallbacks stay unless they would repeat the new pin.
    let fallbacks: Vec<&str> = words.skip(1).filter(|w| *w != wanted).collect();
    let mut line = format!("{indent}{TOOL} {wanted}");
    for f in fallbacks {
        line.push(' ');
        line.push_str(f);
    }
    if !comment.is_empty() {
        // Keep the gap that separated code and comment, or one space if there was none.
        let gap = &code[code.trim_end().len()..];
        line.push_str(if gap.is_empty() { " " } else { gap });
        line.push_str(comment);
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str) -> Spec {
        Spec::parse(s).unwrap()
    }

    #[test]
    fn finds_first_kubectl_line_with_fallbacks_and_comments() {
        let text = "# tools\nnodejs 20.1.0\nkubectl 1.29.4 system 1.28.0 # pinned for prod\nkubectl 1.30.0\n";
        let got = parse(text).unwrap().unwrap();
        assert_eq!(got.line, 3);
        assert_eq!(
            got.specs,
            vec![spec("1.29.4"), Spec::System, spec("1.28.0")]
        );
    }

    #[test]
    fn commented_out_and_lookalike_lines_do_not_count() {
        assert_eq!(
            parse("# kubectl 1.29.4\nkubectl-foo 1.0.0\nkubectlx 1.2.3\n").unwrap(),
            None
        );
        assert_eq!(parse("").unwrap(), None);
    }

    #[test]
    fn tabs_and_v_prefix_and_auto() {
        let got = parse("\tkubectl\tv1.29.4   auto\n").unwrap().unwrap();
        assert_eq!(got.specs, vec![spec("1.29.4"), Spec::Auto]);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("nodejs 20\nkubectl\n").unwrap_err();
        assert_eq!(err, ToolVersionsError::Empty { line: 2 });
        let err = parse("kubectl 1.29\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("line 1: \"1.29\" is not a kubectl version"),
            "{err}"
        );
        // asdf's `ref:`/`path:` forms are not kubectl versions kdeck can install.
        assert!(parse("kubectl ref:v1.29.4\n").is_err());
    }

    #[test]
    fn pin_replaces_version_and_keeps_comment_and_other_lines() {
        let before = "# my tools\nnodejs 20.1.0\n\n  kubectl 1.28.0 1.27.1   # prod is old\nterraform 1.6.0 # iac\n";
        let after = pin(before, &spec("1.29.4"));
        assert_eq!(
            after,
            "# my tools\nnodejs 20.1.0\n\n  kubectl 1.29.4 1.27.1   # prod is old\nterraform 1.6.0 # iac\n"
        );
        assert_eq!(
            parse(&after).unwrap().unwrap().specs,
            vec![spec("1.29.4"), spec("1.27.1")]
        );
    }

    #[test]
    fn pin_drops_a_fallback_equal_to_the_new_pin() {
        assert_eq!(
            pin("kubectl 1.28.0 1.29.4 system\n", &spec("1.29.4")),
            "kubectl 1.29.4 system\n"
        );
    }

    #[test]
    fn pin_edits_only_the_first_kubectl_line_and_not_commented_ones() {
        let before = "# kubectl 1.20.0\nkubectl 1.28.0\nkubectl 1.27.0\n";
        assert_eq!(
            pin(before, &Spec::System),
            "# kubectl 1.20.0\nkubectl system\nkubectl 1.27.0\n"
        );
    }

    #[test]
    fn pin_appends_when_missing_and_keeps_line_endings() {
        assert_eq!(pin("", &spec("1.29.4")), "kubectl 1.29.4\n");
        assert_eq!(
            pin("nodejs 20", &spec("1.29.4")),
            "nodejs 20\nkubectl 1.29.4\n"
        );
        assert_eq!(
            pin("nodejs 20\r\n", &spec("1.29.4")),
            "nodejs 20\r\nkubectl 1.29.4\r\n"
        );
        assert_eq!(
            pin("kubectl 1.2.3\r\nx 1\r\n", &spec("1.29.4")),
            "kubectl 1.29.4\r\nx 1\r\n"
        );
    }

    #[test]
    fn pin_comment_without_gap_gets_one_space() {
        assert_eq!(
            pin("kubectl 1.28.0#old\n", &spec("1.29.4")),
            "kubectl 1.29.4 #old\n"
        );
    }
}
