//! CPU and memory use from metrics.k8s.io, for the CPU/MEM columns of pods, containers and nodes and
//! for the header's cluster figures.
//!
//! The metrics API has no watch, so a view that shows usage polls it ([`poll`]) for as long as the
//! view's watch runs: every [`INTERVAL`] (metrics-server's own resolution), backing off when a request
//! fails, and checking only every [`ABSENT_INTERVAL`] on a cluster without the API (404, or 503 from an
//! aggregated API whose backend is down), whose cells read `n/a`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Node;
use std::borrow::Cow;

use serde::Deserialize;

use super::rows::{Cell, Resource, Row, RowKey};

/// How often usage is asked for while it is shown.
pub const INTERVAL: Duration = Duration::from_secs(15);
/// How often a cluster without a metrics API is asked again.
pub const ABSENT_INTERVAL: Duration = Duration::from_secs(60);
/// The longest wait after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(120);
/// One request's deadline: a hung metrics API must not hold the view's figures forever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// One object's use: millicores and bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sample {
    pub cpu: u64,
    pub memory: u64,
}

impl Sample {
    fn add(self, o: Sample) -> Sample {
        Sample {
            cpu: self.cpu + o.cpu,
            memory: self.memory + o.memory,
        }
    }

    fn get(self, r: Resource) -> u64 {
        match r {
            Resource::Cpu => self.cpu,
            Resource::Memory => self.memory,
        }
    }
}

/// Usage by row key, as the view that asked for it keys its rows.
pub type Samples = HashMap<RowKey, Sample>;

/// Whose usage a view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsTarget {
    /// Pods, in one namespace or all, optionally by label selector.
    Pods {
        namespace: Option<String>,
        labels: Option<String>,
    },
    Nodes {
        labels: Option<String>,
    },
    /// The containers of one pod (rows keyed namespace/container).
    Containers {
        namespace: String,
        pod: String,
    },
}

/// What a poll tells the view.
#[derive(Debug, Clone)]
pub enum MetricsNote {
    Usage(Arc<Samples>),
    /// The cluster has no metrics API (or it is down): the figures are `n/a`.
    Unavailable,
    /// The request failed; the poll backs off and the view keeps its last figures.
    Failed(String),
}

fn path(target: &MetricsTarget) -> String {
    let base = "/apis/metrics.k8s.io/v1beta1";
    let mut p = match target {
        MetricsTarget::Pods {
            namespace: Some(ns),
            ..
        } => format!("{base}/namespaces/{ns}/pods"),
        MetricsTarget::Pods {
            namespace: None, ..
        } => format!("{base}/pods"),
        MetricsTarget::Nodes { .. } => format!("{base}/nodes"),
        MetricsTarget::Containers { namespace, pod } => {
            format!("{base}/namespaces/{namespace}/pods/{pod}")
        }
    };
    if let MetricsTarget::Pods {
        labels: Some(l), ..
    }
    | MetricsTarget::Nodes { labels: Some(l) } = target
    {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("labelSelector", l)
            .finish();
        p = format!("{p}?{q}");
    }
    p
}

/// The parts of a metrics document kdeck reads: decoded straight into these (not into a JSON tree),
/// so a poll of 50k pods costs little memory.
/// Strings borrow from the response text (`Cow`: owned only where JSON escapes force it), so a 50k-pod
/// answer is read without a small allocation per field.
#[derive(Debug, Default, Deserialize)]
struct Document<'a> {
    #[serde(default, borrow)]
    metadata: Meta<'a>,
    #[serde(default, borrow, deserialize_with = "null_as_default")]
    items: Vec<Document<'a>>,
    #[serde(default, borrow, deserialize_with = "null_as_default")]
    containers: Vec<Named<'a>>,
    #[serde(default, borrow)]
    usage: Usage<'a>,
}

#[derive(Debug, Default, Deserialize)]
struct Meta<'a> {
    #[serde(default, borrow)]
    name: Cow<'a, str>,
    #[serde(default, borrow)]
    namespace: Cow<'a, str>,
}

