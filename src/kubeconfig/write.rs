//! Atomic file replacement: temp file in the same directory, fsync of the data, rename over the original.
//!
//! A reader (kubectl, a prompt, another kdeck) therefore sees either the old file or the new one, never a
//! torn one, even if we are killed mid-write. The mode and owner of the file being replaced are kept; new
//! files get the mode the caller asks for (0600 for kubeconfigs). Symlinks are followed, so a kubeconfig
//! managed as a dotfile symlink stays a symlink.
//!
//! A file we may not write (0444 in a writable directory) is refused with "permission denied", as kubectl
//! refuses it, instead of being replaced. The temp file is 0600 from its creation, removed if a signal
//! ends the process mid-write ([`cleanup::Pending`]), and the temp files of writers killed outright are
//! swept by the next write ([`cleanup::sweep_orphans`]).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::cleanup;

/// Replaces `path` with `bytes` atomically. `new_mode` applies only when the file does not exist yet.
pub fn atomic_write(path: &Path, bytes: &[u8], new_mode: u32) -> io::Result<()> {
    let target = resolve_symlink(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir)?;
    let existing = fs::metadata(&target).ok();
    if existing.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    if existing.as_ref().is_some_and(|m| m.is_file()) {
        // Opening for writing (without truncating) asks the kernel the question kubectl's write asks.
        OpenOptions::new().write(true).open(&target)?;
    }
    let mode = existing
        .as_ref()
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(new_mode);

    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kubeconfig".into());
    cleanup::sweep_orphans(&dir, &name);
    let tmp = dir.join(format!(
        ".{name}.kdeck-{}-{:08x}.tmp",
        std::process::id(),
        rand::random::<u32>()
    ));
    let pending = cleanup::Pending::new(&tmp);
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        pause_for_fault_tests();
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        if let Some(m) = &existing {
            // Keep the owner when root edits someone else's kubeconfig; ignore failure as non-root.
            let _ = std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()));
        }
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &target)?;
        // The data was fsynced before the rename, so after a crash the file is the old one or the new
        // one, never a torn or empty one. The directory is deliberately not fsynced: that would only
        // make the switch itself survive a power cut, at the price of a second journal commit on every
        // `kdeck ctx` (kubectl fsyncs neither).
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    drop(pending);
    result
}

/// `KDECK_TEST_PAUSE_IN_WRITE=<ms>` holds every write for that long with its temp file and lock in place,
/// so the kill tests (tests/kubeconfig_safety.rs) can land a signal mid-write for certain. Unset, it costs
/// one environment lookup per write.
fn pause_for_fault_tests() {
    if let Some(ms) = std::env::var("KDECK_TEST_PAUSE_IN_WRITE")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms.min(60_000)));
    }
}

/// Follows a chain of symlinks to the file that should be replaced.
pub fn resolve_symlink(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&current) {
            Ok(target) => {
                current = if target.is_absolute() {
                    target
                } else {
                    current.parent().map(|p| p.join(&target)).unwrap_or(target)
                };
            }
            Err(_) => break,
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_mode_and_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        atomic_write(&p, b"new", 0o600).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp file may remain");
    }

    #[test]
    fn new_file_gets_requested_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("config");
        atomic_write(&p, b"x", 0o600).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn symlink_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        let link = dir.path().join("link");
        fs::write(&real, "a").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        atomic_write(&link, b"b", 0o600).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "b");
    }

    #[test]
    fn refuses_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(atomic_write(dir.path(), b"x", 0o600).is_err());
    }
}
