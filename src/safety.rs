//! The safety policy: whether a mutating action may run on a context, and if not, why.
//!
//! Owns the read-only decision (`--readonly`, `readonly_contexts` globs in kdeck's config.yaml,
//! `readonly: true` in the nearest `.kdeck.yaml`, `KDECK_READONLY=1` from the shell hook) and the guarded
//! decision (`guarded_contexts` globs, default `*prod*`: deleting needs the resource name typed in).
//! The keys are parsed and validated by [`crate::config::Config`], the one model of config.yaml.
//! Pure: the caller gathers the inputs ([`SafetySources::from_env`] is the one helper that reads the
//! environment) and this module only decides. It never performs an action and never draws anything.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::Config;

/// The actions the policy rules on. Everything here mutates the cluster or exposes something a read-only
/// session must not see (secret values) or open (a port into the cluster).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Scale,
    Restart,
    Delete,
    PortForward,
    SecretReveal,
    Edit,
    /// A shell (or any command) in a container.
    Exec,
    /// Cordon, uncordon or drain a node.
    NodeMaintenance,
    /// Run a Job from a CronJob now.
    Trigger,
    /// Change a container's image.
    SetImage,
}

impl Action {
    pub fn verb(self) -> &'static str {
        match self {
            Action::Scale => "scale",
            Action::Restart => "restart",
            Action::Delete => "delete",
            Action::PortForward => "port-forward",
            Action::SecretReveal => "reveal secret values",
            Action::Edit => "edit",
            Action::Exec => "open a shell in a container",
            Action::NodeMaintenance => "cordon, uncordon or drain a node",
            Action::Trigger => "trigger a cronjob",
            Action::SetImage => "set an image",
        }
    }
}

/// The session-level inputs besides config.yaml.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafetySources {
    /// `--readonly` on the command line.
    pub readonly_flag: bool,
    /// `KDECK_READONLY` was set to a true value (the shell hook sets it from a `.kdeck.yaml`).
    pub env_readonly: bool,
    /// The nearest `.kdeck.yaml` that says `readonly: true`.
    pub readonly_dirconfig: Option<PathBuf>,
}

impl SafetySources {
    /// Reads `KDECK_READONLY` and the nearest `.kdeck.yaml` above `cwd`. A `.kdeck.yaml` that cannot be read
    /// or parsed is an error rather than "not read-only", so a typo never silently lifts the protection.
    ///
    /// Trust (`kdeck allow`) is not required here: a file can only make kdeck stricter through this key.
    pub fn from_env(
        readonly_flag: bool,
        cwd: &Path,
    ) -> Result<Self, crate::dirconfig::DirConfigError> {
        let env_readonly = std::env::var("KDECK_READONLY")
            .map(|v| env_truthy(&v))
            .unwrap_or(false);
        let readonly_dirconfig = match crate::dirconfig::find_nearest(cwd)? {
            Some(found) if found.parse()?.readonly => Some(found.path),
            _ => None,
        };
        Ok(SafetySources {
            readonly_flag,
            env_readonly,
            readonly_dirconfig,
        })
    }
}

fn env_truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// Why a session is read-only. The first applicable reason, in the order the user is most likely to
/// recognise: the flag they typed, then config, then the directory file, then the shell hook's variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOnlyReason {
    Flag,
    ContextPattern {
        pattern: String,
        file: Option<PathBuf>,
    },
    DirConfig {
        file: PathBuf,
    },
    Env,
}

impl fmt::Display for ReadOnlyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadOnlyReason::Flag => f.write_str("read-only: --readonly flag"),
            ReadOnlyReason::ContextPattern { pattern, file } => {
                write!(f, "read-only: context matches readonly pattern '{pattern}'")?;
                if let Some(file) = file {
                    write!(f, " in {}", tilde(file))?;
                }
                Ok(())
            }
            ReadOnlyReason::DirConfig { file } => {
                write!(f, "read-only: readonly: true in {}", tilde(file))
            }
            ReadOnlyReason::Env => f.write_str(
                "read-only: KDECK_READONLY=1 in the environment (set by the kdeck shell hook)",
            ),
        }
    }
}

/// Why deleting on a context needs the name typed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardReason {
    pub pattern: String,
    pub file: Option<PathBuf>,
}

impl fmt::Display for GuardReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "guarded: context matches guarded pattern '{}'",
            self.pattern
        )?;
        match &self.file {
            Some(file) => write!(f, " in {}", tilde(file)),
            None => f.write_str(" (default)"),
        }
    }
}