#[derive(Debug, Default, Deserialize)]
struct Named<'a> {
    #[serde(default, borrow)]
    name: Cow<'a, str>,
    #[serde(default, borrow)]
    usage: Usage<'a>,
}

#[derive(Debug, Default, Deserialize)]
struct Usage<'a> {
    #[serde(default, borrow)]
    cpu: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    memory: Option<Cow<'a, str>>,
}

impl Usage<'_> {
    fn sample(&self) -> Sample {
        let q =
            |v: &Option<Cow<'_, str>>| v.as_deref().and_then(crate::quantity::parse).unwrap_or(0.0);
        Sample {
            cpu: (q(&self.cpu) * 1000.0).round() as u64,
            memory: q(&self.memory).round() as u64,
        }
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// What one metrics document says, keyed as `target`'s view keys its rows.
fn samples(target: &MetricsTarget, doc: &Document<'_>) -> Samples {
    let key = |m: &Meta<'_>| RowKey::new(&m.namespace, &m.name);
    match target {
        MetricsTarget::Containers { namespace, .. } => doc
            .containers
            .iter()
            .map(|c| (RowKey::new(namespace, &c.name), c.usage.sample()))
            .collect(),
        MetricsTarget::Nodes { .. } => doc
            .items
            .iter()
            .map(|n| (key(&n.metadata), n.usage.sample()))
            .collect(),
        MetricsTarget::Pods { .. } => doc
            .items
            .iter()
            .map(|p| {
                let sum = p
                    .containers
                    .iter()
                    .fold(Sample::default(), |s, c| s.add(c.usage.sample()));
                (key(&p.metadata), sum)
            })
            .collect(),
    }
}

/// Whether an error means "no metrics API here" rather than a failure.
fn absent(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404 || s.code == 503)
}

/// GETs `target`'s usage; Ok(None) when the cluster has no metrics API.
async fn get(client: &kube::Client, target: &MetricsTarget) -> Result<Option<Samples>, String> {
    let req = http::Request::get(path(target))
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(REQUEST_TIMEOUT, client.request_text(req)).await {
        Err(_) => Err(format!(
            "metrics: no answer within {}s",
            REQUEST_TIMEOUT.as_secs()
        )),
        Ok(Ok(text)) => serde_json::from_str::<Document<'_>>(&text)
            .map(|doc| Some(samples(target, &doc)))
            .map_err(|e| format!("metrics: the answer cannot be read: {e}")),
        Ok(Err(e)) if absent(&e) => Ok(None),
        Ok(Err(e)) => Err(format!("metrics: {}", crate::error::chain(&e))),
    }
}

/// One poll of `target`.
pub async fn fetch(client: &kube::Client, target: &MetricsTarget) -> MetricsNote {
    match get(client, target).await {
        Ok(Some(s)) => MetricsNote::Usage(Arc::new(s)),
        Ok(None) => MetricsNote::Unavailable,
        Err(e) => MetricsNote::Failed(e),
    }
}

/// Objects per [`INTERVAL`]: a bigger answer is asked for less often (up to 4× at 40k objects), so a
/// view of tens of thousands of pods keeps its polling cost near that of a 10k one.
const OBJECTS_PER_INTERVAL: usize = 10_000;

/// The wait before the next poll, after `failures` failures in a row.
pub fn next_wait(note: &MetricsNote, failures: u32, clusters: usize) -> Duration {
    match note {
        MetricsNote::Usage(s) => {
            let objects = s.len().saturating_mul(clusters.max(1));
            let scale = objects.div_ceil(OBJECTS_PER_INTERVAL).clamp(1, 4);
            INTERVAL.saturating_mul(scale as u32)
        }
        MetricsNote::Unavailable => ABSENT_INTERVAL,
        MetricsNote::Failed(_) => INTERVAL
            .saturating_mul(2u32.saturating_pow(failures.min(8)))
            .min(MAX_BACKOFF),
    }
}

