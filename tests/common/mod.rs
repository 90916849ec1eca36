//! Shared helpers for the `switch_*` binary tests: a sandbox (temp HOME, XDG dirs, kubeconfigs) and a way
//! to run the real kdeck binary, kubectl or an argv[0] symlink inside it with a clean environment.
#![allow(dead_code)]

pub mod apiserver;
pub mod terminal;
#[path = "../tools/mod.rs"]
pub mod tools;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn kdeck_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kdeck"))
}

/// kubectl, the referee; `None` (with the reason printed) when the caller must skip, a failure in CI.
pub fn kubectl() -> Option<PathBuf> {
    tools::need(tools::Tool::Kubectl)
}

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

/// What a finished process said.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn ok(&self) -> bool {
        self.code == 0
    }
}

impl From<Output> for Out {
    fn from(o: Output) -> Self {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("home")).unwrap();
        Sandbox { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn home(&self) -> PathBuf {
        self.path("home")
    }

    pub fn cache(&self) -> PathBuf {
        self.path("cache")
    }

    /// Writes a 0600 file (creating parent directories) and returns its path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }

    /// A command with a clean environment pointing HOME, XDG_* and KUBECONFIG into the sandbox.
    pub fn command(&self, program: &Path, kubeconfig: &[&Path]) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("XDG_CACHE_HOME", self.cache())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_RUNTIME_DIR", self.path("run"))
            .stdin(Stdio::null());
        if !kubeconfig.is_empty() {
            c.env("KUBECONFIG", std::env::join_paths(kubeconfig).unwrap());
        }
        c
    }

    pub fn kdeck(&self, kubeconfig: &[&Path], args: &[&str]) -> Out {
        self.command(&kdeck_bin(), kubeconfig)
            .args(args)
            .output()
            .unwrap()
            .into()
    }

    pub fn ctx(&self, kubeconfig: &[&Path], args: &[&str]) -> Out {
        let mut all = vec!["ctx"];
        all.extend_from_slice(args);
        self.kdeck(kubeconfig, &all)
    }

    pub fn ns(&self, kubeconfig: &[&Path], args: &[&str]) -> Out {
        let mut all = vec!["ns"];
        all.extend_from_slice(args);
        self.kdeck(kubeconfig, &all)
    }

    /// A symlink named `name` (kubectx, kubens) to the kdeck binary, for argv[0] dispatch.
    pub fn alias(&self, name: &str) -> PathBuf {
        let bin = self.path("bin");
        fs::create_dir_all(&bin).unwrap();
        let link = bin.join(name);
        if !link.exists() {
            std::os::unix::fs::symlink(kdeck_bin(), &link).unwrap();
        }
        link
    }

    /// Every regular file under `rel` with its bytes, to prove a failed command changed nothing.
    pub fn snapshot(&self, rel: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        snapshot_into(&self.path(rel), &mut out);
        out
    }
}

fn snapshot_into(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            snapshot_into(&p, out);
        } else if ft.is_file() {
            out.insert(p.clone(), fs::read(&p).unwrap_or_default());
        }
    }
}

/// Parses a kubeconfig with kdeck's engine and returns its context names and current-context.
pub fn contexts_of(path: &Path) -> Result<(Vec<String>, Option<String>), String> {
    let doc = kdeck::kubeconfig::KubeconfigDoc::load(path).map_err(|e| e.to_string())?;
    Ok((
        doc.names(kdeck::kubeconfig::Section::Contexts),
        doc.current_context().map(str::to_string),
    ))
}

/// A kubeconfig with `contexts` (each on its own cluster and user) and `current`.
pub fn kubeconfig_with(contexts: &[&str], current: Option<&str>) -> String {
    let mut s = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for c in contexts {
        s.push_str(&format!(
            "- name: {c}-cluster\n  cluster:\n    server: https://{c}.example:6443\n"
        ));
    }
    s.push_str("users:\n");
    for c in contexts {
        s.push_str(&format!("- name: {c}-user\n  user:\n    token: t-{c}\n"));
    }
    s.push_str("contexts:\n");
    for c in contexts {
        s.push_str(&format!(
            "- name: {c}\n  context:\n    cluster: {c}-cluster\n    user: {c}-user\n"
        ));
    }
    if let Some(cur) = current {
        s.push_str(&format!("current-context: {cur}\n"));
    }
    s
}

/// Context entries of a file, duplicates included, or the parse error.
pub fn entries(path: &std::path::Path) -> Result<Vec<String>, String> {
    let doc = kdeck::kubeconfig::KubeconfigDoc::load(path).map_err(|e| e.to_string())?;
    Ok(doc
        .list(kdeck::kubeconfig::Section::Contexts)
        .iter()
        .filter_map(|e| kdeck::kubeconfig::entry_name(e).map(str::to_string))
        .collect())
}

/// A small deterministic-per-run pseudo-random sequence (xorshift), seeded from the clock and pid.
pub struct Jitter(pub u64);

impl Jitter {
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        Jitter(u64::from(nanos) ^ (u64::from(std::process::id()) << 32) | 1)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
