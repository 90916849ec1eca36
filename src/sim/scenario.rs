//! Scenarios: what the simulated cluster starts with and how it behaves over time.
//!
//! A scenario is a YAML file (parsed through `crate::yaml`); every field is optional:
//!
//! ```yaml
//! nodes: 3                 # worker nodes; pods are spread across them
//! churn: 0.5               # container restarts per second, cluster-wide (random running pods)
//! logRate: 2               # log lines per second per container
//! historyWindow: 10000     # watch events kept for resuming; older resourceVersions get 410 Expired
//! namespaces:
//!   - name: shop
//!     configMaps: 2        # extra ConfigMaps (each namespace also gets kube-root-ca.crt)
//!     secrets: 1
//!     deployments:
//!       - name: web
//!         replicas: 3
//!         image: nginx:1.27        # default nginx:1.27
//!         ports: [80, 7]           # container ports; each is served inside the sim (7 = TCP echo)
//!         service: true            # a ClusterIP Service (and Endpoints) selecting the pods
//!         sidecar: true            # adds a second container, log-shipper
//!         crashLoop: true          # its first pod is stuck in CrashLoopBackOff
//!     statefulsets:
//!       - { name: db, replicas: 2, image: postgres:16, ports: [5432], service: true }
//!     daemonsets:
//!       - { name: node-exporter, image: prom/node-exporter:v1.8.2, ports: [9100] }
//!     generate: { deployments: 50, replicas: 10 }   # adds app-000 … app-049 with 10 pods each
//! faults:
//!   watchDropEverySeconds: 30    # every watch is closed after this long (clients must resume)
//!   watchGoneFraction: 0.1       # this fraction of watch starts get 410 Expired (one in every 10)
//!   errorRate: 0.01              # this fraction of resource requests fail …
//!   errorCode: 503               # … with 500, 503 or 429 (503 and 429 carry Retry-After: 1)
//!   latencyMs: 50                # added to every request
//!   tokenExpirySeconds: 600      # after this, both tokens get 401 Unauthorized
//! ```
//!
//! `--pods N` ([`Scenario::with_pods`]) seeds N pods over several namespaces and deployments, and
//! [`Scenario::demo`] is the lively built-in cluster behind `kdeck demo`. docs/scenario.md has the same
//! reference for users.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

fn one() -> u32 {
    1
}
fn default_nodes() -> usize {
    3
}
fn default_log_rate() -> f64 {
    1.0
}
fn default_history() -> usize {
    10_000
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    #[serde(default = "default_nodes")]
    pub nodes: usize,
    #[serde(default)]
    pub churn: f64,
    #[serde(default = "default_log_rate")]
    pub log_rate: f64,
    #[serde(default = "default_history")]
    pub history_window: usize,
    #[serde(default)]
    pub namespaces: Vec<NamespaceSpec>,
    #[serde(default)]
    pub faults: FaultSpec,
    /// Images the kubelet cannot pull (besides any whose name starts with `does-not-exist`).
    #[serde(default)]
    pub bad_images: Vec<String>,
    /// Seeds the demo's breadth (a CRD with instances, a Job, a CronJob, an Ingress, a claim, an HPA…)
    /// into this namespace.
    #[serde(default)]
    pub showcase: Option<String>,
    /// Which cluster this is when one process serves several (`sim serve --clusters N`); not read from
    /// scenario files.
    #[serde(skip)]
    pub identity: Identity,
}

/// The names and version that tell one simulated cluster from another.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// The kubeconfig's cluster and admin context name (`kdeck-sim`, or `kdeck-sim-3`).
    pub name: String,
    /// Node names are `<prefix>-000`, `<prefix>-001`, …
    pub node_prefix: String,
    /// The server's minor version (the major is 1).
    pub minor: u32,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            name: "kdeck-sim".into(),
            node_prefix: "sim-node".into(),
            minor: 32,
        }
    }
}

