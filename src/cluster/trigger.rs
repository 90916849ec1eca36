//! `t` on a CronJob, as `kubectl create job --from=cronjob/NAME` does it: a Job made now from the
//! CronJob's job template, owned by the CronJob and marked as a manual run
//! (`cronjob.kubernetes.io/instantiate: manual`), named `<cronjob>-manual-<suffix>`.

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Api, PostParams};

use super::actions::ActionError;

/// kubectl's annotation on a Job created by hand from a CronJob.
pub const INSTANTIATE: &str = "cronjob.kubernetes.io/instantiate";

/// The Job `cronjob` would run now, named `name`.
pub fn job_from(cronjob: &CronJob, name: &str) -> Job {
    let template = cronjob.spec.job_template.clone();
    let tmeta = template.metadata.unwrap_or_default();
    let mut annotations = tmeta.annotations.unwrap_or_default();
    annotations.insert(INSTANTIATE.to_string(), "manual".to_string());
    let owner = OwnerReference {
        api_version: "batch/v1".into(),
        kind: "CronJob".into(),
        name: cronjob.metadata.name.clone().unwrap_or_default(),
        uid: cronjob.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: None,
    };
    Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: cronjob.metadata.namespace.clone(),
            labels: tmeta.labels,
            annotations: Some(annotations),
            owner_references: Some(vec![owner]),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    }
}

/// Creates the Job now; answers its name.
pub async fn trigger(
    client: &kube::Client,
    ns: &str,
    cronjob: &str,
) -> Result<String, ActionError> {
    let label = || format!("cronjobs {ns}/{cronjob}");
    let cj = Api::<CronJob>::namespaced(client.clone(), ns)
        .get(cronjob)
        .await
        .map_err(|e| ActionError::from_kube("trigger", label(), e))?;
    // A Job name is at most 63 characters: the CronJob's name is cut to leave room for the suffix.
    let suffix: String = (0..5)
        .map(|_| {
            let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
            alphabet[rand::random::<u32>() as usize % alphabet.len()] as char
        })
        .collect();
    let base: String = cronjob.chars().take(63 - "-manual-".len() - 5).collect();
    let name = format!("{base}-manual-{suffix}");
    let job = job_from(&cj, &name);
    Api::<Job>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &job)
        .await
        .map_err(|e| ActionError::from_kube("trigger", label(), e))?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_is_the_template_owned_by_the_cronjob_and_marked_manual() {
        let cj: CronJob = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "nightly", "namespace": "ops", "uid": "u-1"},
            "spec": {"schedule": "0 3 * * *", "jobTemplate": {
                "metadata": {"labels": {"app": "report"}, "annotations": {"team": "data"}},
                "spec": {"backoffLimit": 2, "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "r", "image": "busybox"}]}}}}}
        }))
        .unwrap_or_default();
        let job = job_from(&cj, "nightly-manual-abcde");
        let meta = &job.metadata;
        assert_eq!(meta.namespace.as_deref(), Some("ops"));
        let ann = meta.annotations.clone().unwrap_or_default();
        assert_eq!(ann.get(INSTANTIATE).map(String::as_str), Some("manual"));
        assert_eq!(ann.get("team").map(String::as_str), Some("data"));
        let owner = &meta.owner_references.clone().unwrap_or_default()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.uid.as_str()),
            ("CronJob", "u-1")
        );
        assert_eq!(job.spec.and_then(|s| s.backoff_limit), Some(2));
    }
}
