//! Seeded data and drivers for TUI unit and snapshot tests: a fixed "now", a temp kubeconfig, and one
//! object of every built-in kind built through the real row builders.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

use super::app::{App, Effect, Msg, Options, ServerInfo};
use super::keymap::Keymap;
use super::theme::Theme;
use crate::cluster::columns::{core, pods, workloads};
use crate::cluster::rows::Row;
use crate::cluster::store::Delta;
use crate::cluster::watch::{WatchMsg, WatchNote};
use crate::config::Config;
use crate::kubeconfig::KubeconfigSet;

/// 2026-01-01T12:00:00Z: every age in a snapshot is measured from here.
pub const NOW: i64 = 1_767_268_800;

pub const KUBECONFIG: &str = "apiVersion: v1
kind: Config
current-context: kdeck-sim
clusters:
- name: kdeck-sim
  cluster: {server: 'https://127.0.0.1:6443'}
- name: prod-eu
  cluster: {server: 'https://127.0.0.1:6444'}
users:
- name: admin
  user: {token: not-a-real-token}
contexts:
- name: kdeck-sim
  context: {cluster: kdeck-sim, user: admin, namespace: shop}
- name: prod-eu-1
  context: {cluster: prod-eu, user: admin}
";

pub fn ts(secs_ago: i64) -> String {
    let t = jiff::Timestamp::from_second(NOW - secs_ago).unwrap();
    t.to_string()
}

pub fn kubeconfig(dir: &std::path::Path) -> KubeconfigSet {
    let p = dir.join("config");
    std::fs::write(&p, KUBECONFIG).unwrap();
    KubeconfigSet::load(Some(&p)).unwrap()
}

pub fn app_with(dir: &std::path::Path, theme: &str, options: Options) -> App {
    App::new(
        kubeconfig(dir),
        Config::default(),
        Theme::shipped(theme).unwrap(),
        Keymap::shipped_default(),
        options,
    )
}

/// An app connected to `kdeck-sim` and showing pods in `shop`, with no rows yet.
pub fn connected_app(dir: &std::path::Path) -> App {
    connected_with(dir, Options::default())
}

/// The same, started with `options` (`--readonly` and the like).
pub fn connected_with(dir: &std::path::Path, options: Options) -> App {
    let mut app = app_with(dir, "default", options);
    app.size = (120, 30);
    let eff = app.start();
    assert!(eff.contains(&Effect::Connect {
        context: "kdeck-sim".into()
    }));
    app.update(Msg::Connected {
        context: "kdeck-sim".into(),
        result: Ok(ServerInfo {
            git_version: "v1.33.2".into(),
            ..Default::default()
        }),
    });
    // What the sim's namespace list answers after connecting (the app asks at once).
    app.update(Msg::Namespaces(Ok(NAMESPACES
        .iter()
        .map(|n| n.to_string())
        .collect())));
    app
}

/// The namespaces a connected test app knows from the server.
pub const NAMESPACES: &[&str] = &[
    "data",
    "default",
    "kube-system",
    "monitoring",
    "shop",
    "web",
];

/// Feeds a complete list to the current view.
pub fn feed(app: &mut App, rows: Vec<Row>) {
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Delta(Delta::Reset(rows)),
    }));
}

/// Feeds one added or changed row to the current view.
pub fn feed_upsert(app: &mut App, row: Row) {
    let view = app.view.id;
    app.update(Msg::Watch(WatchMsg {
        view,
        note: WatchNote::Delta(Delta::Upsert(row)),
    }));
}

/// Types text; `<esc>`, `<enter>`, `<tab>`, `<backtab>`, `<up>`, `<down>`, `<bs>` and `<ctrl-x>` are
/// special keys.
pub fn keys(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        // `<ctrl-x>`: a control key.
        if let Some(r) = rest.strip_prefix("<ctrl-")
            && let Some(c) = r.chars().next()
            && r[c.len_utf8()..].starts_with('>')
        {
            rest = &r[c.len_utf8() + 1..];
            let k = KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
            effects.extend(app.update(Msg::Key(k)));
            continue;
        }
        let (code, len) = [
            ("<esc>", KeyCode::Esc),
            ("<backtab>", KeyCode::BackTab),
            ("<enter>", KeyCode::Enter),
            ("<tab>", KeyCode::Tab),
            ("<up>", KeyCode::Up),
            ("<down>", KeyCode::Down),
            ("<bs>", KeyCode::Backspace),
        ]
        .iter()
        .find(|(s, _)| rest.starts_with(s))
        .map(|(s, c)| (*c, s.len()))
        .unwrap_or_else(|| {
            let c = rest.chars().next().unwrap();
            (KeyCode::Char(c), c.len_utf8())
        });
        rest = &rest[len..];
        effects.extend(app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))));
    }
    effects
}

