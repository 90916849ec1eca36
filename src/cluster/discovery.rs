//! API discovery: the kinds a cluster serves (CRDs included), with their short names, for command mode
//! and generic tables. Runs as a background effect; the UI uses the built-ins until it answers.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList;

use super::kinds::KindSpec;

fn kinds_of(list: &APIResourceList, group: &str, version: &str) -> Vec<KindSpec> {
    list.resources
        .iter()
        .filter(|r| !r.name.contains('/'))
        .filter(|r| r.verbs.iter().any(|v| v == "list") && r.verbs.iter().any(|v| v == "watch"))
        .map(|r| KindSpec {
            plural: r.name.clone(),
            kind: r.kind.clone(),
            group: group.to_string(),
            version: version.to_string(),
            namespaced: r.namespaced,
            short_names: r.short_names.clone().unwrap_or_default(),
            builtin: None,
        })
        .collect()
}

/// Lists every listable, watchable resource at its group's preferred version. A group whose resource
/// list fails (an aggregated API that is down) is skipped, as kubectl skips it.
pub async fn discover(client: &kube::Client) -> Result<Vec<KindSpec>, kube::Error> {
    let mut out = Vec::new();
    let core = client.list_core_api_resources("v1").await?;
    out.extend(kinds_of(&core, "", "v1"));
    let groups = client.list_api_groups().await?;
    for g in groups.groups {
        let Some(v) = g
            .preferred_version
            .clone()
            .or_else(|| g.versions.first().cloned())
        else {
            continue;
        };
        if let Ok(list) = client.list_api_group_resources(&v.group_version).await {
            out.extend(kinds_of(&list, &g.name, &v.version));
        }
    }
    Ok(out)
}

/// Calls `changed` whenever a CustomResourceDefinition or an APIService is added, changed or removed
/// after the first list, so discovery can be asked again (a CRD applied while kdeck runs becomes a
/// command at once). Changes within half a second are told once. A source the server does not serve or
/// forbids (404, 403, or any failed list) is dropped rather than retried in a loop; the other keeps going.
pub async fn watch_kind_sources(client: kube::Client, changed: impl Fn() + Send) {
    use futures::StreamExt;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService;
    use kube::core::PartialObjectMeta;
    use kube::runtime::watcher::{Config, watcher};

    let crds = watcher(
        kube::Api::<PartialObjectMeta<CustomResourceDefinition>>::all(client.clone()),
        Config::default(),
    )
    .map(|e| e.map(|ev| after_first_list(&ev)));
    let services = watcher(
        kube::Api::<PartialObjectMeta<APIService>>::all(client),
        Config::default(),
    )
    .map(|e| e.map(|ev| after_first_list(&ev)));
    // Each source ends at its first error: kube-runtime's watcher would otherwise relist at once, forever.
    let crds = crds.take_while(|r| std::future::ready(r.is_ok()));
    let services = services.take_while(|r| std::future::ready(r.is_ok()));
    let mut both = std::pin::pin!(futures::stream::select(crds, services));
    let mut pending = false;
    loop {
        let next = if pending {
            match tokio::time::timeout(std::time::Duration::from_millis(500), both.next()).await {
                Ok(n) => n,
                Err(_) => {
                    pending = false;
                    changed();
                    continue;
                }
            }
        } else {
            both.next().await
        };
        match next {
            Some(Ok(true)) => pending = true,
            Some(_) => {}
            None => {
                if pending {
                    changed();
                }
                return;
            }
        }
    }
}

/// An event that is a change, not part of the first list.
fn after_first_list<K>(ev: &kube::runtime::watcher::Event<K>) -> bool {
    use kube::runtime::watcher::Event;
    !matches!(ev, Event::Init | Event::InitApply(_) | Event::InitDone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn skips_subresources_and_unwatchable() {
        let list: APIResourceList = serde_json::from_value(json!({
            "groupVersion": "example.com/v1",
            "resources": [
                {"name": "widgets", "singularName": "widget", "namespaced": true, "kind": "Widget",
                 "verbs": ["get", "list", "watch"], "shortNames": ["wd"]},
                {"name": "widgets/status", "singularName": "", "namespaced": true, "kind": "Widget",
                 "verbs": ["get", "patch"]},
                {"name": "reviews", "singularName": "", "namespaced": false, "kind": "Review",
                 "verbs": ["create"]}
            ]
        }))
        .unwrap();
        let k = kinds_of(&list, "example.com", "v1");
        assert_eq!(k.len(), 1);
        assert_eq!(k[0].short_names, ["wd"]);
    }
}
