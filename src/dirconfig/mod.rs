//! The per-directory `.kdeck.yaml`: finding the nearest one walking up from a directory, parsing it, and
//! the allow/deny store ([`trust`]) that decides whether it may take effect.
//!
//! A root module because `shell` (auto-context), `kubectl` (the `kubectl:` pin), `safety` and the TUI
//! (`readonly:`) all read it. It must not apply anything: switching is the hook's job, pinning the
//! resolver's, and refusing the safety policy's.

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub mod trust;

pub const FILE_NAME: &str = ".kdeck.yaml";

/// The settings a `.kdeck.yaml` may carry. Unknown keys are rejected so a typo is not silently ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirConfig {
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub kubectl: Option<String>,
    #[serde(default)]
    pub readonly: bool,
}

/// A `.kdeck.yaml` found on disk, with its raw content (trust is keyed on path + content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDirConfig {
    pub path: PathBuf,
    pub content: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum DirConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: crate::yaml::YamlError,
    },
}

/// The largest `.kdeck.yaml` read: it holds four short keys, and the hook reads it at a prompt.
pub const MAX_BYTES: u64 = 64 * 1024;

/// The nearest `.kdeck.yaml` at or above `start`, if any. Unreadable files are reported, not skipped, so
/// a broken file never silently lets an outer one take over. A FIFO, device or over-large file in its
/// place is such an error, not a wait: this runs at every `cd`.
pub fn find_nearest(start: &Path) -> Result<Option<FoundDirConfig>, DirConfigError> {
    for dir in start.ancestors() {
        let path = dir.join(FILE_NAME);
        match crate::paths::read_bounded(&path, MAX_BYTES) {
            Ok(Some(content)) => return Ok(Some(FoundDirConfig { path, content })),
            Ok(None) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => continue,
            Err(source) => return Err(DirConfigError::Read { path, source }),
        }
    }
    Ok(None)
}

impl FoundDirConfig {
    pub fn parse(&self) -> Result<DirConfig, DirConfigError> {
        let text = String::from_utf8_lossy(&self.content);
        if text.trim().is_empty() {
            return Ok(DirConfig::default());
        }
        crate::yaml::from_str(&text).map_err(|source| DirConfigError::Parse {
            path: self.path.clone(),
            source,
        })
    }

    /// The directory the file applies to.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_wins_and_parses() {
        let root = tempfile::tempdir().unwrap();
        let inner = root.path().join("a/b/c");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::write(root.path().join(FILE_NAME), "context: outer\n").unwrap();
        std::fs::write(
            root.path().join("a/b").join(FILE_NAME),
            "context: inner\nnamespace: ns\nkubectl: 1.29.4\nreadonly: true\n",
        )
        .unwrap();
        let found = find_nearest(&inner).unwrap().unwrap();
        assert_eq!(found.path, root.path().join("a/b").join(FILE_NAME));
        let cfg = found.parse().unwrap();
        assert_eq!(
            cfg,
            DirConfig {
                context: Some("inner".into()),
                namespace: Some("ns".into()),
                kubectl: Some("1.29.4".into()),
                readonly: true
            }
        );
    }

    #[test]
    fn typo_is_an_error_with_location() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "contxt: x\n").unwrap();
        let err = find_nearest(dir.path())
            .unwrap()
            .unwrap()
            .parse()
            .unwrap_err();
        assert!(err.to_string().contains("contxt"), "{err}");
    }

    #[test]
    fn a_fifo_in_its_place_is_an_error_not_a_wait() {
        let dir = tempfile::tempdir().unwrap();
        let st = std::process::Command::new("mkfifo")
            .arg(dir.path().join(FILE_NAME))
            .status()
            .unwrap();
        assert!(st.success());
        let err = find_nearest(dir.path()).unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");
    }
}
