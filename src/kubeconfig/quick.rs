//! The fast path for the most frequent operations, reading the current context and switching it
//! (`kdeck ctx NAME`, `kdeck ctx -c`, the context list): the same file resolution and kubectl rules as
//! [`KubeconfigSet`], on files read by [`skim`] instead of a full YAML parse, and a switch done as the
//! one-line textual edit of `current-context`.
//!
//! Whenever a file in effect is outside the scanner's subset, or the edit is not a simple one-line
//! change, this module answers `None` and the caller uses [`KubeconfigSet`], which handles everything.

use std::path::{Path, PathBuf};

use super::document::quote_scalar;
use super::lock::FileLock;
use super::set::default_file_of;
use super::skim::{Skim, skim};
use super::write::atomic_write;
use super::{KubeconfigError, Resolution};

/// The kubeconfig files in effect, scanned.
#[derive(Debug, Clone)]
pub struct QuickView {
    resolution: Resolution,
    files: Vec<QuickFile>,
}

#[derive(Debug, Clone)]
struct QuickFile {
    path: PathBuf,
    exists: bool,
    text: String,
    skim: Skim,
}

impl QuickView {
    /// Resolves from the environment; `Ok(None)` when some file needs the full parse.
    pub fn load(explicit: Option<&Path>) -> Result<Option<Self>, KubeconfigError> {
        Self::load_resolution(Resolution::from_env(explicit))
    }

    pub fn load_resolution(resolution: Resolution) -> Result<Option<Self>, KubeconfigError> {
        let mut files = Vec::with_capacity(resolution.files.len());
        for path in &resolution.files {
            super::lock::clear_dead_lock(path);
            let Some(file) = read(path)? else {
                return Ok(None);
            };
            files.push(file);
        }
        Ok(Some(QuickView { resolution, files }))
    }

    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    pub fn existing_files(&self) -> impl Iterator<Item = &Path> {
        self.files
            .iter()
            .filter(|f| f.exists)
            .map(|f| f.path.as_path())
    }

    /// The first non-empty `current-context`.
    pub fn current_context(&self) -> Option<&str> {
        self.files
            .iter()
            .find_map(|f| f.skim.current_context.as_deref())
    }

    /// Context names in merge order, each once.
    pub fn context_names(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for name in self.files.iter().flat_map(|f| &f.skim.context_names) {
            if seen.insert(name.as_str()) {
                out.push(name.clone());
            }
        }
        out
    }

    pub fn has_context(&self, name: &str) -> bool {
        self.files
            .iter()
            .any(|f| f.skim.context_names.iter().any(|n| n == name))
    }

    /// [`KubeconfigSet::use_context`](super::KubeconfigSet::use_context) as a one-line edit. `Ok(None)`
    /// means the edit needs the full path (no `current-context:` line to change in the target file, the
    /// file changed into something outside the subset, or the result would not read back as intended);
    /// nothing has been written then.
    pub fn use_context(&mut self, name: &str) -> Result<Option<Vec<PathBuf>>, KubeconfigError> {
        if !self.has_context(name) {
            return Err(KubeconfigError::UnknownContext(name.to_string()));
        }
        if self.current_context() == Some(name) {
            return Ok(Some(Vec::new()));
        }
        let target = default_file_of(&self.resolution, |i| {
            self.files.get(i).is_some_and(|f| f.exists)
        });
        let Some(index) = self.files.iter().position(|f| f.path == target) else {
            return Ok(None);
        };
        let _lock = FileLock::acquire(&target)?;
        // Re-read under the lock: another writer may have changed the file since we scanned it. When it
        // has not, the scan we have is still right.
        let loaded = &self.files[index];
        let reread;
        let fresh = match std::fs::read(&target) {
            Ok(bytes) if loaded.exists && bytes == loaded.text.as_bytes() => loaded,
            _ => match read(&target)? {
                Some(file) => {
                    reread = file;
                    &reread
                }
                None => return Ok(None),
            },
        };
        let Some(span) = fresh.skim.current_span.clone().filter(|_| fresh.exists) else {
            return Ok(None);
        };
        let scalar = quote_scalar(name);
        if scalar.contains('\n') {
            return Ok(None);
        }
        let mut text = String::with_capacity(fresh.text.len() + scalar.len() + 1);
        text.push_str(&fresh.text[..span.start]);
        text.push(' ');
        text.push_str(&scalar);
        text.push_str(&fresh.text[span.end..]);
        // Never write what we could not read back exactly as intended.
        let Some(after) = skim(&text) else {
            return Ok(None);
        };
        if after.context_names != fresh.skim.context_names
            || after.current_context.as_deref() != Some(name)
        {
            return Ok(None);
        }
        atomic_write(&target, text.as_bytes(), 0o600).map_err(|source| KubeconfigError::Write {
            path: target.clone(),
            source,
        })?;
        self.files[index] = QuickFile {
            path: target.clone(),
            exists: true,
            text,
            skim: after,
        };
        Ok(Some(vec![target]))
    }
}

