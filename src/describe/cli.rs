//! `kdeck describe KIND NAME [-n NS] [--context C]`: get the object, then its events and related
//! objects through [`super::fetch`], describe and print (coloured on a terminal).

use std::io::IsTerminal;

use anyhow::Context as _;
use kube::api::{Api, DynamicObject};

use super::fetch::{fetch_events, fetch_related};
use super::{DescribeOptions, LineStyle, describe, style_lines};
use crate::cli::{DescribeArgs, GlobalArgs};
use crate::cluster::RequestError;
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
    let obj = api
        .get(&args.name)
        .await
        .map_err(|e| match RequestError::from(e) {
            RequestError::Refused(status) => anyhow::Error::new(status),
            other => anyhow::Error::new(other).context(format!(
                "cannot get {} {}",
                resolved.resource.plural, args.name
            )),
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
