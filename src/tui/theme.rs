//! Themes: full palettes for header, table, status colours, dialogs, banners, footer and log levels.
//!
//! Shipped themes (`themes/*.yaml`) are embedded at build time. A user file in `…/kdeck/themes/` with
//! the same name replaces a shipped one; entries it leaves out come from the default theme. A style is
//! written `"FG on BG bold"`. When `NO_COLOR` is set, the mono theme is used whatever was asked for.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use crate::cluster::rows::Tone;
use crate::yaml::{Mapping, Value};

pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.yaml")),
    ("light", include_str!("../../themes/light.yaml")),
    (
        "solarized-dark",
        include_str!("../../themes/solarized-dark.yaml"),
    ),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.yaml"),
    ),
    ("mono", include_str!("../../themes/mono.yaml")),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("theme {source_name}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct ThemeError {
    pub source_name: String,
    pub line: Option<usize>,
    pub message: String,
}

/// Parses `"FG on BG mod mod"`.
pub fn parse_style(text: &str) -> Result<Style, String> {
    let mut style = Style::default();
    let mut expect_bg = false;
    let mut first_color = true;
    for w in text.split_whitespace() {
        let lower = w.to_ascii_lowercase();
        let modifier = match lower.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
            continue;
        }
        if lower == "on" {
            expect_bg = true;
            continue;
        }
        let color = Color::from_str(w).map_err(|_| format!("unknown colour \"{w}\""))?;
        if expect_bg {
            style = style.bg(color);
            expect_bg = false;
        } else if first_color {
            style = style.fg(color);
            first_color = false;
        } else {
            return Err(format!(
                "two foreground colours in \"{text}\" (use FG on BG)"
            ));
        }
    }
    if expect_bg {
        return Err(format!("\"on\" needs a colour after it in \"{text}\""));
    }
    Ok(style)
}

macro_rules! palette {
    ($($section:ident : $ty:ident { $($field:ident),* $(,)? })*) => {
        $(
            #[derive(Debug, Clone, PartialEq, Default)]
            pub struct $ty { $(pub $field: Style),* }
        )*

        /// A complete palette.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct Theme {
            pub name: String,
            $(pub $section: $ty),*
        }

        const SECTIONS: &[(&str, &[&str])] = &[$((stringify!($section), &[$(stringify!($field)),*])),*];

        impl Theme {
            fn from_mapping(name: &str, map: &Mapping, source: &str, text: &str) -> Result<Theme, ThemeError> {
                let mut theme = Theme { name: name.to_string(), ..Default::default() };
                $(
                    $(
                        let s = map.get(stringify!($section)).and_then(|s| s.get(stringify!($field)));
                        let s = s.and_then(Value::as_str).ok_or_else(|| ThemeError {
                            source_name: source.to_string(),
                            line: None,
                            message: format!("{}.{} is missing", stringify!($section), stringify!($field)),
                        })?;
                        theme.$section.$field = parse_style(s).map_err(|message| ThemeError {
                            source_name: source.to_string(),
                            line: line_of(text, stringify!($field)),
                            message: format!("{}.{}: {message}", stringify!($section), stringify!($field)),
                        })?;
                    )*
                )*
                Ok(theme)
            }
        }
    };
}

palette! {
    header: HeaderStyle { text, label, value, context, guarded, readonly, connected, disconnected, favourites }
    table: TableStyle { border, title, count, header, row, selected, matched, empty }
    status: StatusStyle { normal, ok, pending, error, done, warning }
    dialog: DialogStyle { border, title, text, key, input }
    banner: BannerStyle { error, info }
    footer: FooterStyle { key, text, flash_info, flash_error }
    log: LogStyle { error, warn, info, debug, timestamp, search, pod_1, pod_2, pod_3, pod_4, pod_5, pod_6 }
    text: TextStyle { key, header, table_header, warning, value, string, number, comment, masked }
}

fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(&format!("{key}:")))
        .map(|i| i + 1)
}

