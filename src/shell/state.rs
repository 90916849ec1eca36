//! The per-shell state the hook keeps in one shell variable (`_kdeck_state`, JSON) and hands back to the
//! binary on every update: the user's own `KUBECONFIG`, the `kdeck use` choice and its predecessor, the
//! applied `.kdeck.yaml`, and what was last announced. Pure data and the rules over it; no I/O.
//!
//! Precedence: a `kdeck use` made while inside a `.kdeck.yaml` tree wins over that file until the shell
//! enters another one or leaves the tree; entering a tree wins over an earlier `kdeck use`, which comes
//! back on leaving.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A context (and optionally a namespace) to pin this shell to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(rename = "c")]
    pub context: String,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The kubeconfig file the context comes from, when it is not one of the shell's own (a context
    /// found under a kubeconfig directory): the shell then uses that file alone.
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

/// The `.kdeck.yaml` in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirApplied {
    /// Trust key (path + content); a different key is a different file or an edit.
    pub key: String,
    pub file: PathBuf,
    /// `None` for a file that sets only `readonly`.
    pub target: Option<Target>,
    pub readonly: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShellState {
    /// Set once the first update recorded the user's `KUBECONFIG`.
    pub init: bool,
    /// `KUBECONFIG` as the user has it (`None` = unset), restored exactly when no override is active.
    pub base: Option<String>,
    /// The value kdeck last exported; anything else means the user changed `KUBECONFIG` themselves.
    pub exported: Option<String>,
    #[serde(rename = "use")]
    pub use_target: Option<Target>,
    /// Set once `kdeck use` ran: `kdeck use -` can go back to `use_prev` (`None` = no override).
    pub has_prev: bool,
    pub use_prev: Option<Target>,
    /// The `kdeck use` choice was made after entering the current `.kdeck.yaml` tree.
    pub use_over_dir: bool,
    pub dir: Option<DirApplied>,
    /// The override the overlay file was last written for; it is rewritten only when this changes, so a
    /// `kubens` run inside the shell (which edits the overlay) is not undone at the next prompt.
    pub written: Option<Target>,
    pub readonly_set: bool,
    /// Key of the `.kdeck.yaml` last announced as blocked or invalid, so it is said once, not per prompt.
    pub announced: Option<String>,
}

