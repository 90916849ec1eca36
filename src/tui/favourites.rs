//! Favourite namespaces (keys `1`–`9`, most recent first), remembered per context across runs in
//! `${XDG_DATA_HOME:-~/.local/share}/kdeck/favourites.yaml`.
//!
//! Read once at startup and written once on exit (atomically, 0600). A file that cannot be parsed is
//! reported and left alone: it is never overwritten.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Context name → its favourite namespaces.
pub type Favourites = BTreeMap<String, Vec<String>>;

pub const MAX: usize = 9;

pub fn path() -> PathBuf {
    crate::paths::data_dir().join("favourites.yaml")
}

/// The saved favourites; a missing file is an empty map.
pub fn load(path: &Path) -> Result<Favourites, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Favourites::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    if text.trim().is_empty() {
        return Ok(Favourites::new());
    }
    let mut map: Favourites = crate::yaml::from_str(&text).map_err(|e| {
        let line = e.line.map(|l| format!(", line {l}")).unwrap_or_default();
        format!("{}{line}: {}", path.display(), e.message)
    })?;
    for list in map.values_mut() {
        list.truncate(MAX);
    }
    Ok(map)
}

pub fn save(path: &Path, favourites: &Favourites) -> Result<(), String> {
    let body = crate::yaml::to_string(favourites).map_err(|e| e.message)?;
    let text = format!(
        "# kdeck favourite namespaces per context (keys 1-9, most recent first); kdeck rewrites this file\n{body}"
    );
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    crate::kubeconfig::write::atomic_write(path, text.as_bytes(), 0o600)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Moves `ns` to the front of `list`, keeping at most [`MAX`].
pub fn remember(list: &mut Vec<String>, ns: &str) {
    list.retain(|n| n != ns);
    list.insert(0, ns.to_string());
    list.truncate(MAX);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_keeps_a_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kdeck/favourites.yaml");
        assert!(load(&p).unwrap().is_empty());
        let mut fav = Favourites::new();
        let list = fav.entry("prod".into()).or_default();
        for ns in ["a", "b", "a", "c"] {
            remember(list, ns);
        }
        assert_eq!(list, &["c", "a", "b"]);
        save(&p, &fav).unwrap();
        assert_eq!(load(&p).unwrap(), fav);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::write(&p, "prod: [a\n").unwrap();
        let e = load(&p).unwrap_err();
        assert!(e.contains("favourites.yaml"), "{e}");
    }

    #[test]
    fn keeps_at_most_nine() {
        let mut list = Vec::new();
        for i in 0..20 {
            remember(&mut list, &format!("ns{i}"));
        }
        assert_eq!(list.len(), MAX);
        assert_eq!(list[0], "ns19");
    }
}
