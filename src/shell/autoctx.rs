//! Per-directory auto-context: what the nearest `.kdeck.yaml` means for this shell right now.
//!
//! Finds the file ([`crate::dirconfig`]), asks the trust store, parses it and checks its context against
//! the kubeconfig files in effect. It decides only; the hook applies the outcome and announces it.

use std::path::Path;

use crate::kubeconfig::KubeconfigSet;

use super::state::{DirApplied, Target};
use super::suggest;
use crate::dirconfig::trust::{Trust, TrustStore, content_key};
use crate::dirconfig::{self, FoundDirConfig};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirOutcome {
    /// No `.kdeck.yaml` at or above the directory.
    None,
    /// Not trusted: switch nothing, say once how to allow it.
    Blocked {
        key: String,
        message: String,
    },
    /// Denied: switch nothing, silently.
    Denied,
    /// Trusted but unusable (does not parse, names an unknown context): change nothing, say it once.
    Invalid {
        key: String,
        message: String,
    },
    Apply(DirApplied),
}

/// Evaluates the nearest `.kdeck.yaml` from `dir` against the user's own kubeconfig files (`base`).
pub fn evaluate(dir: &Path, store: &TrustStore, base: &KubeconfigSet) -> DirOutcome {
    let found = match dirconfig::find_nearest(dir) {
        Ok(Some(f)) => f,
        Ok(None) => return DirOutcome::None,
        Err(e) => {
            return DirOutcome::Invalid {
                key: format!("unreadable:{}", dir.display()),
                message: format!("kdeck: {e}; nothing switched"),
            };
        }
    };
    let key = content_key(&found.path, &found.content);
    match store.status(&found) {
        Trust::Denied => DirOutcome::Denied,
        Trust::Unknown => DirOutcome::Blocked {
            message: blocked_message(&found),
            key,
        },
        Trust::Allowed => applied(&found, key, base),
    }
}

fn blocked_message(found: &FoundDirConfig) -> String {
    format!(
        "kdeck: {} is blocked. Run `kdeck allow` to trust its content (or `kdeck deny` to silence this).",
        found.path.display()
    )
}

fn applied(found: &FoundDirConfig, key: String, base: &KubeconfigSet) -> DirOutcome {
    let invalid = |message: String| DirOutcome::Invalid {
        key: key.clone(),
        message: format!("kdeck: {message}; nothing switched"),
    };
    let cfg = match found.parse() {
        Ok(c) => c,
        Err(e) => return invalid(e.to_string()),
    };
    let context = match cfg.context.clone() {
        Some(c) => Some(c),
        // A file that sets only a namespace pins it on the context the shell would use anyway.
        None if cfg.namespace.is_some() => match base.current_context() {
            Some(c) => Some(c.to_string()),
            None => {
                return invalid(format!(
                    "{} sets a namespace but no context, and no current-context is set",
                    found.path.display()
                ));
            }
        },
        None => None,
    };
    if let Some(c) = &context
        && !base.has_context(c)
    {
        return invalid(format!(
            "{}: {}",
            found.path.display(),
            suggest::unknown_context_message(c, &base.context_names())
        ));
    }
    DirOutcome::Apply(DirApplied {
        key,
        file: found.path.clone(),
        target: context.map(|context| Target {
            context,
            namespace: cfg.namespace.clone(),
            file: None,
        }),
        readonly: cfg.readonly,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        _tmp: tempfile::TempDir,
        work: std::path::PathBuf,
        store: TrustStore,
        base: KubeconfigSet,
    }

    fn fixture(dot: &str) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let work = tmp.path().join("proj/sub");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(tmp.path().join("proj/.kdeck.yaml"), dot).unwrap();
        let kc = tmp.path().join("kc");
        std::fs::write(
            &kc,
            "current-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c}\n- name: prod\n  context: {cluster: c}\n",
        )
        .unwrap();
        let base = KubeconfigSet::load(Some(&kc)).unwrap();
        let store = TrustStore::new(tmp.path().join("data"));
        Fixture {
            _tmp: tmp,
            work,
            store,
            base,
        }
    }

    fn allow(f: &Fixture) {
        let found = dirconfig::find_nearest(&f.work).unwrap().unwrap();
        f.store.allow(&found).unwrap();
    }

    #[test]
    fn untrusted_is_blocked_then_applies_once_allowed() {
        let f = fixture("context: prod\nnamespace: web\nreadonly: true\n");
        let out = evaluate(&f.work, &f.store, &f.base);
        assert!(
            matches!(&out, DirOutcome::Blocked { message, .. } if message.contains("kdeck allow"))
        );
        allow(&f);
        match evaluate(&f.work, &f.store, &f.base) {
            DirOutcome::Apply(d) => {
                assert_eq!(d.target.unwrap().namespace.as_deref(), Some("web"));
                assert!(d.readonly);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_context_is_invalid_with_suggestion() {
        let f = fixture("context: prd\n");
        allow(&f);
        match evaluate(&f.work, &f.store, &f.base) {
            DirOutcome::Invalid { message, .. } => {
                assert!(
                    message.contains("\"prd\"") && message.contains("prod"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn namespace_only_uses_current_context() {
        let f = fixture("namespace: tools\n");
        allow(&f);
        match evaluate(&f.work, &f.store, &f.base) {
            DirOutcome::Apply(d) => assert_eq!(d.target.unwrap().context, "dev"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn denied_is_silent_and_nothing_is_none() {
        let f = fixture("context: dev\n");
        let found = dirconfig::find_nearest(&f.work).unwrap().unwrap();
        f.store.deny(&found).unwrap();
        assert_eq!(evaluate(&f.work, &f.store, &f.base), DirOutcome::Denied);
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(evaluate(empty.path(), &f.store, &f.base), DirOutcome::None);
    }
}
