//! The merged view over all kubeconfig files in effect, and edits routed to the file kubectl would write.
//!
//! Rules (client-go `tools/clientcmd` loader.go and config.go):
//! - Files: `--kubeconfig` alone; else `KUBECONFIG` split on `:`, empty parts dropped, duplicates removed
//!   (first kept); else `$HOME/.kube/config`. Missing files are skipped when reading.
//! - The first file that defines a cluster, user or context wins the whole entry; the first non-empty
//!   `current-context` wins.
//! - Edits of an entry go to the file that defines it. New entries, and a current-context change, go to
//!   the "default file": the explicit file; else the only `KUBECONFIG` file; else the first existing one;
//!   else the last one; without `KUBECONFIG`, `~/.kube/config`. Nothing is written when the value is
//!   already in effect. Unsetting clears the first file that sets it.
//!
//! Every edit re-reads its target file under the `<file>.lock`, applies the change to that fresh copy and
//! replaces it atomically, so concurrent writers never lose each other's entries.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::yaml::{Mapping, Value};

use super::KubeconfigError;
use super::document::{KubeconfigDoc, Section, patch_current_context_line};
use super::lock::FileLock;
use super::write::atomic_write;

/// Where the file list came from; decides the default file for new entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Explicit,
    Env,
    Home,
}

/// The precedence list of kubeconfig files, before reading them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub origin: Origin,
    pub files: Vec<PathBuf>,
}

impl Resolution {
    /// Resolves from the process environment.
    pub fn from_env(explicit: Option<&Path>) -> Self {
        let env = std::env::var_os("KUBECONFIG");
        Self::resolve(
            explicit,
            env.as_deref(),
            &crate::paths::default_kubeconfig(),
        )
    }

    /// Resolves from explicit inputs (pure; used by tests).
    pub fn resolve(
        explicit: Option<&Path>,
        kubeconfig_env: Option<&OsStr>,
        home_file: &Path,
    ) -> Self {
        if let Some(p) = explicit.filter(|p| !p.as_os_str().is_empty()) {
            return Resolution {
                origin: Origin::Explicit,
                files: vec![p.to_path_buf()],
            };
        }
        let mut files: Vec<PathBuf> = Vec::new();
        if let Some(env) = kubeconfig_env {
            for p in std::env::split_paths(env) {
                if !p.as_os_str().is_empty() && !files.contains(&p) {
                    files.push(p);
                }
            }
        }
        if files.is_empty() {
            return Resolution {
                origin: Origin::Home,
                files: vec![home_file.to_path_buf()],
            };
        }
        Resolution {
            origin: Origin::Env,
            files,
        }
    }
}

/// An entry of the merged view together with the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: PathBuf,
}

/// A context as the merged view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextInfo {
    pub name: String,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
    pub source: PathBuf,
}

/// All kubeconfig files in effect, parsed, in precedence order.
#[derive(Debug, Clone)]
pub struct KubeconfigSet {
    pub resolution: Resolution,
    /// One document per file in `resolution.files` (missing files are empty documents).
    docs: Vec<KubeconfigDoc>,
}

impl KubeconfigSet {
    /// Resolves from the environment and loads every file. Any file that fails to parse fails the load,
    /// as it does for kubectl, so a broken file is never written over.
    pub fn load(explicit: Option<&Path>) -> Result<Self, KubeconfigError> {
        Self::load_resolution(Resolution::from_env(explicit))
    }

