//! The spool: every line, rendered, appended to a private temp file as it arrives, so `save_all` can
//! write the whole stream from its start no matter how small the view's ring is.
//!
//! The temp file lives in kdeck's runtime dir (`${XDG_RUNTIME_DIR:-/tmp}/kdeck-$UID/logs/`), is created
//! 0600 with O_EXCL, and is removed when the spool is dropped.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("cannot create the log spool {}: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the log spool {}: {source} (is the disk full?)", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot save logs to {}: {source}", path.display())]
    Save {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What `save_all` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveReport {
    pub lines: u64,
    pub bytes: u64,
}

#[derive(Debug)]
pub struct Spool {
    path: PathBuf,
    out: BufWriter<File>,
    lines: u64,
    bytes: u64,
    /// The first write error; later appends are skipped and `save_all` reports it.
    broken: Option<String>,
}

static SPOOL_SEQ: AtomicU64 = AtomicU64::new(0);

impl Spool {
    /// A new spool under kdeck's runtime dir.
    pub fn create() -> Result<Self, SpoolError> {
        Self::create_in(&crate::paths::runtime_dir().join("logs"))
    }

    pub fn create_in(dir: &Path) -> Result<Self, SpoolError> {
        let seq = SPOOL_SEQ.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("spool-{}-{seq}.log", std::process::id()));
        let err = |source| SpoolError::Create {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(err)?;
        // The runtime dir is private; make sure a directory we just created is too.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(err)?;
        Ok(Spool {
            path,
            out: BufWriter::with_capacity(256 * 1024, file),
            lines: 0,
            bytes: 0,
            broken: None,
        })
    }

    pub fn append(&mut self, line: &str) {
        if self.broken.is_some() {
            return;
        }
        let res = self
            .out
            .write_all(line.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"));
        match res {
            Ok(()) => {
                self.lines += 1;
                self.bytes += line.len() as u64 + 1;
            }
            Err(e) => self.broken = Some(e.to_string()),
        }
    }

    pub fn lines(&self) -> u64 {
        self.lines
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes everything spooled so far to `dest`, mode 0600 (an existing file is truncated and its mode
    /// tightened, since logs may hold secrets).
    pub fn save_all(&mut self, dest: &Path) -> Result<SaveReport, SpoolError> {
        if let Some(msg) = &self.broken {
            return Err(SpoolError::Write {
                path: self.path.clone(),
                source: std::io::Error::other(msg.clone()),
            });
        }
        self.out.flush().map_err(|source| SpoolError::Write {
            path: self.path.clone(),
            source,
        })?;
        let save_err = |source| SpoolError::Save {
            path: dest.to_path_buf(),
            source,
        };
        let mut src = File::open(&self.path).map_err(|source| SpoolError::Write {
            path: self.path.clone(),
            source,
        })?;
        let mut dst = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(dest)
            .map_err(save_err)?;
        dst.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(save_err)?;
        // Copy exactly what was counted, even if another line lands in the buffer meanwhile.
        let bytes = std::io::copy(&mut std::io::Read::take(&mut src, self.bytes), &mut dst)
            .map_err(save_err)?;
        dst.sync_all().map_err(save_err)?;
        Ok(SaveReport {
            lines: self.lines,
            bytes,
        })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_writes_everything_0600_and_drop_removes_spool() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::create_in(&dir.path().join("logs")).unwrap();
        for i in 0..10_000 {
            s.append(&format!("line seq={i}"));
        }
        let dest = dir.path().join("out.log");
        std::fs::write(&dest, "old content that is longer than nothing").unwrap();
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o644)).unwrap();
        let r = s.save_all(&dest).unwrap();
        assert_eq!(r.lines, 10_000);
        let text = std::fs::read_to_string(&dest).unwrap();
        assert_eq!(text.lines().count(), 10_000);
        assert!(text.starts_with("line seq=0\n") && text.ends_with("line seq=9999\n"));
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let spool_mode = std::fs::metadata(s.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(spool_mode, 0o600);
        let spool_path = s.path().to_path_buf();
        drop(s);
        assert!(!spool_path.exists());
    }

    #[test]
    fn save_into_missing_dir_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::create_in(dir.path()).unwrap();
        s.append("x");
        let err = s
            .save_all(&dir.path().join("no/such/dir/out.log"))
            .unwrap_err();
        assert!(err.to_string().contains("no/such/dir/out.log"), "{err}");
    }
}
