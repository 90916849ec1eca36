//! The resource types the sim serves and how they appear in discovery.
//!
//! Owns: the description of a kind (group, version, plural, short names, scope, subresources, printer),
//! the built-in kinds read from `kinds.yaml`, and [`Kinds`], the per-cluster registry that custom
//! resources join and leave. Everything that needs to know "what is a deployment" (routing, discovery,
//! store indexes, tables) asks here.

use std::sync::{Arc, LazyLock};

use serde::Deserialize;

use super::cells::CellExpr;

/// How a kind's Table is printed.
#[derive(Debug, Clone, PartialEq)]
pub enum Printer {
    /// A hand-written printer in `table.rs`, chosen by index.
    Builtin,
    /// The apiserver's default: Name and Created At, with `rows: null` when empty.
    Default,
    /// Name, then these columns.
    Columns(Vec<Column>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: String,
    pub format: String,
    pub priority: u8,
    pub description: String,
    pub cell: CellExpr,
}

/// Where the `scale` subresource reads and writes replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalePaths {
    pub spec_replicas: String,
    pub status_replicas: String,
    /// A path to a selector string (CRDs); None reads `.spec.selector` as a label selector.
    pub label_selector: Option<String>,
}

/// One served resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    /// Its index in the registry, which the store's tables and watch events use.
    pub index: usize,
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub scale: Option<ScalePaths>,
    /// Has the `status` subresource.
    pub status: bool,
    pub printer: Printer,
    /// The CustomResourceDefinition that defines it.
    pub crd: Option<String>,
    /// False once its CRD is gone: routes and discovery no longer see it.
    pub served: bool,
    /// Computed on each read (metrics.k8s.io), never stored: get and list only.
    pub computed: bool,
    /// Another version of the kind at this index, which stores its objects (see `versions`).
    pub stored_as: Option<usize>,
    /// A DELETE answers with the object rather than a `Success` Status (the registry's
    /// `ReturnDeletedObject`).
    pub returns_deleted: bool,
    /// Objects carry `metadata.generation` (their registry strategy sets it).
    pub generation: bool,
    /// Field selector labels beyond `metadata.name` and `metadata.namespace`.
    pub field_selectors: Vec<String>,
    /// A custom resource's `openAPIV3Schema`, whose types writes are checked against.
    pub schema: Option<Arc<serde_json::Value>>,
    /// The `Warning` every request for a deprecated kind gets.
    pub deprecated: Option<String>,
}

impl ResourceType {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// The verbs discovery lists: namespaces cannot be deleted as a collection.
    pub fn verbs(&self) -> &'static [&'static str] {
        if self.is_review() {
            &["create"]
        } else if self.computed {
            &["get", "list"]
        } else if self.index == idx::NAMESPACES {
            NAMESPACE_VERBS
        } else {
            VERBS
        }
    }

    /// A review a client creates to ask about itself (authentication/authorization.k8s.io).
    pub fn is_review(&self) -> bool {
        self.computed && self.kind.ends_with("Review")
    }

    /// Lists of this kind answer an empty Table with `rows: null` (../shared/apiserver-1.28 README,
    /// quirk 1).
    pub fn default_printer(&self) -> bool {
        self.printer == Printer::Default
    }

    /// Whether a field selector may use `label`: `metadata.name` and `metadata.namespace` always, the
    /// kind's own fields otherwise (custom resources have none).
    pub fn selects_field(&self, label: &str) -> bool {
        matches!(label, "metadata.name" | "metadata.namespace")
            || self.field_selectors.iter().any(|f| f == label)
    }
}

