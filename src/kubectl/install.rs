//! `kdeck kubectl install`: download from the mirror, verify against the published sha256, and install
//! all-or-nothing.
//!
//! The binary is written into a staging directory next to the version directories (same filesystem),
//! fsynced, made executable and only then renamed into place as `<ver>/`. Any failure (HTTP error, short
//! body, broken connection, checksum mismatch, Ctrl-C dropping the future) removes the staging directory
//! and any directory this install created, through a drop guard, so nothing half-installed is ever seen.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use http::StatusCode;
use sha2::{Digest, Sha256};

use super::download::{self, DownloadError};
use super::progress::{Progress, human_bytes};
use super::store;
use super::version::Version;

pub const ENV_MIRROR: &str = "KDECK_KUBECTL_MIRROR";
pub const DEFAULT_MIRROR: &str = "https://dl.k8s.io/release";
/// A `.sha256` file is 64 hex digits and maybe a file name; anything bigger is not one.
const CHECKSUM_LIMIT: u64 = 4096;

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("kubectl builds exist for linux and darwin on amd64 and arm64, not {os}/{arch}")]
    Platform { os: String, arch: String },
    #[error(
        "kubectl {version} is not on the mirror ({url} answered 404 Not Found): check the version number"
    )]
    NotFound { version: Version, url: String },
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error("{url} does not hold a sha256 checksum (expected 64 hex digits)")]
    BadChecksumFile { url: String },
    #[error(
        "checksum mismatch for {url}: expected sha256 {expected}, got {actual}; nothing was installed \
         (the download is corrupt or the mirror is wrong: check {ENV_MIRROR})"
    )]
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Installed(PathBuf),
    AlreadyInstalled(PathBuf),
}

/// Go's names for this machine, as the download paths use them.
pub fn platform() -> Result<(&'static str, &'static str), InstallError> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        other => return Err(platform_error(other)),
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => return Err(platform_error(other)),
    };
    Ok((os, arch))
}

fn platform_error(_: &str) -> InstallError {
    InstallError::Platform {
        os: std::env::consts::OS.into(),
        arch: std::env::consts::ARCH.into(),
    }
}

/// `{mirror}/v{ver}/bin/{os}/{arch}/kubectl`.
pub fn binary_url(mirror: &str, version: &Version, os: &str, arch: &str) -> String {
    format!(
        "{}/v{version}/bin/{os}/{arch}/kubectl",
        mirror.trim_end_matches('/')
    )
}

/// The lowercase hex digest from a `.sha256` file: the first word, which must be 64 hex digits.
pub fn parse_checksum(text: &str) -> Option<String> {
    let word = text.split_whitespace().next()?;
    (word.len() == 64 && word.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| word.to_ascii_lowercase())
}

