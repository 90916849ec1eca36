//! The verbs on the selected object (describe, YAML, logs, port-forward, scale, restart, delete, reveal,
//! copy): where each one starts, and which of them apply where. Read-only mode is enforced here, before
//! any of them runs; the pages and dialogs they open do the rest.

use super::action::{Action, Place, Scope};
use super::app::{App, Effect};
use super::dialogs::Dialog;
use super::dialogs::delete::DeleteDialog;
use super::dialogs::forward::ForwardDialog;
use super::dialogs::restart::RestartDialog;
use super::dialogs::scale::ScaleDialog;
use super::nav::ViewSpec;
use super::pages::logs::LogTarget;
use super::pages::text::{TextMode, TextPage};
use super::pages::{ObjectRef, Page};

impl App {
    /// Actions on the selected object. Read-only mode is enforced here, before any handler runs.
    pub(crate) fn resource_action(&mut self, action: Action) -> Vec<Effect> {
        if let ViewSpec::Containers { namespace, pod } = self.view.spec.clone() {
            return match action {
                Action::Logs | Action::PreviousLogs => {
                    self.container_logs(action == Action::PreviousLogs)
                }
                Action::Shell => {
                    let container = self.selected_row().map(|r| r.key.name.to_string());
                    self.open_shell(namespace, pod, container)
                }
                _ => vec![],
            };
        }
        if self.view.spec.kind().is_none() || !self.applies(action) {
            return vec![];
        }
        if let Some(refusal) = self.readonly_refusal(action) {
            self.set_flash(refusal, true);
            return vec![];
        }
        let Some(target) = self.selected_object() else {
            return vec![];
        };
        match action {
            Action::Describe => self.open_text(TextMode::Describe, target),
            Action::Yaml => self.open_text(TextMode::Yaml, target),
            Action::RevealSecret => {
                let effects = self.open_text(TextMode::Describe, target);
                if let Some(Page::Text(p)) = self.page.as_mut() {
                    p.revealed = true;
                }
                effects
            }
            Action::Logs => self.logs_of(target, false),
            Action::PreviousLogs => self.logs_of(target, true),
            Action::CopyName => {
                self.set_flash(format!("copied {}", target.name), false);
                vec![Effect::Copy(target.name)]
            }
            Action::Scale => self.open_dialog(|id| Dialog::Scale(ScaleDialog::new(id, target))),
            Action::Restart => {
                self.open_dialog(|id| Dialog::Restart(RestartDialog::new(id, target)))
            }
            Action::Delete => {
                let guarded = self.session.guarded;
                self.open_dialog(|id| Dialog::Delete(DeleteDialog::new(id, target, guarded)))
            }
            Action::PortForward => {
                self.open_dialog(|id| Dialog::Forward(ForwardDialog::new(id, target)))
            }
            Action::Shell => match target.namespace {
                Some(ns) => self.open_shell(ns, target.name, None),
                None => vec![],
            },
            _ => vec![],
        }
    }

    /// A shell in a container (the pod's default one when `container` is None): the TUI is suspended
    /// while it runs. Read-only mode refuses it like any other mutation.
    fn open_shell(
        &mut self,
        namespace: String,
        pod: String,
        container: Option<String>,
    ) -> Vec<Effect> {
        if let Some(refusal) = self.readonly_refusal(Action::Shell) {
            self.set_flash(refusal, true);
            return vec![];
        }
        vec![Effect::Exec {
            namespace,
            pod,
            container,
        }]
    }

    /// Logs of the container under the cursor in the containers view.
    pub(crate) fn container_logs(&mut self, previous: bool) -> Vec<Effect> {
        let ViewSpec::Containers { namespace, pod } = self.view.spec.clone() else {
            return vec![];
        };
        let (Some(row), Some(kind)) = (self.selected_row(), self.kinds.resolve("pods").cloned())
        else {
            return vec![];
        };
        let container = row.key.name.to_string();
        let object = ObjectRef {
            kind,
            namespace: Some(namespace),
            name: pod,
        };
        self.open_logs(LogTarget::pod(object, Some(container)), previous)
    }

    fn open_text(&mut self, mode: TextMode, target: ObjectRef) -> Vec<Effect> {
        let id = self.next_page_id();
        let page = TextPage::new(id, mode, target);
        let effect = page.fetch_effect();
        self.open_page(Page::Text(page));
        vec![effect]
    }

    /// Whether `action` makes sense in the current view (help lists only these).
    pub fn applies(&self, action: Action) -> bool {
        let place = self.place();
        if !action.scope().places().contains(&place) {
            return false;
        }
        if place != Place::Table {
            return match (action.scope(), &self.page) {
                (Scope::Secret, Some(Page::Text(p))) => p.is_secret(),
                (Scope::Secret, _) => false,
                (Scope::Text, Some(Page::Text(p))) if action == Action::ToggleManagedFields => {
                    p.mode == TextMode::Yaml
                }
                // The `:pf` list is short and has nothing to search.
                _ if action == Action::Filter => place != Place::Forwards,
                _ => true,
            };
        }
        if let ViewSpec::Containers { .. } = self.view.spec {
            return matches!(action.scope(), Scope::Global | Scope::Table)
                || matches!(action, Action::Logs | Action::PreviousLogs | Action::Shell);
        }
        let builtin = self.view.spec.kind().and_then(|k| k.builtin);
        match action.scope() {
            Scope::Global => true,
            Scope::Table => true,
            Scope::Resource => self.view.spec.kind().is_some(),
            s @ (Scope::Pods
            | Scope::Pod
            | Scope::Workload
            | Scope::Restartable
            | Scope::Forwardable
            | Scope::Secret) => builtin.is_some_and(|b| s.kinds().is_some_and(|k| k.contains(&b))),
            Scope::Pager | Scope::Text | Scope::Logs | Scope::Forwards => false,
        }
    }
}
