//! The sim's write semantics a real apiserver has, refereed by kubectl across the skew range
//! (1.31–1.33): server-side apply with managed fields, conflicts and force.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod sim_support;

use kdeck::sim::Scenario;
use serde_json::Value;
use sim_support::TestSim;
use sim_support::skew::{SKEW, have_kubectl, ok, run};

fn config_map(name: &str, colour: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  labels: {{capture: ssa}}\ndata:\n  colour: {colour}\n  size: \"3\"\n"
    )
}

fn managers(t: &TestSim, kind: &str, name: &str) -> Vec<(String, String, String)> {
    let out = ok(
        t,
        "1.32",
        &["get", kind, name, "-o", "json", "--show-managed-fields"],
        None,
    );
    let obj: Value = serde_json::from_str(&out).unwrap();
    obj["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["manager"].as_str().unwrap().to_string(),
                m["operation"].as_str().unwrap().to_string(),
                m["subresource"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_apply_owns_fields_reports_conflicts_and_forces_on_every_kubectl() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    for v in SKEW {
        let name = format!("ssa-{}", v.replace('.', "-"));
        let blue = config_map(&name, "blue");
        let out = ok(&t, v, &["apply", "--server-side", "-f", "-"], Some(&blue));
        assert!(out.contains("serverside-applied"), "kubectl {v}: {out}");
        assert_eq!(
            managers(&t, "cm", &name),
            vec![("kubectl".into(), "Apply".into(), String::new())]
        );
        // Re-applying the same configuration changes nothing, not even the resourceVersion.
        let rv = ok(
            &t,
            v,
            &[
                "get",
                "cm",
                &name,
                "-o",
                "jsonpath={.metadata.resourceVersion}",
            ],
            None,
        );
        ok(&t, v, &["apply", "--server-side", "-f", "-"], Some(&blue));
        let again = ok(
            &t,
            v,
            &[
                "get",
                "cm",
                &name,
                "-o",
                "jsonpath={.metadata.resourceVersion}",
            ],
            None,
        );
        assert_eq!(
            rv, again,
            "kubectl {v}: a no-op apply bumped the resourceVersion"
        );

        // Another manager changing a field the first one owns: 409, naming the field and the owner.
        let red = config_map(&name, "red");
        let refused = run(
            &t,
            v,
            &[
                "apply",
                "--server-side",
                "--field-manager",
                "other",
                "-f",
                "-",
            ],
            Some(&red),
        );
        assert!(!refused.status.success());
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(
            err.contains("Apply failed with 1 conflict: conflict with \"kubectl\": .data.colour"),
            "kubectl {v}: {err}"
        );
        assert_eq!(
            ok(
                &t,
                v,
                &["get", "cm", &name, "-o", "jsonpath={.data.colour}"],
                None
            ),
            "blue"
        );
        // Forced, the field changes hands; the shared field stays shared.
        ok(
            &t,
            v,
            &[
                "apply",
                "--server-side",
                "--field-manager",
                "other",
                "--force-conflicts",
                "-f",
                "-",
            ],
            Some(&red),
        );
        assert_eq!(
            ok(
                &t,
                v,
                &["get", "cm", &name, "-o", "jsonpath={.data.colour}"],
                None
            ),
            "red"
        );
        let owners = managers(&t, "cm", &name);
        assert_eq!(owners.len(), 2, "{owners:?}");

        // A field the applier stops applying is removed (when no one else owns it).
        let smaller = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  colour: red\n"
        );
        ok(
            &t,
            v,
            &[
                "apply",
                "--server-side",
                "--field-manager",
                "other",
                "-f",
                "-",
            ],
            Some(&smaller),
        );
        let data = ok(&t, v, &["get", "cm", &name, "-o", "jsonpath={.data}"], None);
        // `size` is still kubectl's (it applied it), so it stays.
        assert!(data.contains("size"), "kubectl {v}: {data}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scale_and_a_create_are_field_managers_that_apply_conflicts_with() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    ok(
        &t,
        "1.32",
        &[
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--replicas=2",
        ],
        None,
    );
    ok(&t, "1.32", &["scale", "deploy/web", "--replicas=3"], None);
    // Without --field-manager, the manager is the client's User-Agent up to its `/`: kubectl names
    // itself by its binary's name (here `kubectl.1.32`).
    let owners = managers(&t, "deploy", "web");
    assert!(
        owners.contains(&("kubectl-create".into(), "Update".into(), String::new()))
            && owners
                .iter()
                .any(|(m, op, sub)| m.starts_with("kubectl") && op == "Update" && sub == "scale"),
        "{owners:?}"
    );
    let dep = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: nginx, image: \"nginx:2\"}]\n";
    for v in SKEW {
        let refused = run(&t, v, &["apply", "--server-side", "-f", "-"], Some(dep));
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(
            err.contains("with subresource \"scale\" using apps/v1: .spec.replicas")
                && err.contains(".spec.template.spec.containers[name=\"nginx\"].image"),
            "kubectl {v}: {err}"
        );
    }
    ok(
        &t,
        "1.33",
        &["apply", "--server-side", "--force-conflicts", "-f", "-"],
        Some(dep),
    );
    let got = ok(
        &t,
        "1.31",
        &[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}",
        ],
        None,
    );
    assert_eq!(got, "2 nginx:2");
    // Without a field manager, an apply patch is refused as the apiserver refuses it.
    let e = kdeck_apply_without_manager(&t).await;
    assert_eq!(e.code, 422, "{e:?}");
    assert!(e.message.contains("fieldManager: Required value"), "{e:?}");
}

async fn kdeck_apply_without_manager(t: &TestSim) -> kube::core::Status {
    let client = t.admin().await;
    let req = http::Request::patch("/api/v1/namespaces/default/configmaps/x")
        .header("content-type", "application/apply-patch+yaml")
        .body(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n".to_vec())
        .unwrap();
    match client.request::<Value>(req).await {
        Err(kube::Error::Api(e)) => *e,
        other => panic!("expected a 422, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_bindings_take_effect_at_once_for_kubectl_and_can_i_agrees() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    let viewer = ["--context", "kdeck-sim-viewer"];
    let as_viewer = |args: &[&str]| -> Vec<String> {
        viewer
            .iter()
            .chain(args.iter())
            .map(|s| s.to_string())
            .collect()
    };
    // The built-in roles are there, as on a real cluster.
    let roles = ok(&t, "1.32", &["get", "clusterroles", "-o", "name"], None);
    for r in ["cluster-admin", "admin", "edit", "view"] {
        assert!(
            roles.contains(&format!("clusterrole.rbac.authorization.k8s.io/{r}\n")),
            "{roles}"
        );
    }
    for v in SKEW {
        let args = as_viewer(&["create", "deployment", "x", "--image=nginx"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let refused = run(&t, v, &args, None);
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains(
                "User \"kdeck-sim-viewer\" cannot create resource \"deployments\" in API group \"apps\" in the namespace \"default\""
            ),
            "kubectl {v}: {}",
            String::from_utf8_lossy(&refused.stderr)
        );
        // A RoleBinding (sent as protobuf by `kubectl create`) to `edit` in default lets the viewer write
        // there, and only there.
        ok(
            &t,
            v,
            &[
                "create",
                "rolebinding",
                "viewer-edit",
                "--clusterrole=edit",
                "--user=kdeck-sim-viewer",
                "-n",
                "default",
            ],
            None,
        );
        ok(&t, v, &args, None);
        let scale = as_viewer(&["scale", "deploy/x", "--replicas=2"]);
        ok(
            &t,
            v,
            &scale.iter().map(String::as_str).collect::<Vec<_>>(),
            None,
        );
        let can = as_viewer(&[
            "auth",
            "can-i",
            "create",
            "deployments",
            "-n",
            "kube-system",
        ]);
        let no = run(
            &t,
            v,
            &can.iter().map(String::as_str).collect::<Vec<_>>(),
            None,
        );
        assert!(
            !no.status.success(),
            "kubectl {v}: the binding is namespaced"
        );
        let can = as_viewer(&["auth", "can-i", "delete", "deployments"]);
        assert_eq!(
            ok(
                &t,
                v,
                &can.iter().map(String::as_str).collect::<Vec<_>>(),
                None
            )
            .trim(),
            "yes"
        );
        // Without the binding, the next request is refused again.
        ok(
            &t,
            v,
            &["delete", "rolebinding", "viewer-edit", "-n", "default"],
            None,
        );
        let del = as_viewer(&["delete", "deploy", "x"]);
        let refused = run(
            &t,
            v,
            &del.iter().map(String::as_str).collect::<Vec<_>>(),
            None,
        );
        assert!(
            !refused.status.success(),
            "kubectl {v}: the binding is gone"
        );
        ok(&t, v, &["delete", "deploy", "x"], None);
    }
}

/// Polls `f` until it returns Some, for at most ~20 s.
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(v) = f() {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("never happened: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_terminate_and_refuse_new_content_on_every_kubectl() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    for v in SKEW {
        let ns = format!("doomed-{}", v.replace('.', "-"));
        ok(&t, v, &["create", "namespace", &ns], None);
        ok(&t, v, &["create", "configmap", "a", "-n", &ns], None);
        ok(&t, v, &["delete", "namespace", &ns, "--wait=false"], None);
        let phase = ok(
            &t,
            v,
            &["get", "ns", &ns, "-o", "jsonpath={.status.phase}"],
            None,
        );
        assert_eq!(phase, "Terminating", "kubectl {v}");
        let refused = run(&t, v, &["create", "configmap", "late", "-n", &ns], None);
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(
            err.contains("unable to create new content in namespace")
                && err.contains("because it is being terminated"),
            "kubectl {v}: {err}"
        );
        eventually("the namespace is gone", || {
            let out = run(&t, v, &["get", "ns", &ns], None);
            (!out.status.success()).then_some(())
        });
        let cms = run(&t, v, &["get", "cm", "-n", &ns, "-o", "name"], None);
        assert!(
            String::from_utf8_lossy(&cms.stdout).trim().is_empty(),
            "kubectl {v}"
        );
    }
    let refused = run(&t, "1.32", &["delete", "namespace", "kube-system"], None);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("this namespace may not be deleted"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_honours_grace_and_the_propagation_policies() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    let v = "1.32";
    for name in ["fg", "orph", "bg"] {
        ok(
            &t,
            v,
            &[
                "create",
                "deployment",
                name,
                "--image=nginx",
                "--replicas=2",
            ],
            None,
        );
    }
    let rs_of = |app: &str| {
        ok(
            &t,
            v,
            &["get", "rs", "-l", &format!("app={app}"), "-o", "name"],
            None,
        )
    };
    for app in ["fg", "orph", "bg"] {
        eventually("each deployment has its replicaset", || {
            (!rs_of(app).trim().is_empty()).then_some(())
        });
    }
    // Pods: a graceful delete leaves the pod Terminating a moment, then it goes.
    let pod = eventually("a pod of bg", || {
        let p = ok(&t, v, &["get", "pods", "-l", "app=bg", "-o", "name"], None);
        p.lines().next().map(str::to_string)
    });
    ok(&t, v, &["delete", &pod, "--wait=false"], None);
    let ts = ok(
        &t,
        v,
        &["get", &pod, "-o", "jsonpath={.metadata.deletionTimestamp}"],
        None,
    );
    assert!(!ts.is_empty(), "the pod shows its deletion");
    eventually("the pod is gone", || {
        (!run(&t, v, &["get", &pod], None).status.success()).then_some(())
    });

    // Foreground: the owner waits, with its finalizer, for its dependents.
    ok(
        &t,
        v,
        &[
            "delete",
            "deploy",
            "fg",
            "--cascade=foreground",
            "--wait=false",
        ],
        None,
    );
    let fins = ok(
        &t,
        v,
        &[
            "get",
            "deploy",
            "fg",
            "-o",
            "jsonpath={.metadata.finalizers}",
        ],
        None,
    );
    assert!(fins.contains("foregroundDeletion"), "{fins}");
    eventually("fg and its replicaset are gone", || {
        (!run(&t, v, &["get", "deploy", "fg"], None).status.success()
            && rs_of("fg").trim().is_empty())
        .then_some(())
    });

    // Orphan: the replicaset outlives its deployment, without the owner reference.
    ok(
        &t,
        v,
        &["delete", "deploy", "orph", "--cascade=orphan"],
        None,
    );
    let rs = rs_of("orph");
    assert!(!rs.trim().is_empty(), "the orphan replicaset was deleted");
    let refs = ok(
        &t,
        v,
        &[
            "get",
            rs.trim(),
            "-o",
            "jsonpath={.metadata.ownerReferences}",
        ],
        None,
    );
    assert!(refs.is_empty(), "{refs}");

    // Background (kubectl's default): both go.
    ok(&t, v, &["delete", "deploy", "bg"], None);
    eventually("bg's replicaset is collected", || {
        rs_of("bg").trim().is_empty().then_some(())
    });

    // An unknown policy is refused as the apiserver refuses it.
    let client = t.admin().await;
    let req = http::Request::delete(
        "/api/v1/namespaces/default/configmaps/kube-root-ca.crt?propagationPolicy=Bogus",
    )
    .body(Vec::new())
    .unwrap();
    match client.request::<Value>(req).await {
        Err(kube::Error::Api(e)) => {
            assert_eq!(e.code, 422);
            assert!(e.message.contains("Unsupported value: \"Bogus\""), "{e:?}");
        }
        other => panic!("expected a 422, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_are_refused_warned_or_ignored_as_field_validation_asks() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    let dep = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: 1\n  bogus: 1\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: c, image: nginx, imagee: x}}]\n"
        )
    };
    for v in SKEW {
        let name = format!("strict-{}", v.replace('.', "-"));
        // kubectl's default, --validate=strict: a 400 naming every unknown field, and nothing stored.
        let refused = run(&t, v, &["apply", "-f", "-"], Some(&dep(&name)));
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(
            err.contains("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.bogus\", unknown field \"spec.template.spec.containers[0].imagee\""),
            "kubectl {v}: {err}"
        );
        assert!(!run(&t, v, &["get", "deploy", &name], None).status.success());
        // --validate=warn: stored, with one warning per field.
        let warned = run(
            &t,
            v,
            &["apply", "--validate=warn", "-f", "-"],
            Some(&dep(&name)),
        );
        let err = String::from_utf8_lossy(&warned.stderr);
        assert!(warned.status.success(), "kubectl {v}: {err}");
        assert!(
            err.contains("Warning: unknown field \"spec.bogus\""),
            "kubectl {v}: {err}"
        );
        let got = ok(
            &t,
            v,
            &["get", "deploy", &name, "-o", "jsonpath={.spec.replicas}"],
            None,
        );
        assert_eq!(got, "1");
    }
    // A custom resource is checked against its CRD's schema.
    let crd = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.example.com}
spec:
  group: example.com
  names: {kind: Gizmo, plural: gizmos}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"#;
    ok(&t, "1.32", &["apply", "-f", "-"], Some(crd));
    let gizmo = "apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\nspec: {size: 1, colour: red}\n";
    let refused = apply_when_served(&t, gizmo);
    assert!(
        refused.contains("strict decoding error: unknown field \"spec.colour\""),
        "{refused}"
    );
}

/// Applies `doc` until its kind is served (the CRD was just created) and returns kubectl's stderr.
fn apply_when_served(t: &TestSim, doc: &str) -> String {
    for _ in 0..50 {
        let out = run(t, "1.32", &["apply", "-f", "-"], Some(doc));
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        if !err.contains("no matches for kind") {
            return err;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the CRD's kind was never served");
}
