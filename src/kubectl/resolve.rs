//! Which kubectl runs here, decided without touching the disk: the caller hands in file contents (through
//! a read function), the installed versions, and lazy answers for "which kubectl is on PATH" and "what
//! minor version is the server", so every rule below is unit-tested on plain data.
//!
//! Order, as asdf resolves a tool: `KDECK_KUBECTL_VERSION`; then, walking up from the directory, the
//! closest of `.tool-versions` (one that names kubectl) and the nearest `.kdeck.yaml`'s `kubectl:` key (a
//! `.tool-versions` wins a tie in the same directory, so `kdeck kubectl pin` always takes effect where it
//! writes); then `$HOME/.tool-versions`.
//!
//! The `.kdeck.yaml` handed in here is one the caller found trusted (`kdeck allow`), as for its
//! `context:` and `namespace:`: a file cloned with a repository must not change which kubectl runs
//! until the user says so ([`super::locate::pin_for_dir`] checks the trust store and says once when it
//! ignores one).

use std::fmt;
use std::path::{Path, PathBuf};

use super::tool_versions::{self, Spec, ToolVersionsError};
use super::version::{Version, VersionError};
use crate::dirconfig::{DirConfigError, FoundDirConfig};

pub const ENV_VERSION: &str = "KDECK_KUBECTL_VERSION";

/// Where a pin came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinSource {
    Env,
    ToolVersions { path: PathBuf, line: usize },
    KdeckYaml { path: PathBuf, line: Option<usize> },
}

impl fmt::Display for PinSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinSource::Env => write!(f, "${ENV_VERSION}"),
            PinSource::ToolVersions { path, line } => write!(f, "{} line {line}", path.display()),
            PinSource::KdeckYaml {
                path,
                line: Some(l),
            } => write!(f, "{} line {l}", path.display()),
            PinSource::KdeckYaml { path, line: None } => write!(f, "{}", path.display()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub specs: Vec<Spec>,
    pub source: PinSource,
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("${ENV_VERSION}: {0}")]
    Env(VersionError),
    #[error("{}: {source}", path.display())]
    ToolVersions {
        path: PathBuf,
        source: ToolVersionsError,
    },
    #[error("{}: `kubectl: {value}`: {source}", path.display())]
    KdeckYamlVersion {
        path: PathBuf,
        value: String,
        source: VersionError,
    },
    #[error(transparent)]
    KdeckYaml(#[from] DirConfigError),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn parse_specs(text: &str) -> Result<Vec<Spec>, VersionError> {
    text.split_whitespace().map(Spec::parse).collect()
}

/// Finds the pin for `start`. `read` returns a file's content, or `None` when it does not exist.
/// `kdeck_yaml` is the nearest `.kdeck.yaml` (from [`crate::dirconfig::find_nearest`]); it is
/// parsed only if the walk reaches its directory, so a broken one behind a closer pin costs nothing.
pub fn find_pin(
    env_value: Option<&str>,
    start: &Path,
    home: &Path,
    kdeck_yaml: Option<&FoundDirConfig>,
    read: &mut dyn FnMut(&Path) -> std::io::Result<Option<String>>,
) -> Result<Option<Pin>, ResolveError> {
    if let Some(value) = env_value.filter(|v| !v.trim().is_empty()) {
        let specs = parse_specs(value).map_err(ResolveError::Env)?;
        return Ok(Some(Pin {
            specs,
            source: PinSource::Env,
        }));
    }
    let mut tool_versions_in = |dir: &Path| -> Result<Option<Pin>, ResolveError> {
        let path = dir.join(tool_versions::FILE_NAME);
        let Some(content) = read(&path).map_err(|source| ResolveError::Read {
            path: path.clone(),
            source,
        })?
        else {
            return Ok(None);
        };
        match tool_versions::parse(&content) {
            Ok(Some(line)) => Ok(Some(Pin {
                specs: line.specs,
                source: PinSource::ToolVersions {
                    path,
                    line: line.line,
                },
            })),
            Ok(None) => Ok(None),
            Err(source) => Err(ResolveError::ToolVersions { path, source }),
        }
    };
    for dir in start.ancestors() {
        if let Some(pin) = tool_versions_in(dir)? {
            return Ok(Some(pin));
        }
        if let Some(found) = kdeck_yaml.filter(|f| f.dir() == dir)
            && let Some(value) = found.parse()?.kubectl
        {
            let specs = parse_specs(&value).map_err(|source| ResolveError::KdeckYamlVersion {
                path: found.path.clone(),
                value: value.clone(),
                source,
            })?;
            if !specs.is_empty() {
                return Ok(Some(Pin {
                    specs,
                    source: PinSource::KdeckYaml {
                        path: found.path.clone(),
                        line: yaml_key_line(&found.content, "kubectl"),
                    },
                }));
            }
        }
    }
    if !start.starts_with(home) {
        return tool_versions_in(home);
    }
    Ok(None)
}

