//! User extensions in k9s's own file formats, so k9s users can bring theirs:
//! `${XDG_CONFIG_HOME:-~/.config}/kdeck/aliases.yaml` (`aliases: {dp: deployments, pk: pods kube-system}`)
//! and `hotkeys.yaml` (`hotKeys: {NAME: {shortCut: Shift-0, description: …, command: pods}}`).
//!
//! A malformed file is reported with its path, line and column, and kdeck starts with the rest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::keymap::Key;

/// A command typed as its alias: the alias's first word is replaced by what it stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aliases(BTreeMap<String, String>);

/// One hotkey: a key that runs a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hotkey {
    pub key: Key,
    pub command: String,
    pub description: String,
}

#[derive(Deserialize)]
struct AliasFile {
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HotkeyEntry {
    short_cut: String,
    #[serde(default)]
    description: String,
    command: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HotkeyFile {
    #[serde(default)]
    hot_keys: BTreeMap<String, HotkeyEntry>,
}

fn dir() -> PathBuf {
    crate::paths::config_dir()
}

/// `path: line:column: message`, as an editor jumps to it.
fn located(path: &Path, e: &crate::yaml::YamlError) -> String {
    match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}: {}", path.display(), e.message),
        _ => format!("{}: {}", path.display(), e.message),
    }
}

/// Reads `path` when it exists (None when it does not).
fn read(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

impl Aliases {
    pub fn parse(path: &Path, text: &str) -> Result<Aliases, String> {
        let f: AliasFile = crate::yaml::from_str(text).map_err(|e| located(path, &e))?;
        Ok(Aliases(
            f.aliases
                .into_iter()
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                .collect(),
        ))
    }

    /// `aliases.yaml` in kdeck's config directory; none when it is missing.
    pub fn load() -> Result<Aliases, String> {
        let path = dir().join("aliases.yaml");
        read(&path)?.map_or(Ok(Aliases::default()), |t| Aliases::parse(&path, &t))
    }

    /// `text` with its first word expanded when it is an alias (`dp web` → `deployments web`).
    pub fn expand(&self, text: &str) -> Option<String> {
        let t = text.trim().trim_start_matches(':');
        let (first, rest) = t.split_once(' ').unwrap_or((t, ""));
        let to = self.0.get(first)?;
        Some(if rest.trim().is_empty() {
            to.clone()
        } else {
            format!("{to} {}", rest.trim())
        })
    }

    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }
}

/// k9s writes keys as `Shift-0`, `Ctrl-A`; kdeck's keymaps as `shift-0`, `ctrl-a`. A shifted digit is the
/// symbol above it on a US keyboard, as k9s reads it (`Shift-0` is `)`).
fn key_of(short_cut: &str) -> Option<Key> {
    let lower = short_cut.trim().to_ascii_lowercase();
    if let Some(d) = lower.strip_prefix("shift-")
        && let Some(i) = d.parse::<usize>().ok().filter(|_| d.len() == 1)
    {
        let symbol = ")!@#$%^&*(".chars().nth(i)?;
        return Some(Key::char(symbol));
    }
    Key::parse(&lower)
}

pub fn parse_hotkeys(path: &Path, text: &str) -> Result<Vec<Hotkey>, String> {
    let f: HotkeyFile = crate::yaml::from_str(text).map_err(|e| located(path, &e))?;
    f.hot_keys
        .into_iter()
        .map(|(name, h)| {
            let key = key_of(&h.short_cut).ok_or_else(|| {
                format!(
                    "{}: hotKeys.{name}.shortCut: unknown key \"{}\"",
                    path.display(),
                    h.short_cut
                )
            })?;
            Ok(Hotkey {
                key,
                command: h.command.trim().trim_start_matches(':').to_string(),
                description: h.description,
            })
        })
        .collect()
}

/// `hotkeys.yaml` in kdeck's config directory; none when it is missing.
pub fn load_hotkeys() -> Result<Vec<Hotkey>, String> {
    let path = dir().join("hotkeys.yaml");
    read(&path)?.map_or(Ok(Vec::new()), |t| parse_hotkeys(&path, &t))
}

/// One plugin: a key that runs a command on the selected row, in the views its scopes name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plugin {
    pub name: String,
    pub key: Key,
    pub description: String,
    /// Kinds (plural, singular or short name, lower case) or `all`.
    pub scopes: Vec<String>,
    pub confirm: bool,
    pub background: bool,
    pub command: String,
    pub args: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PluginEntry {
    short_cut: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    confirm: bool,
    #[serde(default)]
    background: bool,
    command: String,
    #[serde(default)]
    args: Vec<String>,
}

