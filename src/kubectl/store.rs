//! The on-disk layout of installed kubectls: `<data>/kubectl/<ver>/kubectl` and the shim directory.
//!
//! A version directory exists only when its binary is complete (install renames a finished staging
//! directory into place), so "the directory exists" is the definition of "installed". Staging and
//! removal directories start with `.` and are never listed.

use std::io;
use std::path::{Path, PathBuf};

use super::version::Version;

/// `${XDG_DATA_HOME:-~/.local/share}/kdeck/kubectl`.
pub fn root() -> PathBuf {
    crate::paths::data_dir().join("kubectl")
}

/// `${XDG_DATA_HOME:-~/.local/share}/kdeck/shims`.
pub fn shim_dir() -> PathBuf {
    crate::paths::data_dir().join("shims")
}

pub fn version_dir(root: &Path, version: &Version) -> PathBuf {
    root.join(version.to_string())
}

pub fn binary(root: &Path, version: &Version) -> PathBuf {
    version_dir(root, version).join("kubectl")
}

/// Installed versions, ascending. A missing root means nothing is installed.
pub fn installed(root: &Path) -> io::Result<Vec<Version>> {
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(version) = name.to_str().and_then(|n| n.parse::<Version>().ok()) else {
            continue;
        };
        // Directory names are the canonical spelling; `v1.29.4` made by hand would not be found by path.
        if name.to_str() == Some(version.to_string().as_str()) && binary(root, &version).is_file() {
            out.push(version);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_complete_versions_only_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for (name, with_binary) in [
            ("1.30.0", true),
            ("1.9.2", true),
            ("1.29.4", true),
            ("1.28.0", false),
            (".staging-1.31.0-1-abc", true),
            ("v1.27.0", true),
            ("junk", true),
        ] {
            let d = dir.path().join(name);
            std::fs::create_dir_all(&d).unwrap();
            if with_binary {
                std::fs::write(d.join("kubectl"), "x").unwrap();
            }
        }
        let got: Vec<String> = installed(dir.path())
            .unwrap()
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(got, ["1.9.2", "1.29.4", "1.30.0"]);
        assert!(installed(&dir.path().join("missing")).unwrap().is_empty());
    }
}
