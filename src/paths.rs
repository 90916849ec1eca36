//! Where kdeck keeps its files: the XDG-derived locations PRODUCT.md names, in one place.
//!
//! Every function reads the environment at call time (tests set `HOME`/`XDG_*` per process) and never
//! creates anything; callers create directories when they write.
//!
//! Names that come from a kubeconfig or a cluster (context, namespace, pod, container) become file names
//! only through [`component`] and [`confined`]: a kubeconfig received from someone else must not be able
//! to plant or read a file outside kdeck's own directories.

use std::io::{self, Read as _};
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$HOME`, falling back to the passwd entry via `dirs`.
pub fn home() -> PathBuf {
    env_dir("HOME")
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// `$HOME/.kube/config`, kubectl's default kubeconfig.
pub fn default_kubeconfig() -> PathBuf {
    home().join(".kube").join("config")
}

/// kubectx's state root: `${XDG_CACHE_HOME:-$HOME/.kube}`. Shared with kubectx so history is shared.
pub fn kubectx_state_root() -> PathBuf {
    env_dir("XDG_CACHE_HOME").unwrap_or_else(|| home().join(".kube"))
}

/// Previous-context file, as kubectx stores it.
pub fn previous_context_file() -> PathBuf {
    kubectx_state_root().join("kubectx")
}

/// Previous-namespace file for one context, as kubens stores it (the context name encoded by
/// [`component`], so a hostile name stays inside `kubens/`).
pub fn previous_namespace_file(context: &str) -> io::Result<PathBuf> {
    confined(&kubectx_state_root().join("kubens"), context)
}

/// kdeck's config directory: `${XDG_CONFIG_HOME:-~/.config}/kdeck`.
pub fn config_dir() -> PathBuf {
    env_dir("XDG_CONFIG_HOME")
        .unwrap_or_else(|| home().join(".config"))
        .join("kdeck")
}

/// kdeck's data directory: `${XDG_DATA_HOME:-~/.local/share}/kdeck`.
pub fn data_dir() -> PathBuf {
    env_dir("XDG_DATA_HOME")
        .unwrap_or_else(|| home().join(".local").join("share"))
        .join("kdeck")
}

/// kdeck's cache directory: `${XDG_CACHE_HOME:-~/.cache}/kdeck` (disposable data, e.g. server versions).
pub fn cache_dir() -> PathBuf {
    env_dir("XDG_CACHE_HOME")
        .unwrap_or_else(|| home().join(".cache"))
        .join("kdeck")
}

/// The real user id of this process.
#[allow(unsafe_code)]
pub fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// Per-shell runtime directory: `${XDG_RUNTIME_DIR:-/tmp}/kdeck-$UID`.
pub fn runtime_dir() -> PathBuf {
    env_dir("XDG_RUNTIME_DIR")
        .unwrap_or_else(|| PathBuf::from("/tmp"))
        .join(format!("kdeck-{}", uid()))
}

/// The longest file name Linux (and macOS) accept, in bytes.
pub const NAME_MAX: usize = 255;

/// The longest component [`component`] returns: room is left for the `.<name>.kdeck-<pid>-<rand>.tmp`
/// an atomic write creates beside the file, which must fit in [`NAME_MAX`] too.
pub const MAX_COMPONENT: usize = NAME_MAX - 32;

/// Marks an encoded name. A name that needs no encoding never starts with it, so an encoded name and a
/// kept one can never meet in one file.
const MARK: char = '%';

/// One file-name component for `name`, injective over all names. A name that is already a plain file
/// name (not empty, `.` or `..`, no `/` or NUL, at most [`MAX_COMPONENT`] bytes, not starting with `%`) is kept
/// byte for byte, so kubectx and kubens share the same history files. Any other name becomes `%` followed
/// by its percent-encoding (`%`, `/`, `.`, NUL and control bytes as `%XX`), which [`decode_component`]
/// reverses; one whose encoding would exceed [`MAX_COMPONENT`] becomes `%~` and its sha256, since no single
/// file name can hold it.
pub fn component(name: &str) -> String {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.starts_with(MARK)
        && !name.contains(['/', '\0'])
        && name.len() <= MAX_COMPONENT;
    if plain {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 8);
    out.push(MARK);
    for c in name.chars() {
        if matches!(c, '%' | '/' | '.') || c.is_ascii_control() {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    if out.len() > MAX_COMPONENT {
        return format!("{MARK}~{}", hex::encode(Sha256::digest(name.as_bytes())));
    }
    out
}

/// The name a [`component`] stands for; `None` for a hashed (over-long) name or text that no name
/// encodes to.
pub fn decode_component(file: &str) -> Option<String> {
    let Some(rest) = file.strip_prefix(MARK) else {
        return Some(file.to_string());
    };
    if rest.starts_with('~') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = rest.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `dir/<component(name)>`, refusing an existing symlink there whose target lies outside `dir`: reads
/// would follow it, and so would any writer that opens the path instead of renaming over it.
pub fn confined(dir: &Path, name: &str) -> io::Result<PathBuf> {
    let path = dir.join(component(name));
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return Ok(path);
    };
    if !meta.file_type().is_symlink() {
        return Ok(path);
    }
    let target = std::fs::read_link(&path)?;
    let resolved = lexical_normal(&dir.join(&target));
    let inside = match (std::fs::canonicalize(dir), std::fs::canonicalize(&path)) {
        // Both resolve: compare real locations, so `dir` itself may be a symlink the user made.
        (Ok(real_dir), Ok(real)) => real.parent() == Some(real_dir.as_path()),
        // A dangling link: judge its text, since a writer would create its target.
        _ => resolved.parent() == Some(lexical_normal(dir).as_path()),
    };
    if inside {
        Ok(path)
    } else {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "refusing {}: it is a symlink to {}, outside {}",
                path.display(),
                target.display(),
                dir.display()
            ),
        ))
    }
}

/// Reads a small regular file without ever blocking on what is not one: `Ok(None)` when it does not
/// exist; an error naming the file type for a FIFO, socket or device (`/dev/zero`), and
/// `FileTooLarge` past `limit` bytes (the messages leave naming the file to the caller). Used where a read runs at every prompt: a hostile or mistaken
/// path must cost a few system calls, not the shell.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever.
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file"),
        ));
    }
    let too_large = |size: u64| {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("it is {size} bytes, more than the {limit} read here"),
        )
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    // The file may grow between fstat and read: never take more than the limit.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(Some(bytes))
}

/// `path` with `.` and `..` folded away without touching the disk.
fn lexical_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[&str] = &[
        "..",
        ".",
        "../../.ssh/authorized_keys",
        "/etc/passwd",
        "a/b",
        "nul\0byte",
        "",
        "%2E%2E",
        "%",
        "ctx\x1b]0;pwned\x07",
    ];

    #[test]
    fn kubectx_compatible_names_are_kept() {
        for name in [
            "dev",
            "arn:aws:eks:eu-west-1:123:cluster-x",
            "gke_p_europe-west1_c",
            "a%b",
            "...x",
            "x..",
            "ünïcode",
        ] {
            assert_eq!(component(name), name);
            assert_eq!(decode_component(name).as_deref(), Some(name));
        }
    }

    #[test]
    fn hostile_names_stay_one_component_and_round_trip() {
        let dir = Path::new("/state/kubens");
        for name in HOSTILE {
            let c = component(name);
            let joined = dir.join(&c);
            assert_eq!(joined.parent(), Some(dir), "{name:?} -> {c:?}");
            assert_eq!(
                joined.components().count(),
                dir.components().count() + 1,
                "{name:?}"
            );
            assert!(!c.contains(['/', '\0']) && c != "." && c != "..", "{c:?}");
            assert!(c.len() <= MAX_COMPONENT);
            assert_eq!(decode_component(&c).as_deref(), Some(*name), "{c:?}");
        }
    }

    #[test]
    fn different_names_never_share_a_file() {
        let long_a = "a".repeat(300);
        let long_b = format!("{}b", "a".repeat(299));
        let mut names: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
        names.extend([
            long_a.clone(),
            long_b.clone(),
            "%2F".into(),
            "/".into(),
            "%25".into(),
            "~".into(),
            "%~".into(),
        ]);
        let mut seen = std::collections::HashMap::new();
        for n in &names {
            if let Some(prev) = seen.insert(component(n), n.clone()) {
                panic!("{prev:?} and {n:?} share {:?}", component(n));
            }
        }
        let long = component(&long_a);
        assert!(
            long.len() <= MAX_COMPONENT && long.starts_with("%~"),
            "{long}"
        );
        assert_eq!(component(&"é".repeat(200)).len(), 66, "over-long multibyte");
    }

    #[test]
    fn confined_refuses_symlinks_leading_out() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("kubens");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(root.path().join("secret"), "x").unwrap();
        std::os::unix::fs::symlink("../secret", dir.join("out")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/plant", dir.join("dangling")).unwrap();
        std::fs::write(dir.join("real"), "y").unwrap();
        std::os::unix::fs::symlink("real", dir.join("in")).unwrap();
        let err = confined(&dir, "out").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert!(err.to_string().contains("outside"), "{err}");
        assert!(confined(&dir, "dangling").is_err());
        assert_eq!(confined(&dir, "in").unwrap(), dir.join("in"));
        assert_eq!(confined(&dir, "plain").unwrap(), dir.join("plain"));
        assert_eq!(
            confined(&dir, "../secret").unwrap(),
            dir.join("%%2E%2E%2Fsecret")
        );
    }

    #[test]
    fn bounded_read_never_blocks_or_overreads() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(rc, 0);
        let err = read_bounded(&fifo, 1024).unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");
        let err = read_bounded(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(err.to_string().contains("character device"), "{err}");
        assert!(read_bounded(dir.path(), 1024).is_err());
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 2048]).unwrap();
        let err = read_bounded(&big, 1024).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(read_bounded(&big, 4096).unwrap().unwrap().len(), 2048);
        assert_eq!(read_bounded(&dir.path().join("none"), 1).unwrap(), None);
    }
}
