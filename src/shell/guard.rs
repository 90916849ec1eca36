//! Guarded-context patterns for the prompt: `guarded_contexts` of kdeck's config.yaml (default `*prod*`),
//! read through the shared [`crate::config::Config`] model so the prompt and the TUI agree on what the
//! file says. The prompt runs on every command, so this only reads and parses the one file.

use std::path::Path;

use crate::config::Config;

/// The guard patterns from config text (`None`: no file). A file that does not parse gives the default
/// `*prod*`: a broken config must not make production look like any other context.
pub fn patterns_from(text: Option<&str>) -> Vec<glob::Pattern> {
    // The error (and so the path in it) is dropped here; the TUI is where a broken file gets reported.
    let config = text
        .and_then(|t| Config::parse(Path::new("config.yaml"), t).ok())
        .unwrap_or_default();
    // Config::parse has already rejected invalid globs, so nothing is dropped here.
    config
        .guarded_contexts
        .iter()
        .filter_map(|p| glob::Pattern::new(p).ok())
        .collect()
}

/// The patterns from the user's config file, read with a bound (this runs at every prompt): a config
/// that cannot be read keeps the default guard.
pub fn load() -> Vec<glob::Pattern> {
    let text = crate::paths::read_bounded(&Config::path(), 256 * 1024)
        .ok()
        .flatten()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    patterns_from(text.as_deref())
}

pub fn is_guarded(patterns: &[glob::Pattern], context: &str) -> bool {
    patterns.iter().any(|p| p.matches(context))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(text: Option<&str>) -> Vec<glob::Pattern> {
        patterns_from(text)
    }

    #[test]
    fn default_guards_prod() {
        let p = from(None);
        assert!(is_guarded(&p, "eu-prod-1"));
        assert!(!is_guarded(&p, "staging"));
        assert!(is_guarded(&from(Some("theme: x\n")), "prod"));
    }

    #[test]
    fn configured_patterns_replace_default() {
        let p = from(Some(
            "theme: x\nguarded_contexts:\n  - 'live-*'\n  - critical\n",
        ));
        assert!(is_guarded(&p, "live-eu"));
        assert!(is_guarded(&p, "critical"));
        assert!(!is_guarded(&p, "prod"));
        assert!(from(Some("guarded_contexts: []")).is_empty());
    }

    #[test]
    fn broken_config_still_guards_prod() {
        for broken in [
            "guarded_contexts: [",
            "guarded: ['live-*']\n",
            "guarded_contexts: ['[']\n",
        ] {
            assert!(is_guarded(&from(Some(broken)), "prod"), "{broken}");
        }
    }
}
