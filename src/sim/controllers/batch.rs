//! The Job and CronJob controllers, and the kubelet's part in a Job: a job pod's containers run for a
//! couple of seconds and exit, 0 unless the container's command ends in `false` or runs `exit N`.
//!
//! Jobs keep `parallelism` pods running until `completions` succeeded (Complete) or more than
//! `backoffLimit` failed (Failed, BackoffLimitExceeded). CronJobs create a Job at each scheduled minute,
//! honouring `suspend`, `concurrencyPolicy` (Allow, Forbid, Replace) and the two history limits.
//! Both reconcile on a short tick: there are few jobs, and a tick keeps the code free of event plumbing.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::Recorder;
use crate::sim::Sim;
use crate::sim::cron::Schedule;
use crate::sim::objects::owner_ref;
use crate::sim::resources::idx;
use crate::sim::store::{meta_str, now_rfc3339, random_suffix};

/// How long a job pod's containers run before they exit.
const RUN_FOR: i64 = 2;

fn jobs_res(sim: &Sim) -> Option<(usize, usize)> {
    let kinds = sim.store.kinds();
    let find = |plural: &str| {
        kinds
            .served()
            .find(|k| k.group == "batch" && k.plural == plural)
            .map(|k| k.index)
    };
    Some((find("jobs")?, find("cronjobs")?))
}

pub async fn run(sim: Arc<Sim>, rec: Arc<Recorder>) {
    let Some((jobs, cronjobs)) = jobs_res(&sim) else {
        return;
    };
    let mut shutdown = sim.shutdown.clone();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {
                let now = jiff::Timestamp::now();
                for cj in sim.store.objects(cronjobs, None) {
                    reconcile_cronjob(&sim, &rec, jobs, cronjobs, &cj, now);
                }
                for job in sim.store.objects(jobs, None) {
                    reconcile_job(&sim, &rec, jobs, &job, now);
                }
            }
        }
    }
}

fn ts(v: &Value) -> Option<jiff::Timestamp> {
    v.as_str().and_then(|s| s.parse().ok())
}

fn has_condition(obj: &Value, ty: &str) -> bool {
    obj["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == ty && c["status"] == "True")
}

fn finished(job: &Value) -> bool {
    has_condition(job, "Complete") || has_condition(job, "Failed")
}

/// The exit code a job container's command asks for.
fn exit_code(container: &Value) -> i64 {
    let words: Vec<String> = ["command", "args"]
        .iter()
        .flat_map(|k| container[*k].as_array().cloned().unwrap_or_default())
        .filter_map(|w| w.as_str().map(str::to_string))
        .collect();
    let text = words.join(" ");
    if words.last().is_some_and(|w| w == "false") {
        return 1;
    }
    text.split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[0] == "exit")
        .and_then(|w| w[1].trim_end_matches(';').parse().ok())
        .unwrap_or(0)
}

/// Running job pods whose containers have run long enough exit: Succeeded or Failed.
fn finish_pods(sim: &Sim, rec: &Recorder, pods: &[Arc<Value>], now: jiff::Timestamp) {
    for p in pods {
        if p["status"]["phase"] != "Running" {
            continue;
        }
        let started = ts(&p["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]);
        if started.is_none_or(|s| now.as_second() - s.as_second() < RUN_FOR) {
            continue;
        }
        let at = now_rfc3339();
        let code = p["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(exit_code)
            .find(|c| *c != 0)
            .unwrap_or(0);
        let done = sim.store.mutate(idx::PODS, meta_str(p, "namespace"), meta_str(p, "name"), |o| {
            if o["status"]["phase"] != "Running" {
                return false;
            }
            o["status"]["phase"] = json!(if code == 0 { "Succeeded" } else { "Failed" });
            for cs in o["status"]["containerStatuses"].as_array_mut().into_iter().flatten() {
                let started = cs["state"]["running"]["startedAt"].clone();
                cs["state"] = json!({"terminated": {"exitCode": code,
                    "reason": if code == 0 { "Completed" } else { "Error" },
                    "startedAt": started, "finishedAt": at, "containerID": cs["containerID"].clone()}});
                cs["ready"] = json!(false);
                cs["started"] = json!(false);
            }
            for c in o["status"]["conditions"].as_array_mut().into_iter().flatten() {
                if matches!(c["type"].as_str(), Some("Ready" | "ContainersReady" | "PodReadyToStartContainers")) {
                    c["status"] = json!("False");
                    c["lastTransitionTime"] = json!(at);
                    if c["type"] != "PodReadyToStartContainers" {
                        c["reason"] = json!("PodCompleted");
                    }
                }
            }
            true
        });
        if let (Some(p), true) = (done, code != 0) {
            let c = p["spec"]["containers"][0]["name"].as_str().unwrap_or("");
            rec.warning(
                sim,
                &p,
                "Failed",
                &format!("Error: container {c} exited with code {code}"),
                "kubelet",
            );
        }
    }
}

fn job_pod(job: &Value) -> Value {
    let tmpl = &job["spec"]["template"];
    let name = meta_str(job, "name");
    let uid = meta_str(job, "uid");
    let mut labels = tmpl["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", uid),
        ("batch.kubernetes.io/job-name", name),
        ("controller-uid", uid),
        ("job-name", name),
    ] {
        labels[k] = json!(v);
    }
    let mut spec = tmpl["spec"].clone();
    spec["serviceAccountName"] = json!("default");
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{name}-{}", random_suffix(5)), "namespace": meta_str(job, "namespace"),
                     "labels": labels, "ownerReferences": [owner_ref(job)]},
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    })
}