/// Index constants into the built-in kinds, for code that names a kind directly.
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
    pub const ROLES: usize = 13;
    pub const ROLEBINDINGS: usize = 14;
    pub const CLUSTERROLES: usize = 15;
    pub const CLUSTERROLEBINDINGS: usize = 16;
    pub const CRDS: usize = 17;
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindEntry {
    kind: String,
    #[serde(default)]
    group: String,
    #[serde(default = "v1")]
    version: String,
    plural: String,
    singular: Option<String>,
    #[serde(default = "yes")]
    namespaced: bool,
    #[serde(default)]
    short: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    subresources: Vec<String>,
    printer: Option<String>,
    #[serde(default)]
    columns: Vec<ColumnEntry>,
    #[serde(default)]
    computed: bool,
    /// Served as another version of a kind stored elsewhere (`autoscaling/v2/horizontalpodautoscalers`,
    /// `v1/events`), converted on the way in and out by `versions`.
    #[serde(default)]
    stored_as: Option<String>,
    #[serde(default, rename = "returnsDeleted")]
    returns_deleted: bool,
    #[serde(default)]
    generation: bool,
    #[serde(default, rename = "fieldSelectors")]
    field_selectors: Vec<String>,
    deprecated: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnEntry {
    name: String,
    cell: String,
    #[serde(rename = "type", default = "string")]
    ty: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    priority: u8,
    #[serde(default)]
    description: String,
}

fn v1() -> String {
    "v1".into()
}
fn yes() -> bool {
    true
}
fn string() -> String {
    "string".into()
}

fn builtin_kind(index: usize, e: KindEntry) -> Result<ResourceType, String> {
    let printer = match (e.printer.as_deref(), e.columns.is_empty()) {
        (Some("builtin"), true) => Printer::Builtin,
        (Some("default"), true) | (None, true) => Printer::Default,
        (None, false) => Printer::Columns(
            e.columns
                .into_iter()
                .map(|c| {
                    Ok(Column {
                        cell: CellExpr::parse(&c.cell)
                            .map_err(|err| format!("{} column {}: {err}", e.plural, c.name))?,
                        name: c.name,
                        ty: c.ty,
                        format: c.format,
                        priority: c.priority,
                        description: c.description,
                    })
                })
                .collect::<Result<_, String>>()?,
        ),
        (p, _) => return Err(format!("{}: printer {p:?} with columns", e.plural)),
    };
    let has = |s: &str| e.subresources.iter().any(|x| x == s);
    Ok(ResourceType {
        index,
        singular: e.singular.unwrap_or_else(|| e.kind.to_lowercase()),
        status: has("status"),
        scale: has("scale").then(|| ScalePaths {
            spec_replicas: ".spec.replicas".into(),
            status_replicas: ".status.replicas".into(),
            label_selector: None,
        }),
        group: e.group,
        version: e.version,
        kind: e.kind,
        plural: e.plural,
        namespaced: e.namespaced,
        short_names: e.short,
        categories: e.categories,
        printer,
        crd: None,
        served: true,
        computed: e.computed,
        stored_as: None,
        returns_deleted: e.returns_deleted,
        generation: e.generation,
        field_selectors: e.field_selectors,
        schema: None,
        deprecated: e.deprecated,
    })
}

/// The built-in kinds, from `kinds.yaml` (checked by a test, so a bad entry fails the build's tests).
pub static BUILTIN: LazyLock<Vec<Arc<ResourceType>>> = LazyLock::new(|| {
    let entries: Vec<KindEntry> =
        crate::yaml::from_str(include_str!("kinds.yaml")).unwrap_or_else(|e| {
            eprintln!("kdeck sim: kinds.yaml: {e}");
            Vec::new()
        });
    let stored_as: Vec<Option<String>> = entries.iter().map(|e| e.stored_as.clone()).collect();
    let mut kinds: Vec<ResourceType> = entries
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| match builtin_kind(i, e) {
            Ok(k) => Some(k),
            Err(e) => {
                eprintln!("kdeck sim: kinds.yaml: {e}");
                None
            }
        })
        .collect();
    // `stored_as: [group/]version/plural` names the kind that stores this one's objects.
    for (i, target) in stored_as.iter().enumerate() {
        let Some(target) = target else { continue };
        let parts: Vec<&str> = target.split('/').collect();
        let (group, version, plural) = match parts.as_slice() {
            [v, p] => ("", *v, *p),
            [g, v, p] => (*g, *v, *p),
            _ => ("", "", ""),
        };
        let found = kinds.iter().position(|k| {
            k.group == group && k.version == version && k.plural == plural && k.index != i
        });
        match (found, kinds.get_mut(i)) {
            (Some(t), Some(k)) => k.stored_as = Some(t),
            _ => eprintln!("kdeck sim: kinds.yaml: stored_as {target}: no such kind"),
        }
    }
    kinds.into_iter().map(Arc::new).collect()
});

/// The kinds one cluster serves: the built-ins, then custom resources in the order their CRDs
/// appeared. Indexes never move; a kind whose CRD is deleted stays as an unserved entry and is reused
/// when the CRD comes back.
#[derive(Debug, Clone)]
pub struct Kinds(Vec<Arc<ResourceType>>);

