//! Native describers: the sections, fields, order and event table of `kubectl describe`, computed from
//! objects.
//!
//! Owns: one describer per kind family (pods, workloads, services, config, cluster kinds, generic),
//! kubectl's text layout ([`writer`]: prefix levels and Go's tabwriter alignment) and the styled variant
//! the TUI renders. Describers are pure functions of the object, its events and a few related objects
//! ([`Related`]). The network I/O is in two files only: [`fetch`] gets the events and related objects
//! a describer shows (for `kdeck describe` and the TUI alike), and [`cli`] gets the object itself for
//! `kdeck describe`; the TUI gets its object in its effect runner. Secret values stay masked unless the
//! caller passes `reveal`, which it may only do after [`crate::safety`] allowed `SecretReveal`.

mod cli;
mod cluster;
mod config;
mod containers;
mod events;
mod fetch;
mod generic;
mod pod;
mod quantity;
mod service;
mod style;
mod workloads;
mod writer;

use serde_json::Value;

pub use cli::run_cli;
pub use fetch::{fetch_events, fetch_related};
pub use style::{LineStyle, StyledLine, style_lines};
pub use writer::{human_duration, tabwrite};

/// How to describe.
#[derive(Debug, Clone)]
pub struct DescribeOptions {
    /// Show Secret values decoded instead of their sizes.
    pub reveal: bool,
    /// Include the events table (kubectl's `--show-events`, on by default).
    pub show_events: bool,
    /// The zone times are shown in (kubectl uses the local zone).
    pub tz: jiff::tz::TimeZone,
    /// "Now", for ages.
    pub now: jiff::Timestamp,
}

impl Default for DescribeOptions {
    fn default() -> Self {
        DescribeOptions {
            reveal: false,
            show_events: true,
            tz: jiff::tz::TimeZone::system(),
            now: jiff::Timestamp::now(),
        }
    }
}

/// Objects some describers show besides the object itself, as kubectl fetches them.
#[derive(Debug, Clone, Default)]
pub struct Related {
    /// Workloads: the pods matching the selector (counted when the workload controls them). Nodes: the
    /// node's non-terminated pods.
    pub pods: Vec<Value>,
    /// Nodes: listing pods was forbidden ("Pods: not authorized").
    pub pods_forbidden: bool,
    /// Deployments: the ReplicaSets of the namespace (the owned ones are shown).
    pub replicasets: Vec<Value>,
    /// Services: the EndpointSlices labelled with the service name.
    pub endpoint_slices: Vec<Value>,
    /// Namespaces: quotas and limit ranges (`None`: could not be listed, the section is left out).
    pub resource_quotas: Option<Vec<Value>>,
    pub limit_ranges: Option<Vec<Value>>,
    /// Nodes: the node's Lease in kube-node-lease, or the error getting it (kubectl prints
    /// "Failed to get lease: ..."); `None` leaves the section out.
    pub lease: Option<Result<Value, String>>,
}

/// The canonical kind name for what the user typed (`po`, `deployments`, `Service`, ...), or the input
/// unchanged for kinds kdeck does not know.
pub fn canonical_kind(kind: &str) -> String {
    crate::cluster::known_kinds::known_kind(kind)
        .map_or_else(|| kind.to_string(), |k| k.kind.to_string())
}

/// `kubectl describe` for one object.
pub fn describe(
    kind: &str,
    obj: &Value,
    events: &[Value],
    related: &Related,
    opts: &DescribeOptions,
) -> String {
    let mut doc = writer::Doc::new(opts.tz.clone(), opts.now);
    let ev = opts.show_events.then_some(events);
    match canonical_kind(kind).as_str() {
        "Pod" => pod::describe_pod(&mut doc, obj, ev),
        "Deployment" => workloads::describe_deployment(&mut doc, obj, ev, related),
        "ReplicaSet" => workloads::describe_replicaset(&mut doc, obj, ev, related),
        "StatefulSet" => workloads::describe_statefulset(&mut doc, obj, ev, related),
        "DaemonSet" => workloads::describe_daemonset(&mut doc, obj, ev, related),
        "Service" => service::describe_service(&mut doc, obj, ev, &related.endpoint_slices),
        "Node" => cluster::describe_node(&mut doc, obj, ev, related),
        "Namespace" => cluster::describe_namespace(&mut doc, obj, related),
        "ConfigMap" => config::describe_configmap(&mut doc, obj, ev),
        "Secret" => config::describe_secret(&mut doc, obj, opts.reveal),
        "Event" => generic::describe_event(&mut doc, obj),
        _ => generic::describe_generic(&mut doc, obj, ev),
    }
    doc.finish()
}

/// Several objects one after another, separated by a blank line, as `kubectl describe KIND` (no name)
/// prints a list (used for Event lists).
pub fn describe_list(kind: &str, objs: &[Value], opts: &DescribeOptions) -> String {
    objs.iter()
        .map(|o| describe(kind, o, &[], &Related::default(), opts))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The styled lines of a describe, for the TUI and the tty CLI.
pub fn describe_styled(
    kind: &str,
    obj: &Value,
    events: &[Value],
    related: &Related,
    opts: &DescribeOptions,
) -> Vec<StyledLine> {
    style_lines(&describe(kind, obj, events, related, opts))
}

#[cfg(test)]
mod tests;
