//! The allow/deny store for `.kdeck.yaml` files, under `${XDG_DATA_HOME:-~/.local/share}/kdeck/`.
//!
//! - `allow/<sha256(abs path + "\n" + content)>`: trusted. Any edit or move changes the key, so the file
//!   is blocked again until allowed anew (the direnv model).
//! - `deny/<sha256(abs path)>`: blocked silently, whatever the content, until allowed.
//!
//! Each record holds the path it was made for, for humans browsing the store. Deciding is pure file
//! lookup; announcing and applying belong to the hook.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::FoundDirConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    Allowed,
    Denied,
    Unknown,
}

/// The store rooted at a data directory (normally [`crate::paths::data_dir`]).
#[derive(Debug, Clone)]
pub struct TrustStore {
    root: PathBuf,
}

/// The absolute, symlink-free path a trust record is keyed on. Canonical so that reaching the same file
/// through a symlinked directory does not need a second `allow`.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `sha256(abs path + "\n" + content)` in hex.
pub fn content_key(path: &Path, content: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(canonical(path).as_os_str().as_encoded_bytes());
    h.update(b"\n");
    h.update(content);
    hex::encode(h.finalize())
}

fn path_key(path: &Path) -> String {
    hex::encode(Sha256::digest(
        canonical(path).as_os_str().as_encoded_bytes(),
    ))
}

impl TrustStore {
    pub fn new(root: PathBuf) -> Self {
        TrustStore { root }
    }

    pub fn user() -> Self {
        Self::new(crate::paths::data_dir())
    }

    pub fn allow_dir(&self) -> PathBuf {
        self.root.join("allow")
    }

    pub fn deny_dir(&self) -> PathBuf {
        self.root.join("deny")
    }

    pub fn status(&self, found: &FoundDirConfig) -> Trust {
        if self
            .allow_dir()
            .join(content_key(&found.path, &found.content))
            .exists()
        {
            Trust::Allowed
        } else if self.deny_dir().join(path_key(&found.path)).exists() {
            Trust::Denied
        } else {
            Trust::Unknown
        }
    }

    /// Trusts this exact content at this path, and lifts a deny.
    pub fn allow(&self, found: &FoundDirConfig) -> io::Result<()> {
        let key = content_key(&found.path, &found.content);
        self.record(&self.allow_dir(), &key, &found.path)?;
        remove_if_present(&self.deny_dir().join(path_key(&found.path)))
    }

    /// Blocks this path silently, and drops the trust of its current content.
    pub fn deny(&self, found: &FoundDirConfig) -> io::Result<()> {
        self.record(&self.deny_dir(), &path_key(&found.path), &found.path)?;
        remove_if_present(
            &self
                .allow_dir()
                .join(content_key(&found.path, &found.content)),
        )
    }

    fn record(&self, dir: &Path, key: &str, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut text = canonical(path).as_os_str().as_encoded_bytes().to_vec();
        text.push(b'\n');
        crate::kubeconfig::write::atomic_write(&dir.join(key), &text, 0o600)
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(dir: &Path, content: &str) -> FoundDirConfig {
        let path = dir.join(".kdeck.yaml");
        std::fs::write(&path, content).unwrap();
        FoundDirConfig {
            path,
            content: content.as_bytes().to_vec(),
        }
    }

    #[test]
    fn allow_is_keyed_on_path_and_content() {
        let data = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let store = TrustStore::new(data.path().to_path_buf());
        let f = found(work.path(), "context: a\n");
        assert_eq!(store.status(&f), Trust::Unknown);
        store.allow(&f).unwrap();
        assert_eq!(store.status(&f), Trust::Allowed);

        let edited = found(work.path(), "context: b\n");
        assert_eq!(
            store.status(&edited),
            Trust::Unknown,
            "an edit blocks again"
        );

        let other = tempfile::tempdir().unwrap();
        let moved = found(other.path(), "context: a\n");
        assert_eq!(store.status(&moved), Trust::Unknown, "a move blocks again");
    }

    #[test]
    fn deny_survives_edits_and_allow_lifts_it() {
        let data = tempfile::tempdir().unwrap();
        let work = tempfile::tempdir().unwrap();
        let store = TrustStore::new(data.path().to_path_buf());
        let f = found(work.path(), "context: a\n");
        store.allow(&f).unwrap();
        store.deny(&f).unwrap();
        assert_eq!(store.status(&f), Trust::Denied);
        assert_eq!(
            store.status(&found(work.path(), "context: c\n")),
            Trust::Denied
        );
        store.allow(&f).unwrap();
        assert_eq!(store.status(&f), Trust::Allowed);
    }
}
