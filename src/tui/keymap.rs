//! Keymaps: key → [`Action`] tables loaded from YAML.
//!
//! The shipped keymaps (`keymaps/*.yaml`) are embedded in the binary. A user file with the same name in
//! `…/kdeck/keymaps/` replaces a shipped one; a user file may start with `extends: NAME` to rebind only
//! some actions. Errors name the file and line; the caller falls back to the default keymap.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use crate::yaml::Value;

/// Shipped keymaps, embedded at build time.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.yaml")),
    ("vim", include_str!("../../keymaps/vim.yaml")),
];

/// A key with its modifiers, normalised so `shift-f` and the terminal's `F` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        // Terminals report shifted letters as an upper-case char, with or without SHIFT.
        let mods = match code {
            KeyCode::Char(_) => mods - KeyModifiers::SHIFT,
            KeyCode::BackTab => KeyModifiers::NONE,
            _ => mods,
        };
        Key { code, mods }
    }

    pub fn char(c: char) -> Self {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    pub fn from_event(e: &KeyEvent) -> Self {
        Key::new(e.code, e.modifiers)
    }

    pub fn parse(text: &str) -> Option<Key> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && lower.starts_with("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[5..];
            } else if rest.len() > 1 && lower.starts_with("alt-") {
                mods |= KeyModifiers::ALT;
                rest = &rest[4..];
            } else if rest.len() > 1 && lower.starts_with("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdown" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().ok()?;
                if !(1..=12).contains(&n) {
                    return None;
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                if mods.contains(KeyModifiers::SHIFT) {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else {
                    KeyCode::Char(c)
                }
            }
        };
        Some(Key::new(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) if c.is_ascii_uppercase() => {
                write!(f, "shift-{}", c.to_ascii_lowercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdown"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("keymap {source_name}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct KeymapError {
    /// The file path, or `<shipped NAME>` for an embedded keymap.
    pub source_name: String,
    pub line: Option<usize>,
    pub message: String,
}

/// An active keymap.
#[derive(Debug, Clone)]
pub struct Keymap {
    pub name: String,
    /// Every action a key is bound to; their scopes never overlap (checked on load).
    by_key: HashMap<Key, Vec<Action>>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

fn line_of(text: &str, action: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches(['"', '\'']);
            t.strip_prefix(action)
                .map(|r| {
                    r.trim_start_matches(['"', '\''])
                        .trim_start()
                        .starts_with(':')
                })
                .unwrap_or(false)
        })
        .map(|i| i + 1)
}

impl Keymap {
    /// The action `key` means where `applies` says the user is.
    /// A kind's own verb (cordon on nodes) wins over a verb of every table bound to the same key.
    pub fn lookup_where(&self, key: &Key, applies: impl Fn(Action) -> bool) -> Option<Action> {
        let actions = self.by_key.get(key)?;
        let mut found = actions.iter().copied().filter(|a| applies(*a));
        let first = found.next()?;
        Some(
            std::iter::once(first)
                .chain(found)
                .find(|a| a.scope().kinds().is_some())
                .unwrap_or(first),
        )
    }

    /// Whether every key of `action` means another action where `applies` says the user is (help
    /// leaves it out there).
    pub fn shadowed(&self, action: Action, applies: impl Fn(Action) -> bool) -> bool {
        let keys = self.keys_for(action);
        !keys.is_empty()
            && keys
                .iter()
                .all(|k| self.lookup_where(k, &applies).is_some_and(|a| a != action))
    }

    /// The action `key` means in a table (or anywhere, for keys bound only on pages).
    pub fn lookup(&self, key: &Key) -> Option<Action> {
        self.lookup_where(key, |a| {
            a.scope().places().contains(&super::action::Place::Table)
        })
        .or_else(|| self.by_key.get(key).and_then(|v| v.first().copied()))
    }

    pub fn keys_for(&self, action: Action) -> &[Key] {
        self.by_action
            .get(&action)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first key of `action`, as help and hints print it.
    pub fn hint(&self, action: Action) -> Option<String> {
        self.keys_for(action).first().map(|k| k.to_string())
    }

    /// Parses one keymap file. `resolve` loads the keymap named by `extends:`.
    pub fn parse(
        name: &str,
        source_name: &str,
        text: &str,
        resolve: &dyn Fn(&str) -> Result<Keymap, KeymapError>,
    ) -> Result<Keymap, KeymapError> {
        let err = |line: Option<usize>, message: String| KeymapError {
            source_name: source_name.to_string(),
            line,
            message,
        };
        let value = crate::yaml::parse_value(text).map_err(|e| err(e.line, e.message))?;
        let map = match value {
            Value::Mapping(m) => m,
            Value::Null => Default::default(),
            _ => return Err(err(Some(1), "expected a mapping of action: [keys]".into())),
        };
        let mut by_action: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        if let Some(base) = map.get("extends") {
            let base = base
                .as_str()
                .ok_or_else(|| err(line_of(text, "extends"), "extends must be a name".into()))?;
            if base == name {
                return Err(err(
                    line_of(text, "extends"),
                    "a keymap cannot extend itself".into(),
                ));
            }
            by_action = resolve(base)?.by_action;
        }
        for (k, v) in &map {
            let Some(action_name) = k.as_str() else {
                return Err(err(
                    None,
                    format!("action names must be strings, found {k:?}"),
                ));
            };
            if action_name == "extends" {
                continue;
            }
            let line = line_of(text, action_name);
            let action = Action::from_name(action_name).ok_or_else(|| {
                err(
                    line,
                    format!("unknown action \"{action_name}\" (see `?` in kdeck for the list)"),
                )
            })?;
            let key_texts: Vec<&str> = match v {
                Value::String(s) => vec![s.as_str()],
                Value::Sequence(seq) => seq
                    .iter()
                    .map(|k| {
                        k.as_str().ok_or_else(|| {
                            err(line, format!("{action_name}: keys must be strings"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(err(
                        line,
                        format!("{action_name}: expected a key or a list of keys"),
                    ));
                }
            };
            let keys = key_texts
                .iter()
                .map(|t| {
                    Key::parse(t)
                        .ok_or_else(|| err(line, format!("{action_name}: unknown key \"{t}\"")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            by_action.insert(action, keys);
        }
        let mut by_key: HashMap<Key, Vec<Action>> = HashMap::new();
        for (action, keys) in &by_action {
            for key in keys {
                let bound = by_key.entry(*key).or_default();
                if bound.contains(action) {
                    continue;
                }
                if let Some(other) = bound
                    .iter()
                    .copied()
                    .find(|o| o.scope().overlaps(action.scope()))
                {
                    let line = line_of(text, action.name()).or(line_of(text, other.name()));
                    return Err(err(
                        line,
                        format!(
                            "key \"{key}\" is bound twice: to {} and to {}",
                            other.name(),
                            action.name()
                        ),
                    ));
                }
                bound.push(*action);
            }
        }
        Ok(Keymap {
            name: name.to_string(),
            by_key,
            by_action,
        })
    }

    /// Loads keymap `name`: a user file in `dir` first, then a shipped one.
    pub fn load_from(name: &str, dir: &Path) -> Result<Keymap, KeymapError> {
        Self::load_depth(name, dir, 0)
    }

    fn load_depth(name: &str, dir: &Path, depth: usize) -> Result<Keymap, KeymapError> {
        if depth > 4 {
            return Err(KeymapError {
                source_name: name.to_string(),
                line: None,
                message: "extends chain is too deep (a cycle?)".into(),
            });
        }
        let resolve = |base: &str| Self::load_depth(base, dir, depth + 1);
        let path: PathBuf = dir.join(format!("{name}.yaml"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Self::parse(name, &path.display().to_string(), &text, &resolve);
        }
        match SHIPPED.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Self::parse(name, &format!("<shipped {name}>"), text, &resolve),
            None => Err(KeymapError {
                source_name: path.display().to_string(),
                line: None,
                message: format!(
                    "no keymap named \"{name}\" (shipped: default, vim; or add {})",
                    path.display()
                ),
            }),
        }
    }

    /// The embedded default keymap; it is checked by a unit test, so it always parses.
    pub fn shipped_default() -> Keymap {
        let none =
            |_: &str| -> Result<Keymap, KeymapError> { unreachable!("default extends nothing") };
        match Self::parse("default", "<shipped default>", SHIPPED[0].1, &none) {
            Ok(k) => k,
            Err(e) => unreachable!("shipped default keymap is valid: {e}"),
        }
    }

    /// Loads `name` from the user dir or the shipped set, falling back to the default keymap with the
    /// error to show.
    pub fn load_or_default(name: &str) -> (Keymap, Option<KeymapError>) {
        let dir = crate::paths::config_dir().join("keymaps");
        match Self::load_from(name, &dir) {
            Ok(k) => (k, None),
            Err(e) => match Self::load_from("default", &dir) {
                Ok(k) => (k, Some(e)),
                Err(_) => (Self::shipped_default(), Some(e)),
            },
        }
    }
}

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;
