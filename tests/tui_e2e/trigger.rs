//! `t` on a CronJob on the real binary: a Job is created from its template at once, owned by the
//! CronJob and marked as a manual run; kubectl reads it back.

use super::harness::*;

const CRONJOB: &str = "apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: default}
spec:
  schedule: \"0 3 * * *\"
  jobTemplate:
    metadata: {labels: {app: report}}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: report, image: busybox}]
";

#[test]
fn t_on_a_cronjob_creates_a_job_from_its_template() {
    if skip_without_tools() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path(), 1);
    let applied = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf '%s' \"$1\" | kubectl --kubeconfig {} apply -f -",
            sim.kubeconfig.display()
        ))
        .arg("sh")
        .arg(CRONJOB)
        .output()
        .unwrap();
    assert!(applied.status.success(), "{applied:?}");
    let t = Tmux::start(
        &session_name("trigger"),
        &kdeck_command(
            home.path(),
            &sim.kubeconfig,
            "-n default --command :cronjobs",
        ),
    );
    t.wait_for("nightly");
    t.literal("t");
    t.wait_for("Trigger cronjob default/nightly?");
    t.keys(&["Enter"]);
    let screen = t.wait_for("created job default/nightly-manual-");
    let jobs = kubectl(
        &sim.kubeconfig,
        &[
            "get",
            "jobs",
            "-n",
            "default",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name} {.metadata.ownerReferences[0].name} {.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate} {.metadata.labels.app}{\"\\n\"}{end}",
        ],
    );
    let line = jobs
        .lines()
        .find(|l| l.starts_with("nightly-manual-"))
        .unwrap_or_else(|| panic!("no manual job: {jobs}\n{screen}"));
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(&fields[1..], ["nightly", "manual", "report"], "{line}");
    assert!(
        screen.contains(fields[0]),
        "the flash names the job: {screen}"
    );
}
