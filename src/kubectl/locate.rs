//! Resolution against the real machine: reads the environment, `.tool-versions` files, the nearest
//! `.kdeck.yaml` (through [`crate::dirconfig`]), the installed versions and PATH, then lets the
//! pure rules in [`super::resolve`] decide. Kept cheap: the shim calls it before every kubectl command.

use std::ffi::OsStr;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::resolve::{self, ENV_VERSION, Pin, PinSource, ResolveError, Target, Unavailable};
use super::store;
use super::version::Version;

/// The kubectl that would run in a directory, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// `None` for a kubectl from PATH: its version is unknown without running it.
    pub version: Option<Version>,
    pub path: PathBuf,
    /// Why, in words: which file and line, env var or PATH decided, and how (`pinned by … line 3`).
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
    #[error(
        "nothing pins a kubectl version here and there is no kubectl on PATH outside kdeck's shim directory \
         ({}): install one with `kdeck kubectl install VER` and pin it with `kdeck kubectl pin VER`",
        shim_dir.display()
    )]
    NoSystem { shim_dir: PathBuf },
    #[error("cannot list installed kubectl versions in {}: {source}", path.display())]
    Store { path: PathBuf, source: io::Error },
}

/// How an `auto` pin learns the server's minor version.
#[derive(Debug, Clone, Default)]
pub enum ServerLookup {
    /// Only a fresh cached answer; never the network (TUI header, `list`, plain `which`).
    #[default]
    CacheOnly,
    /// The cache, else ask the server (the shim, with the context kubectl itself will use).
    CacheOrQuery {
        kubeconfig: Option<PathBuf>,
        context: Option<String>,
    },
    /// Already asked (`which --server`).
    Known(u32),
}

/// The directory the user is "in": `$PWD` when it names the current directory (it keeps the symlinked
/// path the shell shows, which is where a user expects `.tool-versions` to be looked up), else the
/// physical one.
pub fn working_dir() -> io::Result<PathBuf> {
    let physical = std::env::current_dir()?;
    if let Some(pwd) = std::env::var_os("PWD")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        && same_file(&pwd, &physical)
    {
        return Ok(pwd);
    }
    Ok(physical)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

fn read_optional(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The pin in effect for `dir`, if any. A `.kdeck.yaml` pins only once trusted (`kdeck allow`), like
/// its `context:` and `namespace:`; an untrusted one that would have changed the answer is ignored with
/// a note, once per file content (a denied one silently).
pub fn pin_for_dir(dir: &Path) -> Result<Option<Pin>, ResolveError> {
    use crate::dirconfig::trust::{Trust, TrustStore};
    let env = std::env::var(ENV_VERSION).ok();
    let home = crate::paths::home();
    let nearest = crate::dirconfig::find_nearest(dir)?;
    let (trusted, untrusted) = match nearest {
        Some(f) => match TrustStore::user().status(&f) {
            Trust::Allowed => (Some(f), None),
            Trust::Denied => (None, None),
            Trust::Unknown => (None, Some(f)),
        },
        None => (None, None),
    };
    let pin = resolve::find_pin(
        env.as_deref(),
        dir,
        &home,
        trusted.as_ref(),
        &mut read_optional,
    )?;
    if let Some(f) = untrusted
        && let Ok(Some(would)) =
            resolve::find_pin(env.as_deref(), dir, &home, Some(&f), &mut read_optional)
        && Some(&would) != pin.as_ref()
    {
        note_untrusted_once(&f, &would);
    }
    Ok(pin)
}

/// Says on stderr that an untrusted `.kdeck.yaml` pin was ignored, the first time for this file
/// content; a marker under the cache directory remembers it, so every kubectl run does not repeat it.
fn note_untrusted_once(found: &crate::dirconfig::FoundDirConfig, would: &Pin) {
    let key = crate::dirconfig::trust::content_key(&found.path, &found.content);
    let marker = crate::paths::cache_dir().join("untrusted-pin").join(key);
    if marker.exists() {
        return;
    }
    let specs: Vec<String> = would.specs.iter().map(ToString::to_string).collect();
    eprintln!(
        "kdeck: ignoring `kubectl: {}` in {}: the file is not trusted. Run `kdeck allow` there to use it (or `kdeck deny` to silence this).",
        specs.join(" "),
        found.path.display()
    );
    if let Some(parent) = marker.parent() {
        let _ = std::fs::create_dir_all(parent).and_then(|()| std::fs::write(&marker, b""));
    }
}

/// The first `kubectl` on `path_var` that is neither in the shim directory nor kdeck itself (compared
/// by device and inode, so a hard link or another symlink to kdeck is caught too).
pub fn system_kubectl(
    path_var: Option<&OsStr>,
    shim_dir: &Path,
    self_exe: Option<&Path>,
) -> Option<PathBuf> {
    let self_id = self_exe
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| (m.dev(), m.ino()));
    let shim_id = std::fs::metadata(shim_dir).ok().map(|m| (m.dev(), m.ino()));
    for entry in std::env::split_paths(path_var?) {
        // POSIX: an empty PATH entry is the current directory.
        let entry = if entry.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            entry
        };
        let entry_id = std::fs::metadata(&entry).ok().map(|m| (m.dev(), m.ino()));
        if entry == shim_dir || (entry_id.is_some() && entry_id == shim_id) {
            continue;
        }
        let candidate = entry.join("kubectl");
        let Ok(meta) = std::fs::metadata(&candidate) else {
            continue;
        };
        if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
            continue;
        }
        if Some((meta.dev(), meta.ino())) == self_id {
            continue;
        }
        return Some(candidate);
    }
    None
}

