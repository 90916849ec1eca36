//! Describer unit tests on fixture objects. The layouts asserted here are kubectl's (v1.32 describe.go);
//! tests/describe_vs_kubectl.rs checks the same against kubectl itself on the simulated cluster.

use serde_json::{Value, json};

use super::*;

fn opts() -> DescribeOptions {
    DescribeOptions {
        reveal: false,
        show_events: true,
        tz: jiff::tz::TimeZone::UTC,
        now: "2024-03-05T12:00:00Z".parse().unwrap(),
    }
}

fn pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1",
            "labels": {"app": "web", "tier": "fe"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "note": "hi"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "controller": true, "uid": "rs1"}]},
        "spec": {"nodeName": "node-1", "serviceAccountName": "default", "priority": 0,
            "containers": [{"name": "app", "image": "nginx:1.25",
                "ports": [{"containerPort": 8080, "protocol": "TCP", "name": "http"}],
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                    "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
                "env": [{"name": "MODE", "value": "prod"},
                        {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                        {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
                "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg", "readOnly": true}]}],
            "volumes": [{"name": "cfg", "configMap": {"name": "web-cfg"}}],
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]},
        "status": {"phase": "Running", "hostIP": "10.0.0.1", "podIP": "10.1.0.5",
            "podIPs": [{"ip": "10.1.0.5"}], "startTime": "2024-03-05T10:00:00Z", "qosClass": "Burstable",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 2,
                "containerID": "sim://abc", "imageID": "sim://nginx",
                "state": {"running": {"startedAt": "2024-03-05T10:00:05Z"}}}]}
    })
}

#[test]
fn pod_matches_kubectl_layout() {
    let events = vec![
        json!({"type": "Normal", "reason": "Pulled", "message": "pulled image ",
        "source": {"component": "kubelet"}, "count": 3,
        "firstTimestamp": "2024-03-05T11:00:00Z", "lastTimestamp": "2024-03-05T11:58:00Z"}),
    ];
    let out = describe("po", &pod(), &events, &Related::default(), &opts());
    let expected = "\
Name:             web-1
Namespace:        shop
Priority:         0
Service Account:  default
Node:             node-1/10.0.0.1
Start Time:       Tue, 05 Mar 2024 10:00:00 +0000
Labels:           app=web
                  tier=fe
Annotations:      note: hi
Status:           Running
IP:               10.1.0.5
IPs:
  IP:           10.1.0.5
Controlled By:  ReplicaSet/web-abc
Containers:
  app:
    Container ID:   sim://abc
    Image:          nginx:1.25
    Image ID:       sim://nginx
    Port:           8080/TCP
    Host Port:      0/TCP
    State:          Running
      Started:      Tue, 05 Mar 2024 10:00:05 +0000
    Ready:          True
    Restart Count:  2
    Requests:
      cpu:      100m
      memory:   64Mi
    Readiness:  http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3
    Environment:
      MODE:  prod
      PASS:  <set to the key 'password' in secret 'db'>  Optional: false
      POD:   web-1 (v1:metadata.name)
    Mounts:
      /etc/cfg from cfg (ro)
Conditions:
  Type    Status
  Ready   True 
Volumes:
  cfg:
    Type:        ConfigMap (a volume populated by a ConfigMap)
    Name:        web-cfg
    Optional:    false
QoS Class:       Burstable
Node-Selectors:  <none>
Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
Events:
  Type    Reason  Age               From     Message
  ----    ------  ----              ----     -------
  Normal  Pulled  2m (x3 over 60m)  kubelet  pulled image
";
    assert_eq!(out, expected, "\n--- got ---\n{out}");
}

#[test]
fn secret_masked_unless_revealed() {
    let secret = json!({"metadata": {"name": "db", "namespace": "shop"}, "type": "Opaque",
        "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="}});
    let out = describe("secret", &secret, &[], &Related::default(), &opts());
    assert!(out.contains("password:  7 bytes\n"), "{out}");
    assert!(out.contains("user:      5 bytes\n"), "{out}");
    assert!(!out.contains("hunter2"));
    let revealed = describe(
        "secret",
        &secret,
        &[],
        &Related::default(),
        &DescribeOptions {
            reveal: true,
            ..opts()
        },
    );
    assert!(revealed.contains("password:  hunter2\n"), "{revealed}");
    assert!(out.contains("\nType:  Opaque\n\nData\n====\n"), "{out}");
}

#[test]
fn deployment_sections_in_kubectl_order() {
    let d = json!({"metadata": {"name": "web", "namespace": "shop", "uid": "d1",
            "creationTimestamp": "2024-03-01T00:00:00Z", "labels": {"app": "web"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "nginx"}]}}},
        "status": {"replicas": 3, "updatedReplicas": 3, "availableReplicas": 2, "unavailableReplicas": 1,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]}});
    let rs = json!({"metadata": {"name": "web-abc", "namespace": "shop",
            "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "d1", "controller": true}]},
        "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}},
        "status": {"replicas": 3}});
    let related = Related {
        replicasets: vec![rs],
        ..Default::default()
    };
    let out = describe("deploy", &d, &[], &related, &opts());
    let headers: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(':'))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        headers,
        [
            "Name",
            "Namespace",
            "CreationTimestamp",
            "Labels",
            "Annotations",
            "Selector",
            "Replicas",
            "StrategyType",
            "MinReadySeconds",
            "RollingUpdateStrategy",
            "Pod Template",
            "Conditions",
            "OldReplicaSets",
            "NewReplicaSet",
            "Events"
        ]
    );
    assert!(out.contains("Replicas:               3 desired | 3 updated | 3 total | 2 available | 1 unavailable\n"), "{out}");
    assert!(
        out.contains("NewReplicaSet:   web-abc (3/3 replicas created)\n"),
        "{out}"
    );
    assert!(out.contains("OldReplicaSets:  <none>\n"), "{out}");
    assert!(
        out.contains("  Available      True    MinimumReplicasAvailable\n"),
        "{out}"
    );
    assert!(out.ends_with("Events:          <none>\n"), "{out}");
}