#[derive(Deserialize)]
struct PluginFile {
    #[serde(default)]
    plugins: BTreeMap<String, PluginEntry>,
}

pub fn parse_plugins(path: &Path, text: &str) -> Result<Vec<Plugin>, String> {
    let f: PluginFile = crate::yaml::from_str(text).map_err(|e| located(path, &e))?;
    f.plugins
        .into_iter()
        .map(|(name, p)| {
            let key = key_of(&p.short_cut).ok_or_else(|| {
                format!(
                    "{}: plugins.{name}.shortCut: unknown key \"{}\"",
                    path.display(),
                    p.short_cut
                )
            })?;
            Ok(Plugin {
                name,
                key,
                description: p.description,
                scopes: p.scopes.iter().map(|s| s.trim().to_lowercase()).collect(),
                confirm: p.confirm,
                background: p.background,
                command: p.command,
                args: p.args,
            })
        })
        .collect()
}

/// `plugins.yaml` in kdeck's config directory; none when it is missing.
pub fn load_plugins() -> Result<Vec<Plugin>, String> {
    let path = dir().join("plugins.yaml");
    read(&path)?.map_or(Ok(Vec::new()), |t| parse_plugins(&path, &t))
}

impl Plugin {
    /// Whether the plugin applies to a view of the kind with these names.
    pub fn in_scope(&self, names: &[&str]) -> bool {
        self.scopes
            .iter()
            .any(|s| s == "all" || names.iter().any(|n| n.eq_ignore_ascii_case(s)))
    }
}

/// `$NAME`-style variables in `arg`, the longest name first (so `$COL-NAME` is not `$COL…`); unknown
/// ones are left as written.
pub fn expand(arg: &str, vars: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = vars.iter().collect();
    sorted.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    let mut out = arg.to_string();
    for (k, v) in sorted {
        out = out.replace(&format!("${k}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn k9s_plugin_files_parse_and_expand_their_variables() {
        let p = parse_plugins(
            Path::new("plugins.yaml"),
            "plugins:\n  echo:\n    shortCut: Ctrl-E\n    description: Echo\n    scopes: [pods, deploy]\n    command: sh\n    args: [-c, \"echo $NAME $COL-STATUS\"]\n",
        )
        .unwrap();
        assert_eq!(p.len(), 1);
        assert!(p[0].in_scope(&["pods", "po", "pod"]) && !p[0].in_scope(&["services"]));
        let vars = vec![
            ("NAME".to_string(), "web-1".to_string()),
            ("COL-STATUS".to_string(), "Running".to_string()),
        ];
        assert_eq!(expand(&p[0].args[1], &vars), "echo web-1 Running");
    }

    use super::*;

    #[test]
    fn k9s_alias_files_expand_the_first_word() {
        let a = Aliases::parse(
            Path::new("aliases.yaml"),
            "aliases:\n  dp: deployments\n  pk: pods kube-system\n",
        )
        .unwrap();
        assert_eq!(a.expand(":dp").as_deref(), Some("deployments"));
        assert_eq!(a.expand("dp shop").as_deref(), Some("deployments shop"));
        assert_eq!(a.expand("pk").as_deref(), Some("pods kube-system"));
        assert_eq!(a.expand("pods"), None);
    }

    #[test]
    fn k9s_hotkey_files_bind_keys_to_commands() {
        let h = parse_hotkeys(
            Path::new("hotkeys.yaml"),
            "hotKeys:\n  shift-0:\n    shortCut: Shift-0\n    description: Viewing pods\n    command: pods\n",
        )
        .unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].key, Key::char(')'), "Shift-0 is `)`, as k9s reads it");
        assert_eq!(h[0].command, "pods");
    }

    #[test]
    fn a_malformed_file_names_its_line_and_column() {
        let e = Aliases::parse(Path::new("/x/aliases.yaml"), "aliases:\n  dp: [unclosed\n")
            .unwrap_err();
        assert!(e.starts_with("/x/aliases.yaml:"), "{e}");
        assert!(
            e.split(':')
                .nth(1)
                .is_some_and(|l| l.parse::<u32>().is_ok()),
            "{e}"
        );
        let e = parse_hotkeys(
            Path::new("hotkeys.yaml"),
            "hotKeys:\n  a:\n    shortCut: Hyper-Q\n    command: pods\n",
        )
        .unwrap_err();
        assert!(e.contains("unknown key \"Hyper-Q\""), "{e}");
    }
}
