//! The RBAC authorizer: every request by a user outside `system:masters` is allowed only when a
//! ClusterRoleBinding, or a RoleBinding in the request's namespace, binds the user (or one of their
//! groups) to a rule that covers the verb, API group, resource and name. Roles and bindings are read
//! from the store on each request, so a change takes effect at once, as in the apiserver.
//!
//! Owns: the built-in ClusterRoles (cluster-admin, admin, edit, view, and the sim viewer's read-all
//! role) and their bindings, seeded into every cluster, and rule matching.

use serde_json::{Value, json};

use super::auth::{Role, UserInfo};
use super::resources::idx::{self, CLUSTERROLES, ROLES};
use super::store::{Store, meta_str};

const GROUP: &str = "rbac.authorization.k8s.io";

/// What a request asks to do.
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: Option<&'a str>,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
}

/// Whether a binding names `user` or one of its groups among its subjects.
fn binds(binding: &Value, user: &UserInfo) -> bool {
    binding["subjects"].as_array().is_some_and(|subjects| {
        subjects.iter().any(|s| match s["kind"].as_str() {
            Some("User") => s["name"] == user.name.as_str(),
            Some("Group") => s["name"].as_str().is_some_and(|g| user.in_group(g)),
            _ => false,
        })
    })
}

/// Whether `user` may do `a`, and the reason the apiserver gives when it may.
pub fn authorize(store: &Store, user: &UserInfo, a: &Attributes) -> Option<String> {
    if user.in_group("system:masters") {
        return Some(String::new());
    }
    let subject_matches = |b: &Value| binds(b, user);
    let user = user.name.as_str();
    let cluster_role = |name: &str| store.get(CLUSTERROLES, "", name);
    for b in store.objects(idx::CLUSTERROLEBINDINGS, None) {
        if !subject_matches(&b) || b["roleRef"]["kind"] != "ClusterRole" {
            continue;
        }
        let role_name = b["roleRef"]["name"].as_str().unwrap_or("");
        if cluster_role(role_name).is_some_and(|r| rules_allow(&r, a)) {
            return Some(format!(
                "RBAC: allowed by ClusterRoleBinding \"{}\" of ClusterRole \"{role_name}\" to User \"{user}\"",
                meta_str(&b, "name")
            ));
        }
    }
    let ns = a.namespace?;
    for b in store.objects(idx::ROLEBINDINGS, Some(ns)) {
        if !subject_matches(&b) {
            continue;
        }
        let role_name = b["roleRef"]["name"].as_str().unwrap_or("");
        let target = match b["roleRef"]["kind"].as_str() {
            Some("ClusterRole") => cluster_role(role_name),
            Some("Role") => store.get(ROLES, ns, role_name),
            _ => None,
        };
        if target.is_some_and(|r| rules_allow(&r, a)) {
            return Some(format!(
                "RBAC: allowed by RoleBinding \"{}/{ns}\" of {} \"{role_name}\" to User \"{user}\"",
                meta_str(&b, "name"),
                b["roleRef"]["kind"].as_str().unwrap_or("")
            ));
        }
    }
    None
}

fn has(list: &Value, want: &str) -> bool {
    list.as_array()
        .is_some_and(|l| l.iter().any(|v| v == "*" || v == want))
}

fn rules_allow(role: &Value, a: &Attributes) -> bool {
    let resource = match a.subresource {
        Some(sub) => format!("{}/{sub}", a.resource),
        None => a.resource.to_string(),
    };
    role["rules"].as_array().is_some_and(|rules| {
        rules.iter().any(|r| {
            has(&r["verbs"], a.verb)
                && has(&r["apiGroups"], a.group)
                && (has(&r["resources"], &resource)
                    || a.subresource
                        .is_some_and(|sub| has(&r["resources"], &format!("*/{sub}"))))
                && match r["resourceNames"].as_array().filter(|n| !n.is_empty()) {
                    None => true,
                    Some(names) => a.name.is_some_and(|n| names.iter().any(|v| v == n)),
                }
        })
    })
}

/// Applies the `Impersonate-User` and `Impersonate-Group` headers, as the apiserver's impersonation
/// filter does: `user` must be allowed to `impersonate` each user and group named (403 naming the first
/// it may not), and the request then acts as that user, in those groups and `system:authenticated`.
/// Without the headers the request acts as `user`.
pub fn impersonate(
    store: &Store,
    user: UserInfo,
    headers: &http::HeaderMap,
) -> Result<UserInfo, super::status::ApiError> {
    use super::status::ApiError;
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    };
    let groups = values("impersonate-group");
    let Some(name) = values("impersonate-user").into_iter().next() else {
        if groups.is_empty() {
            return Ok(user);
        }
        return Err(ApiError::internal(format!(
            "requested {groups:?} without impersonating a user"
        )));
    };
    let wanted = std::iter::once(("users", &name)).chain(groups.iter().map(|g| ("groups", g)));
    for (resource, target) in wanted {
        let a = Attributes {
            verb: "impersonate",
            group: "",
            resource,
            subresource: None,
            name: Some(target),
            namespace: None,
        };
        if authorize(store, &user, &a).is_none() {
            return Err(ApiError::forbidden(
                &user.name,
                "impersonate",
                "",
                resource,
                Some(target),
                None,
            ));
        }
    }
    let mut groups = groups;
    if name != "system:anonymous" && !groups.iter().any(|g| g == "system:authenticated") {
        groups.push("system:authenticated".to_string());
    }
    Ok(UserInfo { name, groups })
}

