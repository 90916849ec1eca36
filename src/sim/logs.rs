//! `pods/log`: container logs generated on demand, so 50k pods cost no memory for logs.
//!
//! Line `seq` of a container instance is a pure function of (pod, container, instance start, seq) and is
//! "written" at `start + seq / logRate`. Every line ends with `seq=<n>` so clients can detect loss; about
//! one line in five is JSON. Like a kubelet with log rotation, only the newest [`RETAINED_LINES`] lines
//! are kept. Supports `container`, `follow`, `tailLines`, `sinceSeconds`, `sinceTime`, `timestamps`,
//! `previous` and `limitBytes`; a follow ends when the container instance ends or the pod goes away.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde_json::Value;
use tokio::sync::mpsc;

use super::Sim;
use super::resources::idx;
use super::server::{Body, Query, ResourceRoute, channel_body};
use super::status::ApiError;
use super::store::meta_str;

/// Lines kept per container instance, as kubelet log rotation would.
pub const RETAINED_LINES: u64 = 10_000;

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn seed_of(pod: &str, container: &str, start_ms: i64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in pod.bytes().chain([0]).chain(container.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    mix(h ^ start_ms as u64)
}

fn rfc3339_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

const PATHS: &[&str] = &[
    "/api/products",
    "/api/cart",
    "/healthz",
    "/api/checkout",
    "/api/users/me",
    "/metrics",
    "/api/orders",
];
const METHODS: &[&str] = &["GET", "GET", "GET", "POST", "PUT", "DELETE"];
const MESSAGES: &[&str] = &[
    "cache refreshed",
    "connection pool resized",
    "background sync finished",
    "config reloaded",
    "leader election renewed",
    "flushed write-ahead log",
    "retrying upstream request",
];

/// The text of one log line (without the trailing newline).
pub fn line(pod: &str, container: &str, start_ms: i64, seq: u64, at_ms: i64) -> String {
    let r = mix(seed_of(pod, container, start_ms) ^ seq.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let ts = rfc3339_ms(at_ms);
    let path = PATHS[(r % PATHS.len() as u64) as usize];
    let method = METHODS[((r >> 8) % METHODS.len() as u64) as usize];
    let status = match (r >> 16) % 20 {
        0 => 500,
        1 | 2 => 404,
        3 => 429,
        _ => 200,
    };
    let ms = (r >> 24) % 250 + 1;
    match (r >> 40) % 10 {
        0 | 1 => format!(
            r#"{{"ts":"{ts}","level":"{}","logger":"{container}","msg":"request completed","method":"{method}","path":"{path}","status":{status},"duration_ms":{ms},"pod":"{pod}","seq":{seq}}}"#,
            if status >= 500 { "error" } else { "info" }
        ),
        2 => format!(
            "{ts} WARN  [{container}] slow request {method} {path} took {}ms seq={seq}",
            ms * 10
        ),
        3 => {
            let msg = MESSAGES[((r >> 48) % MESSAGES.len() as u64) as usize];
            format!("{ts} INFO  [{container}] {msg} seq={seq}")
        }
        4 if status >= 500 => format!(
            "{ts} ERROR [{container}] upstream returned {status} for {method} {path}: connection reset by peer seq={seq}"
        ),
        _ => format!("{ts} INFO  [{container}] {method} {path} {status} {ms}ms seq={seq}"),
    }
}

struct Instance {
    start_ms: i64,
    /// Exclusive end for a terminated instance.
    end_ms: Option<i64>,
    id: String,
}

fn parse_ms(v: &Value) -> Option<i64> {
    v.as_str()?
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

fn bad(msg: String) -> ApiError {
    ApiError::bad_request(msg)
}

/// Which container instance to read, following the kubelet's rules and error messages.
fn instance(pod: &Value, container: &str, previous: bool) -> Result<Instance, ApiError> {
    let pod_name = meta_str(pod, "name");
    let cs = pod["status"]["containerStatuses"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == container));
    let Some(cs) = cs else {
        return Err(bad(format!(
            "container \"{container}\" in pod \"{pod_name}\" is waiting to start: ContainerCreating"
        )));
    };
    let last = &cs["lastState"]["terminated"];
    if previous {
        return match (parse_ms(&last["startedAt"]), parse_ms(&last["finishedAt"])) {
            (Some(s), Some(e)) => Ok(Instance {
                start_ms: s,
                end_ms: Some(e),
                id: last["containerID"].as_str().unwrap_or("").to_string(),
            }),
            (None, Some(e)) => Ok(Instance {
                start_ms: e - 60_000,
                end_ms: Some(e),
                id: String::new(),
            }),
            _ => Err(bad(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            ))),
        };
    }
    if let Some(s) = parse_ms(&cs["state"]["running"]["startedAt"]) {
        return Ok(Instance {
            start_ms: s,
            end_ms: None,
            id: cs["containerID"].as_str().unwrap_or("").to_string(),
        });
    }
    // A crash-looping container shows the logs of its last run, as `kubectl logs` does.
    if let Some(e) = parse_ms(&last["finishedAt"]) {
        let s = parse_ms(&last["startedAt"])
            .unwrap_or(e - 60_000)
            .min(e - 1000);
        return Ok(Instance {
            start_ms: s,
            end_ms: Some(e),
            id: String::new(),
        });
    }
    let reason = cs["state"]["waiting"]["reason"]
        .as_str()
        .unwrap_or("ContainerCreating");
    Err(bad(format!(
        "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"
    )))
}

/// What the apiserver checks before it asks the kubelet: the pod exists, the numeric options are not
/// negative (422 naming `PodLogOptions`) and the container is one of the pod's (400).
pub fn check_options(sim: &Sim, r: &ResourceRoute, q: &Query) -> Result<(), ApiError> {
    let name = r.name.clone().unwrap_or_default();
    let pod = sim
        .store
        .get(idx::PODS, r.ns.as_deref().unwrap_or(""), &name)
        .ok_or_else(|| ApiError::not_found("", "pods", &name))?;
    for k in ["tailLines", "limitBytes", "sinceSeconds"] {
        if let Some(n) = q
            .get(k)
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|&n| n < 0)
        {
            return Err(ApiError::invalid(
                "PodLogOptions",
                &name,
                &[format!(
                    "{k}: Invalid value: {n}: must be greater than or equal to 0"
                )],
            ));
        }
    }
    if let Some(c) = q.get("container").filter(|c| !c.is_empty())
        && !pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|x| x["name"] == c.as_str())
    {
        return Err(bad(format!("container {c} is not valid for pod {name}")));
    }
    Ok(())
}

