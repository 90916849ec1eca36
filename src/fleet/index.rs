//! The context index of the kubeconfig directories: which contexts each kubeconfig file holds, kept in
//! `${XDG_CACHE_HOME:-~/.cache}/kdeck/contexts-index.json` and keyed on each file's path, mtime and
//! size, so a picker over thousands of files reads one small file instead of parsing them all.
//!
//! [`Index::found`] answers from the index as it is (files it has never seen are read at once); then
//! [`Index::refresh`] (which the callers run in the background) walks the directories again, re-reads
//! only the files whose mtime or size changed, drops the ones that are gone, and writes the index
//! atomically. Only context names are kept: credentials stay in their files and are read from there.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::sources::{kubeconfig_files, unique_name};
use crate::kubeconfig::KubeconfigSet;

const FILE: &str = "contexts-index.json";
const VERSION: u32 = 1;

/// One file's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    mtime_ns: u128,
    size: u64,
    contexts: Vec<String>,
    /// Why the file could not be read (it is not read again until it changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Index {
    version: u32,
    files: BTreeMap<PathBuf, Entry>,
}

/// A context found under a kubeconfig directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The name to pick it by: its own, or `FOLDER/NAME` where that is taken.
    pub name: String,
    /// Its name in its file.
    pub context: String,
    pub file: PathBuf,
}

fn stamp(path: &Path) -> Option<(u128, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some((mtime, meta.len()))
}

fn read_entry(path: &Path) -> Option<Entry> {
    let (mtime_ns, size) = stamp(path)?;
    Some(match KubeconfigSet::load(Some(path)) {
        Ok(set) => Entry {
            mtime_ns,
            size,
            contexts: set.context_names(),
            error: None,
        },
        Err(e) => Entry {
            mtime_ns,
            size,
            contexts: Vec::new(),
            error: Some(e.to_string()),
        },
    })
}

impl Index {
    pub fn path() -> PathBuf {
        crate::paths::cache_dir().join(FILE)
    }

    /// The index on disk; empty when there is none or it cannot be read (it is rebuilt).
    pub fn load() -> Index {
        std::fs::read(Self::path())
            .ok()
            .and_then(|b| serde_json::from_slice::<Index>(&b).ok())
            .filter(|i| i.version == VERSION)
            .unwrap_or_default()
    }

    /// The contexts under `dirs`, named so they do not clash with `taken` (the merged kubeconfig's)
    /// nor with each other. Files the index has never seen are read now; the others are answered from
    /// the index as it is, even if they changed since ([`Index::refresh`] catches up).
    pub fn found(
        &mut self,
        taken: &[String],
        dirs: &[PathBuf],
        skip: &HashSet<PathBuf>,
    ) -> (Vec<Found>, Vec<String>) {
        let mut taken: HashSet<String> = taken.iter().cloned().collect();
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for dir in dirs {
            let known: Vec<PathBuf> = self
                .files
                .keys()
                .filter(|f| f.starts_with(dir))
                .cloned()
                .collect();
            let files = if known.is_empty() {
                // Never indexed: walk it now (the cold start).
                kubeconfig_files(dir)
            } else {
                known
            };
            for file in files {
                if skip.contains(&file) {
                    continue;
                }
                if !self.files.contains_key(&file)
                    && let Some(e) = read_entry(&file)
                {
                    self.files.insert(file.clone(), e);
                }
                let Some(entry) = self.files.get(&file) else {
                    continue;
                };
                if let Some(e) = &entry.error {
                    problems.push(format!("{}: {e}", file.display()));
                }
                for context in &entry.contexts {
                    let name = unique_name(context, &file, dir, &taken);
                    taken.insert(name.clone());
                    out.push(Found {
                        name,
                        context: context.clone(),
                        file: file.clone(),
                    });
                }
            }
        }
        (out, problems)
    }