#[test]
fn replicaset_counts_only_owned_pods() {
    let rs = json!({"metadata": {"name": "web-abc", "namespace": "shop", "uid": "rs1"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}},
        "status": {"replicas": 2}});
    let owned = |phase: &str, uid: &str| {
        json!({"metadata": {"ownerReferences": [{"uid": uid, "controller": true}]},
        "status": {"phase": phase}})
    };
    let related = Related {
        pods: vec![
            owned("Running", "rs1"),
            owned("Pending", "rs1"),
            owned("Running", "other"),
        ],
        ..Default::default()
    };
    let out = describe("rs", &rs, &[], &related, &opts());
    assert!(
        out.contains("Pods Status:  1 Running / 1 Waiting / 0 Succeeded / 0 Failed\n"),
        "{out}"
    );
    assert!(out.contains("  Containers: <none>\n"), "{out}");
}

#[test]
fn service_ports_and_endpoints() {
    let svc = json!({"metadata": {"name": "web", "namespace": "shop"},
        "spec": {"type": "ClusterIP", "selector": {"app": "web"}, "clusterIP": "10.96.0.10",
            "clusterIPs": ["10.96.0.10"], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
            "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}});
    let slice = json!({"ports": [{"name": "http", "port": 8080}],
        "endpoints": [{"addresses": ["10.1.0.5"], "conditions": {"ready": true}},
                      {"addresses": ["10.1.0.6"], "conditions": {"ready": false}},
                      {"addresses": ["10.1.0.7"]}]});
    let related = Related {
        endpoint_slices: vec![slice],
        ..Default::default()
    };
    let out = describe("svc", &svc, &[], &related, &opts());
    assert!(
        out.contains("Port:                     http  80/TCP\n"),
        "{out}"
    );
    assert!(
        out.contains("TargetPort:               http/TCP\n"),
        "{out}"
    );
    assert!(
        out.contains("Endpoints:                10.1.0.5:8080,10.1.0.7:8080\n"),
        "{out}"
    );
}

#[test]
fn node_resources_table() {
    let node = json!({"metadata": {"name": "node-1", "labels": {"node-role.kubernetes.io/control-plane": ""},
            "creationTimestamp": "2024-03-01T00:00:00Z"},
        "spec": {},
        "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "nodeInfo": {"kubeletVersion": "v1.32.0"}, "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}});
    let p = json!({"metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2024-03-05T11:00:00Z"},
        "spec": {"containers": [{"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}}]}});
    let related = Related {
        pods: vec![p.clone(), p],
        ..Default::default()
    };
    let out = describe("node", &node, &[], &related, &opts());
    assert!(out.contains("Roles:              control-plane\n"), "{out}");
    assert!(
        out.contains("Non-terminated Pods:          (2 in total)\n"),
        "{out}"
    );
    assert!(
        out.contains("  cpu                1 (25%)    0 (0%)\n"),
        "{out}"
    );
    assert!(
        out.contains("  memory             2Gi (25%)  4Gi (50%)\n"),
        "{out}"
    );
}

#[test]
fn namespace_and_generic() {
    let ns = json!({"metadata": {"name": "shop"}, "status": {"phase": "Active"}});
    let related = Related {
        resource_quotas: Some(vec![]),
        limit_ranges: Some(vec![]),
        ..Default::default()
    };
    let out = describe("ns", &ns, &[], &related, &opts());
    assert_eq!(
        out,
        "Name:         shop\nLabels:       <none>\nAnnotations:  <none>\nStatus:       Active\n\nNo resource quota.\n\nNo LimitRange resource.\n"
    );
    let widget = json!({"apiVersion": "x.io/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": "shop", "uid": "1", "managedFields": [{}]},
        "spec": {"size": 3, "tags": ["a", "b"]}});
    let out = describe("Widget", &widget, &[], &Related::default(), &opts());
    assert!(out.contains("API Version:  x.io/v1\n"), "{out}");
    assert!(
        out.contains("Spec:\n  Size:  3\n  Tags:\n    a\n    b\n"),
        "{out}"
    );
    assert!(!out.contains("Managed Fields"), "{out}");
}

#[test]
fn styled_lines_mark_keys_headers_and_warnings() {
    let events = vec![
        json!({"type": "Warning", "reason": "BackOff", "message": "back-off",
        "source": {"component": "kubelet"}, "firstTimestamp": "2024-03-05T11:59:00Z",
        "lastTimestamp": "2024-03-05T11:59:00Z", "count": 1}),
    ];
    let lines = describe_styled("pod", &pod(), &events, &Related::default(), &opts());
    let name = &lines[0];
    assert_eq!(name.spans, vec![(0..5, LineStyle::Key)]);
    assert!(
        lines
            .iter()
            .any(|l| l.text == "Containers:" && l.spans[0].1 == LineStyle::Header)
    );
    let warn = lines.iter().find(|l| l.text.contains("BackOff")).unwrap();
    assert_eq!(warn.spans[0].1, LineStyle::Warning);
}