/// A refused action, ready to show: "cannot delete: read-only: --readonly flag".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {}: {reason}", action.verb())]
pub struct Refusal {
    pub action: Action,
    pub reason: ReadOnlyReason,
}

/// The policy's answer for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Allowed once the user types the resource name exactly (guarded context, delete).
    NeedsTypedName(GuardReason),
    Denied(Refusal),
}

/// The resolved policy of one context in one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyPolicy {
    pub context: String,
    pub readonly: Option<ReadOnlyReason>,
    pub guarded: Option<GuardReason>,
}

impl SafetyPolicy {
    pub fn resolve(context: &str, config: &Config, sources: &SafetySources) -> Self {
        let readonly = if sources.readonly_flag {
            Some(ReadOnlyReason::Flag)
        } else if let Some(pattern) = config.readonly_match(context) {
            Some(ReadOnlyReason::ContextPattern {
                pattern: pattern.to_string(),
                file: config.source.clone(),
            })
        } else if let Some(file) = &sources.readonly_dirconfig {
            Some(ReadOnlyReason::DirConfig { file: file.clone() })
        } else if sources.env_readonly {
            Some(ReadOnlyReason::Env)
        } else {
            None
        };
        // Defaults carry no file: say "(default)" rather than blaming a config.yaml that did not set them.
        let guarded = config.guarded_match(context).map(|pattern| GuardReason {
            pattern: pattern.to_string(),
            file: config.source.clone().filter(|_| config.guarded_from_file),
        });
        SafetyPolicy {
            context: context.to_string(),
            readonly,
            guarded,
        }
    }

    pub fn is_readonly(&self) -> bool {
        self.readonly.is_some()
    }

    pub fn is_guarded(&self) -> bool {
        self.guarded.is_some()
    }

    pub fn check(&self, action: Action) -> Decision {
        if let Some(reason) = &self.readonly {
            return Decision::Denied(Refusal {
                action,
                reason: reason.clone(),
            });
        }
        match (&self.guarded, action) {
            (Some(guard), Action::Delete) => Decision::NeedsTypedName(guard.clone()),
            _ => Decision::Allowed,
        }
    }

