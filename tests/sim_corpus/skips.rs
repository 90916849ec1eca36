//! Cases the sim cannot answer like the recording, each with why. A reason starting with "sim lacks" is
//! a gap in the sim; the others are about the recording's cluster (its fake kubelet, host, timing or
//! version), not about the API's shape. A reason starting with "timing:" names a case whose answer
//! depends on when the replay reaches it, so it may match on one run and not the next.

pub const SKIPS: &[(&str, &str)] = &[
    (
        "014-openapi-v3-index.json",
        "1.32 differs: /openapi/v3 is served as application/json (1.28 set no content type, sniffed as text/plain)",
    ),
    (
        "021-apis-aggregated-v2-only.json",
        "1.32 differs: aggregated discovery apidiscovery.k8s.io/v2 is served (GA in 1.30); 1.28 answered 406",
    ),
    (
        "022-apis-aggregated-v2-with-fallback.json",
        "1.32 differs: aggregated discovery apidiscovery.k8s.io/v2 is served (GA in 1.30); 1.28 answered 406",
    ),
    (
        "047-apis-flowcontrol.apiserver.k8s.io-v1beta3.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "048-apis-flowcontrol.apiserver.k8s.io-v1beta2.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "052-metrics-api-group.json",
        "the sim serves metrics.k8s.io (its metrics-server stand-in); the recording's cluster had no metrics-server",
    ),
    (
        "053-metrics-api-pods.json",
        "the sim serves metrics.k8s.io (its metrics-server stand-in); the recording's cluster had no metrics-server",
    ),
    (
        "252-list-flowcontrol-v1beta3-flowschemas-json.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "253-list-flowcontrol-v1beta3-flowschemas-table.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "254-list-flowcontrol-v1beta3-flowschemas-empty-json.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "255-list-flowcontrol-v1beta3-flowschemas-empty-table.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "256-list-flowcontrol-v1beta3-prioritylevelconfigurations-json.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "257-list-flowcontrol-v1beta3-prioritylevelconfigurations-table.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "258-list-flowcontrol-v1beta3-prioritylevelconfigurations-empty-json.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "259-list-flowcontrol-v1beta3-prioritylevelconfigurations-empty-table.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "260-list-flowcontrol-v1beta2-flowschemas-json.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "261-list-flowcontrol-v1beta2-flowschemas-table.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "262-list-flowcontrol-v1beta2-flowschemas-empty-json.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "263-list-flowcontrol-v1beta2-flowschemas-empty-table.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "264-list-flowcontrol-v1beta2-prioritylevelconfigurations-json.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "265-list-flowcontrol-v1beta2-prioritylevelconfigurations-table.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "266-list-flowcontrol-v1beta2-prioritylevelconfigurations-empty-json.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "267-list-flowcontrol-v1beta2-prioritylevelconfigurations-empty-table.json",
        "1.32 differs: flowcontrol.apiserver.k8s.io v1beta3 and v1beta2 are no longer served (only v1)",
    ),
    (
        "277-get-deployment-protobuf.json",
        "sim lacks protobuf responses (it answers JSON, which clients list after protobuf)",
    ),
    (
        "278-get-widget-protobuf.json",
        "sim lacks protobuf responses (it answers JSON, which clients list after protobuf)",
    ),
    (
        "301-list-pods-fieldselector-phase.json",
        "timing: the recording's fake kubelet never ends a pod (Job migrate stays Running); the sim's Job pod completes, before or after the replay reaches this case",
    ),
    (
        "318-list-pods-rv-notolderthan.json",
        "1.32 differs: the watch cache asks etcd for progress (ConsistentListFromCache, on since 1.31) instead of timing out on a version only other kinds reached",
    ),
    (
        "333-watch-leases-bookmarks-natural.json",
        "sim lacks node heartbeat Leases in kube-node-lease (the recording's bookmarks came from the fake kubelet renewing them)",
    ),
    (
        "338-watch-too-old-rv-builtin-fresh-cluster.json",
        "depends on a fresh cluster: RV 1 was inside the recording's watch cache window; the sim's seeded state has no history before it",
    ),
    (
        "346-watch-sendinitialevents.json",
        "1.32 differs: WatchList is beta and on, so sendInitialEvents is served (1.28 refused it with 422)",
    ),
    ("437-node-proxy.json", "sim lacks nodes/proxy"),
];

/// Discovery entries kube-apiserver 1.28 served that the sim does not although it serves their kind
/// elsewhere: differences at shape paths containing these are gaps (or version differences), not
/// failures.
pub const DISCOVERY_GAPS: &[(&str, &str)] = &[
    (
        "groups (superset ok).flowcontrol.apiserver.k8s.io",
        "1.32 differs: flowcontrol.apiserver.k8s.io is served as v1 (v1beta2 went in 1.29, v1beta3 in 1.32)",
    ),
    ("ephemeralcontainers", "sim lacks pods/ephemeralcontainers"),
    ("finalize", "sim lacks namespaces/finalize"),
    ("approval", "sim lacks certificatesigningrequests/approval"),
];

pub fn discovery_gap(diff: &str) -> Option<&'static str> {
    let path = diff.split(": ").next().unwrap_or("");
    DISCOVERY_GAPS
        .iter()
        .find(|(frag, _)| path.contains(frag))
        .map(|(_, r)| *r)
}

pub fn reason(file: &str) -> Option<&'static str> {
    SKIPS.iter().find(|(f, _)| *f == file).map(|(_, r)| *r)
}
