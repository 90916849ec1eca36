use super::*;
use serde_json::json;

fn pod(v: serde_json::Value) -> Pod {
    let mut base = json!({
        "metadata": {"name": "p", "namespace": "ns", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "a"}]},
    });
    merge(&mut base, v);
    serde_json::from_value(base).unwrap()
}

fn merge(a: &mut serde_json::Value, b: serde_json::Value) {
    match (a, b) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (a, b) => *a = b,
    }
}

fn status(p: &Pod) -> (String, String, i64) {
    let s = summarize(p);
    (format!("{}/{}", s.ready, s.total), s.reason, s.restarts)
}

#[test]
fn running_and_ready() {
    let p = pod(json!({"status": {"phase": "Running", "containerStatuses": [
        {"name": "a", "ready": true, "restartCount": 0, "image": "x", "imageID": "",
         "state": {"running": {"startedAt": "2026-01-01T00:00:01Z"}}}]}}));
    assert_eq!(status(&p), ("1/1".into(), "Running".into(), 0));
    assert_eq!(tone_of(&summarize(&p)), Tone::Ok);
}

#[test]
fn crash_loop_with_last_restart() {
    let p = pod(json!({"status": {"phase": "Running", "containerStatuses": [
        {"name": "a", "ready": false, "restartCount": 7, "image": "x", "imageID": "",
         "state": {"waiting": {"reason": "CrashLoopBackOff"}},
         "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-01-01T00:10:00Z"}}}]}}));
    let s = summarize(&p);
    assert_eq!(s.reason, "CrashLoopBackOff");
    assert_eq!(s.restarts, 7);
    assert_eq!(s.last_restart, Some(1767225600 + 600));
    assert_eq!(tone_of(&s), Tone::Error);
    let r = row(&p);
    assert_eq!(r.cells[3].render(1767225600 + 900), "7 (5m ago)");
}

#[test]
fn completed_job() {
    let p = pod(
        json!({"status": {"phase": "Succeeded", "containerStatuses": [
        {"name": "a", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
         "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}),
    );
    assert_eq!(status(&p), ("0/1".into(), "Completed".into(), 0));
    assert_eq!(tone_of(&summarize(&p)), Tone::Done);
}

#[test]
fn init_progress_and_init_failure() {
    let p = pod(
        json!({"spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}]},
        "status": {"phase": "Pending", "initContainerStatuses": [
        {"name": "i1", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
         "state": {"terminated": {"exitCode": 0}}},
        {"name": "i2", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
         "state": {"running": {}}}]}}),
    );
    assert_eq!(status(&p).1, "Init:1/2");
    assert_eq!(tone_of(&summarize(&p)), Tone::Pending);

    let p = pod(json!({"spec": {"initContainers": [{"name": "i1"}]},
        "status": {"phase": "Pending", "initContainerStatuses": [
        {"name": "i1", "ready": false, "restartCount": 3, "image": "x", "imageID": "",
         "state": {"terminated": {"exitCode": 2}}}]}}));
    assert_eq!(status(&p), ("0/1".into(), "Init:ExitCode:2".into(), 3));

    let p = pod(json!({"spec": {"initContainers": [{"name": "i1"}]},
        "status": {"phase": "Pending", "initContainerStatuses": [
        {"name": "i1", "ready": false, "restartCount": 3, "image": "x", "imageID": "",
         "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}));
    assert_eq!(status(&p).1, "Init:CrashLoopBackOff");
}

#[test]
fn sidecar_init_containers_count_towards_ready() {
    let p = pod(
        json!({"spec": {"initContainers": [{"name": "side", "restartPolicy": "Always"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"}],
        "initContainerStatuses": [
        {"name": "side", "ready": true, "started": true, "restartCount": 2, "image": "x", "imageID": "",
         "state": {"running": {}}}],
        "containerStatuses": [
        {"name": "a", "ready": true, "restartCount": 1, "image": "x", "imageID": "",
         "state": {"running": {}}}]}}),
    );
    assert_eq!(status(&p), ("2/2".into(), "Running".into(), 3));
}

#[test]
fn terminating_and_node_lost() {
    let p = pod(
        json!({"metadata": {"deletionTimestamp": "2026-01-01T01:00:00Z"},
        "status": {"phase": "Running"}}),
    );
    assert_eq!(status(&p).1, "Terminating");
    let p = pod(
        json!({"metadata": {"deletionTimestamp": "2026-01-01T01:00:00Z"},
        "status": {"phase": "Running", "reason": "NodeLost"}}),
    );
    assert_eq!(status(&p).1, "Unknown");
    let p = pod(
        json!({"metadata": {"deletionTimestamp": "2026-01-01T01:00:00Z"},
        "status": {"phase": "Succeeded"}}),
    );
    assert_eq!(status(&p).1, "Succeeded");
}

#[test]
fn completed_with_running_sibling_is_not_ready_or_running() {
    let p = pod(
        json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]},
        "status": {"phase": "Running", "containerStatuses": [
        {"name": "a", "ready": true, "restartCount": 0, "image": "x", "imageID": "", "state": {"running": {}}},
        {"name": "b", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
         "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}),
    );
    assert_eq!(status(&p), ("1/2".into(), "NotReady".into(), 0));
}

#[test]
fn signal_exit_and_scheduling_gated() {
    let p = pod(json!({"status": {"phase": "Running", "containerStatuses": [
        {"name": "a", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
         "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}}));
    assert_eq!(status(&p).1, "Signal:9");
    let p = pod(json!({"status": {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}}));
    assert_eq!(status(&p).1, "SchedulingGated");
}

#[test]
fn wide_columns_default_to_none() {
    let p = pod(json!({"status": {"phase": "Pending"}}));
    let r = row(&p);
    assert_eq!(r.cells[11], Cell::text("<none>"));
    assert_eq!(r.cells[12], Cell::text("<none>"));
    assert_eq!(r.cells[10].render(1767225600 + 3600 * 5), "5h");
}