/// The 1-based line of a top-level `key:` in YAML text, for messages only.
fn yaml_key_line(content: &[u8], key: &str) -> Option<usize> {
    let text = String::from_utf8_lossy(content);
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

/// The binary a pin settled on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Installed(Version),
    System(PathBuf),
}

/// A pin's outcome: the target and a note on how it was picked among the specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub target: Target,
    pub note: Option<String>,
}

/// No spec of a pin can run here; the message says what to install.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    #[error(
        "kubectl {wanted} is pinned by {pinned_by} but is not installed: run `kdeck kubectl install {wanted}`"
    )]
    NotInstalled {
        wanted: String,
        pinned_by: PinSource,
    },
    #[error("none of {wanted} pinned by {pinned_by} is available{hint}")]
    NoneAvailable {
        wanted: String,
        pinned_by: PinSource,
        hint: String,
    },
}

/// Picks the first spec that can run. `system` and `server_minor` are asked only when a spec needs them
/// (the PATH scan and the server query are the expensive parts).
pub fn choose(
    pin: &Pin,
    installed: &[Version],
    system: &mut dyn FnMut() -> Option<PathBuf>,
    server_minor: &mut dyn FnMut() -> Option<u32>,
) -> Result<Choice, Unavailable> {
    let fallback_note = |i: usize| {
        (i > 0).then(|| {
            let skipped: Vec<String> = pin.specs[..i].iter().map(Spec::to_string).collect();
            format!("fallback #{i}: {} not available", skipped.join(", "))
        })
    };
    let mut auto_without_server = false;
    for (i, spec) in pin.specs.iter().enumerate() {
        match spec {
            Spec::Version(v) if installed.contains(v) => {
                return Ok(Choice {
                    target: Target::Installed(v.clone()),
                    note: fallback_note(i),
                });
            }
            Spec::Version(_) => {}
            Spec::System => {
                if let Some(path) = system() {
                    return Ok(Choice {
                        target: Target::System(path),
                        note: fallback_note(i),
                    });
                }
            }
            Spec::Auto => {
                if installed.is_empty() {
                    continue;
                }
                match server_minor() {
                    Some(minor) => {
                        if let Some(v) = closest_to_minor(installed, minor) {
                            return Ok(Choice {
                                target: Target::Installed(v.clone()),
                                note: Some(format!(
                                    "auto: closest installed to the server's 1.{minor}"
                                )),
                            });
                        }
                    }
                    None => auto_without_server = true,
                }
            }
        }
    }
    // `auto` could not ask the server and no later fallback fits: the newest installed version is the best
    // guess, and kubectl must still work offline (config commands, `--help`).
    if auto_without_server && let Some(newest) = installed.iter().max() {
        return Ok(Choice {
            target: Target::Installed(newest.clone()),
            note: Some("auto: server version unknown, using the newest installed".into()),
        });
    }
    let versions: Vec<&Version> = pin
        .specs
        .iter()
        .filter_map(|s| match s {
            Spec::Version(v) => Some(v),
            _ => None,
        })
        .collect();
    if let ([only], 1) = (versions.as_slice(), pin.specs.len()) {
        return Err(Unavailable::NotInstalled {
            wanted: only.to_string(),
            pinned_by: pin.source.clone(),
        });
    }
    let wanted: Vec<String> = pin.specs.iter().map(|s| s.to_string()).collect();
    let mut hints = Vec::new();
    if let Some(first) = versions.first() {
        hints.push(format!("run `kdeck kubectl install {first}`"));
    }
    if pin.specs.contains(&Spec::System) {
        hints.push("`system`: no kubectl on PATH outside kdeck's shim directory".into());
    }
    if pin.specs.contains(&Spec::Auto) {
        hints.push("`auto`: no kubectl version is installed".into());
    }
    Err(Unavailable::NoneAvailable {
        wanted: wanted.join(", "),
        pinned_by: pin.source.clone(),
        hint: if hints.is_empty() {
            String::new()
        } else {
            format!(": {}", hints.join("; "))
        },
    })
}

/// The installed release nearest the server's minor version: the same minor first, then one newer, then
/// one older (both within kubectl's skew policy), and so on; the highest patch within a minor.
pub fn closest_to_minor(installed: &[Version], server_minor: u32) -> Option<&Version> {
    let candidates = || installed.iter().filter(|v| v.major == 1);
    let releases: Vec<&Version> = candidates().filter(|v| v.pre.is_empty()).collect();
    let pool: Vec<&Version> = if releases.is_empty() {
        candidates().collect()
    } else {
        releases
    };
    pool.into_iter().max_by(|a, b| {
        let rank = |v: &Version| {
            let d = v.minor.abs_diff(server_minor);
            // Smaller distance first; on equal distance the newer minor; then the newer version.
            (std::cmp::Reverse(d), v.minor >= server_minor)
        };
        rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
    })
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