impl Default for Kinds {
    fn default() -> Self {
        Kinds(BUILTIN.clone())
    }
}

impl Kinds {
    pub fn get(&self, res: usize) -> &Arc<ResourceType> {
        &self.0[res]
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every served kind.
    pub fn served(&self) -> impl Iterator<Item = &Arc<ResourceType>> {
        self.0.iter().filter(|k| k.served)
    }

    /// Finds a served resource by group, version and plural.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<usize> {
        self.served()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
            .map(|r| r.index)
    }

    /// Adds or replaces a custom kind; returns its index.
    pub fn upsert(&mut self, mut rt: ResourceType) -> usize {
        let existing = self.0.iter().position(|k| {
            k.crd.is_some()
                && k.group == rt.group
                && k.version == rt.version
                && k.plural == rt.plural
        });
        let index = existing.unwrap_or(self.0.len());
        rt.index = index;
        if existing.is_some() {
            self.0[index] = Arc::new(rt);
        } else {
            self.0.push(Arc::new(rt));
        }
        index
    }

    /// Stops serving the kinds a CRD defined; returns their indexes.
    pub fn remove_crd(&mut self, crd: &str) -> Vec<usize> {
        let mut gone = Vec::new();
        for k in &mut self.0 {
            if k.served && k.crd.as_deref() == Some(crd) {
                let mut off = (**k).clone();
                off.served = false;
                *k = Arc::new(off);
                gone.push(k.index);
            }
        }
        gone
    }

    /// The served groups other than core, each with its versions, in first-seen order.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for k in self.served().filter(|k| !k.group.is_empty()) {
            match out.iter_mut().find(|(g, _)| *g == k.group) {
                Some((_, versions)) if !versions.contains(&k.version) => {
                    versions.push(k.version.clone())
                }
                Some(_) => {}
                None => out.push((k.group.clone(), vec![k.version.clone()])),
            }
        }
        out
    }
}

/// The verbs every served resource supports.
pub const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

const NAMESPACE_VERBS: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_kind_loads_and_idx_constants_match() {
        let raw: Vec<crate::yaml::Value> =
            crate::yaml::from_str(include_str!("kinds.yaml")).expect("kinds.yaml parses");
        assert_eq!(BUILTIN.len(), raw.len(), "every kinds.yaml entry loads");
        assert!(BUILTIN.len() >= 45, "{} kinds", BUILTIN.len());
        let k = Kinds::default();
        let plural = |i: usize| k.get(i).plural.as_str();
        assert_eq!(plural(idx::PODS), "pods");
        assert_eq!(plural(idx::NODES), "nodes");
        assert_eq!(plural(idx::DEPLOYMENTS), "deployments");
        assert_eq!(plural(idx::DAEMONSETS), "daemonsets");
        assert_eq!(plural(idx::EVENTS), "events");
        assert_eq!(plural(idx::ROLES), "roles");
        assert_eq!(plural(idx::CLUSTERROLES), "clusterroles");
        assert_eq!(plural(idx::ROLEBINDINGS), "rolebindings");
        assert_eq!(plural(idx::CLUSTERROLEBINDINGS), "clusterrolebindings");
        assert_eq!(plural(idx::CRDS), "customresourcedefinitions");
        assert_eq!(
            k.lookup("apps", "v1", "statefulsets"),
            Some(idx::STATEFULSETS)
        );
        assert!(
            k.lookup("autoscaling", "v2", "horizontalpodautoscalers")
                .is_some()
        );
        for (i, r) in BUILTIN.iter().enumerate() {
            assert_eq!(r.index, i);
        }
    }

    #[test]
    fn custom_kinds_keep_their_index_across_delete_and_recreate() {
        let mut k = Kinds::default();
        let mut rt = (**k.get(idx::CONFIGMAPS)).clone();
        rt.group = "example.com".into();
        rt.plural = "widgets".into();
        rt.crd = Some("widgets.example.com".into());
        let i = k.upsert(rt.clone());
        assert_eq!(k.lookup("example.com", "v1", "widgets"), Some(i));
        assert_eq!(k.remove_crd("widgets.example.com"), vec![i]);
        assert_eq!(k.lookup("example.com", "v1", "widgets"), None);
        assert_eq!(k.upsert(rt), i);
        assert!(k.groups().iter().any(|(g, _)| g == "example.com"));
    }
}
