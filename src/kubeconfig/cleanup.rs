//! Files that must not outlive a kdeck killed in the middle of a write: the temp copy of a kubeconfig
//! (credentials included) and the `<file>.lock` that would make kubectl fail with "file exists".
//!
//! While a [`Pending`] guard lives, SIGTERM, SIGINT and SIGHUP first remove the registered files, then
//! reach the handler that was installed before (the default one terminates the process). The handler only
//! calls `unlink`, `sigaction` and `raise`, which are async-signal-safe; the paths it reads are leaked
//! C strings in atomic slots, so a handler running on another thread never sees freed memory. SIGKILL
//! cannot be caught: [`sweep_orphans`] and the lock's dead-holder check clean up after it.

// The signal handler and the process probes are libc calls; each unsafe block says why it is sound.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::{Duration, SystemTime};

const SIGNALS: [libc::c_int; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];
const SLOTS: usize = 16;

static PATHS: [AtomicPtr<libc::c_char>; SLOTS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];
static PREVIOUS: [AtomicPtr<libc::sigaction>; 3] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; 3];
/// How many guards are alive; the handlers are installed while it is above zero.
static ARMED: Mutex<usize> = Mutex::new(0);

/// Removes its file on a terminating signal while it lives. Dropping it only forgets the file (the
/// owner removes or renames the file itself).
#[derive(Debug)]
pub struct Pending {
    slot: Option<usize>,
}

impl Pending {
    pub fn new(path: &Path) -> Self {
        let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
            return Pending { slot: None };
        };
        // Leaked on purpose: a handler on another thread may still be reading an old pointer.
        let ptr = c.into_raw();
        let slot = PATHS.iter().position(|s| {
            s.compare_exchange(
                std::ptr::null_mut(),
                ptr,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
        });
        if slot.is_some() {
            arm(true);
        }
        Pending { slot }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            PATHS[i].store(std::ptr::null_mut(), Ordering::SeqCst);
            arm(false);
        }
    }
}

fn arm(on: bool) {
    let Ok(mut armed) = ARMED.lock() else { return };
    if on {
        *armed += 1;
        if *armed == 1 {
            for (i, sig) in SIGNALS.iter().enumerate() {
                // SAFETY: a zeroed sigaction is a valid value; `on_signal` has the signature sigaction
                // expects for a plain (non-SA_SIGINFO) handler.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
                    libc::sigemptyset(&mut action.sa_mask);
                    let old = Box::into_raw(Box::new(std::mem::zeroed::<libc::sigaction>()));
                    if libc::sigaction(*sig, &action, old) == 0 {
                        PREVIOUS[i].store(old, Ordering::SeqCst);
                    }
                }
            }
        }
    } else {
        *armed = armed.saturating_sub(1);
        if *armed == 0 {
            for (i, sig) in SIGNALS.iter().enumerate() {
                let old = PREVIOUS[i].swap(std::ptr::null_mut(), Ordering::SeqCst);
                if !old.is_null() {
                    // SAFETY: `old` came from Box::into_raw above and was filled by sigaction.
                    unsafe {
                        libc::sigaction(*sig, old, std::ptr::null_mut());
                        drop(Box::from_raw(old));
                    }
                }
            }
        }
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    for slot in &PATHS {
        let p = slot.load(Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: slots only ever hold leaked, NUL-terminated strings; unlink is async-signal-safe.
            unsafe {
                libc::unlink(p);
            }
        }
    }
    if let Some(i) = SIGNALS.iter().position(|s| *s == sig) {
        let old = PREVIOUS[i].load(Ordering::SeqCst);
        // SAFETY: restoring the saved action and re-raising are async-signal-safe; the signal is blocked
        // while this handler runs, so it is delivered to the restored action once we return.
        unsafe {
            if old.is_null() {
                libc::signal(sig, libc::SIG_DFL);
            } else {
                libc::sigaction(sig, old, std::ptr::null_mut());
            }
            libc::raise(sig);
        }
    }
}

/// Whether a process with this pid exists (signal 0 probes without sending anything).
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// A temp file is left behind only if its writer has been gone for this long.
const ORPHAN_AGE: Duration = Duration::from_secs(2);

/// Removes `.<name>.kdeck-<pid>-<rand>.tmp` files next to `target` whose process is gone, that belong to
/// this user and have not been touched for a moment: the leftovers of a kdeck killed mid-write (SIGKILL,
/// a power cut). Returns how many were removed.
pub fn sweep_orphans(dir: &Path, name: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let prefix = format!(".{name}.kdeck-");
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let mut removed = 0;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest
            .split_once('-')
            .and_then(|(p, _)| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || pid_alive(pid) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age >= ORPHAN_AGE);
        if meta.is_file() && meta.uid() == me && old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orphans_of_dead_writers_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let orphan = dir
            .path()
            .join(format!(".config.kdeck-{dead}-0000abcd.tmp"));
        let mine = dir
            .path()
            .join(format!(".config.kdeck-{}-0000abcd.tmp", std::process::id()));
        let other = dir.path().join(format!(".other.kdeck-{dead}-0000abcd.tmp"));
        for p in [&orphan, &mine, &other] {
            std::fs::write(p, "token").unwrap();
            let old = SystemTime::now() - Duration::from_secs(60);
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let fresh = dir
            .path()
            .join(format!(".config.kdeck-{dead}-0000ffff.tmp"));
        std::fs::write(&fresh, "token").unwrap();
        assert_eq!(sweep_orphans(dir.path(), "config"), 1);
        assert!(!orphan.exists());
        assert!(mine.exists() && other.exists() && fresh.exists());
    }

    #[test]
    fn pending_paths_take_and_release_slots() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        let guard = Pending::new(&p);
        let slot = guard.slot.unwrap();
        assert!(!PATHS[slot].load(Ordering::SeqCst).is_null());
        drop(guard);
        assert!(PATHS[slot].load(Ordering::SeqCst).is_null());
        assert!(pid_alive(std::process::id()));
    }
}