/// Removes the staging directory and the directories this install created, unless committed.
struct Staging {
    dir: PathBuf,
    created: Vec<PathBuf>,
    committed: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = fs::remove_dir_all(&self.dir);
        // Deepest first; remove_dir refuses a non-empty directory, so concurrent installs are safe.
        for dir in self.created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Creates `dir` and its missing parents, returning the ones it created (outermost first).
fn create_dirs(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    let mut created = Vec::new();
    for d in missing.into_iter().rev() {
        match fs::create_dir(&d) {
            Ok(()) => created.push(d),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Downloads, verifies and installs `version` under `root` (`<data>/kubectl`).
pub async fn install(
    version: &Version,
    root: &Path,
    mirror: &str,
    tty: bool,
) -> Result<Outcome, InstallError> {
    let dest = store::binary(root, version);
    if dest.is_file() {
        return Ok(Outcome::AlreadyInstalled(dest));
    }
    let (os, arch) = platform()?;
    let url = binary_url(mirror, version, os, arch);
    let sha_url = format!("{url}.sha256");
    let not_found = |e: DownloadError| match e {
        DownloadError::Status { url, status } if status == StatusCode::NOT_FOUND => {
            InstallError::NotFound {
                version: version.clone(),
                url,
            }
        }
        other => InstallError::Download(other),
    };
    let client = download::client()?;
    // Checksum first: a version that does not exist fails before anything touches the disk.
    let sha_text = download::get(&client, &sha_url)
        .await
        .map_err(not_found)?
        .bytes(CHECKSUM_LIMIT)
        .await?;
    let expected = parse_checksum(&String::from_utf8_lossy(&sha_text)).ok_or_else(|| {
        InstallError::BadChecksumFile {
            url: sha_url.clone(),
        }
    })?;
    let mut response = download::get(&client, &url).await.map_err(not_found)?;

    let created = create_dirs(root).map_err(io_err(root))?;
    let staging_dir = root.join(format!(
        ".staging-{version}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let mut staging = Staging {
        dir: staging_dir.clone(),
        created,
        committed: false,
    };
    fs::create_dir(&staging_dir).map_err(io_err(&staging_dir))?;
    let staged = staging_dir.join("kubectl");
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&staged)
        .map_err(io_err(&staged))?;

    eprintln!(
        "downloading kubectl {version} from {url}{}",
        response
            .length
            .map(|n| format!(" ({})", human_bytes(n)))
            .unwrap_or_default()
    );
    let mut progress = Progress::new(format!("kubectl {version}"), response.length, tty);
    let mut hasher = Sha256::new();
    let streamed: Result<(), InstallError> = async {
        while let Some(chunk) = response.chunk().await? {
            hasher.update(&chunk);
            file.write_all(&chunk).map_err(io_err(&staged))?;
            progress.advance(chunk.len() as u64);
        }
        Ok(())
    }
    .await;
    if let Err(e) = streamed {
        progress.clear();
        return Err(e);
    }
    progress.finish();

    let actual = hex::encode(hasher.finalize());
    if actual != expected {
        return Err(InstallError::ChecksumMismatch {
            url,
            expected,
            actual,
        });
    }
    file.set_permissions(fs::Permissions::from_mode(0o755))
        .map_err(io_err(&staged))?;
    file.sync_all().map_err(io_err(&staged))?;
    drop(file);
    sync_dir(&staging_dir);

    let version_dir = store::version_dir(root, version);
    match fs::rename(&staging_dir, &version_dir) {
        Ok(()) => {
            staging.committed = true;
            sync_dir(root);
            Ok(Outcome::Installed(dest))
        }
        // Another install of the same version finished first; its copy is as good as ours.
        Err(e)
            if dest.is_file()
                && matches!(
                    e.kind(),
                    io::ErrorKind::AlreadyExists | io::ErrorKind::DirectoryNotEmpty
                ) =>
        {
            Ok(Outcome::AlreadyInstalled(dest))
        }
        Err(e) => Err(io_err(&version_dir)(e)),
    }
}

/// Makes a rename or a new entry durable; failure only weakens crash safety, so it is not an error.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes an installed version: renamed out of sight first, so a concurrent shim never runs a
/// half-deleted binary. Returns false when it was not installed.
pub fn uninstall(version: &Version, root: &Path) -> Result<bool, InstallError> {
    let dir = store::version_dir(root, version);
    if !dir.is_dir() {
        return Ok(false);
    }
    let doomed = root.join(format!(".removing-{version}-{}", std::process::id()));
    fs::rename(&dir, &doomed).map_err(io_err(&dir))?;
    fs::remove_dir_all(&doomed).map_err(io_err(&doomed))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_layout_matches_dl_k8s_io() {
        let v: Version = "v1.29.4".parse().unwrap();
        assert_eq!(
            binary_url("https://dl.k8s.io/release/", &v, "linux", "amd64"),
            "https://dl.k8s.io/release/v1.29.4/bin/linux/amd64/kubectl"
        );
    }

    #[test]
    fn checksum_file_forms() {
        let hex = "a".repeat(64);
        assert_eq!(parse_checksum(&format!("{hex}\n")), Some(hex.clone()));
        assert_eq!(
            parse_checksum(&format!("{}  kubectl\n", hex.to_uppercase())),
            Some(hex.clone())
        );
        assert_eq!(parse_checksum("abc"), None);
        assert_eq!(parse_checksum(""), None);
        assert_eq!(parse_checksum(&"g".repeat(64)), None);
    }

    #[test]
    fn create_dirs_reports_only_new_ones() {
        let t = tempfile::tempdir().unwrap();
        let deep = t.path().join("a/b/c");
        let created = create_dirs(&deep).unwrap();
        assert_eq!(
            created,
            vec![t.path().join("a"), t.path().join("a/b"), deep.clone()]
        );
        assert!(create_dirs(&deep).unwrap().is_empty());
    }
}
