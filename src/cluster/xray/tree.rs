//! The xray tree, built from lists: a workload → its replicasets → pods → containers, each pod with
//! the ConfigMaps, Secrets, PVCs and ServiceAccount it uses, and the Services that select the
//! workload's pods. Status rolls up: a node takes the worst tone below it, and names the problem.
//!
//! Owns: who belongs under whom (controller ownerReferences, service selectors, a pod's references)
//! and how each node reads. Pure: the watch task ([`super::spawn`]) feeds it lists and sends its rows.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::cluster::actions::ObjectRef;
use crate::cluster::columns::{containers, pods, workloads};
use crate::cluster::kinds::KindSpec;
use crate::cluster::rows::{Cell, Column, Row, RowKey, RowObject, Tone};

/// The kinds an xray can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Root {
    Deployments,
    StatefulSets,
    DaemonSets,
    ReplicaSets,
    Jobs,
    CronJobs,
    Pods,
    Services,
}

impl Root {
    /// The root for a kind's plural (`deployments`), if xray starts from it.
    pub fn of(kind: &KindSpec) -> Option<Root> {
        let root = match (kind.group.as_str(), kind.plural.as_str()) {
            ("apps", "deployments") => Root::Deployments,
            ("apps", "statefulsets") => Root::StatefulSets,
            ("apps", "daemonsets") => Root::DaemonSets,
            ("apps", "replicasets") => Root::ReplicaSets,
            ("batch", "jobs") => Root::Jobs,
            ("batch", "cronjobs") => Root::CronJobs,
            ("", "pods") => Root::Pods,
            ("", "services") => Root::Services,
            _ => return None,
        };
        Some(root)
    }

    /// The plurals xray accepts, for the error that lists them.
    pub const NAMES: &'static str = "deployments, statefulsets, daemonsets, replicasets, jobs, \
                                     cronjobs, pods, services";
}

/// Names that exist, by namespace and name; None when they could not be listed (a viewer may not list
/// secrets), so references read as unknown rather than missing.
pub type Names = Option<HashSet<(String, String)>>;

/// Everything the tree is built from (one namespace, or all).
#[derive(Debug, Default, Clone)]
pub struct Objects {
    pub deployments: Vec<Arc<Deployment>>,
    pub statefulsets: Vec<Arc<StatefulSet>>,
    pub daemonsets: Vec<Arc<DaemonSet>>,
    pub replicasets: Vec<Arc<ReplicaSet>>,
    pub jobs: Vec<Arc<Job>>,
    pub cronjobs: Vec<Arc<CronJob>>,
    pub pods: Vec<Arc<Pod>>,
    pub services: Vec<Arc<Service>>,
    pub configmaps: Names,
    pub secrets: Names,
    pub serviceaccounts: Names,
    /// Claim phases by namespace and name (None: not listed).
    pub pvcs: Option<HashMap<(String, String), String>>,
}

pub fn columns() -> Vec<Column> {
    vec![
        Column::new("NAME"),
        Column::new("KIND"),
        Column::new("READY"),
        Column::new("STATUS"),
    ]
}

/// One node before it is laid out.
pub(super) struct Node {
    /// Sorts siblings (with the kind, see [`segment`]): a group number (containers, then
    /// references, then owned objects, then services) and the name.
    order: (u8, String),
    kind: &'static str,
    name: String,
    object: RowObject,
    ready: String,
    status: String,
    tone: Tone,
    selector: Option<String>,
    children: Vec<Node>,
}

fn kind_spec(plural: &str) -> KindSpec {
    match KindSpec::known(plural) {
        Some(k) => k,
        None => unreachable!("xray only names kinds from KNOWN_KINDS"),
    }
}

