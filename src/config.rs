//! kdeck's own settings: `${XDG_CONFIG_HOME:-~/.config}/kdeck/config.yaml`, the one model every reader uses
//! (the TUI, the action-safety policy in [`crate::safety`] and the prompt's guard colour in
//! [`crate::shell::guard`]).
//!
//! Owns parsing, defaults and glob validation only; it decides nothing about actions. A missing file means
//! defaults; a broken file (YAML error, unknown key, bad glob) is an error naming the file and, where the
//! parser knows it, the line. [`Config::load`] then falls back to the defaults so a typo never keeps the TUI
//! from starting.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Default number of log lines kept per log view.
pub const DEFAULT_LOG_BUFFER: usize = 10_000;

/// The guarded-context pattern used when config.yaml does not set `guarded_contexts`.
pub const DEFAULT_GUARDED: &str = "*prod*";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Theme name (shipped or in `…/kdeck/themes/`).
    pub theme: String,
    /// Keymap name (shipped or in `…/kdeck/keymaps/`).
    pub keymap: String,
    /// Context name patterns (glob) that always open read-only.
    pub readonly_contexts: Vec<String>,
    /// Context name patterns (glob) that get a red header and typed-name delete confirmation.
    pub guarded_contexts: Vec<String>,
    /// Lines kept per log view before the oldest are dropped.
    pub log_buffer: usize,
    /// Directories searched (recursively) for more kubeconfig files: `kdeck fleet` and the pickers.
    /// A leading `~/` is the home directory.
    pub kubeconfig_dirs: Vec<PathBuf>,
    /// Whether `guarded_contexts` was written in the file rather than defaulted, so refusal messages can
    /// say "(default)" instead of blaming a file that never set it.
    pub guarded_from_file: bool,
    /// The file these settings came from (`None`: built-in defaults).
    pub source: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            theme: "default".to_string(),
            keymap: "default".to_string(),
            readonly_contexts: Vec::new(),
            guarded_contexts: vec![DEFAULT_GUARDED.to_string()],
            log_buffer: DEFAULT_LOG_BUFFER,
            kubeconfig_dirs: Vec::new(),
            guarded_from_file: false,
            source: None,
        }
    }
}

/// The file's keys exactly as written. `guarded_contexts` is optional so that an absent key (default
/// `*prod*`) can be told apart from an explicit empty list (guarding off).
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    theme: String,
    keymap: String,
    readonly_contexts: Vec<String>,
    guarded_contexts: Option<Vec<String>>,
    log_buffer: usize,
    kubeconfig_dirs: Vec<String>,
}

impl Default for RawConfig {
    fn default() -> Self {
        let d = Config::default();
        RawConfig {
            theme: d.theme,
            keymap: d.keymap,
            readonly_contexts: d.readonly_contexts,
            guarded_contexts: None,
            log_buffer: d.log_buffer,
            kubeconfig_dirs: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

fn first_match<'a>(patterns: &'a [String], context: &str) -> Option<&'a str> {
    patterns
        .iter()
        .find(|p| glob::Pattern::new(p).is_ok_and(|g| g.matches(context)))
        .map(String::as_str)
}

impl Config {
    pub fn path() -> PathBuf {
        crate::paths::config_dir().join("config.yaml")
    }