impl Identity {
    /// Cluster `k` (1-based) of several: its own names, and a server version spread over three minors.
    pub fn nth(k: usize) -> Identity {
        Identity {
            name: format!("kdeck-sim-{k}"),
            node_prefix: format!("sim{k}-node"),
            minor: 31 + ((k as u32 + 2) % 3),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceSpec {
    pub name: String,
    #[serde(default)]
    pub deployments: Vec<WorkloadSpec>,
    #[serde(default)]
    pub statefulsets: Vec<WorkloadSpec>,
    #[serde(default)]
    pub daemonsets: Vec<WorkloadSpec>,
    #[serde(default)]
    pub config_maps: usize,
    #[serde(default)]
    pub secrets: usize,
    #[serde(default)]
    pub generate: Option<GenerateSpec>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadSpec {
    pub name: String,
    #[serde(default = "one")]
    pub replicas: u32,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub ports: Vec<u16>,
    #[serde(default)]
    pub service: bool,
    #[serde(default)]
    pub sidecar: bool,
    #[serde(default)]
    pub crash_loop: bool,
}

impl WorkloadSpec {
    pub fn new(name: &str, replicas: u32, image: &str, ports: &[u16]) -> Self {
        WorkloadSpec {
            name: name.to_string(),
            replicas,
            image: Some(image.to_string()),
            ports: ports.to_vec(),
            service: false,
            sidecar: false,
            crash_loop: false,
        }
    }

    fn with_service(mut self) -> Self {
        self.service = true;
        self
    }

    fn with_sidecar(mut self) -> Self {
        self.sidecar = true;
        self
    }

    fn crash_looping(mut self) -> Self {
        self.crash_loop = true;
        self
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenerateSpec {
    pub deployments: usize,
    #[serde(default = "one")]
    pub replicas: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default)]
    pub watch_drop_every_seconds: f64,
    #[serde(default)]
    pub watch_gone_fraction: f64,
    #[serde(default)]
    pub error_rate: f64,
    #[serde(default)]
    pub error_code: u16,
    #[serde(default)]
    pub latency_ms: u64,
    #[serde(default)]
    pub token_expiry_seconds: Option<u64>,
    /// Nodes whose kubelet the apiserver cannot reach: logs, exec, attach and port-forward of their pods
    /// fail with the 500 a real apiserver answers (../shared/apiserver-1.28 cases 418–435).
    #[serde(default)]
    pub kubelet_unreachable: Vec<String>,
    /// Requests are accepted and never answered (the sim's own `/kdeck-sim/` API excepted, so the fault
    /// can be cleared).
    #[serde(default)]
    pub blackhole: bool,
    /// The metrics API's backend is down: metrics.k8s.io answers the plain-text 503 kube-aggregator
    /// sends for an unavailable APIService.
    #[serde(default)]
    pub metrics_unavailable: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("reading scenario {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("scenario {path}: {source} (see docs/scenario.md for the format)")]
    Parse {
        path: PathBuf,
        source: crate::yaml::YamlError,
    },
    #[error("scenario {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            nodes: default_nodes(),
            churn: 0.0,
            log_rate: default_log_rate(),
            history_window: default_history(),
            namespaces: Vec::new(),
            faults: FaultSpec::default(),
            bad_images: Vec::new(),
            showcase: None,
            identity: Identity::default(),
        }
    }
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|e| match e {
            ScenarioError::Parse { source, .. } => ScenarioError::Parse {
                path: path.to_path_buf(),
                source,
            },
            ScenarioError::Invalid { message, .. } => ScenarioError::Invalid {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        })
    }

    /// Parses scenario YAML text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = if text.trim().is_empty() {
            Scenario::default()
        } else {
            crate::yaml::from_str(text).map_err(|source| ScenarioError::Parse {
                path: PathBuf::new(),
                source,
            })?
        };
        s.check().map_err(|message| ScenarioError::Invalid {
            path: PathBuf::new(),
            message,
        })?;
        Ok(s)
    }

