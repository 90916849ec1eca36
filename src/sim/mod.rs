//! The simulated Kubernetes apiserver behind `kdeck sim serve` and `kdeck demo`.
//!
//! Owns: an in-memory object store with real resourceVersion semantics, the HTTPS API (discovery, CRUD,
//! watch, patch, Table output, subresources), controllers that make the cluster look alive, scenarios and
//! fault injection. It must behave as a real kube-apiserver does; it never depends on the TUI.
//!
//! Layout: `server` (TLS, hyper, routing, `health`, `negotiate`) → `api` (REST verbs; `list` for
//! paging and resourceVersions, `typecheck` and `validate` for write bodies, `status` for errors) /
//! `watch` / `logs` / `portforward` / `exec` (driving the fake shell in `fakesh`), all on top of `store`
//! (objects, resourceVersions, history, broadcast). `controllers` change the store the way kube-controller-manager and kubelets
//! would; `seed` fills it from a `scenario`.

mod api;
mod api_write;
mod apply;
mod auth;
mod cells;
mod components;
mod controllers;
mod crd;
mod cron;
mod delete;
mod discovery;
mod eviction;
mod exec;
mod fakesh;
mod fault_api;
pub mod fault_cli;
mod faults;
mod field_validation;
mod fields;
mod health;
mod kubeconfig_out;
mod kubelet_reach;
mod list;
mod logs;
mod meta;
mod metrics;
mod negotiate;
mod objects;
mod patch;
mod portforward;
mod printers;
mod protobuf;
mod rbac;
mod resources;
mod reviews;
mod scenario;
mod seed;
mod selectors;
mod server;
mod showcase;
mod spdy;
mod status;
mod store;
mod store_events;
mod table;
mod table_columns;
mod tls;
mod typecheck;
mod validate;
mod versions;
mod watch;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::watch as signal;
use tokio::task::JoinHandle;

pub use kubeconfig_out::{ADMIN_CONTEXT, VIEWER_CONTEXT};
pub use scenario::{
    FaultSpec, GenerateSpec, Identity, NamespaceSpec, Scenario, ScenarioError, WorkloadSpec,
};

use crate::cli::SimServeArgs;

/// Shared state of one running sim.
pub(crate) struct Sim {
    store: store::Store,
    auth: auth::Auth,
    faults: faults::Faults,
    tls: Arc<rustls::ServerConfig>,
    scenario: Scenario,
    ipam: objects::Ipam,
    shutdown: signal::Receiver<bool>,
}

/// How to start a sim.
pub struct SimOptions {
    pub listen: SocketAddr,
    pub kubeconfig_out: Option<PathBuf>,
    pub scenario: Scenario,
}

/// A sim that is serving. Dropping it without [`RunningSim::shutdown`] also stops it.
pub struct RunningSim {
    sim: Arc<Sim>,
    url: String,
    kubeconfig_path: PathBuf,
    remove_kubeconfig: bool,
    stop: signal::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    pods_seeded: usize,
    seed_time: Duration,
}

/// Starts the sim: seeds the scenario, writes the kubeconfig and returns once the listener is bound.
pub async fn start(opts: SimOptions) -> anyhow::Result<RunningSim> {
    let tls = tls::generate()?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| {
            format!(
                "binding the sim to {}; pick another --listen address",
                opts.listen
            )
        })?;
    let addr = listener
        .local_addr()
        .context("reading the sim's bound address")?;
    let url = format!("https://{addr}");

    let t0 = Instant::now();
    let store = store::Store::new(opts.scenario.history_window);
    let ipam = objects::Ipam::default();
    let pods_seeded = seed::seed(&store, &opts.scenario, &ipam);
    showcase::defaults(&store);
    if let Some(ns) = &opts.scenario.showcase {
        showcase::seed(&store, ns);
    }
    let seed_time = t0.elapsed();
    release_freed_memory();

    let (stop, shutdown) = signal::channel(false);
    let ttl = opts
        .scenario
        .faults
        .token_expiry_seconds
        .map(Duration::from_secs);
    let sim = Arc::new(Sim {
        store,
        auth: auth::Auth::new(ttl),
        faults: faults::Faults::new(opts.scenario.faults.clone()),
        tls: tls.server_config,
        scenario: opts.scenario,
        ipam,
        shutdown: shutdown.clone(),
    });

    let remove_kubeconfig = opts.kubeconfig_out.is_none();
    let kubeconfig_path = match opts.kubeconfig_out {
        Some(p) => p,
        None => kubeconfig_out::default_path(addr.port())?,
    };
    let text = kubeconfig_out::render(
        &sim.scenario.identity.name,
        &url,
        &tls.ca_pem,
        sim.auth.admin_token(),
        sim.auth.viewer_token(),
    )?;
    kubeconfig_out::write(&kubeconfig_path, &text)?;

    let mut tasks = vec![tokio::spawn(server::run(sim.clone(), listener, shutdown))];
    tasks.extend(controllers::spawn(&sim));
    Ok(RunningSim {
        sim: sim.clone(),
        url,
        kubeconfig_path,
        remove_kubeconfig,
        stop,
        tasks,
        pods_seeded,
        seed_time,
    })
}

impl RunningSim {
    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The 0600 kubeconfig with contexts `kdeck-sim` and `kdeck-sim-viewer`.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// Replaces the scenario's fault injection from now on (an empty spec stops every fault).
    pub fn set_faults(&self, faults: FaultSpec) {
        self.sim.faults.set(faults);
    }