/// Polls `target` until `send` reports that nobody listens any more (the view closed). `clusters`:
/// how many clusters' polls feed the same view (a merged view of 50 clusters × 1k pods polls as
/// seldom as one view of 50k pods).
pub async fn poll(
    client: kube::Client,
    target: MetricsTarget,
    clusters: usize,
    send: impl Fn(MetricsNote) -> bool,
) {
    let mut failures = 0u32;
    loop {
        let note = fetch(&client, &target).await;
        failures = match note {
            MetricsNote::Failed(_) => failures + 1,
            _ => 0,
        };
        let wait = next_wait(&note, failures, clusters);
        if !send(note) {
            return;
        }
        tokio::time::sleep(wait).await;
    }
}

/// Sets the usage cells of `row` from `sample` (None: `n/a`); true when a cell changed.
pub fn fill(row: &mut Row, sample: Option<Sample>) -> bool {
    let mut changed = false;
    for cell in &mut row.cells {
        if let Cell::Usage { resource, used, .. } = cell {
            let new = sample.map(|s| s.get(*resource));
            if *used != new {
                *used = new;
                changed = true;
            }
        }
    }
    changed
}

/// Whether `row` has usage cells at all.
pub fn shows_usage(row: &Row) -> bool {
    row.cells.iter().any(|c| matches!(c, Cell::Usage { .. }))
}

/// Summed node usage in cores and bytes; None when the cluster has no metrics API.
pub async fn node_totals(client: &kube::Client) -> Result<Option<(f64, f64)>, String> {
    let target = MetricsTarget::Nodes { labels: None };
    Ok(get(client, &target).await?.map(|samples| {
        let total = samples.values().fold(Sample::default(), |a, s| a.add(*s));
        (total.cpu as f64 / 1000.0, total.memory as f64)
    }))
}

/// The nodes' allocatable CPU (cores) and memory (bytes), summed.
pub fn allocatable(nodes: &[Node]) -> (f64, f64) {
    nodes.iter().fold((0.0, 0.0), |(c, m), n| {
        let a = n.status.as_ref().and_then(|s| s.allocatable.as_ref());
        let get = |k: &str| {
            a.and_then(|a| a.get(k))
                .and_then(|q| crate::quantity::parse(&q.0))
                .unwrap_or(0.0)
        };
        (c + get("cpu"), m + get("memory"))
    })
}

/// `used` as a whole percentage of `capacity` (None when there is no capacity).
pub fn percent(used: f64, capacity: f64) -> Option<u32> {
    (capacity > 0.0).then(|| (used / capacity * 100.0).round() as u32)
}

/// The whole cluster's use, as the header shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterUsage {
    /// Percent of the nodes' allocatable CPU and memory.
    Percent {
        cpu: u32,
        memory: u32,
    },
    Unavailable,
}

/// Node usage against allocatable; Ok(Unavailable) without a metrics API.
pub async fn cluster_usage(client: &kube::Client) -> Result<ClusterUsage, String> {
    let Some((cpu, mem)) = node_totals(client).await? else {
        return Ok(ClusterUsage::Unavailable);
    };
    let nodes: kube::Api<Node> = kube::Api::all(client.clone());
    let list = tokio::time::timeout(REQUEST_TIMEOUT, nodes.list(&Default::default()))
        .await
        .map_err(|_| "nodes: no answer".to_string())?
        .map_err(|e| crate::error::chain(&e))?;
    let (c, m) = allocatable(&list.items);
    Ok(match (percent(cpu, c), percent(mem, m)) {
        (Some(cpu), Some(memory)) => ClusterUsage::Percent { cpu, memory },
        _ => ClusterUsage::Unavailable,
    })
}

/// Millicores (`250m`, `1.5`) or bytes (`128Mi`) of a quantity string, rounded.
pub fn milli(q: &str) -> Option<u64> {
    crate::quantity::parse(q).map(|v| (v * 1000.0).round() as u64)
}

