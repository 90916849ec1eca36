//! The kinds a view can show: the built-in views (their coordinates and short names come from the one
//! table in [`super::known_kinds`]) and whatever discovery adds (CRDs included). Resolving what the user
//! typed in command mode happens here, without I/O.

use super::columns::{core, pods, workloads};
use super::known_kinds::{KNOWN_KINDS, KnownKind};
use super::rows::Column;

/// Built-in kinds, each with its own typed watcher and kubectl-like columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    Pods,
    Deployments,
    StatefulSets,
    DaemonSets,
    ReplicaSets,
    Services,
    ConfigMaps,
    Secrets,
    Events,
    Nodes,
    Namespaces,
}

impl Builtin {
    pub fn columns(self) -> Vec<Column> {
        match self {
            Builtin::Pods => pods::columns(),
            Builtin::Deployments => workloads::deployment_columns(),
            Builtin::StatefulSets => workloads::statefulset_columns(),
            Builtin::DaemonSets => workloads::daemonset_columns(),
            Builtin::ReplicaSets => workloads::replicaset_columns(),
            Builtin::Services => core::service_columns(),
            Builtin::ConfigMaps => core::configmap_columns(),
            Builtin::Secrets => core::secret_columns(),
            Builtin::Events => core::event_columns(),
            Builtin::Nodes => core::node_columns(),
            Builtin::Namespaces => core::namespace_columns(),
        }
    }
}

/// A kind as the TUI knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSpec {
    /// Lower-case plural resource name, used in titles (`pods(all)[10]`).
    pub plural: String,
    pub kind: String,
    pub group: String,
    pub version: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub builtin: Option<Builtin>,
}

impl KindSpec {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The kube-rs coordinates of this kind, for dynamic API calls.
    pub fn api_resource(&self) -> kube::api::ApiResource {
        kube::api::ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: self.api_version(),
            kind: self.kind.clone(),
            plural: self.plural.clone(),
        }
    }

    /// Columns for a generic kind watched as metadata only.
    pub fn columns(&self) -> Vec<Column> {
        match self.builtin {
            Some(b) => b.columns(),
            None => vec![Column::new("NAME"), Column::new("AGE")],
        }
    }

    /// Every name command mode accepts for this kind.
    pub fn aliases(&self) -> impl Iterator<Item = String> + '_ {
        [self.plural.clone(), self.kind.to_lowercase()]
            .into_iter()
            .chain(self.short_names.iter().cloned())
            .chain((!self.group.is_empty()).then(|| format!("{}.{}", self.plural, self.group)))
    }
}

impl Builtin {
    pub const ALL: &'static [Builtin] = &[
        Builtin::Pods,
        Builtin::Deployments,
        Builtin::StatefulSets,
        Builtin::DaemonSets,
        Builtin::ReplicaSets,
        Builtin::Services,
        Builtin::ConfigMaps,
        Builtin::Secrets,
        Builtin::Events,
        Builtin::Nodes,
        Builtin::Namespaces,
    ];

    /// The kind as the TUI knows it.
    pub fn spec(self) -> KindSpec {
        KindSpec::of_known(self.known(), Some(self))
    }

    /// The kind's entry in the one table of API coordinates and kubectl names.
    pub fn known(self) -> &'static KnownKind {
        let plural = match self {
            Builtin::Pods => "pods",
            Builtin::Deployments => "deployments",
            Builtin::StatefulSets => "statefulsets",
            Builtin::DaemonSets => "daemonsets",
            Builtin::ReplicaSets => "replicasets",
            Builtin::Services => "services",
            Builtin::ConfigMaps => "configmaps",
            Builtin::Secrets => "secrets",
            Builtin::Events => "events",
            Builtin::Nodes => "nodes",
            Builtin::Namespaces => "namespaces",
        };
        match KNOWN_KINDS.iter().find(|k| k.plural == plural) {
            Some(k) => k,
            None => unreachable!("every built-in view kind is in KNOWN_KINDS (checked by a test)"),
        }
    }
}

/// The kinds kdeck knows before discovery answers (and when it cannot): the built-in views, with
/// their coordinates and short names from [`KNOWN_KINDS`].
pub fn builtins() -> Vec<KindSpec> {
    Builtin::ALL.iter().map(|&b| b.spec()).collect()
}

impl KindSpec {
    /// A kind of the built-in table ([`KNOWN_KINDS`]) by its plural, with its built-in view if it has one.
    pub fn known(plural: &str) -> Option<KindSpec> {
        let k = KNOWN_KINDS.iter().find(|k| k.plural == plural)?;
        let builtin = Builtin::ALL
            .iter()
            .copied()
            .find(|b| b.known().plural == plural);
        Some(KindSpec::of_known(k, builtin))
    }

    /// `k`'s coordinates and names as a kind spec, with its built-in view if it has one.
    fn of_known(k: &KnownKind, builtin: Option<Builtin>) -> KindSpec {
        KindSpec {
            plural: k.plural.into(),
            kind: k.kind.into(),
            group: k.group.into(),
            version: k.version.into(),
            namespaced: k.namespaced,
            short_names: k.short.iter().map(|s| s.to_string()).collect(),
            builtin,
        }
    }
}

/// All known kinds: built-ins first, then discovered ones that are not built in.
#[derive(Debug, Clone)]
pub struct KindRegistry {
    kinds: Vec<KindSpec>,
}

impl Default for KindRegistry {
    fn default() -> Self {
        KindRegistry { kinds: builtins() }
    }
}

impl KindRegistry {
    /// Adds discovered kinds; a discovered built-in contributes its server-side short names.
    pub fn merge_discovered(&mut self, found: Vec<KindSpec>) {
        for k in found {
            if let Some(existing) = self
                .kinds
                .iter_mut()
                .find(|e| e.plural == k.plural && e.group == k.group)
            {
                for s in k.short_names {
                    if !existing.short_names.contains(&s) {
                        existing.short_names.push(s);
                    }
                }
                continue;
            }
            self.kinds.push(k);
        }
    }

    /// Resolves a kind by plural, singular, short name or `plural.group`, case-insensitively.
    pub fn resolve(&self, name: &str) -> Option<&KindSpec> {
        let name = name.to_lowercase();
        self.kinds.iter().find(|k| k.aliases().any(|a| a == name))
    }

    pub fn all(&self) -> &[KindSpec] {
        &self.kinds
    }

    /// Every accepted name, for tab completion.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.kinds.iter().flat_map(|k| k.aliases()).collect();
        v.sort();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_plural_singular_short_and_group() {
        let mut r = KindRegistry::default();
        assert_eq!(r.resolve("po").unwrap().plural, "pods");
        assert_eq!(r.resolve("Deploy").unwrap().plural, "deployments");
        assert_eq!(r.resolve("deployment").unwrap().plural, "deployments");
        assert_eq!(r.resolve("deployments.apps").unwrap().plural, "deployments");
        assert!(r.resolve("widgets").is_none());
        r.merge_discovered(vec![KindSpec {
            plural: "widgets".into(),
            kind: "Widget".into(),
            group: "example.com".into(),
            version: "v1alpha1".into(),
            namespaced: true,
            short_names: vec!["wd".into()],
            builtin: None,
        }]);
        assert_eq!(r.resolve("wd").unwrap().kind, "Widget");
        assert_eq!(
            r.resolve("widgets.example.com").unwrap().api_version(),
            "example.com/v1alpha1"
        );
        assert!(r.names().contains(&"sts".to_string()));
        assert_eq!(builtins().len(), Builtin::ALL.len());
        assert_eq!(r.resolve("ev").unwrap().kind, "Event");
    }
}
