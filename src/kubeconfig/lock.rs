//! The `<file>.lock` protocol that client-go uses around kubeconfig writes.
//!
//! client-go creates `<file>.lock` with O_CREAT|O_EXCL and removes it afterwards; it never waits. We take
//! the same file, so kubectl and kdeck exclude each other. A live lock is never broken: we wait up to
//! [`WAIT_FOR`] and then fail naming the lock file. Only a lock older than [`STALE_AFTER`] by its mtime
//! (a kubeconfig write takes milliseconds) is taken as abandoned, and breaking it is said on stderr.
//!
//! kdeck also writes `<pid>@<host>` into the lock it holds. A waiter on the same host that finds the named
//! process gone breaks the lock at once instead of waiting out [`STALE_AFTER`], so a `kill -9` or Ctrl-C in
//! the middle of a write does not stall the next switch. client-go's locks are empty and fall back to age.
//!
//! Breaking a lock is only safe if nobody else can release and re-create it between our look and our
//! delete (we would delete the new holder's lock). So kdeck processes first serialize among themselves
//! with `flock` on the kubeconfig's directory, which the kernel drops when a process dies: whoever holds
//! it is the only kdeck looking at `<file>.lock`, and a kdeck-written lock it finds is a dead one.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::KubeconfigError;
use super::cleanup::{Pending, pid_alive};

/// A lock file older than this is considered abandoned.
pub const STALE_AFTER: Duration = Duration::from_secs(120);
/// How long to keep retrying before giving up.
pub const WAIT_FOR: Duration = Duration::from_secs(10);

/// Holds `<file>.lock` (and the directory's writer lock) until dropped.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
    /// Removes the lock if a signal ends the process while it is held.
    _pending: Pending,
    /// The flocked directory handle; released after `<file>.lock` is removed (fields drop after `drop`).
    _writers: Option<File>,
}

pub fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl FileLock {
    /// Takes the lock for `file`, creating the parent directory first as client-go does.
    pub fn acquire(file: &Path) -> Result<Self, KubeconfigError> {
        let path = lock_path(file);
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| KubeconfigError::Write {
                path: file.to_path_buf(),
                source,
            })?;
        }
        let start = Instant::now();
        let writers = serialize_writers(file, start)?;
        let mut pause = Duration::from_millis(1);
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    if let Some(host) = hostname() {
                        // Best effort: an empty lock still excludes, it just ages out more slowly.
                        let _ = writeln!(f, "{}@{host}", std::process::id());
                    }
                    return Ok(FileLock {
                        _pending: Pending::new(&path),
                        path,
                        _writers: writers,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let why = if holder_is_gone(&path) {
                        Some("its kdeck process is gone".to_string())
                    } else {
                        lock_age(&path)
                            .filter(|age| *age > STALE_AFTER)
                            .map(|age| format!("it is {} s old", age.as_secs()))
                    };
                    if let Some(why) = why {
                        // Another waiter may remove it at the same moment; either way we retry. A lock
                        // we cannot remove (a directory, say) must still run into the timeout below.
                        match std::fs::remove_file(&path) {
                            Ok(()) => {
                                eprintln!(
                                    "kdeck: removed the stale lock {} ({why})",
                                    crate::escape::message(&path.display().to_string())
                                );
                                continue;
                            }
                            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                            Err(_) => {}
                        }
                    }
                    if start.elapsed() > WAIT_FOR {
                        return Err(KubeconfigError::LockTimeout { path });
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(source) => {
                    return Err(KubeconfigError::Write {
                        path: file.to_path_buf(),
                        source,
                    });
                }
            }
        }
    }
}