/// Reads and scans one file; `Ok(None)` when it needs the full parse (not UTF-8, outside the subset).
fn read(path: &Path) -> Result<Option<QuickFile>, KubeconfigError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Some(QuickFile {
                path: path.to_path_buf(),
                exists: false,
                text: String::new(),
                skim: skim("").unwrap_or(Skim {
                    context_names: Vec::new(),
                    current_context: None,
                    current_span: None,
                }),
            }));
        }
        Err(source) => {
            return Err(KubeconfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Ok(None);
    };
    Ok(skim(&text).map(|skim| QuickFile {
        path: path.to_path_buf(),
        exists: true,
        text,
        skim,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::KubeconfigSet;
    use std::ffi::OsStr;
    use std::fs;

    fn resolution(files: &[&Path]) -> Resolution {
        let joined = std::env::join_paths(files).unwrap();
        Resolution::resolve(None, Some(OsStr::new(&joined)), Path::new("/nonexistent"))
    }

    const A: &str = "apiVersion: v1\ncontexts:\n- name: shared\n  context:\n    cluster: a\n- name: only-a\n  context:\n    cluster: a\nkind: Config\n";
    const B: &str = "# keep me\ncontexts:\n- name: shared\n  context:\n    cluster: b\n- name: only-b\n  context:\n    cluster: b\ncurrent-context: only-b\n";

    #[test]
    fn agrees_with_the_full_view_and_switches_like_it() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        let missing = dir.path().join("missing");
        fs::write(&a, format!("{A}current-context: \"\"\n")).unwrap();
        fs::write(&b, B).unwrap();
        let files = [missing.as_path(), a.as_path(), b.as_path()];
        let mut quick = QuickView::load_resolution(resolution(&files))
            .unwrap()
            .unwrap();
        let full = KubeconfigSet::load_resolution(resolution(&files)).unwrap();
        assert_eq!(quick.context_names(), full.context_names());
        assert_eq!(quick.current_context(), full.current_context());
        assert_eq!(
            quick.use_context("only-b").unwrap(),
            Some(vec![]),
            "already in effect"
        );
        assert_eq!(quick.use_context("only-a").unwrap(), Some(vec![a.clone()]));
        assert!(!missing.exists());
        assert_eq!(fs::read_to_string(&b).unwrap(), B);
        let after = KubeconfigSet::load_resolution(resolution(&files)).unwrap();
        assert_eq!(after.current_context(), Some("only-a"));
        assert_eq!(
            fs::read_to_string(&a).unwrap(),
            format!("{A}current-context: only-a\n")
        );
        assert!(matches!(
            quick.use_context("nope"),
            Err(KubeconfigError::UnknownContext(_))
        ));
    }

    #[test]
    fn hands_over_when_it_cannot_do_a_one_line_edit() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        // No current-context line to change: the full path inserts one.
        fs::write(&a, A).unwrap();
        let mut quick = QuickView::load_resolution(resolution(&[&a]))
            .unwrap()
            .unwrap();
        assert_eq!(quick.use_context("only-a").unwrap(), None);
        assert_eq!(fs::read_to_string(&a).unwrap(), A, "nothing written");
        // A flow-style file is outside the subset.
        fs::write(&a, "contexts: [{name: x}]\n").unwrap();
        assert!(
            QuickView::load_resolution(resolution(&[&a]))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn names_yaml_would_misread_are_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        fs::write(
            &a,
            "contexts:\n- name: 'yes'\n- name: '123'\n- name: x\ncurrent-context: x\n",
        )
        .unwrap();
        let mut quick = QuickView::load_resolution(resolution(&[&a]))
            .unwrap()
            .unwrap();
        assert!(quick.use_context("123").unwrap().is_some());
        let full = KubeconfigSet::load_resolution(resolution(&[&a])).unwrap();
        assert_eq!(full.current_context(), Some("123"));
    }
}