fn system_from_env() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok();
    system_kubectl(
        std::env::var_os("PATH").as_deref(),
        &store::shim_dir(),
        exe.as_deref(),
    )
}

/// Resolves the kubectl for `dir`.
pub fn resolve_in(dir: &Path, server: &ServerLookup) -> Result<Resolved, LocateError> {
    let shim_dir = store::shim_dir();
    let Some(pin) = pin_for_dir(dir)? else {
        let path = system_from_env().ok_or(LocateError::NoSystem { shim_dir })?;
        return Ok(Resolved {
            version: None,
            path,
            reason: format!(
                "nothing pins kubectl here (no ${ENV_VERSION}, no `kubectl:` in .kdeck.yaml, no kubectl line in \
                 .tool-versions up to / or in ~): the first kubectl on PATH outside the shim directory"
            ),
        });
    };
    let root = store::root();
    let installed = store::installed(&root).map_err(|source| LocateError::Store {
        path: root.clone(),
        source,
    })?;
    let mut system = system_from_env;
    let mut server_minor = || match server {
        ServerLookup::CacheOnly => super::server::minor_cached_only(None, None),
        ServerLookup::CacheOrQuery {
            kubeconfig,
            context,
        } => super::server::minor_cached_or_query(kubeconfig.as_deref(), context.as_deref()),
        ServerLookup::Known(minor) => Some(*minor),
    };
    let choice = resolve::choose(&pin, &installed, &mut system, &mut server_minor)?;
    let how = choice.note.map(|n| format!(" ({n})")).unwrap_or_default();
    let by = describe(&pin.source);
    Ok(match choice.target {
        Target::Installed(version) => Resolved {
            path: store::binary(&root, &version),
            reason: format!("pinned by {by}{how}"),
            version: Some(version),
        },
        Target::System(path) => Resolved {
            version: None,
            path,
            reason: format!(
                "`system` pinned by {by}{how}: the first kubectl on PATH outside the shim directory"
            ),
        },
    })
}

fn describe(source: &PinSource) -> String {
    match source {
        PinSource::Env => format!("the environment variable {ENV_VERSION}"),
        other => other.to_string(),
    }
}

/// The kubectl for `dir` without any network access (a cached server version serves `auto`). This is
/// what the TUI header calls to show the kubectl version and its skew.
pub fn resolve_for_dir(dir: &Path) -> Result<Resolved, LocateError> {
    resolve_in(dir, &ServerLookup::CacheOnly)
}

/// The kubectl that would run in the working directory, and its skew against a connected server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KubectlNote {
    pub version: String,
    /// Set when kubectl is more than one minor version away from the server.
    pub skew_warning: Option<String>,
}

/// The pinned/installed kubectl for the working directory and its skew against a server that reported
/// `server_minor_field` (no network, no exec: a kubectl found only on PATH has no known version and
/// gives None). Reads the disk: call it off the UI task.
pub fn skew_note(server_minor_field: &str) -> Option<KubectlNote> {
    let dir = std::env::current_dir().ok()?;
    let resolved = resolve_for_dir(&dir).ok()?;
    let version = resolved.version?;
    let minor = super::version::server_minor(server_minor_field)?;
    Some(KubectlNote {
        version: version.to_string(),
        skew_warning: super::version::skew_warning(&version, minor),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn exe(path: &Path) {
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn system_lookup_skips_shim_dir_self_and_non_executables() {
        let t = tempfile::tempdir().unwrap();
        let (shims, me, noexec, real) = (
            t.path().join("shims"),
            t.path().join("me"),
            t.path().join("noexec"),
            t.path().join("real"),
        );
        for d in [&shims, &me, &noexec, &real] {
            std::fs::create_dir(d).unwrap();
        }
        let kdeck = me.join("kdeck");
        exe(&kdeck);
        symlink(&kdeck, shims.join("kubectl")).unwrap();
        // Another link to kdeck outside the shim dir must be skipped too.
        symlink(&kdeck, me.join("kubectl")).unwrap();
        std::fs::write(noexec.join("kubectl"), "x").unwrap();
        exe(&real.join("kubectl"));
        let path = std::env::join_paths([&shims, &me, &noexec, &real]).unwrap();
        assert_eq!(
            system_kubectl(Some(&path), &shims, Some(&kdeck)),
            Some(real.join("kubectl"))
        );
        let only_self = std::env::join_paths([&shims, &me]).unwrap();
        assert_eq!(system_kubectl(Some(&only_self), &shims, Some(&kdeck)), None);
        assert_eq!(system_kubectl(None, &shims, Some(&kdeck)), None);
    }
}
