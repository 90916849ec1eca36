//! Guarded-context patterns (`guarded_contexts` in `${XDG_CONFIG_HOME:-~/.config}/kdeck/config.yaml`,
//! default `*prod*`), read with a tiny reader that looks at that one key only, so the prompt does not
//! depend on (or pay for) the full config model.

use std::path::PathBuf;

use crate::yaml::Value;

pub const DEFAULT_PATTERNS: &[&str] = &["*prod*"];

pub fn config_file() -> PathBuf {
    crate::paths::config_dir().join("config.yaml")
}

/// The guard patterns from config text. A missing key, or a file that does not parse, gives the default:
/// a broken config must not make production look like any other context.
pub fn patterns_from(text: Option<&str>) -> Vec<glob::Pattern> {
    let listed: Option<Vec<String>> = text
        .and_then(|t| crate::yaml::parse_value(t).ok())
        .and_then(|v| match v.get("guarded_contexts") {
            Some(Value::Sequence(items)) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            ),
            Some(Value::String(one)) => Some(vec![one.clone()]),
            _ => None,
        });
    let raw = listed.unwrap_or_else(|| DEFAULT_PATTERNS.iter().map(|s| s.to_string()).collect());
    raw.iter()
        .filter_map(|p| glob::Pattern::new(p).ok())
        .collect()
}

/// The patterns from the user's config file.
pub fn load() -> Vec<glob::Pattern> {
    let text = std::fs::read_to_string(config_file()).ok();
    patterns_from(text.as_deref())
}

pub fn is_guarded(patterns: &[glob::Pattern], context: &str) -> bool {
    patterns.iter().any(|p| p.matches(context))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_guards_prod() {
        let p = patterns_from(None);
        assert!(is_guarded(&p, "eu-prod-1"));
        assert!(!is_guarded(&p, "staging"));
    }

    #[test]
    fn configured_patterns_replace_default() {
        let p = patterns_from(Some(
            "theme: x\nguarded_contexts:\n  - 'live-*'\n  - critical\n",
        ));
        assert!(is_guarded(&p, "live-eu"));
        assert!(is_guarded(&p, "critical"));
        assert!(!is_guarded(&p, "prod"));
        assert!(is_guarded(
            &patterns_from(Some("guarded_contexts: [")),
            "prod"
        ));
        assert!(patterns_from(Some("guarded_contexts: []")).is_empty());
    }
}