    /// `Ok(())` when `action` may run now, given what the user typed for a guarded delete.
    pub fn authorize(
        &self,
        action: Action,
        resource_name: &str,
        typed: Option<&str>,
    ) -> Result<(), AuthorizeError> {
        match self.check(action) {
            Decision::Allowed => Ok(()),
            Decision::Denied(refusal) => Err(AuthorizeError::Refused(refusal)),
            Decision::NeedsTypedName(guard) => {
                if typed == Some(resource_name) {
                    Ok(())
                } else {
                    Err(AuthorizeError::NameMismatch {
                        expected: resource_name.to_string(),
                        guard,
                    })
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    #[error(transparent)]
    Refused(Refusal),
    #[error("{guard}: type the name \"{expected}\" exactly to delete it")]
    NameMismatch {
        expected: String,
        guard: GuardReason,
    },
}

/// `~/...` for paths under $HOME, so refusal messages match what users see in their own shells.
fn tilde(path: &Path) -> String {
    let home = crate::paths::home();
    match path.strip_prefix(&home) {
        Ok(rest) if home != Path::new("/") => format!("~/{}", rest.display()),
        _ => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Config {
        Config::parse(Path::new("/etc/kdeck/config.yaml"), text).unwrap()
    }

    const ALL: [Action; 6] = [
        Action::Scale,
        Action::Restart,
        Action::Delete,
        Action::PortForward,
        Action::SecretReveal,
        Action::Edit,
    ];

    #[test]
    fn nothing_set_allows_everything() {
        let p = SafetyPolicy::resolve("dev", &Config::default(), &SafetySources::default());
        for a in ALL {
            assert_eq!(p.check(a), Decision::Allowed, "{a:?}");
        }
        assert!(!p.is_readonly() && !p.is_guarded());
    }

    #[test]
    fn flag_blocks_every_action_with_its_reason() {
        let sources = SafetySources {
            readonly_flag: true,
            ..Default::default()
        };
        let p = SafetyPolicy::resolve("dev", &Config::default(), &sources);
        for a in ALL {
            let Decision::Denied(r) = p.check(a) else {
                panic!("{a:?} allowed")
            };
            assert_eq!(r.reason.to_string(), "read-only: --readonly flag");
        }
        let err = p.authorize(Action::Scale, "web", None).unwrap_err();
        assert_eq!(err.to_string(), "cannot scale: read-only: --readonly flag");
    }

    #[test]
    fn context_pattern_names_pattern_and_file() {
        let c = cfg("theme: dark\nreadonly_contexts: ['staging', 'prod-*']\n");
        let p = SafetyPolicy::resolve("prod-eu", &c, &SafetySources::default());
        let Decision::Denied(r) = p.check(Action::Delete) else {
            panic!()
        };
        assert_eq!(
            r.reason.to_string(),
            "read-only: context matches readonly pattern 'prod-*' in /etc/kdeck/config.yaml"
        );
        let p = SafetyPolicy::resolve("dev", &c, &SafetySources::default());
        assert!(!p.is_readonly());
    }

    #[test]
    fn dirconfig_and_env_reasons() {
        let sources = SafetySources {
            readonly_dirconfig: Some(PathBuf::from("/srv/app/.kdeck.yaml")),
            env_readonly: true,
            ..Default::default()
        };
        let p = SafetyPolicy::resolve("dev", &Config::default(), &sources);
        assert_eq!(
            p.readonly.as_ref().unwrap().to_string(),
            "read-only: readonly: true in /srv/app/.kdeck.yaml"
        );
        let sources = SafetySources {
            env_readonly: true,
            ..Default::default()
        };
        let p = SafetyPolicy::resolve("dev", &Config::default(), &sources);
        assert!(p.readonly.unwrap().to_string().contains("KDECK_READONLY=1"));
    }

    #[test]
    fn default_guard_is_prod_and_needs_typed_name_for_delete_only() {
        let p = SafetyPolicy::resolve("gke-prod-1", &Config::default(), &SafetySources::default());
        assert!(p.is_guarded());
        assert_eq!(p.check(Action::Scale), Decision::Allowed);
        let Decision::NeedsTypedName(g) = p.check(Action::Delete) else {
            panic!()
        };
        assert_eq!(
            g.to_string(),
            "guarded: context matches guarded pattern '*prod*' (default)"
        );
        assert!(p.authorize(Action::Delete, "web", Some("web")).is_ok());
        let err = p.authorize(Action::Delete, "web", Some("we")).unwrap_err();
        assert!(matches!(err, AuthorizeError::NameMismatch { .. }));
        assert!(err.to_string().contains("type the name \"web\""), "{err}");
        assert!(p.authorize(Action::Delete, "web", None).is_err());
    }

    #[test]
    fn configured_guard_replaces_default_and_empty_disables() {
        let c = cfg("guarded_contexts: ['live-*']\n");
        assert!(!SafetyPolicy::resolve("prod", &c, &SafetySources::default()).is_guarded());
        let p = SafetyPolicy::resolve("live-1", &c, &SafetySources::default());
        assert_eq!(
            p.guarded.unwrap().to_string(),
            "guarded: context matches guarded pattern 'live-*' in /etc/kdeck/config.yaml"
        );
        let c = cfg("guarded_contexts: []\n");
        assert!(!SafetyPolicy::resolve("prod", &c, &SafetySources::default()).is_guarded());
        // A file without the key keeps the default, reported as the default.
        let c = cfg("theme: x\n");
        let p = SafetyPolicy::resolve("prod", &c, &SafetySources::default());
        assert!(p.guarded.unwrap().to_string().ends_with("(default)"));
    }

    #[test]
    fn readonly_wins_over_guard() {
        let c = cfg("readonly_contexts: ['*prod*']\n");
        let p = SafetyPolicy::resolve("prod", &c, &SafetySources::default());
        assert!(matches!(p.check(Action::Delete), Decision::Denied(_)));
    }

    #[test]
    fn env_truthy_values() {
        for v in ["1", "true", "YES", "on "] {
            assert!(env_truthy(v), "{v}");
        }
        for v in ["", "0", "false", "no"] {
            assert!(!env_truthy(v), "{v}");
        }
    }

    #[test]
    fn from_env_reads_nearest_dirconfig() {
        let root = tempfile::tempdir().unwrap();
        let inner = root.path().join("a");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::write(root.path().join(".kdeck.yaml"), "readonly: true\n").unwrap();
        let s = SafetySources::from_env(false, &inner).unwrap();
        assert_eq!(s.readonly_dirconfig, Some(root.path().join(".kdeck.yaml")));
        std::fs::write(inner.join(".kdeck.yaml"), "context: x\n").unwrap();
        let s = SafetySources::from_env(false, &inner).unwrap();
        assert_eq!(s.readonly_dirconfig, None);
    }
}