pub async fn serve(
    sim: &Arc<Sim>,
    r: &ResourceRoute,
    q: &Query,
) -> Result<Response<Body>, ApiError> {
    let ns = r.ns.clone().unwrap_or_default();
    let name = r.name.clone().unwrap_or_default();
    let pod = sim
        .store
        .get(idx::PODS, &ns, &name)
        .ok_or_else(|| ApiError::not_found("", "pods", &name))?;
    // A pod no node runs has no logs anywhere: the apiserver answers 204 with no body at all.
    if pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
        let mut resp = Response::new(super::server::full(Bytes::new()));
        *resp.status_mut() = StatusCode::NO_CONTENT;
        return Ok(resp);
    }
    let names: Vec<String> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect();
    let container = match q.get("container").filter(|c| !c.is_empty()) {
        Some(c) if names.contains(c) => c.clone(),
        Some(c) => return Err(bad(format!("container {c} is not valid for pod {name}"))),
        None if names.len() == 1 => names[0].clone(),
        None => {
            return Err(bad(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                names.join(" ")
            )));
        }
    };
    let flag = |k: &str| q.get(k).is_some_and(|v| v == "true" || v == "1");
    let previous = flag("previous");
    let inst = instance(&pod, &container, previous)?;
    let rate = sim.scenario.log_rate;
    let follow = flag("follow") && inst.end_ms.is_none();
    let timestamps = flag("timestamps");
    let num = |k: &str| -> Result<Option<i64>, ApiError> {
        q.get(k)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| bad(format!("{k}: invalid value \"{v}\"")))
            })
            .transpose()
    };
    let tail = num("tailLines")?;
    let limit_bytes = num("limitBytes")?.map(|b| b.max(0) as usize);
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let since_ms = match (num("sinceSeconds")?, q.get("sinceTime")) {
        (Some(s), _) => Some(now_ms - s * 1000),
        (None, Some(t)) => Some(
            t.parse::<jiff::Timestamp>()
                .map_err(|_| bad(format!("sinceTime: invalid value \"{t}\"")))?
                .as_millisecond(),
        ),
        _ => None,
    };

    // Line k is written at start + k/rate.
    let at = move |k: u64| inst.start_ms + (k as f64 * 1000.0 / rate) as i64;
    let written_by = move |t_ms: i64| -> u64 {
        if rate <= 0.0 || t_ms < inst.start_ms {
            0
        } else {
            ((t_ms - inst.start_ms) as f64 * rate / 1000.0) as u64 + 1
        }
    };
    let end = written_by(inst.end_ms.unwrap_or(now_ms).min(now_ms));
    let mut first = end.saturating_sub(RETAINED_LINES);
    if let Some(s) = since_ms {
        first = first.max(written_by(s - 1));
    }
    if let Some(t) = tail {
        first = first.max(end.saturating_sub(t.max(0) as u64));
    }

    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let mut resp = Response::new(channel_body(rx));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    let sim = sim.clone();
    tokio::spawn(async move {
        let mut budget = limit_bytes.unwrap_or(usize::MAX);
        let render = |k: u64| {
            let t = at(k);
            let mut l = line(&name, &container, inst.start_ms, k, t);
            if timestamps {
                let ts = jiff::Timestamp::from_millisecond(t)
                    .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.9fZ").to_string())
                    .unwrap_or_default();
                l = format!("{ts} {l}");
            }
            l.push('\n');
            l
        };
        let mut k = first;
        let mut chunk = String::new();
        while k < end {
            chunk.push_str(&render(k));
            k += 1;
            if (chunk.len() >= 32 * 1024 || k == end)
                && !send_limited(&tx, std::mem::take(&mut chunk), &mut budget).await
            {
                return;
            }
        }
        if !follow || rate <= 0.0 {
            return;
        }
        let mut shutdown = sim.shutdown.clone();
        loop {
            let wait = (at(k) - jiff::Timestamp::now().as_millisecond()).max(0) as u64;
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
            }
            let alive = sim.store.get(idx::PODS, &ns, &name).is_some_and(|p| {
                p["status"]["containerStatuses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| {
                        c["name"] == container.as_str() && c["containerID"] == inst.id.as_str()
                    })
            });
            if !alive {
                return;
            }
            let now_end = written_by(jiff::Timestamp::now().as_millisecond());
            let mut out = String::new();
            while k < now_end {
                out.push_str(&render(k));
                k += 1;
            }
            if !out.is_empty() && !send_limited(&tx, out, &mut budget).await {
                return;
            }
        }
    });
    Ok(resp)
}

