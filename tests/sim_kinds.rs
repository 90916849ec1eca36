//! The sim's breadth, refereed by kubectl across the skew range (1.31–1.33): the built-in kinds beyond
//! the first twelve, CRDs served the moment they are stored, the Job and CronJob controllers, image pull
//! failures, and deletecollection (kube-rs, since kubectl deletes one by one).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test (or bench) may panic on what it sets up

mod sim_support;

use std::time::Duration;

use kdeck::sim::Scenario;
use sim_support::skew::{SKEW, have_kubectl, ok, run};
use sim_support::{TestSim, wait_for};

const WIDGETS_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget, shortNames: [wd]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Colour, type: string, jsonPath: .spec.colour, priority: 1}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#;

const EVERYDAY: &str = r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: default}
spec:
  ingressClassName: nginx
  rules:
  - host: web.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: default}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: default}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: example.com/fast
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: leader, namespace: default}
spec: {holderIdentity: web-0}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_resources_lists_the_everyday_kinds_on_every_kubectl() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    for v in SKEW {
        let out = ok(&t, v, &["api-resources", "--no-headers"], None);
        let names: Vec<&str> = out
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(names.len() >= 40, "kubectl {v} sees {} kinds", names.len());
        for want in [
            "jobs",
            "cronjobs",
            "ingresses",
            "persistentvolumeclaims",
            "horizontalpodautoscalers",
            "poddisruptionbudgets",
            "networkpolicies",
            "customresourcedefinitions",
            "endpointslices",
            "storageclasses",
            "serviceaccounts",
            "leases",
        ] {
            assert!(names.contains(&want), "kubectl {v} lacks {want}: {names:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyday_kinds_are_stored_and_printed_with_kubectls_columns() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    ok(&t, "1.32", &["apply", "-f", "-"], Some(EVERYDAY));
    let header = |v: &str, kind: &str| {
        let out = ok(&t, v, &["get", kind, "-n", "default"], None);
        out.lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for v in SKEW {
        assert_eq!(header(v, "ingress"), "NAME CLASS HOSTS ADDRESS PORTS AGE");
        assert_eq!(
            header(v, "pdb"),
            "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE"
        );
        assert_eq!(
            header(v, "hpa"),
            "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE"
        );
        assert_eq!(header(v, "netpol"), "NAME POD-SELECTOR AGE");
        assert_eq!(header(v, "sa"), "NAME SECRETS AGE");
        // The default printer: Name and Created At.
        assert_eq!(header(v, "roles"), "NAME CREATED AT");
    }
    let ing = ok(&t, "1.33", &["get", "ingress", "web", "--no-headers"], None);
    assert!(
        ing.contains("nginx") && ing.contains("web.example.com") && ing.contains("80"),
        "{ing}"
    );
    let hpa = ok(&t, "1.33", &["get", "hpa", "web", "--no-headers"], None);
    assert!(
        hpa.contains("Deployment/web") && hpa.contains("60%"),
        "{hpa}"
    );
    let sc = ok(&t, "1.33", &["get", "sc", "--no-headers"], None);
    assert!(
        sc.contains("fast (default)") && sc.contains("example.com/fast"),
        "{sc}"
    );
    let pvc = ok(
        &t,
        "1.33",
        &["get", "pvc", "data", "-o", "jsonpath={.spec.volumeMode}"],
        None,
    );
    assert_eq!(pvc, "Filesystem", "the apiserver's defaulting");
    // Invalid objects get the real server's 422 with its causes, and nothing is stored.
    let bad = run(
        &t,
        "1.33",
        &["apply", "-f", "-"],
        Some(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: bad, namespace: default}\nspec: {}\n",
        ),
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("is invalid") && err.contains("spec.accessModes"),
        "{err}"
    );
    let gone = run(&t, "1.33", &["get", "pvc", "bad"], None);
    assert!(!gone.status.success(), "nothing half-written is left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crd_is_served_at_once_and_leaves_with_its_objects() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    ok(&t, "1.32", &["apply", "-f", "-"], Some(WIDGETS_CRD));
    // No wait: the kind is served the moment the CRD is stored.
    ok(
        &t,
        "1.33",
        &[
            "wait",
            "--for",
            "condition=established",
            "--timeout=5s",
            "crd/widgets.example.com",
        ],
        None,
    );
    let widgets = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: 3, colour: teal, replicas: 1}\n";
    ok(&t, "1.31", &["apply", "-f", "-"], Some(widgets));
    for v in SKEW {
        let out = ok(&t, v, &["get", "wd", "-o", "wide"], None);
        let mut lines = out.lines();
        let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(header, ["NAME", "SIZE", "COLOUR", "AGE"], "kubectl {v}");
        let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(&row[..3], ["w1", "3", "teal"], "kubectl {v}");
    }
    // The scale subresource the CRD declares.
    ok(&t, "1.33", &["scale", "widget/w1", "--replicas=4"], None);
    let replicas = ok(
        &t,
        "1.33",
        &["get", "widget", "w1", "-o", "jsonpath={.spec.replicas}"],
        None,
    );
    assert_eq!(replicas, "4");
    // Deleting the CRD removes the kind and its objects.
    ok(&t, "1.32", &["delete", "crd", "widgets.example.com"], None);
    let after = run(&t, "1.33", &["get", "widgets"], None);
    assert!(!after.status.success(), "the kind is gone");
    let client = t.admin().await;
    let discovery = kube::discovery::Discovery::new(client).run().await.unwrap();
    assert!(!discovery.groups().any(|g| g.name() == "example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_crd_is_refused_with_the_apiservers_causes() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    let bad = WIDGETS_CRD.replace("group: example.com", "group: nodot");
    let out = run(&t, "1.33", &["apply", "-f", "-"], Some(&bad));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is invalid") && err.contains("spec.group"),
        "{err}"
    );
    let crds = ok(&t, "1.33", &["get", "crd", "-o", "name"], None);
    assert!(crds.trim().is_empty(), "nothing stored: {crds}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_complete_and_failing_jobs_follow_backoff_limit() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    // `kubectl create job` sends protobuf.
    ok(
        &t,
        "1.31",
        &[
            "create",
            "job",
            "hello",
            "--image=busybox",
            "--",
            "echo",
            "hi",
        ],
        None,
    );
    ok(
        &t,
        "1.33",
        &[
            "wait",
            "--for=condition=complete",
            "--timeout=30s",
            "job/hello",
        ],
        None,
    );
    let job = ok(&t, "1.33", &["get", "job", "hello", "--no-headers"], None);
    assert!(job.contains("Complete") && job.contains("1/1"), "{job}");
    let pods = ok(
        &t,
        "1.33",
        &["get", "pods", "-l", "job-name=hello", "--no-headers"],
        None,
    );
    assert!(pods.contains("Completed"), "{pods}");
    let failing = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: broken, namespace: default}\nspec:\n  backoffLimit: 1\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: main, image: busybox, command: [sh, -c, 'exit 3']}]\n";
    ok(&t, "1.32", &["apply", "-f", "-"], Some(failing));
    ok(
        &t,
        "1.33",
        &[
            "wait",
            "--for=condition=failed",
            "--timeout=40s",
            "job/broken",
        ],
        None,
    );
    let failed = ok(
        &t,
        "1.33",
        &["get", "job", "broken", "-o", "jsonpath={.status.failed}"],
        None,
    );
    assert_eq!(failed, "2", "backoffLimit 1 allows one retry");
    let events = ok(
        &t,
        "1.33",
        &[
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=broken",
        ],
        None,
    );
    assert!(events.contains("BackoffLimitExceeded"), "{events}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cronjobs_run_the_latest_missed_schedule_and_keep_their_history_limit() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    ok(
        &t,
        "1.32",
        &[
            "create",
            "cronjob",
            "tick",
            "--image=busybox",
            "--schedule=* * * * *",
            "--",
            "echo",
        ],
        None,
    );
    ok(
        &t,
        "1.33",
        &[
            "patch",
            "cronjob",
            "tick",
            "--type=merge",
            "-p",
            r#"{"spec":{"successfulJobsHistoryLimit":1}}"#,
        ],
        None,
    );
    // The check below must not straddle a minute: the schedule's next run would (rightly) add a job.
    let second = jiff::Timestamp::now().as_second().rem_euclid(60);
    if second >= 45 {
        tokio::time::sleep(Duration::from_secs((61 - second) as u64)).await;
    }
    // Pretend the last run was ten minutes ago: one job (the latest missed minute), not ten.
    let ten_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(600);
    let patch = format!(
        r#"{{"status":{{"lastScheduleTime":"{}"}}}}"#,
        ten_ago.strftime("%Y-%m-%dT%H:%M:00Z")
    );
    ok(
        &t,
        "1.33",
        &[
            "patch",
            "cronjob",
            "tick",
            "--subresource=status",
            "--type=merge",
            "-p",
            &patch,
        ],
        None,
    );
    let client = t.admin().await;
    let jobs: kube::Api<k8s_openapi::api::batch::v1::Job> =
        kube::Api::namespaced(client, "default");
    let first = wait_for("the cronjob's job", Duration::from_secs(10), || async {
        let l = jobs.list(&Default::default()).await.ok()?;
        (!l.items.is_empty()).then_some(l.items)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        jobs.list(&Default::default()).await.unwrap().items.len(),
        1,
        "one job for many missed minutes"
    );
    let name = first[0].metadata.name.clone().unwrap();
    assert!(name.starts_with("tick-"), "{name}");
    let owner = &first[0].metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("CronJob", "tick")
    );
    ok(
        &t,
        "1.33",
        &[
            "wait",
            "--for=condition=complete",
            "--timeout=30s",
            &format!("job/{name}"),
        ],
        None,
    );
    let cj = ok(
        &t,
        "1.33",
        &[
            "get",
            "cronjob",
            "tick",
            "-o",
            "jsonpath={.status.lastScheduleTime}",
        ],
        None,
    );
    assert!(!cj.is_empty(), "lastScheduleTime is set");
    // A second run at another scheduled time (the same time would be the same job name): hourly at a
    // minute half an hour away, last run three hours ago. With successfulJobsHistoryLimit 1 the first
    // job goes once the second completes.
    let minute = (jiff::Timestamp::now().as_second() / 60 + 30) % 60;
    let three_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(3 * 3600);
    let spec = format!(r#"{{"spec":{{"schedule":"{minute} * * * *"}}}}"#);
    ok(
        &t,
        "1.33",
        &["patch", "cronjob", "tick", "--type=merge", "-p", &spec],
        None,
    );
    let patch = format!(
        r#"{{"status":{{"lastScheduleTime":"{}"}}}}"#,
        three_ago.strftime("%Y-%m-%dT%H:%M:00Z")
    );
    ok(
        &t,
        "1.33",
        &[
            "patch",
            "cronjob",
            "tick",
            "--subresource=status",
            "--type=merge",
            "-p",
            &patch,
        ],
        None,
    );
    wait_for(
        "the first job pruned by the history limit",
        Duration::from_secs(20),
        || async {
            let l = jobs.list(&Default::default()).await.ok()?;
            let names: Vec<String> = l
                .items
                .iter()
                .filter_map(|j| j.metadata.name.clone())
                .collect();
            (names.len() == 1 && names[0] != name).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_that_cannot_be_pulled_backs_off_like_a_kubelet() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    ok(
        &t,
        "1.33",
        &["run", "ghost", "--image=does-not-exist:1.0"],
        None,
    );
    let client = t.admin().await;
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, "default");
    wait_for("ImagePullBackOff", Duration::from_secs(15), || async {
        let p = pods.get("ghost").await.ok()?;
        let reason = p.status?.container_statuses?[0]
            .state
            .clone()?
            .waiting?
            .reason?;
        (reason == "ImagePullBackOff").then_some(())
    })
    .await;
    let row = ok(&t, "1.31", &["get", "pod", "ghost", "--no-headers"], None);
    assert!(
        row.contains("ImagePullBackOff") && row.contains("0/1"),
        "{row}"
    );
    let events = ok(
        &t,
        "1.33",
        &[
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=ghost",
        ],
        None,
    );
    assert!(
        events.contains("Failed to pull image \"does-not-exist:1.0\""),
        "{events}"
    );
    assert!(
        events.contains("Error: ErrImagePull") && events.contains("Back-off pulling image"),
        "{events}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletecollection_removes_only_what_the_selectors_match() {
    use k8s_openapi::api::core::v1::ConfigMap;
    let t = TestSim::start(Scenario::with_pods(1)).await;
    let client = t.admin().await;
    let cms: kube::Api<ConfigMap> = kube::Api::namespaced(client, "default");
    for (name, team) in [("a", "red"), ("b", "red"), ("c", "blue")] {
        let cm: ConfigMap = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": {"team": team, "sweep": "yes"}}}))
        .unwrap();
        cms.create(&Default::default(), &cm).await.unwrap();
    }
    let deleted = cms
        .delete_collection(
            &Default::default(),
            &kube::api::ListParams::default().labels("team=red"),
        )
        .await
        .expect("deletecollection is served");
    let names: Vec<String> = deleted
        .left()
        .expect("a list of what was deleted")
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect();
    assert_eq!(names, ["a", "b"]);
    let left: Vec<String> = cms
        .list(&kube::api::ListParams::default().labels("sweep=yes"))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect();
    assert_eq!(left, ["c"]);
    // Namespaces refuse it, as a real apiserver does.
    let ns: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(t.admin().await);
    let err = ns
        .delete_collection(&Default::default(), &Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 405),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_top_reads_the_metrics_api_on_every_kubectl() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(6)).await;
    let client = t.admin().await;
    wait_for("running pods", Duration::from_secs(15), || async {
        let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::all(client.clone());
        let l = pods.list(&Default::default()).await.ok()?;
        l.items
            .iter()
            .all(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .then_some(())
    })
    .await;
    for v in SKEW {
        let nodes = ok(&t, v, &["top", "nodes", "--no-headers"], None);
        assert_eq!(nodes.lines().count(), 3, "kubectl {v}: {nodes}");
        assert!(
            nodes.lines().all(|l| l.contains('m') && l.contains("Mi")),
            "{nodes}"
        );
        let pods = ok(&t, v, &["top", "pods", "-A", "--no-headers"], None);
        assert_eq!(pods.lines().count(), 6, "kubectl {v}: {pods}");
    }
    // Not a stored kind: writes are refused.
    let out = run(&t, "1.33", &["delete", "podmetrics", "--all", "-A"], None);
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_whoami_and_can_i_answer_for_each_user_on_every_kubectl() {
    if !have_kubectl() {
        return;
    }
    let t = TestSim::start(Scenario::with_pods(1)).await;
    let viewer = ["--context", "kdeck-sim-viewer"];
    for v in SKEW {
        let who = ok(&t, v, &["auth", "whoami", viewer[0], viewer[1]], None);
        assert!(who.contains("kdeck-sim-viewer"), "kubectl {v}: {who}");
        let who = ok(&t, v, &["auth", "whoami"], None);
        assert!(
            who.contains("kdeck-sim-admin") && who.contains("system:masters"),
            "{who}"
        );
        assert_eq!(
            ok(&t, v, &["auth", "can-i", "delete", "pods"], None).trim(),
            "yes"
        );
        assert_eq!(
            ok(
                &t,
                v,
                &["auth", "can-i", "list", "pods", viewer[0], viewer[1]],
                None
            )
            .trim(),
            "yes"
        );
        // `can-i` exits 1 for "no".
        let no = run(
            &t,
            v,
            &["auth", "can-i", "delete", "pods", viewer[0], viewer[1]],
            None,
        );
        assert!(!no.status.success());
        assert!(
            String::from_utf8_lossy(&no.stdout).starts_with("no"),
            "kubectl {v}"
        );
    }
}