/// Bytes of a memory quantity string, rounded.
pub fn bytes(q: &str) -> Option<u64> {
    crate::quantity::parse(q).map(|v| v.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::rows::{Share, Tone};
    use serde_json::json;

    #[test]
    fn pod_usage_sums_its_containers() {
        let body = json!({"items": [{"metadata": {"namespace": "shop", "name": "web"},
            "containers": [{"name": "a", "usage": {"cpu": "250m", "memory": "64Mi"}},
                           {"name": "b", "usage": {"cpu": "1500000n", "memory": "1024Ki"}}]}]});
        let t = MetricsTarget::Pods {
            namespace: None,
            labels: None,
        };
        let text = body.to_string();
        let s = samples(&t, &serde_json::from_str(&text).unwrap());
        assert_eq!(
            s[&RowKey::new("shop", "web")],
            Sample {
                cpu: 252,
                memory: 65 * 1024 * 1024
            }
        );
    }

    #[test]
    fn container_usage_is_keyed_by_container() {
        let body = json!({"metadata": {"namespace": "shop", "name": "web"},
            "containers": [{"name": "app", "usage": {"cpu": "2", "memory": "1Gi"}}]});
        let t = MetricsTarget::Containers {
            namespace: "shop".into(),
            pod: "web".into(),
        };
        assert_eq!(
            samples(&t, &serde_json::from_str(&body.to_string()).unwrap())
                [&RowKey::new("shop", "app")],
            Sample {
                cpu: 2000,
                memory: 1 << 30
            }
        );
        assert_eq!(
            path(&t),
            "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web"
        );
    }

    #[test]
    fn label_selectors_reach_the_metrics_api() {
        let t = MetricsTarget::Pods {
            namespace: Some("shop".into()),
            labels: Some("app=web".into()),
        };
        assert_eq!(
            path(&t),
            "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dweb"
        );
    }

    #[test]
    fn cells_render_absolute_and_percent_and_na() {
        let mut row = Row {
            key: RowKey::new("shop", "web"),
            cells: vec![
                Cell::usage(Resource::Cpu, Share::Absolute),
                Cell::usage(Resource::Memory, Share::Absolute),
                Cell::usage(Resource::Cpu, Share::Of(Some(500))),
                Cell::usage(Resource::Memory, Share::Of(None)),
            ],
            tone: Tone::Normal,
            labels: Default::default(),
            selector: None,
            object: None,
        };
        let texts = |r: &Row| r.cells.iter().map(|c| c.render(0)).collect::<Vec<_>>();
        assert_eq!(texts(&row), ["n/a", "n/a", "n/a", "n/a"]);
        let s = Sample {
            cpu: 125,
            memory: 96 * 1024 * 1024,
        };
        assert!(fill(&mut row, Some(s)));
        assert_eq!(texts(&row), ["125m", "96Mi", "25", "n/a"]);
        assert!(!fill(&mut row, Some(s)), "the same figures change nothing");
        assert!(fill(&mut row, None));
        assert_eq!(texts(&row)[0], "n/a");
    }

    #[test]
    fn failures_back_off_to_a_ceiling() {
        let failed = MetricsNote::Failed("x".into());
        assert_eq!(next_wait(&failed, 1, 1), INTERVAL * 2);
        assert_eq!(next_wait(&failed, 2, 1), INTERVAL * 4);
        assert_eq!(next_wait(&failed, 30, 1), MAX_BACKOFF);
        assert_eq!(next_wait(&MetricsNote::Unavailable, 0, 1), ABSENT_INTERVAL);
        assert_eq!(
            next_wait(&MetricsNote::Usage(Default::default()), 0, 1),
            INTERVAL
        );
        let many = |n: usize, clusters: usize| {
            let s: Samples = (0..n)
                .map(|i| (RowKey::new("ns", &i.to_string()), Sample::default()))
                .collect();
            next_wait(&MetricsNote::Usage(Arc::new(s)), 0, clusters)
        };
        assert_eq!(many(10_000, 1), INTERVAL);
        assert_eq!(many(20_001, 1), INTERVAL * 3);
        assert_eq!(many(50_000, 1), INTERVAL * 4);
        // One cluster of a merged view polls as seldom as a view of the whole table.
        assert_eq!(many(1_000, 50), INTERVAL * 4);
        assert_eq!(many(1_000, 3), INTERVAL);
    }
}