/// Takes the kdeck-wide writer lock of `file`'s directory. A directory that cannot be opened or a file
/// system without `flock` leaves only the client-go protocol, as before.
fn serialize_writers(file: &Path, start: Instant) -> Result<Option<File>, KubeconfigError> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(handle) = File::open(dir) else {
        return Ok(None);
    };
    let mut pause = Duration::from_millis(1);
    loop {
        match handle.try_lock() {
            Ok(()) => return Ok(Some(handle)),
            Err(TryLockError::WouldBlock) => {
                if start.elapsed() > WAIT_FOR {
                    return Err(KubeconfigError::LockTimeout {
                        path: lock_path(file),
                    });
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(TryLockError::Error(_)) => return Ok(None),
        }
    }
}

fn lock_age(path: &Path) -> Option<Duration> {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
}

/// Removes `<file>.lock` when it was left by a kdeck that no longer runs, so kubectl does not keep
/// failing with "file exists" until kdeck's next write. Called whenever kdeck loads a kubeconfig; costs
/// one `stat` when there is no lock. Skips the check while another kdeck holds the directory's writer lock
/// (that one may be about to take the lock legitimately).
pub fn clear_dead_lock(file: &Path) {
    let path = lock_path(file);
    if std::fs::symlink_metadata(&path).is_err() {
        return;
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(handle) = File::open(dir) else { return };
    if handle.try_lock().is_err() {
        return;
    }
    if holder_is_gone(&path) {
        let _ = std::fs::remove_file(&path);
    }
}

/// Whether the lock names a process of this host that no longer exists. Unknown content, another host,
/// or no procfs all answer "no", leaving the decision to the age check.
fn holder_is_gone(path: &Path) -> bool {
    let Ok(content) = std::fs::read_to_string(path) else {
        return false;
    };
    let Some((pid, host)) = content.trim().split_once('@') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    hostname().as_deref() == Some(host) && !pid_alive(pid)
}

fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && !h.contains('@'))
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_and_releases() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        let held = FileLock::acquire(&file).unwrap();
        assert!(lock_path(&file).exists());
        let waiter = {
            let file = file.clone();
            std::thread::spawn(move || FileLock::acquire(&file).map(|_| ()))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !waiter.is_finished(),
            "second lock must wait while the first is held"
        );
        drop(held);
        waiter.join().unwrap().unwrap();
        assert!(!lock_path(&file).exists());
    }

    #[test]
    fn breaks_the_lock_of_a_dead_process_at_once() {
        let Some(host) = hostname() else { return };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        std::fs::write(lock_path(&file), format!("{dead}@{host}\n")).unwrap();
        assert!(holder_is_gone(&lock_path(&file)));
        let held = FileLock::acquire(&file).unwrap();
        let content = std::fs::read_to_string(lock_path(&file)).unwrap();
        assert_eq!(content, format!("{}@{host}\n", std::process::id()));
        drop(held);
    }

    #[test]
    fn a_live_holder_on_this_host_is_respected() {
        let Some(host) = hostname() else { return };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        std::fs::write(lock_path(&file), format!("{}@{host}\n", std::process::id())).unwrap();
        assert!(!holder_is_gone(&lock_path(&file)));
        std::fs::write(lock_path(&file), "").unwrap();
        assert!(
            !holder_is_gone(&lock_path(&file)),
            "empty (client-go) locks age out"
        );
        std::fs::write(lock_path(&file), "1@some-other-host\n").unwrap();
        assert!(!holder_is_gone(&lock_path(&file)));
    }

    #[test]
    fn kdeck_writers_in_one_directory_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let held = FileLock::acquire(&dir.path().join("a")).unwrap();
        let waiter = {
            let other = dir.path().join("b");
            std::thread::spawn(move || FileLock::acquire(&other).map(|_| ()))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !waiter.is_finished(),
            "the directory lock serializes lock breakers"
        );
        drop(held);
        waiter.join().unwrap().unwrap();
    }

    #[test]
    fn breaks_a_stale_lock() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        let lock = lock_path(&file);
        std::fs::write(&lock, b"").unwrap();
        let old = SystemTime::now() - STALE_AFTER - Duration::from_secs(1);
        std::fs::File::options()
            .write(true)
            .open(&lock)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let _held = FileLock::acquire(&file).unwrap();
    }
}
