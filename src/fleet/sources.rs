//! The contexts a fleet covers: those of the merged kubeconfig (kubectl's resolution), then those of
//! every kubeconfig file found under the given directories (recursively: `*.yaml`, `*.yml`,
//! `*.kubeconfig` and files named `config`). A context whose name is already taken is shown as
//! `FOLDER/NAME`, FOLDER being its file's directory, as kubeswitch does.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::kubeconfig::KubeconfigSet;

/// Directory levels searched below each kubeconfig directory.
const MAX_DEPTH: usize = 8;

/// One context to probe.
pub struct Source {
    /// The name shown in the fleet (unique).
    pub name: String,
    /// The context's name in its own kubeconfig.
    pub context: String,
    pub set: KubeconfigSet,
    /// The kubeconfig file it was found in, for contexts found under a directory.
    pub file: Option<PathBuf>,
}

fn is_kubeconfig_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "config"
        || [".yaml", ".yml", ".kubeconfig"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Kubeconfig files under `dir`, sorted; symlinked directories are not followed (no loops).
pub fn kubeconfig_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            let path = e.path();
            if kind.is_dir() && depth < MAX_DEPTH {
                pending.push((path, depth + 1));
            } else if (kind.is_file() || kind.is_symlink()) && is_kubeconfig_name(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every context, with problems (unreadable files) to report beside.
pub fn collect(explicit: Option<&Path>, dirs: &[PathBuf]) -> (Vec<Source>, Vec<String>) {
    collect_with(
        KubeconfigSet::load(explicit).map_err(|e| e.to_string()),
        dirs,
    )
}

/// The same, with the merged kubeconfig already loaded (the TUI has it).
pub fn collect_with(
    merged: Result<KubeconfigSet, String>,
    dirs: &[PathBuf],
) -> (Vec<Source>, Vec<String>) {
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    let mut taken: HashSet<String> = HashSet::new();
    let mut seen_files: HashSet<PathBuf> = HashSet::new();
    match merged {
        Ok(set) => {
            for f in set.files() {
                seen_files.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.to_path_buf()));
            }
            for context in set.context_names() {
                taken.insert(context.clone());
                sources.push(Source {
                    name: context.clone(),
                    context,
                    set: set.clone(),
                    file: None,
                });
            }
        }
        Err(e) => problems.push(format!("kubeconfig: {e}")),
    }
    for dir in dirs {
        if !dir.is_dir() {
            problems.push(format!("{}: not a directory", dir.display()));
            continue;
        }
        for file in kubeconfig_files(dir) {
            let canonical = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if !seen_files.insert(canonical) {
                continue;
            }
            let set = match KubeconfigSet::load(Some(&file)) {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("{}: {e}", file.display()));
                    continue;
                }
            };
            for context in set.context_names() {
                let name = unique_name(&context, &file, dir, &taken);
                taken.insert(name.clone());
                sources.push(Source {
                    name,
                    context,
                    set: set.clone(),
                    file: Some(file.clone()),
                });
            }
        }
    }
    (sources, problems)
}

/// `context`, or `FOLDER/context` when taken, or the file's path below `dir` when that is taken too.
pub(super) fn unique_name(
    context: &str,
    file: &Path,
    dir: &Path,
    taken: &HashSet<String>,
) -> String {
    if !taken.contains(context) {
        return context.to_string();
    }
    let folder = file
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let by_folder = format!("{folder}/{context}");
    if !taken.contains(&by_folder) {
        return by_folder;
    }
    let rel = file.strip_prefix(dir).unwrap_or(file);
    format!("{}/{context}", rel.display())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A kubeconfig with these contexts (one cluster, one user).
    pub(in crate::fleet) fn kubeconfig(contexts: &[&str]) -> String {
        let mut s = String::from(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: https://127.0.0.1:1}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n",
        );
        for c in contexts {
            s.push_str(&format!(
                "- name: {c}\n  context: {{cluster: c, user: u}}\n"
            ));
        }
        s
    }

    #[test]
    fn directories_add_their_contexts_and_clashing_names_get_their_folder() {
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let main = home.path().join("config");
        std::fs::write(&main, kubeconfig(&["dev"])).unwrap_or_else(|e| panic!("{e}"));
        let dir = home.path().join("clusters");
        for (sub, file, ctxs) in [
            ("eu", "a.yaml", vec!["dev", "eu-prod"]),
            ("us", "b.kubeconfig", vec!["dev"]),
            ("us", "notes.txt", vec!["ignored"]),
        ] {
            std::fs::create_dir_all(dir.join(sub)).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(dir.join(sub).join(file), kubeconfig(&ctxs))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(dir.join("broken.yaml"), "contexts: [").unwrap_or_else(|e| panic!("{e}"));
        let (sources, problems) = collect(Some(&main), std::slice::from_ref(&dir));
        let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["dev", "eu/dev", "eu-prod", "us/dev"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("broken.yaml"), "{problems:?}");
        assert_eq!(sources[1].context, "dev");
    }
}
