//! Discovery documents: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/<group>[/<version>]`, the
//! aggregated discovery (apidiscovery.k8s.io/v2) that kubectl 1.27+ asks for, and a minimal OpenAPI v3.
//!
//! Owns: what clients learn about the served kinds. The OpenAPI v3 documents only carry what kubectl
//! looks at before writes: for each kind a PATCH operation tagged with its group-version-kind that
//! declares the `fieldValidation` query parameter (so kubectl leaves validation to the server) and
//! accepts merge and JSON patches (so `kubectl apply` computes strategic merge patches from its compiled-in
//! types rather than from schemas this sim does not publish).

use serde_json::{Value, json};

use super::resources::{Kinds, ResourceType};

pub const SERVER_MAJOR: &str = "1";
pub const GIT_VERSION: &str = "v1.32.0";

/// `/version` of a server whose minor version is `minor`.
pub fn version(minor: u32) -> Value {
    json!({
        "major": SERVER_MAJOR,
        "minor": minor.to_string(),
        "gitVersion": format!("v1.{minor}.0"),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2024-12-11T00:00:00Z",
        "goVersion": "go1.23.4",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/`: every path the sim serves outside the resources themselves.
pub fn root_paths(kinds: &Kinds) -> Value {
    let mut paths: Vec<String> = ["/api", "/api/v1", "/apis", "/apis/"]
        .map(String::from)
        .to_vec();
    for (g, versions) in kinds.groups() {
        paths.push(format!("/apis/{g}"));
        paths.extend(versions.iter().map(|v| format!("/apis/{g}/{v}")));
    }
    paths.extend(
        [
            "/healthz",
            "/healthz/etcd",
            "/healthz/log",
            "/healthz/ping",
            "/livez",
            "/metrics",
            "/openapi/v2",
            "/openapi/v3",
            "/openapi/v3/",
            "/readyz",
            "/version",
        ]
        .map(String::from),
    );
    paths.sort();
    json!({ "paths": paths })
}

pub fn api_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    })
}

fn group_entry(group: &str, versions: &[String]) -> Value {
    let gvs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    let preferred = gvs.first().cloned().unwrap_or(Value::Null);
    json!({ "name": group, "versions": gvs, "preferredVersion": preferred })
}

pub fn api_group_list(kinds: &Kinds) -> Value {
    json!({
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": kinds.groups().iter().map(|(g, v)| group_entry(g, v)).collect::<Vec<_>>(),
    })
}

pub fn api_group(kinds: &Kinds, group: &str) -> Option<Value> {
    kinds
        .groups()
        .iter()
        .find(|(g, _)| g == group)
        .map(|(g, v)| {
            let mut g = group_entry(g, v);
            g["kind"] = json!("APIGroup");
            g["apiVersion"] = json!("v1");
            g
        })
}

/// (name, group and version of the response kind, response kind, verbs)
type Subresource<'a> = (&'static str, &'a str, &'a str, &'a str, Vec<&'static str>);

fn subresources(r: &ResourceType) -> Vec<Subresource<'_>> {
    let mut out = Vec::new();
    if r.status {
        out.push((
            "status",
            r.group.as_str(),
            r.version.as_str(),
            r.kind.as_str(),
            vec!["get", "patch", "update"],
        ));
    }
    if r.scale.is_some() {
        out.push((
            "scale",
            "autoscaling",
            "v1",
            "Scale",
            vec!["get", "patch", "update"],
        ));
    }
    if r.plural == "pods" && r.group.is_empty() {
        out.push((
            "attach",
            "",
            "v1",
            "PodAttachOptions",
            vec!["create", "get"],
        ));
        out.push(("log", "", "v1", "Pod", vec!["get"]));
        out.push(("exec", "", "v1", "PodExecOptions", vec!["create", "get"]));
        out.push(("eviction", "policy", "v1", "Eviction", vec!["create"]));
        out.push((
            "portforward",
            "",
            "v1",
            "PodPortForwardOptions",
            vec!["create", "get"],
        ));
    }
    out
}

/// `APIResourceList` for one group version; None when the group version is not served.
pub fn resource_list(kinds: &Kinds, group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    let mut any = false;
    for r in kinds
        .served()
        .filter(|r| r.group == group && r.version == version)
    {
        any = true;
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs(),
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        resources.push(entry);
        for (sub, g, v, kind, verbs) in subresources(r) {
            let mut e = json!({
                "name": format!("{}/{sub}", r.plural),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if g != r.group || v != r.version {
                e["group"] = json!(g);
                e["version"] = json!(v);
            }
            resources.push(e);
        }
    }
    if !any {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }))
}

/// The aggregated discovery document (`APIGroupDiscoveryList`) for `/api` (core) or `/apis`.
pub fn aggregated(kinds: &Kinds, core: bool, version: &str) -> Value {
    let groups: Vec<(String, Vec<String>)> = if core {
        vec![(String::new(), vec!["v1".to_string()])]
    } else {
        kinds.groups()
    };
    let items: Vec<Value> = groups
        .iter()
        .map(|(group, versions)| {
            let per_version: Vec<Value> = versions
                .iter()
                .map(|gv| {
                    let resources: Vec<Value> = kinds
                .served()
                .filter(|r| r.group == *group && r.version == *gv)
                .map(|r| {
                    let mut e = json!({
                        "resource": r.plural,
                        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                        "singularResource": r.singular,
                        "verbs": r.verbs(),
                    });
                    if !r.short_names.is_empty() {
                        e["shortNames"] = json!(r.short_names);
                    }
                    if !r.categories.is_empty() {
                        e["categories"] = json!(r.categories);
                    }
                    let subs: Vec<Value> = subresources(r)
                        .into_iter()
                        .map(|(sub, g, v, kind, verbs)| {
                            json!({
                                "subresource": sub,
                                "responseKind": {"group": g, "version": v, "kind": kind},
                                "verbs": verbs,
                            })
                        })
                        .collect();
                    if !subs.is_empty() {
                        e["subresources"] = json!(subs);
                    }
                    e
                })
                .collect();
                    json!({"version": gv, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({
                "metadata": {"name": group, "creationTimestamp": null},
                "versions": per_version,
            })
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {},
        "items": items,
    })
}

/// The content type of aggregated discovery in version `v` (`v2` or `v2beta1`).
pub fn aggregated_content_type(v: &str) -> String {
    format!("application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList")
}

/// The aggregated discovery version the Accept header asks for first (`v2` or `v2beta1`), if any.
pub fn wants_aggregated(accept: &str) -> Option<&'static str> {
    let first = accept.split(',').next()?;
    let params: Vec<&str> = first.split(';').map(str::trim).collect();
    if !params.contains(&"as=APIGroupDiscoveryList") || !params.contains(&"g=apidiscovery.k8s.io") {
        return None;
    }
    if params.contains(&"v=v2") {
        Some("v2")
    } else if params.contains(&"v=v2beta1") {
        Some("v2beta1")
    } else {
        None
    }
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: the index of group-version documents.
pub fn openapi_v3_index(kinds: &Kinds) -> Value {
    let mut paths = serde_json::Map::new();
    let mut gvs = vec![(String::new(), "v1".to_string())];
    for (g, versions) in kinds.groups() {
        gvs.extend(versions.into_iter().map(|v| (g.clone(), v)));
    }
    for (g, v) in gvs {
        let p = gv_path(&g, &v);
        paths.insert(
            p.clone(),
            json!({ "serverRelativeURL": format!("/openapi/v3/{p}?hash=kdeck-sim-1") }),
        );
    }
    json!({ "paths": paths })
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/v1`.
pub fn openapi_v3_doc(kinds: &Kinds, path: &str) -> Option<Value> {
    let (group, version) = if path == "api/v1" {
        ("", "v1")
    } else {
        path.strip_prefix("apis/")?.rsplit_once('/')?
    };
    let mut paths = serde_json::Map::new();
    let mut any = false;
    for r in kinds
        .served()
        .filter(|r| r.group == group && r.version == version)
    {
        any = true;
        let base = format!("/{}", gv_path(group, version));
        let item = if r.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{base}/{}/{{name}}", r.plural)
        };
        let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
        paths.insert(
            item,
            json!({
                "get": { "operationId": format!("read{}", r.kind), "x-kubernetes-action": "get",
                         "x-kubernetes-group-version-kind": gvk, "responses": {} },
                "patch": {
                    "operationId": format!("patch{}", r.kind),
                    "x-kubernetes-action": "patch",
                    "x-kubernetes-group-version-kind": gvk,
                    "parameters": [
                        {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                        {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                        {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                        {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": true}},
                    ],
                    "requestBody": { "content": {
                        "application/json-patch+json": {"schema": {"type": "object"}},
                        "application/merge-patch+json": {"schema": {"type": "object"}},
                    }, "required": true },
                    "responses": {},
                },
            }),
        );
    }
    if !any {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": { "title": "Kubernetes", "version": GIT_VERSION },
        "paths": paths,
        "components": { "schemas": {} },
    }))
}

/// `/openapi/v2` as the gnostic protobuf document kubectl 1.27 and 1.28 insist on fetching before
/// `apply`: swagger "2.0", an info block and no paths or definitions, so kubectl falls back to its
/// compiled-in types for strategic merge (as it does for any kind the document lacks).
pub fn openapi_v2_protobuf() -> Vec<u8> {
    fn field(num: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![(num << 3) | 2];
        let mut len = payload.len();
        while len >= 0x80 {
            v.push((len as u8) | 0x80);
            len >>= 7;
        }
        v.push(len as u8);
        v.extend_from_slice(payload);
        v
    }
    let info = [field(1, b"Kubernetes"), field(2, GIT_VERSION.as_bytes())].concat();
    [field(1, b"2.0"), field(2, &info), field(8, &[])].concat()
}

/// The same document as JSON, for clients that ask for it.
pub fn openapi_v2_json() -> Value {
    json!({"swagger": "2.0", "info": {"title": "Kubernetes", "version": GIT_VERSION}, "paths": {}, "definitions": {}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_list_has_pods_and_subresources() {
        let kinds = Kinds::default();
        let l = resource_list(&kinds, "", "v1").unwrap();
        let names: Vec<&str> = l["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"pods") && names.contains(&"pods/log") && names.contains(&"namespaces")
        );
        assert!(!names.contains(&"deployments"));
        assert!(resource_list(&kinds, "batch", "v1").is_some());
        assert!(resource_list(&kinds, "batch", "v9").is_none());
    }

    #[test]
    fn aggregated_accept_detection() {
        assert_eq!(
            wants_aggregated(
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
            ),
            Some("v2")
        );
        assert_eq!(
            wants_aggregated(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
            ),
            Some("v2beta1")
        );
        assert_eq!(wants_aggregated("application/json"), None);
    }

    #[test]
    fn openapi_doc_declares_field_validation_for_each_kind() {
        let kinds = Kinds::default();
        let d = openapi_v3_doc(&kinds, "apis/apps/v1").unwrap();
        let n = d["paths"].as_object().unwrap().len();
        assert_eq!(n, 5);
        assert!(openapi_v3_doc(&kinds, "apis/nope.example.com/v1").is_none());
    }
}
