//! `kdeck describe KIND NAME [-n NS] [--context C]`: fetch the object, its events and the related
//! objects its describer shows, the way kubectl's describers fetch them, then print.

use std::io::IsTerminal;

use anyhow::Context as _;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{Event, LimitRange, Pod, ResourceQuota};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use super::{DescribeOptions, LineStyle, Related, describe, style_lines};
use crate::cli::{DescribeArgs, GlobalArgs};
use crate::cluster::known_kinds as kinds;
use crate::kubeconfig::KubeconfigSet;

pub fn run_cli(global: &GlobalArgs, args: &DescribeArgs) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let text = runtime.block_on(fetch_and_describe(global, args))?;
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if colour {
        print!("{}", colourise(&text));
    } else {
        print!("{text}");
    }
    Ok(0)
}

async fn fetch_and_describe(global: &GlobalArgs, args: &DescribeArgs) -> anyhow::Result<String> {
    let set = KubeconfigSet::load(global.kubeconfig.as_deref())?;
    let context = args
        .context
        .clone()
        .or_else(|| set.current_context().map(str::to_string));
    let client = crate::cluster::connect(&set, context.as_deref()).await?;
    let resolved = kinds::discover(&client, &args.kind)
        .await
        .with_context(|| format!("cannot look up the kind \"{}\"", args.kind))?
        .with_context(|| {
            format!(
                "the server doesn't have a resource type \"{}\" (see `kubectl api-resources`)",
                args.kind
            )
        })?;
    let namespace = args.namespace.clone().unwrap_or_else(|| {
        context
            .as_deref()
            .map_or_else(|| "default".to_string(), |c| set.namespace_of(c))
    });
    let api: Api<DynamicObject> = if resolved.namespaced {
        Api::namespaced_with(client.clone(), &namespace, &resolved.resource)
    } else {
        Api::all_with(client.clone(), &resolved.resource)
    };
    let obj = api.get(&args.name).await.map_err(|e| match e {
        kube::Error::Api(s) => anyhow::anyhow!("{} ({})", s.message, s.code),
        other => anyhow::anyhow!(
            "cannot get {} {}: {other}",
            resolved.resource.plural,
            args.name
        ),
    })?;
    let obj = serde_json::to_value(&obj).context("cannot read the object")?;
    let kind = resolved.resource.kind.clone();
    let ns = resolved.namespaced.then_some(namespace.as_str());
    let events = fetch_events(&client, &kind, &obj, ns).await;
    let related = fetch_related(&client, &kind, &obj, ns).await;
    Ok(describe(
        &kind,
        &obj,
        &events,
        &related,
        &DescribeOptions::default(),
    ))
}

fn to_values<T: serde::Serialize>(items: Vec<T>) -> Vec<Value> {
    items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

/// kubectl's `searchEvents`: events whose involvedObject is this object (name, namespace, kind, uid).
/// Errors leave the table empty, as kubectl ignores them too.
pub async fn fetch_events(
    client: &kube::Client,
    kind: &str,
    obj: &Value,
    ns: Option<&str>,
) -> Vec<Value> {
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut fields = vec![
        format!("involvedObject.name={name}"),
        format!("involvedObject.kind={kind}"),
    ];
    if let Some(ns) = ns {
        fields.push(format!("involvedObject.namespace={ns}"));
    }
    if let Some(uid) = obj.pointer("/metadata/uid").and_then(Value::as_str) {
        fields.push(format!("involvedObject.uid={uid}"));
    }
    let api: Api<Event> = match ns {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    api.list(&ListParams::default().fields(&fields.join(",")))
        .await
        .map(|l| to_values(l.items))
        .unwrap_or_default()
}

pub async fn fetch_related(
    client: &kube::Client,
    kind: &str,
    obj: &Value,
    ns: Option<&str>,
) -> Related {
    let mut related = Related::default();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns_str = ns.unwrap_or("default");
    match kind {
        "Deployment" => {
            let api: Api<ReplicaSet> = Api::namespaced(client.clone(), ns_str);
            let selector = crate::cluster::selector::selector_query(kind, obj).unwrap_or_default();
            if let Ok(list) = api.list(&ListParams::default().labels(&selector)).await {
                related.replicasets = to_values(list.items);
            }
        }
        "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
            let api: Api<Pod> = Api::namespaced(client.clone(), ns_str);
            let selector = crate::cluster::selector::selector_query(kind, obj).unwrap_or_default();
            if let Ok(list) = api.list(&ListParams::default().labels(&selector)).await {
                related.pods = to_values(list.items);
            }
        }
        "Service" => {
            let api: Api<EndpointSlice> = Api::namespaced(client.clone(), ns_str);
            let lp = ListParams::default().labels(&format!("kubernetes.io/service-name={name}"));
            if let Ok(list) = api.list(&lp).await {
                related.endpoint_slices = to_values(list.items);
            }
        }
        "Node" => {
            let api: Api<Pod> = Api::all(client.clone());
            let fields =
                format!("spec.nodeName={name},status.phase!=Succeeded,status.phase!=Failed");
            match api.list(&ListParams::default().fields(&fields)).await {
                Ok(list) => related.pods = to_values(list.items),
                Err(_) => related.pods_forbidden = true,
            }
            let leases: Api<k8s_openapi::api::coordination::v1::Lease> =
                Api::namespaced(client.clone(), "kube-node-lease");
            related.lease = Some(match leases.get(name).await {
                Ok(lease) => serde_json::to_value(lease).map_err(|e| e.to_string()),
                Err(kube::Error::Api(status)) => Err(status.message.clone()),
                Err(other) => Err(other.to_string()),
            });
        }
        "Namespace" => {
            let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), name);
            related.resource_quotas = quotas
                .list(&ListParams::default())
                .await
                .ok()
                .map(|l| to_values(l.items));
            let limits: Api<LimitRange> = Api::namespaced(client.clone(), name);
            related.limit_ranges = limits
                .list(&ListParams::default())
                .await
                .ok()
                .map(|l| to_values(l.items));
        }
        _ => {}
    }
    related
}

fn colourise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for line in style_lines(text) {
        let mut pos = 0;
        for (range, style) in &line.spans {
            out.push_str(&line.text[pos..range.start]);
            let code = match style {
                LineStyle::Key => "\x1b[36m",
                LineStyle::Header => "\x1b[1;36m",
                LineStyle::TableHeader => "\x1b[1m",
                LineStyle::Warning => "\x1b[33m",
            };
            out.push_str(code);
            out.push_str(&line.text[range.clone()]);
            out.push_str("\x1b[0m");
            pos = range.end;
        }
        out.push_str(&line.text[pos..]);
        out.push('\n');
    }
    out
}
