//! The `kubectl` shim: kdeck invoked through the `kubectl` symlink in the shim directory resolves the
//! kubectl for `$PWD` and replaces itself with it (`exec`), so arguments, argv[0], stdio, signals and the
//! exit status are the real kubectl's own.
//!
//! This path runs before every kubectl command: no clap, no tokio runtime (unless an `auto` pin needs a
//! server version the cache does not have), a handful of file reads.
//!
//! Recursion is ruled out twice: the PATH search skips the shim directory and anything that is the kdeck
//! binary, and a depth counter in the environment stops loops through wrappers the search cannot see.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::locate::{self, LocateError, ServerLookup};
use super::store;

pub const ENV_DEPTH: &str = "KDECK_SHIM_DEPTH";
/// Nested legitimate calls (a kubectl plugin calling kubectl) stay far below this.
const MAX_DEPTH: u32 = 8;

/// Entry point when kdeck runs as `kubectl`. Returns only on failure.
pub fn shim_main(argv: Vec<OsString>) -> i32 {
    let depth: u32 = std::env::var(ENV_DEPTH)
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    if depth >= MAX_DEPTH {
        eprintln!(
            "kdeck kubectl shim: kubectl was started through the shim {depth} times in a row; a `kubectl` on \
             PATH (or a wrapper script) leads back to the shim in {}. Put a real kubectl on PATH or install \
             one with `kdeck kubectl install VER`.",
            store::shim_dir().display()
        );
        return 1;
    }
    let dir = match locate::working_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("kdeck kubectl shim: cannot determine the current directory: {e}");
            return 1;
        }
    };
    let args = argv.get(1..).unwrap_or_default();
    let server = ServerLookup::CacheOrQuery {
        kubeconfig: flag_value(args, "--kubeconfig").map(PathBuf::from),
        context: flag_value(args, "--context").map(|c| c.to_string_lossy().into_owned()),
    };
    let resolved = match locate::resolve_in(&dir, &server) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kdeck kubectl shim: {e}");
            return if matches!(e, LocateError::NoSystem { .. }) {
                127
            } else {
                1
            };
        }
    };
    let argv0 = argv
        .first()
        .cloned()
        .unwrap_or_else(|| OsString::from("kubectl"));
    let err = exec(&resolved.path, &argv0, args, depth + 1);
    eprintln!(
        "kdeck kubectl shim: cannot run {} ({}): {err}",
        resolved.path.display(),
        resolved.reason
    );
    if err.kind() == io::ErrorKind::NotFound {
        127
    } else {
        126
    }
}

fn exec(path: &Path, argv0: &OsStr, args: &[OsString], depth: u32) -> io::Error {
    Command::new(path)
        .arg0(argv0)
        .args(args)
        .env(ENV_DEPTH, depth.to_string())
        .exec()
}

/// The value of `--flag V` or `--flag=V` among kubectl's arguments (before a `--`). The shim needs
/// `--context`/`--kubeconfig` so `auto` asks the server kubectl itself is about to talk to.
fn flag_value<'a>(args: &'a [OsString], flag: &str) -> Option<&'a OsStr> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let Some(s) = arg.to_str() else { continue };
        if s == "--" {
            break;
        }
        if s == flag {
            return iter.next().map(OsString::as_os_str);
        }
        if let Some(value) = s.strip_prefix(flag).and_then(|rest| rest.strip_prefix('=')) {
            return Some(OsStr::new(value));
        }
    }
    None
}

/// Creates the shim directory with a `kubectl` symlink to the running kdeck, replacing a stale link
/// atomically (a new link under a temporary name, renamed over the old one).
pub fn ensure_shim_dir() -> io::Result<PathBuf> {
    let dir = store::shim_dir();
    std::fs::create_dir_all(&dir)?;
    let exe = std::env::current_exe()?;
    let link = dir.join("kubectl");
    if std::fs::read_link(&link).is_ok_and(|target| target == exe) {
        return Ok(dir);
    }
    let tmp = dir.join(format!(".kubectl-{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(&exe, &tmp)?;
    if let Err(e) = std::fs::rename(&tmp, &link) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn finds_context_and_kubeconfig_flags() {
        let a = args(&["get", "pods", "--context", "prod", "--kubeconfig=/k"]);
        assert_eq!(flag_value(&a, "--context"), Some(OsStr::new("prod")));
        assert_eq!(flag_value(&a, "--kubeconfig"), Some(OsStr::new("/k")));
        let a = args(&["exec", "p", "--", "sh", "--context", "x"]);
        assert_eq!(flag_value(&a, "--context"), None);
        assert_eq!(flag_value(&args(&["--contextual=1"]), "--context"), None);
    }
}
