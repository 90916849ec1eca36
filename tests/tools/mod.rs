//! The outside tools some tests drive (tmux, kubectl, zsh, fish, script), asked for in one place.
//!
//! A test that cannot run without its tool must not pass quietly. With `CI` set or
//! `KDECK_E2E_REQUIRED=1`, a missing tool fails the test and says what to install; elsewhere the test is
//! skipped and prints a `SKIPPED:` line saying which tool is missing (visible with `--no-capture`, and
//! listed up front by scripts/test.sh).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Tmux,
    Kubectl,
    Zsh,
    Fish,
    /// util-linux's script(1): a pseudo-terminal for tests of interactive faces.
    Script,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Tmux => "tmux",
            Tool::Kubectl => "kubectl",
            Tool::Zsh => "zsh",
            Tool::Fish => "fish",
            Tool::Script => "script",
        }
    }

    /// What to run to get it on the Debian/Ubuntu machines CI uses.
    pub fn install_hint(self) -> &'static str {
        match self {
            Tool::Tmux => "apt-get install tmux",
            Tool::Kubectl => {
                "install kubectl at /usr/bin/kubectl (https://kubernetes.io/docs/tasks/tools/)"
            }
            Tool::Zsh => "apt-get install zsh",
            Tool::Fish => "apt-get install fish",
            Tool::Script => "apt-get install bsdutils",
        }
    }

    /// The argument that makes the tool print its version and exit 0.
    fn probe_arg(self) -> &'static str {
        match self {
            Tool::Tmux => "-V",
            Tool::Kubectl => "version",
            Tool::Zsh | Tool::Fish | Tool::Script => "--version",
        }
    }
}

/// True when a missing tool must fail the test instead of skipping it.
pub fn required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var("KDECK_E2E_REQUIRED").is_ok_and(|v| v == "1")
}

/// Where `tool` is: kubectl at /usr/bin/kubectl (the referee the tests are written against) or on PATH,
/// the others on PATH; `None` when it is absent or does not run.
pub fn locate(tool: Tool) -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if tool == Tool::Kubectl {
        candidates.push(PathBuf::from("/usr/bin/kubectl"));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    candidates.extend(std::env::split_paths(&path).map(|d| d.join(tool.name())));
    candidates.into_iter().find(|p| runs(tool, p))
}

fn runs(tool: Tool, path: &Path) -> bool {
    let mut cmd = Command::new(path);
    cmd.arg(tool.probe_arg());
    if tool == Tool::Kubectl {
        cmd.arg("--client");
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The tool's path, or `None` when the calling test must skip (after printing why). Panics when the
/// tool is missing and [`required`] says the test must run.
pub fn need(tool: Tool) -> Option<PathBuf> {
    if let Some(p) = locate(tool) {
        return Some(p);
    }
    // libtest and nextest name the test's thread after the test.
    let current = std::thread::current();
    let test = current.name().unwrap_or("this test");
    let name = tool.name();
    let hint = tool.install_hint();
    assert!(
        !required(),
        "{test} needs {name}, which is not installed or does not run ({hint}); \
         CI / KDECK_E2E_REQUIRED=1 make this a failure instead of a skip"
    );
    eprintln!(
        "SKIPPED: {test}: {name} is not installed ({hint}; set KDECK_E2E_REQUIRED=1 to fail)"
    );
    None
}
