//! The container picker: which container of a pod to stream (init containers included, marked), or for
//! a workload all containers or one of its pod template's. Built from the fetched object.

use serde_json::Value;

use crate::cluster::columns::containers::containers_of;

/// One entry of the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// None: every container (workloads only).
    pub container: Option<String>,
    pub init: bool,
    /// What the picker says next to the name: `init`, the state, readiness.
    pub detail: String,
}

impl Choice {
    pub fn label(&self) -> &str {
        self.container.as_deref().unwrap_or("all containers")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub choices: Vec<Choice>,
    pub selected: usize,
}

impl Picker {
    /// A picker on `choices` with the cursor on `current` (or the first regular container).
    pub fn new(choices: Vec<Choice>, current: Option<&str>) -> Self {
        let selected = choices
            .iter()
            .position(|c| c.container.as_deref() == current && current.is_some())
            .or_else(|| choices.iter().position(|c| !c.init))
            .unwrap_or(0);
        Picker { choices, selected }
    }

    pub fn step(&mut self, delta: isize) {
        let n = self.choices.len() as isize;
        if n > 0 {
            self.selected = (self.selected as isize + delta).clamp(0, n - 1) as usize;
        }
    }

    pub fn chosen(&self) -> Option<&Choice> {
        self.choices.get(self.selected)
    }
}

/// A pod's containers, with their state.
pub fn pod_choices(pod: &Value) -> Vec<Choice> {
    containers_of(pod)
        .into_iter()
        .map(|c| {
            let mut detail = if c.init {
                format!("init · {}", c.state)
            } else {
                c.state.clone()
            };
            if c.ready {
                detail.push_str(" · ready");
            }
            if c.restarts > 0 {
                detail.push_str(&format!(" · {} restarts", c.restarts));
            }
            Choice {
                container: Some(c.name),
                init: c.init,
                detail,
            }
        })
        .collect()
}

/// A workload's choices: all containers, then each container of its pod template.
pub fn workload_choices(workload: &Value) -> Vec<Choice> {
    let template = workload
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_default();
    std::iter::once(Choice {
        container: None,
        init: false,
        detail: "merged".to_string(),
    })
    .chain(containers_of(&template).into_iter().map(|c| Choice {
        container: Some(c.name),
        init: c.init,
        detail: if c.init { "init".into() } else { String::new() },
    }))
    .collect()
}

/// The container `kubectl logs` would pick without being told: the `default-container` annotation,
/// else the first regular container.
pub fn default_container(pod: &Value) -> Option<String> {
    pod.pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            crate::cluster::selector::container_names(pod)
                .into_iter()
                .next()
        })
}