    pub fn load_resolution(resolution: Resolution) -> Result<Self, KubeconfigError> {
        for file in &resolution.files {
            super::lock::clear_dead_lock(file);
        }
        let docs = resolution
            .files
            .iter()
            .map(|p| KubeconfigDoc::load(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(KubeconfigSet { resolution, docs })
    }

    /// A set over documents the caller read itself (the prompt reads with a size bound), one per file
    /// of `resolution`, in its order.
    pub fn from_docs(resolution: Resolution, docs: Vec<KubeconfigDoc>) -> Self {
        KubeconfigSet { resolution, docs }
    }

    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.docs.iter().map(|d| d.path.as_path())
    }

    /// The files that exist, in precedence order.
    pub fn existing_files(&self) -> impl Iterator<Item = &Path> {
        self.docs
            .iter()
            .filter(|d| d.exists)
            .map(|d| d.path.as_path())
    }

    pub fn docs(&self) -> &[KubeconfigDoc] {
        &self.docs
    }

    /// The effective current-context: the first non-empty one.
    pub fn current_context(&self) -> Option<&str> {
        self.docs.iter().find_map(|d| d.current_context())
    }

    /// The winning entry of a section, with its source file.
    pub fn entry(&self, section: Section, name: &str) -> Option<Sourced<&Value>> {
        self.docs.iter().find_map(|d| {
            d.entry(section, name).map(|v| Sourced {
                value: v,
                source: d.path.clone(),
            })
        })
    }

    /// Names of a section in merge order (file order, then order within the file), each once.
    pub fn names(&self, section: Section) -> Vec<String> {
        // A set keeps this linear: kubeconfigs with thousands of contexts exist (fleet tooling).
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<String> = Vec::new();
        for d in &self.docs {
            for n in d.names(section) {
                if seen.insert(n.clone()) {
                    out.push(n);
                }
            }
        }
        out
    }

    pub fn context_names(&self) -> Vec<String> {
        self.names(Section::Contexts)
    }

    pub fn context(&self, name: &str) -> Option<ContextInfo> {
        let e = self.entry(Section::Contexts, name)?;
        let field = |k: &str| {
            e.value
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Some(ContextInfo {
            name: name.to_string(),
            cluster: field("cluster"),
            user: field("user"),
            namespace: field("namespace"),
            source: e.source.clone(),
        })
    }

    pub fn has_context(&self, name: &str) -> bool {
        self.entry(Section::Contexts, name).is_some()
    }

    /// The namespace a context points at, `default` when it names none (as kubectl does).
    pub fn namespace_of(&self, context: &str) -> String {
        self.context(context)
            .and_then(|c| c.namespace)
            .unwrap_or_else(|| "default".to_string())
    }

    /// The file new entries and current-context changes go to (client-go `GetDefaultFilename`).
    pub fn default_file(&self) -> PathBuf {
        default_file_of(&self.resolution, |i| {
            self.docs.get(i).is_some_and(|d| d.exists)
        })
    }

    /// A kubectl-shaped merged config (what `kubectl config view --raw` shows), with relative file
    /// references resolved against the file that holds them. This is what clients are built from.
    pub fn merged(&self) -> Value {
        let mut root = Mapping::new();
        root.insert("apiVersion".into(), "v1".into());
        root.insert("kind".into(), "Config".into());
        for section in [Section::Clusters, Section::Users, Section::Contexts] {
            let mut list = Vec::new();
            for name in self.names(section) {
                if let Some(e) = self.entry(section, &name) {
                    let mut body = e.value.clone();
                    let base = e.source.parent().map(Path::to_path_buf).unwrap_or_default();
                    resolve_relative_paths(section, &mut body, &base);
                    let mut m = Mapping::new();
                    m.insert("name".into(), Value::String(name));
                    m.insert(section.body_key().into(), body);
                    list.push(Value::Mapping(m));
                }
            }
            root.insert(section.list_key().into(), Value::Sequence(list));
        }
        root.insert(
            "current-context".into(),
            Value::String(self.current_context().unwrap_or_default().to_string()),
        );
        Value::Mapping(root)
    }

    // ---- edits -------------------------------------------------------------------------------------

    /// Makes `name` the current context. Returns the files written (empty when already in effect).
    pub fn use_context(&mut self, name: &str) -> Result<Vec<PathBuf>, KubeconfigError> {
        if !self.has_context(name) {
            return Err(KubeconfigError::UnknownContext(name.to_string()));
        }
        self.write_current_context(name)
    }

    fn write_current_context(&mut self, name: &str) -> Result<Vec<PathBuf>, KubeconfigError> {
        if self.current_context() == Some(name) {
            return Ok(Vec::new());
        }
        let target = self.default_file();
        self.edit_file(&target, |doc| {
            doc.set_current_context(name);
            Ok(true)
        })
    }

    /// Clears the current context in the first file that sets it (kubectx -u).
    pub fn unset_current_context(&mut self) -> Result<Vec<PathBuf>, KubeconfigError> {
        let target = match self.resolution.origin {
            Origin::Explicit => Some(self.resolution.files[0].clone()),
            _ => self
                .docs
                .iter()
                .find(|d| d.current_context().is_some())
                .map(|d| d.path.clone()),
        };
        let Some(target) = target else {
            return Ok(Vec::new());
        };
        self.edit_file(&target, |doc| {
            if doc.current_context().is_none() {
                return Ok(false);
            }
            doc.set_current_context("");
            Ok(true)
        })
    }

    /// Sets (or with `None`, clears) the namespace of a context, in the file that defines it.
    pub fn set_namespace(
        &mut self,
        context: &str,
        namespace: Option<&str>,
    ) -> Result<Vec<PathBuf>, KubeconfigError> {
        let info = self
            .context(context)
            .ok_or_else(|| KubeconfigError::UnknownContext(context.to_string()))?;
        if info.namespace.as_deref() == namespace {
            return Ok(Vec::new());
        }
        self.edit_file(&info.source, |doc| {
            if !doc.has_entry(Section::Contexts, context) {
                return Err(KubeconfigError::UnknownContext(context.to_string()));
            }
            Ok(doc.set_entry_field(Section::Contexts, context, "namespace", namespace))
        })
    }

    /// Renames a context in the file that defines it, and moves current-context along if it pointed there.
    /// A context already named `new` is replaced, as kubectx replaces it (its caller warns): every entry
    /// of that name is removed first, so the renamed one is the one in effect afterwards.
    pub fn rename_context(
        &mut self,
        old: &str,
        new: &str,
    ) -> Result<Vec<PathBuf>, KubeconfigError> {
        let info = self
            .context(old)
            .ok_or_else(|| KubeconfigError::UnknownContext(old.to_string()))?;
        if old == new {
            return Ok(Vec::new());
        }
        let was_current = self.current_context() == Some(old);
        let mut written = Vec::new();
        let holders: Vec<PathBuf> = self
            .docs
            .iter()
            .filter(|d| d.has_entry(Section::Contexts, new))
            .map(|d| d.path.clone())
            .collect();
        for path in holders {
            written.extend(self.edit_file(&path, |doc| {
                while doc.remove_entry(Section::Contexts, new) {}
                Ok(true)
            })?);
        }
        for p in self.edit_file(&info.source, |doc| {
            Ok(doc.rename_entry(Section::Contexts, old, new))
        })? {
            if !written.contains(&p) {
                written.push(p);
            }
        }
        if was_current {
            for p in self.write_current_context(new)? {
                if !written.contains(&p) {
                    written.push(p);
                }
            }
        }
        Ok(written)
    }

    /// Deletes a context from the file that defines it. current-context is left alone, as kubectl does.
    pub fn delete_context(&mut self, name: &str) -> Result<Vec<PathBuf>, KubeconfigError> {
        let info = self
            .context(name)
            .ok_or_else(|| KubeconfigError::UnknownContext(name.to_string()))?;
        self.edit_file(&info.source, |doc| {
            Ok(doc.remove_entry(Section::Contexts, name))
        })
    }

    /// Creates or replaces an entry. An existing entry is edited in its own file; a new one goes to the
    /// default file.
    pub fn upsert(
        &mut self,
        section: Section,
        name: &str,
        body: Value,
    ) -> Result<Vec<PathBuf>, KubeconfigError> {
        let target = self
            .entry(section, name)
            .map(|e| e.source)
            .unwrap_or_else(|| self.default_file());
        self.edit_file(&target, |doc| {
            doc.upsert_entry(section, name, body.clone());
            Ok(true)
        })
    }

    /// Re-reads `path` under its lock, applies `change`, and atomically replaces it when the change says
    /// it changed something. The in-memory copy is refreshed from what was written.
    fn edit_file(
        &mut self,
        path: &Path,
        change: impl FnOnce(&mut KubeconfigDoc) -> Result<bool, KubeconfigError>,
    ) -> Result<Vec<PathBuf>, KubeconfigError> {
        let _lock = FileLock::acquire(path)?;
        let mut doc = self.reload_locked(path)?;
        let before = doc.root.clone();
        if !change(&mut doc)? || doc.root == before {
            self.replace_doc(doc);
            return Ok(Vec::new());
        }
        // Never write something we could not read back: `render_minimal` returns the re-parsed text.
        let written = render_minimal(&doc, &before)?;
        atomic_write(path, written.text.as_bytes(), 0o600).map_err(|source| {
            KubeconfigError::Write {
                path: path.to_path_buf(),
                source,
            }
        })?;
        self.replace_doc(written);
        Ok(vec![path.to_path_buf()])
    }

    /// The current content of `path`, read while its lock is held. When the bytes on disk are the ones
    /// loaded earlier, the parsed copy is reused: parsing dominates the cost of a switch on a large file.
    fn reload_locked(&self, path: &Path) -> Result<KubeconfigDoc, KubeconfigError> {
        let known = self.docs.iter().find(|d| d.path == path);
        match std::fs::read(path) {
            Ok(bytes) => match known {
                Some(d) if d.exists && d.text.as_bytes() == bytes.as_slice() => Ok(d.clone()),
                _ => KubeconfigDoc::from_bytes(path, bytes),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KubeconfigDoc::empty(path)),
            Err(source) => Err(KubeconfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    fn replace_doc(&mut self, doc: KubeconfigDoc) {
        if let Some(slot) = self.docs.iter_mut().find(|d| d.path == doc.path) {
            *slot = doc;
        }
    }
}

/// client-go's `GetDefaultFilename`: the explicit file; else the only `KUBECONFIG` file; else the first
/// existing one; else the last one; without `KUBECONFIG`, `~/.kube/config`. `exists(i)` tells whether
/// `resolution.files[i]` exists.
pub(super) fn default_file_of(resolution: &Resolution, exists: impl Fn(usize) -> bool) -> PathBuf {
    let files = &resolution.files;
    match resolution.origin {
        Origin::Explicit | Origin::Home => files[0].clone(),
        Origin::Env => (0..files.len())
            .find(|&i| files.len() == 1 || exists(i))
            .or(files.len().checked_sub(1))
            .map(|i| files[i].clone())
            .unwrap_or_else(crate::paths::default_kubeconfig),
    }
}

/// Renders an edited document and parses the result back, preferring a one-line textual edit (which keeps
/// comments) when only `current-context` changed and the patched text parses back to exactly the edited
/// document. The returned document is what will be on disk.
fn render_minimal(doc: &KubeconfigDoc, before: &Value) -> Result<KubeconfigDoc, KubeconfigError> {
    if doc.exists
        && let Some(new_ctx) = doc.root.get("current-context").and_then(Value::as_str)
    {
        let mut only_ctx_changed = before.clone();
        if let Value::Mapping(m) = &mut only_ctx_changed {
            // Replaces in place, or appends where the textual patch appends the line.
            m.insert("current-context".into(), Value::String(new_ctx.to_string()));
        }
        if only_ctx_changed == doc.root
            && let Some(text) = patch_current_context_line(&doc.text, new_ctx)
            && let Ok(patched) = KubeconfigDoc::parse(&doc.path, text)
            && patched.root == doc.root
        {
            return Ok(patched);
        }
    }
    KubeconfigDoc::parse(&doc.path, doc.render()?)
}

/// Resolves the file references kubectl resolves relative to their kubeconfig (`ResolveLocalPaths`).
fn resolve_relative_paths(section: Section, body: &mut Value, base: &Path) {
    let keys: &[&str] = match section {
        Section::Clusters => &["certificate-authority"],
        Section::Users => &["client-certificate", "client-key", "tokenFile"],
        Section::Contexts => &[],
    };
    let Value::Mapping(m) = body else { return };
    for key in keys {
        if let Some(Value::String(p)) = m.get_mut(*key)
            && !p.is_empty()
            && !Path::new(p.as_str()).is_absolute()
        {
            *p = base.join(p.as_str()).to_string_lossy().into_owned();
        }
    }
    // An exec plugin command with a path separator is relative to the kubeconfig too.
    if section == Section::Users
        && let Some(Value::Mapping(exec)) = m.get_mut("exec")
        && let Some(Value::String(cmd)) = exec.get_mut("command")
        && cmd.contains('/')
        && !Path::new(cmd.as_str()).is_absolute()
    {
        *cmd = base.join(cmd.as_str()).to_string_lossy().into_owned();
    }
}

#[cfg(test)]
#[path = "set_tests.rs"]
mod tests;