fn obj<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn meta(name: &str, ns: &str, age: i64) -> Value {
    json!({"name": name, "namespace": ns, "creationTimestamp": ts(age), "labels": {"app": name.split('-').next().unwrap()}})
}

pub fn pod_rows() -> Vec<Row> {
    let running = |name: &str, ns: &str, node: &str, ip: &str| {
        obj(
            json!({"metadata": meta(name, ns, 7200), "spec": {"containers": [{"name": "c", "resources": {
                "requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}}}],
                "nodeName": node},
            "status": {"phase": "Running", "podIPs": [{"ip": ip}], "containerStatuses": [
                {"name": "c", "ready": true, "restartCount": 0, "image": "i", "imageID": "", "state": {"running": {}}}]}}),
        )
    };
    let crash = obj(
        json!({"metadata": meta("web-7d9f-x2x", "shop", 3 * 86400), "spec": {"containers": [{"name": "c"}], "nodeName": "node-2"},
        "status": {"phase": "Running", "podIPs": [{"ip": "10.0.2.7"}], "containerStatuses": [
            {"name": "c", "ready": false, "restartCount": 12, "image": "i", "imageID": "",
             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": ts(300)}}}]}}),
    );
    let pending = obj(
        json!({"metadata": meta("cart-0", "shop", 45), "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Pending"}}),
    );
    let done = obj(
        json!({"metadata": meta("migrate-abc12", "shop", 90000), "spec": {"containers": [{"name": "c"}], "nodeName": "node-1"},
        "status": {"phase": "Succeeded", "containerStatuses": [
            {"name": "c", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}),
    );
    let init = obj(
        json!({"metadata": meta("db-1", "data", 20), "spec": {"containers": [{"name": "c"}], "initContainers": [{"name": "i"}], "nodeName": "node-1"},
        "status": {"phase": "Pending", "initContainerStatuses": [
            {"name": "i", "ready": false, "restartCount": 0, "image": "i", "imageID": "", "state": {"running": {}}}]}}),
    );
    vec![
        pods::row(&running("web-7d9f-a1b", "shop", "node-1", "10.0.1.5")),
        pods::row(&running("web-7d9f-c3d", "shop", "node-2", "10.0.2.6")),
        pods::row(&crash),
        pods::row(&pending),
        pods::row(&done),
        pods::row(&init),
    ]
}

pub fn deployment_rows() -> Vec<Row> {
    let d = |name: &str, replicas: i32, ready: i32| {
        workloads::deployment_row(&obj(json!({"metadata": meta(name, "shop", 86400 * 12),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "template": {}},
            "status": {"readyReplicas": ready, "updatedReplicas": replicas, "availableReplicas": ready}})))
    };
    vec![d("web", 3, 2), d("cart", 1, 1), d("search", 0, 0)]
}

pub fn statefulset_rows() -> Vec<Row> {
    vec![workloads::statefulset_row(&obj(
        json!({"metadata": meta("db", "data", 86400 * 40),
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "db"}}, "template": {}, "serviceName": "db"},
        "status": {"replicas": 3, "readyReplicas": 3}}),
    ))]
}

pub fn daemonset_rows() -> Vec<Row> {
    vec![workloads::daemonset_row(&obj(
        json!({"metadata": meta("node-exporter", "monitoring", 86400 * 100),
        "spec": {"selector": {"matchLabels": {"app": "node-exporter"}}, "template": {"spec": {"containers": [], "nodeSelector": {"kubernetes.io/os": "linux"}}}},
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2, "numberMisscheduled": 0,
                   "updatedNumberScheduled": 3, "numberAvailable": 2}}),
    ))]
}

pub fn replicaset_rows() -> Vec<Row> {
    vec![workloads::replicaset_row(&obj(
        json!({"metadata": meta("web-7d9f", "shop", 86400 * 12),
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}},
        "status": {"replicas": 3, "readyReplicas": 2}}),
    ))]
}

pub fn service_rows() -> Vec<Row> {
    vec![
        core::service_row(&obj(json!({"metadata": meta("web", "shop", 86400 * 12),
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "ports": [{"port": 80}], "selector": {"app": "web"}}}))),
        core::service_row(&obj(
            json!({"metadata": meta("gateway", "shop", 86400 * 12),
            "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.11", "ports": [{"port": 443, "nodePort": 30443}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}}}),
        )),
    ]
}

pub fn configmap_rows() -> Vec<Row> {
    vec![core::configmap_row(&obj(
        json!({"metadata": meta("web-config", "shop", 3600), "data": {"a": "1", "b": "2"}}),
    ))]
}

pub fn secret_rows() -> Vec<Row> {
    vec![core::secret_row(&obj(
        json!({"metadata": meta("db-credentials", "shop", 3600), "type": "Opaque",
        "data": {"user": "YWRtaW4=", "password": "aHVudGVyMg=="}}),
    ))]
}

pub fn event_rows() -> Vec<Row> {
    vec![
        core::event_row(&obj(
            json!({"metadata": meta("web-7d9f-x2x.1", "shop", 600), "type": "Warning", "reason": "BackOff",
            "lastTimestamp": ts(30), "message": "Back-off restarting failed container c",
            "involvedObject": {"kind": "Pod", "name": "web-7d9f-x2x"}}),
        )),
        core::event_row(&obj(
            json!({"metadata": meta("web.2", "shop", 600), "type": "Normal", "reason": "ScalingReplicaSet",
            "lastTimestamp": ts(600), "message": "Scaled up replica set web-7d9f to 3",
            "involvedObject": {"kind": "Deployment", "name": "web"}}),
        )),
    ]
}

pub fn node_rows() -> Vec<Row> {
    let n = |name: &str, ready: &str, role: Option<&str>| {
        let mut labels = serde_json::Map::new();
        if let Some(r) = role {
            labels.insert(format!("node-role.kubernetes.io/{r}"), json!(""));
        }
        core::node_row(&obj(
            json!({"metadata": {"name": name, "creationTimestamp": ts(86400 * 200), "labels": labels},
            "status": {"conditions": [{"type": "Ready", "status": ready}],
                       "allocatable": {"cpu": "4", "memory": "16Gi"},
                       "addresses": [{"type": "InternalIP", "address": format!("192.168.0.{}", name.len())}],
                       "nodeInfo": {"kubeletVersion": "v1.33.2", "architecture": "", "bootID": "", "containerRuntimeVersion": "",
                                    "kernelVersion": "", "kubeProxyVersion": "", "machineID": "", "operatingSystem": "",
                                    "osImage": "", "systemUUID": ""}}}),
        ))
    };
    vec![
        n("node-1", "True", Some("control-plane")),
        n("node-2", "True", None),
        n("node-3", "False", None),
    ]
}

pub fn namespace_rows() -> Vec<Row> {
    ["default", "shop", "data", "monitoring"]
        .iter()
        .map(|n| {
            core::namespace_row(&obj(
                json!({"metadata": {"name": n, "creationTimestamp": ts(86400 * 300)},
            "status": {"phase": "Active"}}),
            ))
        })
        .collect()
}

/// Draws one frame of `app` at `w`×`h` on a TestBackend, with ages measured from [`NOW`].
pub fn frame(app: &App, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    term.draw(|f| super::render::frame(app, f, NOW)).unwrap();
    term.backend().buffer().clone()
}

/// The frame at 120×24 as plain text (trailing spaces trimmed), for snapshots.
pub fn text(app: &App) -> String {
    super::render::to_text(&frame(app, 120, 24))
}

/// An insta snapshot stored in `snapshots/` at the crate root, whichever module calls it.
macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}
pub(crate) use snap;