pub(super) fn ns_name(meta: &ObjectMeta) -> (String, String) {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

impl Node {
    fn new(order: u8, kind: &'static str, plural: &str, meta: &ObjectMeta) -> Node {
        let (ns, name) = ns_name(meta);
        Node {
            order: (order, name.clone()),
            kind,
            name: name.clone(),
            object: RowObject {
                target: ObjectRef::new(kind_spec(plural), Some(&ns), &name),
                container: None,
            },
            ready: String::new(),
            status: String::new(),
            tone: Tone::Normal,
            selector: None,
            children: Vec::new(),
        }
    }

    pub(super) fn reference(
        order: u8,
        kind: &'static str,
        plural: &str,
        ns: &str,
        name: &str,
    ) -> Node {
        let meta = ObjectMeta {
            namespace: Some(ns.to_string()),
            name: Some(name.to_string()),
            ..Default::default()
        };
        Node::new(order, kind, plural, &meta)
    }

    pub(super) fn with(mut self, ready: String, status: impl Into<String>, tone: Tone) -> Node {
        self.ready = ready;
        self.status = status.into();
        self.tone = tone;
        self
    }
}

/// How bad a tone is, for rolling up.
fn severity(t: Tone) -> u8 {
    match t {
        Tone::Error => 3,
        Tone::Warning => 2,
        Tone::Pending => 1,
        Tone::Normal | Tone::Ok | Tone::Done => 0,
    }
}

fn owned_by(meta: &ObjectMeta, owner: &ObjectMeta) -> bool {
    let uid = owner.uid.as_deref();
    uid.is_some()
        && meta.namespace == owner.namespace
        && meta
            .owner_references
            .iter()
            .flatten()
            .any(|r| Some(r.uid.as_str()) == uid && r.controller == Some(true))
}

fn selects(selector: &BTreeMap<String, String>, labels: Option<&BTreeMap<String, String>>) -> bool {
    !selector.is_empty()
        && labels.is_some_and(|l| selector.iter().all(|(k, v)| l.get(k) == Some(v)))
}

fn selector_text(labels: &BTreeMap<String, String>) -> Option<String> {
    (!labels.is_empty()).then(|| {
        labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn count_status(ready: i32, want: i32) -> (String, String, Tone) {
    let text = format!("{ready}/{want}");
    if want == 0 {
        (text, "Scaled to 0".into(), Tone::Normal)
    } else if ready >= want {
        (text, "Ready".into(), Tone::Ok)
    } else {
        (text, "Not ready".into(), Tone::Warning)
    }
}

/// The tree's rows for `root` over `objs`, in tree order (the keys sort as the tree reads). With
/// `show_ns` (all namespaces) each top node is named `namespace/name`.
pub fn build(root: Root, objs: &Objects, show_ns: bool) -> Vec<Row> {
    let mut roots: Vec<Node> = match root {
        Root::Deployments => objs
            .deployments
            .iter()
            .map(|d| deployment(d, objs))
            .collect(),
        Root::StatefulSets => objs
            .statefulsets
            .iter()
            .map(|s| statefulset(s, objs))
            .collect(),
        Root::DaemonSets => objs.daemonsets.iter().map(|d| daemonset(d, objs)).collect(),
        Root::ReplicaSets => objs
            .replicasets
            .iter()
            .map(|r| replicaset(r, objs))
            .collect(),
        Root::Jobs => objs.jobs.iter().map(|j| job(j, objs)).collect(),
        Root::CronJobs => objs.cronjobs.iter().map(|c| cronjob(c, objs)).collect(),
        Root::Pods => objs.pods.iter().map(|p| pod(p, objs)).collect(),
        Root::Services => objs.services.iter().map(|s| service(s, objs)).collect(),
    };
    for r in &mut roots {
        roll_up(r);
    }
    let mut rows = Vec::new();
    roots.sort_by_cached_key(|n| {
        (
            n.object.target.namespace.clone().unwrap_or_default(),
            segment(n),
        )
    });
    for r in roots {
        let ns = r.object.target.namespace.clone().unwrap_or_default();
        let path = segment(&r);
        lay_out(r, (&ns, show_ns), &path, "", None, &mut rows);
    }
    rows
}

/// The node's part of its key: siblings sort by it.
fn segment(n: &Node) -> String {
    format!("{}{}:{}", n.order.0, n.kind, n.order.1)
}

/// Takes the worst tone from below; a node that looked fine names the problem it inherits.
fn roll_up(n: &mut Node) -> (Tone, Option<String>) {
    let mut worst: (Tone, Option<String>) = (n.tone, None);
    for c in &mut n.children {
        let (tone, issue) = roll_up(c);
        if severity(tone) > severity(worst.0) {
            let what = issue.unwrap_or_else(|| format!("{} {}", c.kind.to_lowercase(), c.status));
            worst = (tone, Some(what));
        }
    }
    if let (tone, Some(issue)) = &worst
        && severity(*tone) > severity(n.tone)
    {
        n.status = if n.status.is_empty() {
            issue.clone()
        } else {
            format!("{}; {issue}", n.status)
        };
        n.tone = *tone;
    }
    // What the parent says about this subtree: the deepest problem, named once.
    let issue = worst.1.or_else(|| {
        (severity(n.tone) > 0).then(|| format!("{} {}", n.kind.to_lowercase(), n.status))
    });
    (n.tone, issue)
}

/// Appends `n` and its subtree as rows: `prefix` draws the tree lines of its ancestors, `last` says
/// whether it is the last of its siblings (None for a root).
fn lay_out(
    n: Node,
    (ns, show_ns): (&str, bool),
    path: &str,
    prefix: &str,
    last: Option<bool>,
    rows: &mut Vec<Row>,
) {
    let glyph = match last {
        None => "",
        Some(true) => "└─ ",
        Some(false) => "├─ ",
    };
    let child_prefix = match last {
        None => String::new(),
        Some(true) => format!("{prefix}   "),
        Some(false) => format!("{prefix}│  "),
    };
    let mut children = n.children;
    // Siblings in the order of their keys, so the store (ordered by key) keeps the tree's shape.
    children.sort_by_key(segment);
    let name = if last.is_none() && show_ns && !ns.is_empty() {
        format!("{ns}/{}", n.name)
    } else {
        n.name.clone()
    };
    rows.push(Row {
        key: RowKey::new(ns, path),
        cells: vec![
            Cell::Text(format!("{prefix}{glyph}{name}")),
            Cell::text(n.kind),
            Cell::Text(n.ready),
            Cell::Text(n.status),
        ],
        tone: n.tone,
        labels: Default::default(),
        selector: n.selector,
        object: Some(Arc::new(n.object)),
    });
    let count = children.len();
    for (i, c) in children.into_iter().enumerate() {
        let p = format!("{path}\u{1}{}", segment(&c));
        lay_out(
            c,
            (ns, show_ns),
            &p,
            &child_prefix,
            Some(i + 1 == count),
            rows,
        );
    }
}

fn deployment(d: &Deployment, objs: &Objects) -> Node {
    let spec = &d.spec;
    let st = d.status.clone().unwrap_or_default();
    let want = spec.replicas.unwrap_or(1);
    let (ready, status, tone) = count_status(st.ready_replicas.unwrap_or(0), want);
    let mut n = Node::new(2, "Deployment", "deployments", &d.metadata).with(ready, status, tone);
    let template = spec.template.metadata.as_ref();
    n.selector = workloads::selector_string(Some(&spec.selector));
    n.children = objs
        .replicasets
        .iter()
        .filter(|r| owned_by(&r.metadata, &d.metadata))
        // Old replicasets scaled to zero with no pods left are history, not part of the picture.
        .filter(|r| {
            r.spec.replicas.unwrap_or(0) > 0
                || objs.pods.iter().any(|p| owned_by(&p.metadata, &r.metadata))
        })
        .map(|r| replicaset(r, objs))
        .collect();
    n.children.extend(services_for(
        template.and_then(|m| m.labels.as_ref()),
        &d.metadata,
        objs,
    ));
    n
}

fn replicaset(r: &ReplicaSet, objs: &Objects) -> Node {
    let want = r.spec.replicas.unwrap_or(1);
    let ready = r
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let (ready, status, tone) = count_status(ready, want);
    let mut n = Node::new(2, "ReplicaSet", "replicasets", &r.metadata).with(ready, status, tone);
    n.selector = workloads::selector_string(Some(&r.spec.selector));
    n.children = owned_pods(&r.metadata, objs);
    n
}

fn statefulset(s: &StatefulSet, objs: &Objects) -> Node {
    let spec = &s.spec;
    let want = spec.replicas.unwrap_or(1);
    let ready = s
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let (ready, status, tone) = count_status(ready, want);
    let mut n = Node::new(2, "StatefulSet", "statefulsets", &s.metadata).with(ready, status, tone);
    n.children = owned_pods(&s.metadata, objs);
    let labels = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref());
    n.children.extend(services_for(labels, &s.metadata, objs));
    n
}

fn daemonset(d: &DaemonSet, objs: &Objects) -> Node {
    let st = d.status.clone().unwrap_or_default();
    let (ready, status, tone) = count_status(st.number_ready, st.desired_number_scheduled);
    let mut n = Node::new(2, "DaemonSet", "daemonsets", &d.metadata).with(ready, status, tone);
    n.children = owned_pods(&d.metadata, objs);
    let labels = d
        .spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref());
    n.children.extend(services_for(labels, &d.metadata, objs));
    n
}

fn job(j: &Job, objs: &Objects) -> Node {
    let st = j.status.clone().unwrap_or_default();
    let want = j.spec.as_ref().and_then(|s| s.completions).unwrap_or(1);
    let done = st.succeeded.unwrap_or(0);
    let condition = |t: &str| {
        st.conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == t && c.status == "True")
    };
    let (status, tone) = if condition("Failed") {
        ("Failed", Tone::Error)
    } else if condition("Complete") {
        ("Complete", Tone::Done)
    } else if condition("Suspended") {
        ("Suspended", Tone::Normal)
    } else {
        ("Running", Tone::Pending)
    };
    let mut n =
        Node::new(2, "Job", "jobs", &j.metadata).with(format!("{done}/{want}"), status, tone);
    n.children = owned_pods(&j.metadata, objs);
    n
}

fn cronjob(c: &CronJob, objs: &Objects) -> Node {
    let suspended = c.spec.suspend == Some(true);
    let active = c
        .status
        .as_ref()
        .and_then(|s| s.active.as_ref())
        .map_or(0, Vec::len);
    let status = if suspended {
        "Suspended".to_string()
    } else if active > 0 {
        format!("{active} active")
    } else {
        "Scheduled".to_string()
    };
    let mut n =
        Node::new(2, "CronJob", "cronjobs", &c.metadata).with(String::new(), status, Tone::Normal);
    n.children = objs
        .jobs
        .iter()
        .filter(|j| owned_by(&j.metadata, &c.metadata))
        .map(|j| job(j, objs))
        .collect();
    n
}

fn service(s: &Service, objs: &Objects) -> Node {
    let mut n = service_node(s);
    let selector = s.spec.as_ref().and_then(|s| s.selector.as_ref());
    n.selector = selector.and_then(selector_text);
    if let Some(sel) = selector {
        n.children = objs
            .pods
            .iter()
            .filter(|p| {
                p.metadata.namespace == s.metadata.namespace
                    && selects(sel, p.metadata.labels.as_ref())
            })
            .map(|p| pod(p, objs))
            .collect();
    }
    n
}

fn service_node(s: &Service) -> Node {
    let spec = s.spec.clone().unwrap_or_default();
    let kind = spec.type_.unwrap_or_else(|| "ClusterIP".into());
    let ip = spec.cluster_ip.unwrap_or_default();
    Node::new(5, "Service", "services", &s.metadata).with(
        String::new(),
        format!("{kind} {ip}").trim().to_string(),
        Tone::Normal,
    )
}

/// The Services in `owner`'s namespace whose selector picks pods labelled `labels`.
fn services_for(
    labels: Option<&BTreeMap<String, String>>,
    owner: &ObjectMeta,
    objs: &Objects,
) -> Vec<Node> {
    objs.services
        .iter()
        .filter(|s| s.metadata.namespace == owner.namespace)
        .filter(|s| {
            s.spec
                .as_ref()
                .and_then(|sp| sp.selector.as_ref())
                .is_some_and(|sel| selects(sel, labels))
        })
        .map(|s| service_node(s))
        .collect()
}

fn owned_pods(owner: &ObjectMeta, objs: &Objects) -> Vec<Node> {
    objs.pods
        .iter()
        .filter(|p| owned_by(&p.metadata, owner))
        .map(|p| pod(p, objs))
        .collect()
}

fn pod(p: &Pod, objs: &Objects) -> Node {
    let s = pods::summarize(p);
    let tone = pods::tone_of(&s);
    let mut n = Node::new(2, "Pod", "pods", &p.metadata).with(
        format!("{}/{}", s.ready, s.total),
        s.reason.clone(),
        tone,
    );
    let (ns, pod_name) = ns_name(&p.metadata);
    if let Ok(json) = serde_json::to_value(p) {
        for c in containers::containers_of(&json) {
            let mut node = Node::reference(0, "Container", "pods", &ns, &pod_name).with(
                if c.ready { "1/1" } else { "0/1" }.to_string(),
                c.state.clone(),
                c.tone,
            );
            node.order = (0, format!("{}{}", u8::from(!c.init), c.name));
            node.name = c.name.clone();
            node.object.container = Some(c.name);
            n.children.push(node);
        }
    }
    n.children.extend(super::refs::references(p, &ns, objs));
    n
}

#[cfg(test)]
#[path = "tree_tests.rs"]
pub(crate) mod tests;