    /// How many logs, exec, attach and port-forward requests an unreachable kubelet (a fault) failed.
    pub fn kubelet_refusals(&self) -> u64 {
        self.sim.faults.kubelet_refusals()
    }

    /// Pods the scenario seeded, and how long seeding took.
    pub fn seeded(&self) -> (usize, Duration) {
        (self.pods_seeded, self.seed_time)
    }

    /// Stops serving, ends every watch and stream, and removes a kubeconfig it wrote to the default place.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..) {
            t.abort();
            let _ = t.await;
        }
        if self.remove_kubeconfig {
            let _ = std::fs::remove_file(&self.kubeconfig_path);
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Seeding builds every object as a JSON tree before storing it as bytes; glibc keeps the freed trees'
/// pages unless asked to give them back, which would leave the sim's RSS at its seeding peak.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no live allocation.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Resident set size of this process in KiB (from /proc), for the sim's memory report.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The scenario `kdeck sim serve` runs: the file, or `--pods N`, or both (the file's behaviour with N
/// seeded pods), or the built-in demo.
pub fn scenario_from_args(file: Option<&Path>, pods: Option<usize>) -> anyhow::Result<Scenario> {
    let mut sc = match file {
        Some(p) => Scenario::from_file(p)?,
        None if pods.is_some() => Scenario::default(),
        None => Scenario::demo(),
    };
    if let Some(n) = pods {
        let seeded = Scenario::with_pods(n);
        sc.nodes = sc.nodes.max(seeded.nodes);
        sc.history_window = sc.history_window.max(seeded.history_window);
        sc.namespaces
            .retain(|ns| !seeded.namespaces.iter().any(|s| s.name == ns.name));
        sc.namespaces.extend(seeded.namespaces);
    }
    Ok(sc)
}

/// Several independent sims in one process and the one kubeconfig that reaches them all.
pub struct Fleet {
    pub sims: Vec<RunningSim>,
    pub kubeconfig: PathBuf,
    remove_kubeconfig: bool,
}

/// Starts `n` clusters from one scenario, each with its own [`Identity`]: the first on `listen`, the
/// others on free ports of the same address. Their kubeconfigs are merged into `kubeconfig_out` (or a
/// 0600 file in the runtime dir).
pub async fn start_fleet(
    listen: SocketAddr,
    kubeconfig_out: Option<PathBuf>,
    scenario: Scenario,
    n: usize,
) -> anyhow::Result<Fleet> {
    let mut sims = Vec::with_capacity(n);
    let mut texts = Vec::with_capacity(n);
    for k in 1..=n {
        let mut sc = scenario.clone();
        sc.identity = Identity::nth(k);
        let mut addr = listen;
        if k > 1 {
            addr.set_port(0);
        }
        // Each cluster writes its own kubeconfig to the runtime dir; it is read, merged and removed.
        let sim = start(SimOptions {
            listen: addr,
            kubeconfig_out: None,
            scenario: sc,
        })
        .await?;
        texts.push(
            std::fs::read_to_string(sim.kubeconfig_path())
                .context("reading a cluster's kubeconfig")?,
        );
        let _ = std::fs::remove_file(sim.kubeconfig_path());
        sims.push(sim);
    }
    let remove_kubeconfig = kubeconfig_out.is_none();
    let kubeconfig = match kubeconfig_out {
        Some(p) => p,
        None => kubeconfig_out::default_path(listen_port(&sims))?,
    };
    kubeconfig_out::write(&kubeconfig, &kubeconfig_out::merge(&texts)?)?;
    Ok(Fleet {
        sims,
        kubeconfig,
        remove_kubeconfig,
    })
}

fn listen_port(sims: &[RunningSim]) -> u16 {
    sims.first()
        .and_then(|s| s.url().rsplit(':').next()?.parse().ok())
        .unwrap_or(0)
}

/// `kdeck sim serve`.
pub fn serve(args: SimServeArgs) -> anyhow::Result<()> {
    let listen: SocketAddr = args.listen.parse().with_context(|| {
        format!(
            "--listen {:?} is not an address like 127.0.0.1:0",
            args.listen
        )
    })?;
    let scenario = scenario_from_args(args.scenario.as_deref(), args.pods)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    rt.block_on(async move {
        let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("installing the SIGTERM handler")?;
        if args.clusters > 1 {
            let fleet =
                start_fleet(listen, args.kubeconfig_out, scenario, args.clusters.into()).await?;
            let mut out = std::io::stdout().lock();
            // The same one line as a single cluster (PRODUCT.md): the first cluster's URL.
            writeln!(
                out,
                "ready {} kubeconfig={}",
                fleet.sims.first().map_or("", |s| s.url()),
                fleet.kubeconfig.display()
            )?;
            out.flush()?;
            drop(out);
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = sigterm.recv() => {}
            }
            for s in fleet.sims {
                s.shutdown().await;
            }
            if fleet.remove_kubeconfig {
                let _ = std::fs::remove_file(&fleet.kubeconfig);
            }
            return Ok(());
        }
        let sim = start(SimOptions {
            listen,
            kubeconfig_out: args.kubeconfig_out,
            scenario,
        })
        .await?;
        let (pods, took) = sim.seeded();
        eprintln!(
            "kdeck sim: {pods} pods seeded in {} ms, RSS {} MiB",
            took.as_millis(),
            rss_kib().unwrap_or(0) / 1024
        );
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "ready {} kubeconfig={}",
            sim.url(),
            sim.kubeconfig_path().display()
        )?;
        out.flush()?;
        drop(out);
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = sigterm.recv() => {}
        }
        sim.shutdown().await;
        Ok(())
    })
}
