//! kdeck's own settings: `${XDG_CONFIG_HOME:-~/.config}/kdeck/config.yaml`.
//!
//! Owns parsing and defaults only. A missing file means defaults; a broken file is reported (with its
//! path and line) and defaults are used, so a typo never keeps the TUI from starting.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Default number of log lines kept per log view.
pub const DEFAULT_LOG_BUFFER: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Theme name (shipped or in `…/kdeck/themes/`).
    pub theme: String,
    /// Keymap name (shipped or in `…/kdeck/keymaps/`).
    pub keymap: String,
    /// Context name patterns (glob) that always open read-only.
    pub readonly: Vec<String>,
    /// Context name patterns (glob) that get a red header and typed-name delete confirmation.
    pub guarded: Vec<String>,
    /// Lines kept per log view before the oldest are dropped.
    pub log_buffer: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            theme: "default".to_string(),
            keymap: "default".to_string(),
            readonly: Vec::new(),
            guarded: vec!["*prod*".to_string()],
            log_buffer: DEFAULT_LOG_BUFFER,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

fn matches_any(patterns: &[String], context: &str) -> bool {
    patterns.iter().any(|p| {
        glob::Pattern::new(p)
            .map(|g| g.matches(context))
            .unwrap_or(p == context)
    })
}

impl Config {
    pub fn path() -> PathBuf {
        crate::paths::config_dir().join("config.yaml")
    }

    /// Parses a config file's text; `path` is only used in the error.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        crate::yaml::from_str(text).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: format!("{e} (fix the file or remove it to use the defaults)"),
        })
    }

    /// Loads the config file. A missing file gives the defaults; an unreadable or invalid one gives the
    /// defaults together with the error to show.
    pub fn load() -> (Config, Option<ConfigError>) {
        let path = Self::path();
        match std::fs::read_to_string(&path) {
            Ok(text) => match Self::parse(&path, &text) {
                Ok(c) => (c, None),
                Err(e) => (Config::default(), Some(e)),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
            Err(e) => (
                Config::default(),
                Some(ConfigError {
                    path,
                    message: e.to_string(),
                }),
            ),
        }
    }

    pub fn is_readonly_context(&self, context: &str) -> bool {
        matches_any(&self.readonly, context)
    }

    pub fn is_guarded_context(&self, context: &str) -> bool {
        matches_any(&self.guarded, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_guard_prod() {
        let c = Config::default();
        assert!(c.is_guarded_context("eu-prod-1"));
        assert!(!c.is_guarded_context("staging"));
        assert!(!c.is_readonly_context("eu-prod-1"));
    }

    #[test]
    fn parses_fields_and_reports_line() {
        let c = Config::parse(
            Path::new("c.yaml"),
            "theme: light\nreadonly: ['kind-*']\nlogBuffer: 50\n",
        )
        .unwrap();
        assert_eq!(c.theme, "light");
        assert_eq!(c.keymap, "default");
        assert_eq!(c.log_buffer, 50);
        assert!(c.is_readonly_context("kind-dev"));
        let e = Config::parse(Path::new("/x/c.yaml"), "theme: a\nbogus: 1\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("/x/c.yaml") && msg.contains("line 2"), "{msg}");
    }
}
