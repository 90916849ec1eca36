//! The resource types the sim serves and how they appear in discovery.
//!
//! Owns: the static table of kinds (group, version, plural, short names, scope, subresources). Everything
//! that needs to know "what is a deployment" (routing, discovery, store indexes, tables) asks here.

/// One served resource type.
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Has the `scale` subresource.
    pub scale: bool,
    /// Has the `status` subresource.
    pub status: bool,
}

impl ResourceType {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }
}

macro_rules! rt {
    ($group:expr, $kind:expr, $plural:expr, $singular:expr, $ns:expr, $short:expr, $cat:expr, $scale:expr, $status:expr) => {
        ResourceType {
            group: $group,
            version: "v1",
            kind: $kind,
            plural: $plural,
            singular: $singular,
            namespaced: $ns,
            short_names: $short,
            categories: $cat,
            scale: $scale,
            status: $status,
        }
    };
}

const ALL: &[&str] = &["all"];

/// Index constants into [`RESOURCES`], for code that names a kind directly.
pub mod idx {
    pub const NAMESPACES: usize = 0;
    pub const PODS: usize = 1;
    pub const SERVICES: usize = 2;
    pub const ENDPOINTS: usize = 3;
    pub const CONFIGMAPS: usize = 4;
    pub const SECRETS: usize = 5;
    pub const EVENTS: usize = 6;
    pub const NODES: usize = 7;
    pub const DEPLOYMENTS: usize = 8;
    pub const REPLICASETS: usize = 9;
    pub const STATEFULSETS: usize = 10;
    pub const DAEMONSETS: usize = 11;
    pub const LIMITRANGES: usize = 12;
    pub const ROLES: usize = 13;
    pub const ROLEBINDINGS: usize = 14;
    pub const CLUSTERROLES: usize = 15;
    pub const CLUSTERROLEBINDINGS: usize = 16;
}

pub static RESOURCES: &[ResourceType] = &[
    rt!(
        "",
        "Namespace",
        "namespaces",
        "namespace",
        false,
        &["ns"],
        &[],
        false,
        true
    ),
    rt!("", "Pod", "pods", "pod", true, &["po"], ALL, false, true),
    rt!(
        "",
        "Service",
        "services",
        "service",
        true,
        &["svc"],
        ALL,
        false,
        true
    ),
    rt!(
        "",
        "Endpoints",
        "endpoints",
        "endpoints",
        true,
        &["ep"],
        &[],
        false,
        false
    ),
    rt!(
        "",
        "ConfigMap",
        "configmaps",
        "configmap",
        true,
        &["cm"],
        &[],
        false,
        false
    ),
    rt!(
        "",
        "Secret",
        "secrets",
        "secret",
        true,
        &[],
        &[],
        false,
        false
    ),
    rt!(
        "",
        "Event",
        "events",
        "event",
        true,
        &["ev"],
        &[],
        false,
        false
    ),
    rt!(
        "",
        "Node",
        "nodes",
        "node",
        false,
        &["no"],
        &[],
        false,
        true
    ),
    rt!(
        "apps",
        "Deployment",
        "deployments",
        "deployment",
        true,
        &["deploy"],
        ALL,
        true,
        true
    ),
    rt!(
        "apps",
        "ReplicaSet",
        "replicasets",
        "replicaset",
        true,
        &["rs"],
        ALL,
        true,
        true
    ),
    rt!(
        "apps",
        "StatefulSet",
        "statefulsets",
        "statefulset",
        true,
        &["sts"],
        ALL,
        true,
        true
    ),
    rt!(
        "apps",
        "DaemonSet",
        "daemonsets",
        "daemonset",
        true,
        &["ds"],
        ALL,
        false,
        true
    ),
    rt!(
        "",
        "LimitRange",
        "limitranges",
        "limitrange",
        true,
        &["limits"],
        &[],
        false,
        false
    ),
    rt!(RBAC, "Role", "roles", "role", true, &[], &[], false, false),
    rt!(
        RBAC,
        "RoleBinding",
        "rolebindings",
        "rolebinding",
        true,
        &[],
        &[],
        false,
        false
    ),
    rt!(
        RBAC,
        "ClusterRole",
        "clusterroles",
        "clusterrole",
        false,
        &[],
        &[],
        false,
        false
    ),
    rt!(
        RBAC,
        "ClusterRoleBinding",
        "clusterrolebindings",
        "clusterrolebinding",
        false,
        &[],
        &[],
        false,
        false
    ),
];

const RBAC: &str = "rbac.authorization.k8s.io";

/// The groups served besides the legacy core group, in discovery order.
pub static GROUPS: &[&str] = &["apps", RBAC];

/// Kinds without a printer of their own: the apiserver's default Table (Name, Created At), whose `rows`
/// is `null` when the list is empty (../shared/apiserver-1.28 README, quirk 1).
pub fn default_printer(res: usize) -> bool {
    matches!(res, idx::LIMITRANGES | idx::ROLES | idx::CLUSTERROLES)
}

/// Finds a resource by group, version and plural.
pub fn lookup(group: &str, version: &str, plural: &str) -> Option<usize> {
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The verbs every served resource supports.
pub const VERBS: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idx_constants_match_the_table() {
        assert_eq!(RESOURCES[idx::PODS].plural, "pods");
        assert_eq!(RESOURCES[idx::NODES].plural, "nodes");
        assert_eq!(RESOURCES[idx::DEPLOYMENTS].plural, "deployments");
        assert_eq!(RESOURCES[idx::DAEMONSETS].plural, "daemonsets");
        assert_eq!(RESOURCES[idx::EVENTS].plural, "events");
        assert_eq!(
            lookup("apps", "v1", "statefulsets"),
            Some(idx::STATEFULSETS)
        );
        assert_eq!(RESOURCES[idx::LIMITRANGES].plural, "limitranges");
        assert_eq!(RESOURCES[idx::ROLES].plural, "roles");
        assert_eq!(RESOURCES[idx::ROLEBINDINGS].plural, "rolebindings");
        assert_eq!(RESOURCES[idx::CLUSTERROLES].plural, "clusterroles");
        assert_eq!(
            RESOURCES[idx::CLUSTERROLEBINDINGS].plural,
            "clusterrolebindings"
        );
    }
}
