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