/// The rules that apply to `user` in `ns`, as SelfSubjectRulesReview lists them.
pub fn rules_for(store: &Store, user: &UserInfo, ns: &str) -> Vec<Value> {
    if user.in_group("system:masters") {
        return vec![json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})];
    }
    let bound = |b: &Value| binds(b, user);
    let mut out = Vec::new();
    let mut add = |r: Option<std::sync::Arc<Value>>| {
        if let Some(rules) = r.as_deref().and_then(|r| r["rules"].as_array()) {
            out.extend(
                rules
                    .iter()
                    .filter(|x| x.get("resources").is_some())
                    .cloned(),
            );
        }
    };
    for b in store.objects(idx::CLUSTERROLEBINDINGS, None) {
        if bound(&b) && b["roleRef"]["kind"] == "ClusterRole" {
            add(store.get(
                CLUSTERROLES,
                "",
                b["roleRef"]["name"].as_str().unwrap_or(""),
            ));
        }
    }
    for b in store.objects(idx::ROLEBINDINGS, Some(ns)) {
        if bound(&b) {
            let name = b["roleRef"]["name"].as_str().unwrap_or("");
            add(match b["roleRef"]["kind"].as_str() {
                Some("ClusterRole") => store.get(CLUSTERROLES, "", name),
                _ => store.get(ROLES, ns, name),
            });
        }
    }
    out
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

/// What the built-in roles cover, by API group (a subset of the apiserver's bootstrap policy that
/// keeps its shape: `view` reads no secrets, `edit` writes workloads but no RBAC, `admin` also RBAC
/// in a namespace).
fn workload_rules(verbs: &[&str]) -> Vec<Value> {
    vec![
        rule(
            &[""],
            &[
                "pods",
                "pods/log",
                "pods/status",
                "services",
                "endpoints",
                "configmaps",
                "persistentvolumeclaims",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "events",
                "limitranges",
                "resourcequotas",
                "namespaces",
            ],
            verbs,
        ),
        rule(
            &["apps"],
            &[
                "deployments",
                "deployments/scale",
                "replicasets",
                "replicasets/scale",
                "statefulsets",
                "statefulsets/scale",
                "daemonsets",
                "controllerrevisions",
            ],
            verbs,
        ),
        rule(&["batch"], &["jobs", "cronjobs"], verbs),
        rule(&["autoscaling"], &["horizontalpodautoscalers"], verbs),
        rule(&["policy"], &["poddisruptionbudgets"], verbs),
        rule(
            &["networking.k8s.io"],
            &["ingresses", "networkpolicies"],
            verbs,
        ),
        rule(&["discovery.k8s.io"], &["endpointslices"], verbs),
        rule(&["metrics.k8s.io"], &["pods", "nodes"], READ),
    ]
}

fn cluster_role(name: &str, rules: Vec<Value>) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                     "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
        "rules": rules,
    })
}

fn binding(name: &str, role: &str, subject: Value) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                     "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
        "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    })
}

/// The ClusterRoles and ClusterRoleBindings every cluster starts with, by kind index.
pub fn bootstrap(created: &str) -> Vec<(usize, Value)> {
    let mut view = workload_rules(READ);
    view.retain(|r| r["apiGroups"][0] != "metrics.k8s.io");
    view.push(rule(&["metrics.k8s.io"], &["pods", "nodes"], READ));
    let mut edit = workload_rules(READ);
    edit.extend(workload_rules(WRITE));
    edit.push(rule(
        &[""],
        &["secrets"],
        &[
            "get",
            "list",
            "watch",
            "create",
            "delete",
            "deletecollection",
            "patch",
            "update",
        ],
    ));
    edit.push(rule(
        &[""],
        &[
            "pods/exec",
            "pods/attach",
            "pods/portforward",
            "pods/eviction",
        ],
        &["create", "get"],
    ));
    let mut admin = edit.clone();
    admin.push(rule(&[GROUP], &["roles", "rolebindings"], &["*"]));
    let all = |verbs: &[&str]| json!({"apiGroups": ["*"], "resources": ["*"], "verbs": verbs});
    let roles = vec![
        cluster_role(
            "cluster-admin",
            vec![
                all(&["*"]),
                json!({"nonResourceURLs": ["*"], "verbs": ["*"]}),
            ],
        ),
        cluster_role("admin", admin),
        cluster_role("edit", edit),
        cluster_role("view", view),
        // The sim's viewer reads everything (secrets too), and writes nothing.
        cluster_role("kdeck-sim-viewer", vec![all(READ)]),
        cluster_role(
            "system:basic-user",
            vec![rule(
                &["authentication.k8s.io", "authorization.k8s.io"],
                &[
                    "selfsubjectreviews",
                    "selfsubjectaccessreviews",
                    "selfsubjectrulesreviews",
                ],
                &["create"],
            )],
        ),
    ];
    let bindings = vec![
        binding(
            "cluster-admin",
            "cluster-admin",
            json!({"apiGroup": GROUP, "kind": "Group", "name": "system:masters"}),
        ),
        binding(
            "kdeck-sim-viewer",
            "kdeck-sim-viewer",
            json!({"apiGroup": GROUP, "kind": "User", "name": Role::Viewer.user()}),
        ),
        binding(
            "system:basic-user",
            "system:basic-user",
            json!({"apiGroup": GROUP, "kind": "Group", "name": "system:authenticated"}),
        ),
    ];
    roles
        .into_iter()
        .map(|r| (CLUSTERROLES, r))
        .chain(bindings.into_iter().map(|b| (idx::CLUSTERROLEBINDINGS, b)))
        .map(|(i, mut o)| {
            o["metadata"]["creationTimestamp"] = json!(created);
            o["metadata"]["uid"] = json!(super::meta::new_uid());
            (i, o)
        })
        .collect()
}
