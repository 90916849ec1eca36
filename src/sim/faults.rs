//! Fault injection from the scenario: added latency, a 5xx/429 rate (with Retry-After), watches that are
//! dropped every N seconds, and watch starts answered with 410 Expired.
//!
//! Owns: the dice. Token expiry lives in `auth`. With the default (empty) fault spec nothing here fires.
//! The spec can be replaced while the sim runs ([`Faults::set`]), so a test can stop the faults and
//! check what clients converge to afterwards.

use std::time::Duration;

use super::scenario::FaultSpec;
use super::status::ApiError;

pub struct Faults {
    spec: std::sync::RwLock<FaultSpec>,
    watch_starts: std::sync::atomic::AtomicU64,
    /// How often an unreachable kubelet failed a request, so tests can assert the fault fired.
    kubelet_refusals: std::sync::atomic::AtomicU64,
    /// How many requests the blackhole swallowed.
    blackholed: std::sync::atomic::AtomicU64,
    /// How many metrics requests were answered 503.
    metrics_refusals: std::sync::atomic::AtomicU64,
}

fn roll(p: f64) -> bool {
    p > 0.0 && rand::random::<f64>() < p
}

impl Faults {
    pub fn new(spec: FaultSpec) -> Self {
        Faults {
            spec: std::sync::RwLock::new(spec),
            watch_starts: Default::default(),
            kubelet_refusals: Default::default(),
            blackholed: Default::default(),
            metrics_refusals: Default::default(),
        }
    }

    /// The spec in effect.
    pub fn current(&self) -> FaultSpec {
        self.spec()
    }

    /// Whether this request is swallowed by the blackhole (counted when it is).
    pub fn blackholed(&self) -> bool {
        let on = self.spec().blackhole;
        if on {
            self.blackholed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        on
    }

    /// How often each counted fault fired.
    pub fn fired(&self) -> serde_json::Value {
        serde_json::json!({
            "kubeletUnreachable": self.kubelet_refusals(),
            "blackhole": self.blackholed.load(std::sync::atomic::Ordering::Relaxed),
            "metricsUnavailable": self.metrics_refusals.load(std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The refusal of a `sub` request (`log`, `exec`, `attach`, `portforward`) to a pod on `node` whose
    /// kubelet is unreachable, worded as kube-apiserver words it: logs name the kubelet URL, the
    /// streaming subresources say "error dialing backend"; 500 with no reason.
    pub fn kubelet_refusal(
        &self,
        node: &str,
        node_ip: &str,
        sub: &str,
        log_path: &str,
    ) -> Option<ApiError> {
        if !self.spec().kubelet_unreachable.iter().any(|n| n == node) {
            return None;
        }
        self.kubelet_refusals
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dial = format!("dial tcp {node_ip}:10250: connect: connection refused");
        let message = if sub == "log" {
            format!("Get \"https://{node_ip}:10250/containerLogs/{log_path}\": {dial}")
        } else {
            format!("error dialing backend: {dial}")
        };
        Some(ApiError::new(500, "", message))
    }

    /// How many requests an unreachable kubelet has failed.
    pub fn kubelet_refusals(&self) -> u64 {
        self.kubelet_refusals
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn spec(&self) -> FaultSpec {
        self.spec.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the faults from now on (running watches keep the drop deadline they started with).
    pub fn set(&self, spec: FaultSpec) {
        *self.spec.write().unwrap_or_else(|p| p.into_inner()) = spec;
    }

    /// Whether metrics.k8s.io is down (counted, so a test can assert the fault fired).
    pub fn metrics_unavailable(&self) -> bool {
        let on = self.spec().metrics_unavailable;
        if on {
            self.metrics_refusals
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        on
    }

    pub fn latency(&self) -> Option<Duration> {
        let ms = self.spec().latency_ms;
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    /// An error to answer a resource request with, at the configured rate.
    pub fn injected_error(&self) -> Option<ApiError> {
        let spec = self.spec();
        if !roll(spec.error_rate) {
            return None;
        }
        let mut e = match spec.error_code {
            429 => ApiError::new(
                429,
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later",
            ),
            500 => ApiError::internal(
                "an error on the server (\"injected by the kdeck sim scenario\") has prevented the request from succeeding",
            ),
            _ => ApiError::new(
                503,
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ),
        };
        if e.code == 429 || e.code == 503 {
            e.retry_after = Some(1);
        }
        Some(e)
    }

    /// Whether this watch start gets a 410 Expired. Spread evenly rather than rolled, so a fraction f
    /// refuses exactly one start in every 1/f (the first start always succeeds).
    pub fn watch_gone(&self) -> bool {
        let f = self.spec().watch_gone_fraction;
        if f <= 0.0 {
            return false;
        }
        let n = self
            .watch_starts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed) as f64;
        ((n + 1.0) * f).floor() > (n * f).floor()
    }

    /// When to cut a watch short.
    pub fn watch_drop_after(&self) -> Option<Duration> {
        let every = self.spec().watch_drop_every_seconds;
        (every > 0.0).then(|| Duration::from_secs_f64(every))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_spec_injects_nothing() {
        let f = Faults::new(FaultSpec::default());
        assert!(f.latency().is_none());
        assert!((0..1000).all(|_| f.injected_error().is_none() && !f.watch_gone()));
        assert!(f.watch_drop_after().is_none());
    }

    #[test]
    fn faults_can_be_switched_off_while_running() {
        let f = Faults::new(FaultSpec {
            error_rate: 1.0,
            latency_ms: 5,
            ..FaultSpec::default()
        });
        assert!(f.injected_error().is_some() && f.latency().is_some());
        f.set(FaultSpec::default());
        assert!(f.injected_error().is_none() && f.latency().is_none());
    }

    #[test]
    fn gone_fraction_is_spread_evenly() {
        let f = Faults::new(FaultSpec {
            watch_gone_fraction: 0.25,
            ..FaultSpec::default()
        });
        let gone: Vec<bool> = (0..8).map(|_| f.watch_gone()).collect();
        assert_eq!(gone, [false, false, false, true, false, false, false, true]);
    }

    #[test]
    fn rate_one_always_fires_with_retry_after() {
        let f = Faults::new(FaultSpec {
            error_rate: 1.0,
            error_code: 429,
            ..FaultSpec::default()
        });
        let e = f.injected_error().unwrap();
        assert_eq!((e.code, e.retry_after), (429, Some(1)));
    }
}
