//! The built-in kinds kdeck acts on, by the names users type (`po`, `deploy`, `svc`, ...), as
//! `kube::api::ApiResource`s.
//!
//! Kinds outside this table are found through discovery by the caller ([`discover`]); this table only
//! saves the round trip for the core kinds and carries kubectl's short names, which discovery's
//! `ApiResource` does not.

use kube::api::ApiResource;
use kube::discovery::{Discovery, Scope};

/// One built-in kind: its API coordinates and every name kubectl accepts for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownKind {
    pub kind: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    pub short: &'static [&'static str],
}

impl KnownKind {
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version: if self.group.is_empty() {
                self.version.to_string()
            } else {
                format!("{}/{}", self.group, self.version)
            },
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }
}

pub const KNOWN_KINDS: &[KnownKind] = &[
    kk("Pod", "", "v1", "pods", true, &["po"]),
    kk("Service", "", "v1", "services", true, &["svc"]),
    kk("Endpoints", "", "v1", "endpoints", true, &["ep"]),
    kk("ConfigMap", "", "v1", "configmaps", true, &["cm"]),
    kk("Secret", "", "v1", "secrets", true, &[]),
    kk("Event", "", "v1", "events", true, &["ev"]),
    kk("Namespace", "", "v1", "namespaces", false, &["ns"]),
    kk("Node", "", "v1", "nodes", false, &["no"]),
    kk("ServiceAccount", "", "v1", "serviceaccounts", true, &["sa"]),
    kk(
        "PersistentVolumeClaim",
        "",
        "v1",
        "persistentvolumeclaims",
        true,
        &["pvc"],
    ),
    kk(
        "PersistentVolume",
        "",
        "v1",
        "persistentvolumes",
        false,
        &["pv"],
    ),
    kk("Deployment", "apps", "v1", "deployments", true, &["deploy"]),
    kk("ReplicaSet", "apps", "v1", "replicasets", true, &["rs"]),
    kk("StatefulSet", "apps", "v1", "statefulsets", true, &["sts"]),
    kk("DaemonSet", "apps", "v1", "daemonsets", true, &["ds"]),
    kk("Job", "batch", "v1", "jobs", true, &[]),
    kk("CronJob", "batch", "v1", "cronjobs", true, &["cj"]),
    kk(
        "Ingress",
        "networking.k8s.io",
        "v1",
        "ingresses",
        true,
        &["ing"],
    ),
];

const fn kk(
    kind: &'static str,
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
) -> KnownKind {
    KnownKind {
        kind,
        group,
        version,
        plural,
        namespaced,
        short,
    }
}

/// The built-in kind for a name as kubectl accepts it: kind, singular, plural or short name, any case,
/// optionally qualified by group (`deployments.apps`).
pub fn known_kind(name: &str) -> Option<&'static KnownKind> {
    let lower = name.to_ascii_lowercase();
    let (base, group) = match lower.split_once('.') {
        Some((b, g)) => (b.to_string(), Some(g.to_string())),
        None => (lower.clone(), None),
    };
    KNOWN_KINDS.iter().find(|k| {
        let names_match = k.kind.eq_ignore_ascii_case(&base)
            || k.plural == base
            || k.short.contains(&base.as_str());
        names_match && group.as_deref().is_none_or(|g| g == k.group)
    })
}

/// A resolved kind: its API resource and whether it is namespaced.
#[derive(Debug, Clone)]
pub struct ResolvedKind {
    pub resource: ApiResource,
    pub namespaced: bool,
}

/// Resolves `name` from the built-in table, else through the server's discovery (kind, plural or
/// singular name, any case).
pub async fn discover(
    client: &kube::Client,
    name: &str,
) -> Result<Option<ResolvedKind>, kube::Error> {
    if let Some(k) = known_kind(name) {
        return Ok(Some(ResolvedKind {
            resource: k.api_resource(),
            namespaced: k.namespaced,
        }));
    }
    let lower = name.to_ascii_lowercase();
    let discovery = Discovery::new(client.clone()).run().await?;
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            if ar.kind.eq_ignore_ascii_case(&lower) || ar.plural == lower {
                return Ok(Some(ResolvedKind {
                    resource: ar,
                    namespaced: caps.scope == Scope::Namespaced,
                }));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_names_resolve() {
        for (input, kind) in [
            ("po", "Pod"),
            ("pods", "Pod"),
            ("Pod", "Pod"),
            ("deploy", "Deployment"),
            ("deployments.apps", "Deployment"),
            ("svc", "Service"),
            ("sts", "StatefulSet"),
            ("ns", "Namespace"),
            ("no", "Node"),
            ("cm", "ConfigMap"),
        ] {
            assert_eq!(known_kind(input).map(|k| k.kind), Some(kind), "{input}");
        }
        assert!(known_kind("deployments.batch").is_none());
        assert!(known_kind("widgets").is_none());
    }

    #[test]
    fn api_version_includes_group() {
        assert_eq!(
            known_kind("deploy").unwrap().api_resource().api_version,
            "apps/v1"
        );
        assert_eq!(known_kind("po").unwrap().api_resource().api_version, "v1");
    }
}