/// Sends up to the remaining byte budget; false when the stream should end.
async fn send_limited(tx: &mpsc::Sender<Bytes>, mut s: String, budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    if s.len() > *budget {
        let mut cut = *budget;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    *budget -= s.len();
    tx.send(Bytes::from(s)).await.is_ok() && *budget > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_deterministic_and_numbered() {
        let a = line("web-1", "app", 1000, 41, 2000);
        assert_eq!(a, line("web-1", "app", 1000, 41, 2000));
        assert!(a.ends_with("seq=41") || a.ends_with("\"seq\":41}"), "{a}");
        let json = (0..200)
            .filter(|&k| line("p", "c", 0, k, 0).starts_with('{'))
            .count();
        assert!(json > 10 && json < 100, "{json}");
        for k in 0..50 {
            let l = line("p", "c", 0, k, 0);
            if l.starts_with('{') {
                serde_json::from_str::<Value>(&l).unwrap();
            }
        }
    }

    #[test]
    fn previous_without_a_terminated_instance_is_a_400() {
        let pod = serde_json::json!({"metadata": {"name": "p"}, "status": {"containerStatuses": [
            {"name": "c", "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}, "lastState": {}}]}});
        assert_eq!(instance(&pod, "c", true).err().unwrap().code, 400);
        assert!(instance(&pod, "c", false).is_ok());
    }
}