impl ShellState {
    /// Decodes the hook's state variable; empty or unreadable means a fresh shell.
    pub fn decode(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Brings the state in line with the `KUBECONFIG` the shell has now. On the first run that value is
    /// the user's own; later, a value other than the one kdeck exported means the user set it, so it
    /// becomes the new base (minus our overlay) and the `kdeck use` choice, made against other files, is
    /// dropped.
    pub fn observe_kubeconfig(&mut self, current: Option<&str>, overlay: &str) {
        if self.init && self.exported.as_deref() == current {
            return;
        }
        let base = current.map(|v| strip_entry(v, overlay));
        let fresh = !self.init;
        self.init = true;
        self.base = base;
        self.exported = current.map(str::to_string);
        if !fresh {
            self.use_target = None;
            self.use_prev = None;
            self.has_prev = false;
            self.use_over_dir = false;
            self.written = None;
        }
    }

    /// Records the `.kdeck.yaml` now in effect (or none). Entering a different file wins over `kdeck use`.
    pub fn enter_dir(&mut self, dir: Option<DirApplied>) {
        let changed = self.dir.as_ref().map(|d| &d.key) != dir.as_ref().map(|d| &d.key);
        if changed {
            self.use_over_dir = false;
        }
        self.dir = dir;
    }

    /// `kdeck use TARGET`.
    pub fn use_target(&mut self, target: Target) {
        self.use_prev = self.use_target.take();
        self.has_prev = true;
        self.use_target = Some(target);
        self.use_over_dir = self.dir.is_some();
    }

    /// `kdeck use -`; `false` when there is nothing to go back to.
    pub fn use_previous(&mut self) -> bool {
        if !self.has_prev {
            return false;
        }
        let prev = self.use_prev.take();
        self.use_prev = std::mem::replace(&mut self.use_target, prev);
        self.use_over_dir = self.dir.is_some();
        true
    }

    /// The override in effect, if any.
    pub fn effective(&self) -> Option<&Target> {
        let dir = self.dir.as_ref().and_then(|d| d.target.as_ref());
        match (&self.use_target, dir) {
            (Some(u), Some(_)) if self.use_over_dir => Some(u),
            (_, Some(d)) => Some(d),
            (u, None) => u.as_ref(),
        }
    }

    pub fn readonly(&self) -> bool {
        self.dir.as_ref().is_some_and(|d| d.readonly)
    }
}

/// Removes one path from a colon-separated list (the overlay, when the user re-exports around it).
fn strip_entry(list: &str, entry: &str) -> String {
    if !list.split(':').any(|p| p == entry) {
        return list.to_string();
    }
    list.split(':')
        .filter(|p| *p != entry)
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(c: &str) -> Target {
        Target {
            context: c.into(),
            namespace: None,
            file: None,
        }
    }

    fn dir(key: &str, c: &str) -> DirApplied {
        DirApplied {
            key: key.into(),
            file: PathBuf::from(format!("/w/{key}/.kdeck.yaml")),
            target: Some(t(c)),
            readonly: false,
        }
    }

    #[test]
    fn round_trips_and_tolerates_garbage() {
        let mut s = ShellState::default();
        s.observe_kubeconfig(Some("/a:/b"), "/ov");
        s.use_target(t("x"));
        assert_eq!(ShellState::decode(&s.encode()), s);
        assert_eq!(ShellState::decode("not json"), ShellState::default());
    }

    #[test]
    fn first_observation_records_base_even_unset() {
        let mut s = ShellState::default();
        s.observe_kubeconfig(None, "/ov");
        assert!(s.init);
        assert_eq!(s.base, None);
        s.exported = Some("/ov:/home/.kube/config".into());
        s.observe_kubeconfig(Some("/ov:/home/.kube/config"), "/ov");
        assert_eq!(s.base, None, "our own export is not a user change");
    }

    #[test]
    fn user_change_becomes_base_and_drops_use() {
        let mut s = ShellState::default();
        s.observe_kubeconfig(Some("/a"), "/ov");
        s.use_target(t("x"));
        s.exported = Some("/ov:/a".into());
        s.observe_kubeconfig(Some("/ov:/a:/extra"), "/ov");
        assert_eq!(s.base.as_deref(), Some("/a:/extra"));
        assert_eq!(s.use_target, None);
    }

    #[test]
    fn dir_and_use_precedence() {
        let mut s = ShellState::default();
        s.use_target(t("mine"));
        assert_eq!(s.effective(), Some(&t("mine")));
        s.enter_dir(Some(dir("k1", "proj")));
        assert_eq!(s.effective(), Some(&t("proj")), "entering a tree wins");
        s.use_target(t("other"));
        assert_eq!(s.effective(), Some(&t("other")), "use inside the tree wins");
        s.enter_dir(Some(dir("k1", "proj")));
        assert_eq!(s.effective(), Some(&t("other")), "same file: no change");
        s.enter_dir(Some(dir("k2", "sub")));
        assert_eq!(s.effective(), Some(&t("sub")), "another file wins again");
        s.enter_dir(None);
        assert_eq!(
            s.effective(),
            Some(&t("other")),
            "leaving brings the use back"
        );
    }

    #[test]
    fn use_dash_toggles() {
        let mut s = ShellState::default();
        assert!(!s.use_previous());
        s.use_target(t("a"));
        s.use_target(t("b"));
        assert!(s.use_previous());
        assert_eq!(s.effective(), Some(&t("a")));
        assert!(s.use_previous());
        assert_eq!(s.effective(), Some(&t("b")));
        let mut first = ShellState::default();
        first.use_target(t("a"));
        assert!(first.use_previous());
        assert_eq!(first.effective(), None, "back to no override");
    }

    #[test]
    fn strip_overlay_entry() {
        assert_eq!(strip_entry("/ov:/a:/b", "/ov"), "/a:/b");
        assert_eq!(strip_entry("/a", "/ov"), "/a");
        assert_eq!(strip_entry("", "/ov"), "");
    }
}