fn reconcile_job(sim: &Sim, rec: &Recorder, jobs: usize, job: &Value, now: jiff::Timestamp) {
    if finished(job) {
        return;
    }
    let ns = meta_str(job, "namespace");
    let name = meta_str(job, "name");
    let pods = sim.store.owned(idx::PODS, ns, meta_str(job, "uid"));
    finish_pods(sim, rec, &pods, now);
    let pods = sim.store.owned(idx::PODS, ns, meta_str(job, "uid"));
    let phase = |p: &&Arc<Value>| p["status"]["phase"].as_str().unwrap_or("").to_string();
    let succeeded = pods.iter().filter(|p| phase(p) == "Succeeded").count() as i64;
    let failed = pods.iter().filter(|p| phase(p) == "Failed").count() as i64;
    let active: Vec<&Arc<Value>> = pods
        .iter()
        .filter(|p| !matches!(phase(p).as_str(), "Succeeded" | "Failed"))
        .collect();
    let spec = &job["spec"];
    let completions = spec["completions"].as_i64().unwrap_or(1);
    let parallelism = spec["parallelism"].as_i64().unwrap_or(1);
    let backoff = spec["backoffLimit"].as_i64().unwrap_or(6);
    let suspended = spec["suspend"] == json!(true);
    let at = now_rfc3339();
    let (done, failed_out) = (succeeded >= completions, failed > backoff);
    let mut created = 0;
    if !done && !failed_out && !suspended {
        let want = parallelism.min(completions - succeeded) - active.len() as i64;
        for _ in 0..want.max(0) {
            if let Ok(p) = sim.store.create(idx::PODS, job_pod(job)) {
                created += 1;
                rec.normal(
                    sim,
                    job,
                    "SuccessfulCreate",
                    &format!("Created pod: {}", meta_str(&p, "name")),
                    "job-controller",
                );
            }
        }
    }
    if failed_out {
        for p in &active {
            let _ = sim.store.delete(idx::PODS, ns, meta_str(p, "name"));
        }
        rec.warning(
            sim,
            job,
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
            "job-controller",
        );
    } else if done {
        rec.normal(sim, job, "Completed", "Job completed", "job-controller");
    }
    let active_n = if done || failed_out {
        0
    } else {
        active.len() as i64 + created
    };
    sim.store.mutate(jobs, ns, name, |o| {
        let before = o["status"].clone();
        let st = &mut o["status"];
        if !st.is_object() {
            *st = json!({});
        }
        if st["startTime"].is_null() && !suspended {
            st["startTime"] = json!(at);
        }
        for (k, v) in [("active", active_n), ("succeeded", succeeded), ("failed", failed)] {
            match v {
                0 => {
                    if let Some(m) = st.as_object_mut() {
                        m.remove(k);
                    }
                }
                v => st[k] = json!(v),
            }
        }
        st["ready"] = json!(active.iter().filter(|p| crate::sim::objects::is_ready(p)).count());
        st["terminating"] = json!(0);
        st["uncountedTerminatedPods"] = json!({});
        let cond = |ty: &str, reason: &str, message: &str| {
            json!({"type": ty, "status": "True", "lastProbeTime": at, "lastTransitionTime": at,
                   "reason": reason, "message": message})
        };
        if done {
            st["completionTime"] = json!(at);
            st["conditions"] = json!([
                cond("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
                cond("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
            ]);
        } else if failed_out {
            st["conditions"] = json!([
                cond("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                cond("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
            ]);
        }
        if o["spec"]["selector"].is_null() {
            o["spec"]["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": meta_str(job, "uid")}});
        }
        o["status"] != before || o["spec"]["selector"] != job["spec"]["selector"]
    });
}

fn reconcile_cronjob(
    sim: &Sim,
    rec: &Recorder,
    jobs: usize,
    cronjobs: usize,
    cj: &Value,
    now: jiff::Timestamp,
) {
    let ns = meta_str(cj, "namespace");
    let name = meta_str(cj, "name");
    let spec = &cj["spec"];
    let Ok(schedule) = Schedule::parse(spec["schedule"].as_str().unwrap_or("")) else {
        return;
    };
    let owned = sim.store.owned(jobs, ns, meta_str(cj, "uid"));
    let (mut running, done): (Vec<Arc<Value>>, Vec<Arc<Value>>) =
        owned.into_iter().partition(|j| !finished(j));
    let last =
        ts(&cj["status"]["lastScheduleTime"]).or_else(|| ts(&cj["metadata"]["creationTimestamp"]));
    // Of several missed start times only the most recent runs, as the controller does.
    let mut due = None;
    let mut cursor = last;
    for _ in 0..1000 {
        match cursor.and_then(|c| schedule.next_after(c)) {
            Some(next) if next <= now => {
                due = Some(next);
                cursor = Some(next);
            }
            _ => break,
        }
    }
    let mut scheduled = None;
    if let Some(at) = due.filter(|_| spec["suspend"] != json!(true)) {
        let policy = spec["concurrencyPolicy"].as_str().unwrap_or("Allow");
        let skip = policy == "Forbid" && !running.is_empty();
        if policy == "Replace" {
            for j in running.drain(..) {
                let _ = sim.store.delete(jobs, ns, meta_str(&j, "name"));
                rec.normal(
                    sim,
                    cj,
                    "SuccessfulDelete",
                    &format!("Deleted job {}", meta_str(&j, "name")),
                    "cronjob-controller",
                );
            }
        }
        if skip {
            rec.normal(sim, cj, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid", "cronjob-controller");
        } else {
            let tmpl = &spec["jobTemplate"];
            let job_name = format!("{name}-{}", at.as_second() / 60);
            let mut annotations = tmpl["metadata"]["annotations"].clone();
            if !annotations.is_object() {
                annotations = json!({});
            }
            annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] = json!(at.to_string());
            let job = json!({
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": job_name, "namespace": ns, "labels": tmpl["metadata"]["labels"].clone(),
                             "annotations": annotations, "ownerReferences": [owner_ref(cj)]},
                "spec": tmpl["spec"].clone(),
                "status": {},
            });
            let mut job = job;
            if job["metadata"]["labels"].is_null() {
                job["metadata"]["labels"] = json!({});
            }
            for (k, v) in [
                ("backoffLimit", json!(6)),
                ("completions", json!(1)),
                ("parallelism", json!(1)),
            ] {
                if job["spec"][k].is_null() {
                    job["spec"][k] = v;
                }
            }
            if let Ok(j) = sim.store.create(jobs, job) {
                rec.normal(
                    sim,
                    cj,
                    "SuccessfulCreate",
                    &format!("Created job {job_name}"),
                    "cronjob-controller",
                );
                running.push(j);
            }
        }
        scheduled = Some(at);
    }
    // History limits: the oldest finished jobs beyond them go (their pods follow by garbage collection).
    let limit = |key: &str, d: i64| spec[key].as_i64().unwrap_or(d).max(0) as usize;
    for (ok, keep) in [
        (true, limit("successfulJobsHistoryLimit", 3)),
        (false, limit("failedJobsHistoryLimit", 1)),
    ] {
        let mut of_kind: Vec<&Arc<Value>> = done
            .iter()
            .filter(|j| has_condition(j, "Complete") == ok)
            .collect();
        of_kind.sort_by_key(|j| meta_str(j, "creationTimestamp").to_string());
        let extra = of_kind.len().saturating_sub(keep);
        for j in of_kind.into_iter().take(extra) {
            let _ = sim.store.delete(jobs, ns, meta_str(j, "name"));
            rec.normal(
                sim,
                cj,
                "SuccessfulDelete",
                &format!("Deleted job {}", meta_str(j, "name")),
                "cronjob-controller",
            );
        }
    }
    let last_success = done
        .iter()
        .filter(|j| has_condition(j, "Complete"))
        .filter_map(|j| j["status"]["completionTime"].as_str())
        .max()
        .map(str::to_string);
    let active: Vec<Value> = running
        .iter()
        .map(|j| {
            json!({"kind": "Job", "namespace": ns, "name": meta_str(j, "name"),
                        "uid": meta_str(j, "uid"), "apiVersion": "batch/v1",
                        "resourceVersion": meta_str(j, "resourceVersion")})
        })
        .collect();
    sim.store.mutate(cronjobs, ns, name, |o| {
        let before = o["status"].clone();
        if !o["status"].is_object() {
            o["status"] = json!({});
        }
        let st = &mut o["status"];
        if active.is_empty() {
            if let Some(m) = st.as_object_mut() {
                m.remove("active");
            }
        } else {
            st["active"] = json!(active);
        }
        if let Some(at) = scheduled {
            st["lastScheduleTime"] = json!(at.to_string());
        }
        if let Some(t) = &last_success {
            st["lastSuccessfulTime"] = json!(t);
        }
        o["status"] != before
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_command() {
        assert_eq!(exit_code(&json!({"command": ["sh", "-c", "echo hi"]})), 0);
        assert_eq!(exit_code(&json!({"command": ["false"]})), 1);
        assert_eq!(
            exit_code(&json!({"args": ["sh", "-c", "sleep 1; exit 3"]})),
            3
        );
        assert_eq!(exit_code(&json!({})), 0);
    }
}