    /// Parses a config file's text; `path` is recorded as the source and named in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawConfig = match crate::yaml::from_str(text) {
            Ok(raw) => raw,
            // A file holding only comments (or nothing) is a null document: the defaults.
            Err(_) if matches!(crate::yaml::parse_value(text), Ok(v) if v.is_null()) => {
                RawConfig::default()
            }
            Err(e) => {
                return Err(err(format!(
                    "{e} (fix the file or remove it to use the defaults)"
                )));
            }
        };
        let guarded_from_file = raw.guarded_contexts.is_some();
        let config = Config {
            theme: raw.theme,
            keymap: raw.keymap,
            readonly_contexts: raw.readonly_contexts,
            guarded_contexts: raw
                .guarded_contexts
                .unwrap_or_else(|| vec![DEFAULT_GUARDED.to_string()]),
            log_buffer: raw.log_buffer,
            kubeconfig_dirs: raw
                .kubeconfig_dirs
                .iter()
                .map(|d| match (d.strip_prefix("~/"), dirs::home_dir()) {
                    (Some(rest), Some(home)) => home.join(rest),
                    _ => PathBuf::from(d),
                })
                .collect(),
            guarded_from_file,
            source: Some(path.to_path_buf()),
        };
        for (key, list) in [
            ("readonly_contexts", &config.readonly_contexts),
            ("guarded_contexts", &config.guarded_contexts),
        ] {
            for pattern in list {
                if let Err(e) = glob::Pattern::new(pattern) {
                    return Err(err(format!("invalid glob '{pattern}' in {key}: {}", e.msg)));
                }
            }
        }
        Ok(config)
    }

    /// Loads the user's config file; see [`Config::load_from`].
    pub fn load() -> (Config, Option<ConfigError>) {
        Self::load_from(&Self::path())
    }

    /// A missing file gives the defaults; an unreadable or invalid one gives the defaults together with the
    /// error to show.
    pub fn load_from(path: &Path) -> (Config, Option<ConfigError>) {
        match std::fs::read_to_string(path) {
            Ok(text) => match Self::parse(path, &text) {
                Ok(c) => (c, None),
                Err(e) => (Config::default(), Some(e)),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
            Err(e) => (
                Config::default(),
                Some(ConfigError {
                    path: path.to_path_buf(),
                    message: format!("cannot read: {e}"),
                }),
            ),
        }
    }

    /// The first `readonly_contexts` pattern matching `context`, for refusal messages.
    pub fn readonly_match(&self, context: &str) -> Option<&str> {
        first_match(&self.readonly_contexts, context)
    }

    /// The first `guarded_contexts` pattern matching `context`, for refusal messages.
    pub fn guarded_match(&self, context: &str) -> Option<&str> {
        first_match(&self.guarded_contexts, context)
    }

    pub fn is_readonly_context(&self, context: &str) -> bool {
        self.readonly_match(context).is_some()
    }

    pub fn is_guarded_context(&self, context: &str) -> bool {
        self.guarded_match(context).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_guard_prod() {
        let c = Config::default();
        assert!(c.is_guarded_context("eu-prod-1"));
        assert_eq!(c.guarded_match("eu-prod-1"), Some("*prod*"));
        assert!(!c.is_guarded_context("staging"));
        assert!(!c.is_readonly_context("eu-prod-1"));
        assert!(c.source.is_none() && !c.guarded_from_file);
    }

    #[test]
    fn parses_every_key() {
        let c = Config::parse(
            Path::new("c.yaml"),
            "theme: light\nkeymap: vim\nreadonly_contexts: ['kind-*']\n\
             guarded_contexts: ['live-*']\nlog_buffer: 50\n",
        )
        .unwrap();
        assert_eq!(c.theme, "light");
        assert_eq!(c.keymap, "vim");
        assert_eq!(c.log_buffer, 50);
        assert_eq!(c.readonly_match("kind-dev"), Some("kind-*"));
        assert!(c.is_guarded_context("live-eu") && !c.is_guarded_context("prod"));
        assert!(c.guarded_from_file);
        assert_eq!(c.source.as_deref(), Some(Path::new("c.yaml")));
    }

    #[test]
    fn absent_guard_keeps_default_and_empty_list_disables() {
        let c = Config::parse(Path::new("c.yaml"), "theme: light\n").unwrap();
        assert_eq!(c.keymap, "default");
        assert!(c.is_guarded_context("prod") && !c.guarded_from_file);
        let c = Config::parse(Path::new("c.yaml"), "guarded_contexts: []\n").unwrap();
        assert!(!c.is_guarded_context("prod") && c.guarded_from_file);
        for empty in ["", "# nothing yet\n"] {
            let c = Config::parse(Path::new("c.yaml"), empty).unwrap();
            assert!(c.is_guarded_context("prod"), "{empty:?}");
        }
    }

    #[test]
    fn old_and_misspelt_keys_are_reported_with_file_and_line() {
        for (text, key) in [
            ("theme: a\nguarded: ['x']\n", "guarded"),
            ("theme: a\nlogBuffer: 5\n", "logBuffer"),
            ("theme: a\nreadonly: ['x']\n", "readonly"),
        ] {
            let msg = Config::parse(Path::new("/x/c.yaml"), text)
                .unwrap_err()
                .to_string();
            assert!(msg.starts_with("/x/c.yaml: line 2"), "{msg}");
            assert!(
                msg.contains(key) && msg.contains("guarded_contexts"),
                "{msg}"
            );
        }
    }

    #[test]
    fn bad_glob_names_file_key_and_pattern() {
        let msg = Config::parse(Path::new("/c.yaml"), "guarded_contexts: ['[']\n")
            .unwrap_err()
            .to_string();
        assert_eq!(msg.split(':').next(), Some("/c.yaml"), "{msg}");
        assert!(
            msg.contains("invalid glob '[' in guarded_contexts"),
            "{msg}"
        );
    }

    #[test]
    fn load_from_falls_back_to_defaults() {
        let (c, e) = Config::load_from(Path::new("/nonexistent/kdeck/config.yaml"));
        assert!(e.is_none() && c.source.is_none());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, "readonly_contexts: [\n").unwrap();
        let (c, e) = Config::load_from(&path);
        assert_eq!(c, Config::default());
        assert!(e.unwrap().to_string().contains("line"));
        std::fs::write(&path, "readonly_contexts: ['a*']\n").unwrap();
        let (c, e) = Config::load_from(&path);
        assert!(e.is_none() && c.is_readonly_context("abc"));
        assert_eq!(c.source, Some(path));
    }
}