    fn check(&self) -> Result<(), String> {
        if self.nodes == 0 {
            return Err("nodes: must be at least 1".into());
        }
        let f = &self.faults;
        for (name, v) in [
            ("faults.watchGoneFraction", f.watch_gone_fraction),
            ("faults.errorRate", f.error_rate),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name}: {v} is not a fraction between 0 and 1"));
            }
        }
        if f.error_rate > 0.0 && ![0, 429, 500, 503].contains(&f.error_code) {
            return Err(format!(
                "faults.errorCode: {} (use 429, 500 or 503)",
                f.error_code
            ));
        }
        if self.churn < 0.0 || self.log_rate < 0.0 {
            return Err("churn and logRate must not be negative".into());
        }
        let mut seen = std::collections::HashSet::new();
        for ns in &self.namespaces {
            if !seen.insert(ns.name.as_str()) {
                return Err(format!("namespaces: \"{}\" is listed twice", ns.name));
            }
        }
        Ok(())
    }

    /// A cluster of `n` pods spread over several namespaces and deployments of up to 10 replicas.
    pub fn with_pods(n: usize) -> Scenario {
        let ns_count = (n / 1000).clamp(1, 10);
        let mut namespaces = Vec::new();
        let mut left = n;
        for i in 0..ns_count {
            let share = if i + 1 == ns_count {
                left
            } else {
                n / ns_count
            };
            left -= share;
            let mut deployments = Vec::new();
            let mut pods = share;
            let mut d = 0;
            while pods > 0 {
                let r = pods.min(10);
                deployments.push(WorkloadSpec::new(
                    &format!("app-{d:04}"),
                    r as u32,
                    "nginx:1.27",
                    &[80],
                ));
                pods -= r;
                d += 1;
            }
            namespaces.push(NamespaceSpec {
                name: format!("team-{i:02}"),
                deployments,
                ..NamespaceSpec::default()
            });
        }
        Scenario {
            nodes: (n / 100).clamp(3, 500),
            history_window: 20_000,
            namespaces,
            ..Scenario::default()
        }
    }

    /// The lively built-in cluster for `kdeck demo`.
    pub fn demo() -> Scenario {
        let w = WorkloadSpec::new;
        let ns = |name: &str, deployments: Vec<WorkloadSpec>, statefulsets: Vec<WorkloadSpec>| {
            NamespaceSpec {
                name: name.to_string(),
                deployments,
                statefulsets,
                config_maps: 2,
                secrets: 1,
                ..NamespaceSpec::default()
            }
        };
        let mut kube_system = ns(
            "kube-system",
            vec![w(
                "coredns",
                2,
                "registry.k8s.io/coredns/coredns:v1.11.3",
                &[53, 9153],
            )],
            vec![],
        );
        kube_system.daemonsets = vec![w(
            "kube-proxy",
            1,
            "registry.k8s.io/kube-proxy:v1.32.0",
            &[10249],
        )];
        Scenario {
            showcase: Some("shop".into()),
            nodes: 3,
            churn: 0.2,
            log_rate: 2.0,
            history_window: 10_000,
            namespaces: vec![
                ns(
                    "default",
                    vec![w("hello", 1, "nginxdemos/hello:0.4", &[80, 7]).with_service()],
                    vec![],
                ),
                kube_system,
                ns(
                    "shop",
                    vec![
                        w("frontend", 3, "ghcr.io/shop/frontend:2.4.1", &[8080])
                            .with_service()
                            .with_sidecar(),
                        w("cart", 2, "ghcr.io/shop/cart:1.9.0", &[8080]).with_service(),
                        w("checkout", 2, "ghcr.io/shop/checkout:1.3.2", &[8080]).with_service(),
                        w("catalog", 2, "ghcr.io/shop/catalog:3.0.0", &[8080]).with_service(),
                        w("payments", 2, "ghcr.io/shop/payments:0.9.7", &[8443])
                            .with_service()
                            .crash_looping(),
                        w("recommendations", 1, "ghcr.io/shop/recs:0.4.0", &[8080]),
                    ],
                    vec![w("redis", 1, "redis:7.4", &[6379]).with_service()],
                ),
                ns(
                    "platform",
                    vec![
                        w(
                            "ingress-nginx-controller",
                            2,
                            "registry.k8s.io/ingress-nginx/controller:v1.11.2",
                            &[80, 443],
                        )
                        .with_service(),
                        w(
                            "cert-manager",
                            1,
                            "quay.io/jetstack/cert-manager-controller:v1.15.3",
                            &[9402],
                        ),
                        w("grafana", 1, "grafana/grafana:11.2.0", &[3000]).with_service(),
                        w(
                            "kube-state-metrics",
                            1,
                            "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0",
                            &[8080],
                        ),
                    ],
                    vec![w("prometheus", 1, "prom/prometheus:v2.54.1", &[9090]).with_service()],
                ),
                ns(
                    "data",
                    vec![
                        w("etl-worker", 2, "ghcr.io/data/etl:5.1.0", &[8080]).with_sidecar(),
                        w("api-gateway", 2, "envoyproxy/envoy:v1.31.1", &[8080, 9901])
                            .with_service(),
                    ],
                    vec![
                        w("postgres", 3, "postgres:16.4", &[5432]).with_service(),
                        w("kafka", 3, "bitnami/kafka:3.8.0", &[9092]).with_service(),
                    ],
                ),
            ],
            faults: FaultSpec::default(),
            bad_images: Vec::new(),
            identity: Identity::default(),
        }
    }

    /// Total pods the scenario seeds (daemonsets count once per node).
    pub fn pod_count(&self) -> usize {
        self.namespaces
            .iter()
            .map(|ns| {
                let generated = ns
                    .generate
                    .as_ref()
                    .map_or(0, |g| g.deployments * g.replicas as usize);
                ns.deployments
                    .iter()
                    .chain(&ns.statefulsets)
                    .map(|w| w.replicas as usize)
                    .sum::<usize>()
                    + ns.daemonsets.len() * self.nodes
                    + generated
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let text = r#"
nodes: 2
churn: 0.5
logRate: 3
namespaces:
  - name: shop
    configMaps: 1
    deployments:
      - name: web
        replicas: 3
        ports: [80, 7]
        service: true
    statefulsets:
      - { name: db, replicas: 2, image: "postgres:16" }
    generate: { deployments: 5, replicas: 2 }
faults:
  watchDropEverySeconds: 30
  errorRate: 0.01
  errorCode: 429
  tokenExpirySeconds: 600
"#;
        let s = Scenario::parse(text).unwrap();
        assert_eq!(s.nodes, 2);
        assert_eq!(s.namespaces[0].deployments[0].ports, vec![80, 7]);
        assert_eq!(s.faults.token_expiry_seconds, Some(600));
        assert_eq!(s.pod_count(), 3 + 2 + 10);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_reported_with_a_line() {
        let e = Scenario::parse("nodes: 2\nnamspaces: []\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(Scenario::parse("faults: {errorRate: 2}").is_err());
        assert!(Scenario::parse("namespaces: [{name: a}, {name: a}]").is_err());
    }

    #[test]
    fn with_pods_seeds_exactly_n() {
        for n in [1, 7, 999, 10_000, 50_000] {
            assert_eq!(Scenario::with_pods(n).pod_count(), n);
        }
        assert!(Scenario::demo().pod_count() > 20);
    }
}