    /// Walks `dirs` again: new and changed files are re-read, vanished ones dropped. True when
    /// anything changed.
    pub fn refresh(&mut self, dirs: &[PathBuf]) -> bool {
        let mut seen: HashSet<PathBuf> = HashSet::new();
        let mut changed = false;
        for dir in dirs {
            for file in kubeconfig_files(dir) {
                let current = stamp(&file);
                let stale = match (self.files.get(&file), current) {
                    (Some(e), Some((m, s))) => e.mtime_ns != m || e.size != s,
                    (None, Some(_)) => true,
                    (_, None) => false,
                };
                if stale && let Some(e) = read_entry(&file) {
                    self.files.insert(file.clone(), e);
                    changed = true;
                }
                seen.insert(file);
            }
        }
        let before = self.files.len();
        self.files
            .retain(|f, _| seen.contains(f) || !dirs.iter().any(|d| f.starts_with(d)));
        changed || self.files.len() != before
    }

    /// Writes the index (0600, atomically: a reader never sees half of it).
    pub fn save(&mut self) -> std::io::Result<()> {
        self.version = VERSION;
        let path = Self::path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        crate::kubeconfig::write::atomic_write(&path, &text, 0o600)
    }
}

/// The merged kubeconfig's context names plus the contexts under `dirs`, answered from the index; the
/// index is brought up to date in a background thread, whose handle is returned so a short-lived
/// command can wait for it before exiting.
pub fn contexts_with_dirs(
    merged: &KubeconfigSet,
    dirs: &[PathBuf],
) -> (Vec<Found>, Vec<String>, Option<std::thread::JoinHandle<()>>) {
    if dirs.is_empty() {
        return (Vec::new(), Vec::new(), None);
    }
    let skip: HashSet<PathBuf> = merged.files().map(Path::to_path_buf).collect();
    let mut index = Index::load();
    let cold = index.files.is_empty();
    let (found, problems) = index.found(&merged.context_names(), dirs, &skip);
    let dirs = dirs.to_vec();
    let refresh = std::thread::spawn(move || {
        if index.refresh(&dirs) || cold {
            let _ = index.save();
        }
    });
    (found, problems, Some(refresh))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::sources::tests::kubeconfig;

    #[test]
    fn the_index_answers_without_reading_files_and_refresh_catches_up() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("clusters");
        std::fs::create_dir_all(dir.join("eu")).unwrap();
        std::fs::create_dir_all(dir.join("us")).unwrap();
        std::fs::write(dir.join("eu/a.yaml"), kubeconfig(&["dev", "eu-prod"])).unwrap();
        std::fs::write(dir.join("us/b.yaml"), kubeconfig(&["dev"])).unwrap();
        let dirs = vec![dir.clone()];
        let mut index = Index::default();
        let (found, problems) = index.found(&["dev".into()], &dirs, &HashSet::new());
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["eu/dev", "eu-prod", "us/dev"]);
        assert_eq!(found[0].context, "dev");
        assert_eq!(found[0].file, dir.join("eu/a.yaml"));

        // A changed file is still answered from the index until a refresh sees its new stamp.
        std::fs::write(dir.join("us/b.yaml"), kubeconfig(&["dev", "us-prod-2"])).unwrap();
        std::fs::remove_file(dir.join("eu/a.yaml")).unwrap();
        let (stale, _) = index.found(&[], &dirs, &HashSet::new());
        assert_eq!(stale.len(), 3);
        assert!(index.refresh(&dirs));
        let (fresh, _) = index.found(&[], &dirs, &HashSet::new());
        let names: Vec<&str> = fresh.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["dev", "us-prod-2"]);
        assert!(!index.refresh(&dirs), "nothing changed since");
    }

    #[test]
    fn an_unreadable_file_is_reported_and_not_read_again_until_it_changes() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("k");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("broken.yaml"), "contexts: [").unwrap();
        let mut index = Index::default();
        let (found, problems) = index.found(&[], std::slice::from_ref(&dir), &HashSet::new());
        assert!(found.is_empty());
        assert!(problems[0].contains("broken.yaml"), "{problems:?}");
        assert!(!index.refresh(&[dir]), "same stamp: not read again");
    }
}