fn shipped_text(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

impl Theme {
    /// The colour of one source (pod) in a merged log stream: stable for a name, from the theme's
    /// `log.pod_1` … `log.pod_6` palette.
    pub fn pod_colour(&self, pod: &str) -> Style {
        // FNV-1a: stable across runs and platforms (std's hasher is randomly seeded).
        let mut h: u32 = 0x811c_9dc5;
        for b in pod.bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
        let l = &self.log;
        [l.pod_1, l.pod_2, l.pod_3, l.pod_4, l.pod_5, l.pod_6][(h % 6) as usize]
    }

    pub fn tone(&self, tone: Tone) -> Style {
        let s = &self.status;
        match tone {
            Tone::Normal => s.normal,
            Tone::Ok => s.ok,
            Tone::Pending => s.pending,
            Tone::Error => s.error,
            Tone::Done => s.done,
            Tone::Warning => s.warning,
        }
    }

    /// Parses a theme file; entries it leaves out come from the shipped default.
    pub fn parse(name: &str, source: &str, text: &str) -> Result<Theme, ThemeError> {
        let err = |line, message| ThemeError {
            source_name: source.to_string(),
            line,
            message,
        };
        let base = crate::yaml::parse_value(shipped_text("default").unwrap_or_default())
            .map_err(|e| err(None, e.to_string()))?;
        let user = crate::yaml::parse_value(text).map_err(|e| err(e.line, e.message))?;
        let mut merged = match base {
            Value::Mapping(m) => m,
            _ => Mapping::new(),
        };
        match user {
            Value::Mapping(m) => {
                for (section, fields) in m {
                    let sname = section.as_str().unwrap_or_default().to_string();
                    let Some((_, known)) = SECTIONS.iter().find(|(s, _)| *s == sname) else {
                        return Err(err(
                            line_of(text, &sname),
                            format!("unknown section \"{sname}\""),
                        ));
                    };
                    let Value::Mapping(fields) = fields else {
                        return Err(err(
                            line_of(text, &sname),
                            format!("{sname} must be a mapping"),
                        ));
                    };
                    for (k, v) in fields {
                        let kname = k.as_str().unwrap_or_default();
                        if !known.contains(&kname) {
                            return Err(err(
                                line_of(text, kname),
                                format!("unknown entry \"{sname}.{kname}\""),
                            ));
                        }
                        if let Some(Value::Mapping(target)) = merged.get_mut(&section) {
                            target.insert(k, v);
                        }
                    }
                }
            }
            Value::Null => {}
            _ => return Err(err(Some(1), "expected a mapping of sections".into())),
        }
        Theme::from_mapping(name, &merged, source, text)
    }

    pub fn load_from(name: &str, dir: &Path) -> Result<Theme, ThemeError> {
        let path = dir.join(format!("{name}.yaml"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Self::parse(name, &path.display().to_string(), &text);
        }
        match shipped_text(name) {
            Some(text) => Self::parse(name, &format!("<shipped {name}>"), text),
            None => Err(ThemeError {
                source_name: path.display().to_string(),
                line: None,
                message: format!(
                    "no theme named \"{name}\" (shipped: {}; or add {})",
                    SHIPPED
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", "),
                    path.display()
                ),
            }),
        }
    }

    /// A shipped theme by name (tests, and the fallback when a user theme is broken).
    pub fn shipped(name: &str) -> Option<Theme> {
        shipped_text(name).and_then(|t| Self::parse(name, name, t).ok())
    }

    /// The theme to use: mono under NO_COLOR, else `name` from the user dir or the shipped set, else the
    /// default with the error to show.
    pub fn load_or_default(name: &str) -> (Theme, Option<ThemeError>) {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let name = if no_color { "mono" } else { name };
        let dir = crate::paths::config_dir().join("themes");
        match Self::load_from(name, &dir) {
            Ok(t) => (t, None),
            Err(e) => (Self::shipped("default").unwrap_or_default(), Some(e)),
        }
    }

    /// A stable, human-readable listing of every style (theme snapshots compare this, since the text
    /// of a rendered frame is the same under every theme).
    pub fn describe(&self) -> String {
        let mut out = format!("theme {}\n", self.name);
        let all: Vec<(&str, Vec<(&str, Style)>)> = vec![
            (
                "header",
                vec![
                    ("text", self.header.text),
                    ("label", self.header.label),
                    ("value", self.header.value),
                    ("context", self.header.context),
                    ("guarded", self.header.guarded),
                    ("readonly", self.header.readonly),
                    ("connected", self.header.connected),
                    ("disconnected", self.header.disconnected),
                    ("favourites", self.header.favourites),
                ],
            ),
            (
                "table",
                vec![
                    ("border", self.table.border),
                    ("title", self.table.title),
                    ("count", self.table.count),
                    ("header", self.table.header),
                    ("row", self.table.row),
                    ("selected", self.table.selected),
                    ("matched", self.table.matched),
                    ("empty", self.table.empty),
                ],
            ),
            (
                "status",
                vec![
                    ("normal", self.status.normal),
                    ("ok", self.status.ok),
                    ("pending", self.status.pending),
                    ("error", self.status.error),
                    ("done", self.status.done),
                    ("warning", self.status.warning),
                ],
            ),
            (
                "dialog",
                vec![
                    ("border", self.dialog.border),
                    ("title", self.dialog.title),
                    ("text", self.dialog.text),
                    ("key", self.dialog.key),
                    ("input", self.dialog.input),
                ],
            ),
            (
                "banner",
                vec![("error", self.banner.error), ("info", self.banner.info)],
            ),
            (
                "footer",
                vec![
                    ("key", self.footer.key),
                    ("text", self.footer.text),
                    ("flash_info", self.footer.flash_info),
                    ("flash_error", self.footer.flash_error),
                ],
            ),
            (
                "log",
                vec![
                    ("error", self.log.error),
                    ("warn", self.log.warn),
                    ("info", self.log.info),
                    ("debug", self.log.debug),
                    ("timestamp", self.log.timestamp),
                    ("search", self.log.search),
                    ("pod_1", self.log.pod_1),
                    ("pod_2", self.log.pod_2),
                    ("pod_3", self.log.pod_3),
                    ("pod_4", self.log.pod_4),
                    ("pod_5", self.log.pod_5),
                    ("pod_6", self.log.pod_6),
                ],
            ),
        ];
        for (section, fields) in all {
            for (f, s) in fields {
                out.push_str(&format!(
                    "{section}.{f}: fg={:?} bg={:?} mods={:?}\n",
                    s.fg, s.bg, s.add_modifier
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_is_complete_and_valid() {
        for (name, text) in SHIPPED {
            let t = Theme::parse(name, name, text).unwrap();
            assert_eq!(t.name, *name);
            // Each shipped theme must define every entry itself rather than lean on the default.
            let v = crate::yaml::parse_value(text).unwrap();
            for (section, fields) in SECTIONS {
                for f in *fields {
                    assert!(
                        v.get(section).and_then(|s| s.get(f)).is_some(),
                        "{name}: {section}.{f} missing"
                    );
                }
            }
        }
        let mono = Theme::shipped("mono").unwrap();
        assert!(
            mono.describe()
                .lines()
                .skip(1)
                .all(|l| !l.contains("Rgb") && !l.contains("fg=Some(Red"))
        );
    }

    #[test]
    fn styles_parse() {
        let s = parse_style("white on #102030 bold underlined").unwrap();
        assert_eq!(s.fg, Some(Color::White));
        assert_eq!(s.bg, Some(Color::Rgb(0x10, 0x20, 0x30)));
        assert!(
            s.add_modifier
                .contains(Modifier::BOLD | Modifier::UNDERLINED)
        );
        assert!(parse_style("blurple").is_err());
        assert!(parse_style("red on").is_err());
    }

    #[test]
    fn user_theme_overrides_and_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.yaml"),
            "table:\n  selected: \"black on magenta\"\n",
        )
        .unwrap();
        let t = Theme::load_from("mine", dir.path()).unwrap();
        assert_eq!(t.table.selected.bg, Some(Color::Magenta));
        assert_eq!(t.status.ok, Theme::shipped("default").unwrap().status.ok);
        std::fs::write(
            dir.path().join("bad.yaml"),
            "table:\n  row: white\n  selected: \"nocolour\"\n",
        )
        .unwrap();
        let e = Theme::load_from("bad", dir.path()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.to_string().contains("bad.yaml, line 3"), "{e}");
        std::fs::write(dir.path().join("bad2.yaml"), "tabel:\n  row: white\n").unwrap();
        assert!(
            Theme::load_from("bad2", dir.path())
                .unwrap_err()
                .message
                .contains("unknown section")
        );
        assert!(Theme::load_from("nope", dir.path()).is_err());
    }
}
