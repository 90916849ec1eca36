//! The verbs on the selected object (describe, YAML, logs, port-forward, scale, restart, delete, reveal,
//! copy, shell): which page or dialog each one opens, and which of them apply where. Read-only mode is
//! enforced here, before any of them runs; the pages and dialogs they open do the rest.

use super::{App, Effect};
use crate::cluster::actions::ObjectRef;
use crate::tui::action::{Action, Place};
use crate::tui::dialogs::Dialog;
use crate::tui::dialogs::delete::DeleteDialog;
use crate::tui::dialogs::forward::ForwardDialog;
use crate::tui::dialogs::restart::RestartDialog;
use crate::tui::dialogs::scale::ScaleDialog;
use crate::tui::nav::ViewSpec;
use crate::tui::pages::Page;
use crate::tui::pages::forwards::ForwardsPage;
use crate::tui::pages::logs::{LogTarget, LogsPage};
use crate::tui::pages::text::{TextMode, TextPage};

impl App {
    /// Actions on the selected object. Read-only mode is enforced here, before any handler runs.
    pub(super) fn resource_action(&mut self, action: Action) -> Vec<Effect> {
        // A container (a pod's containers view, or a container in an xray): logs, shell, attach.
        if let Some((pod, container)) = self.view.selected_container() {
            return match action {
                Action::Logs | Action::PreviousLogs => {
                    self.container_logs(action == Action::PreviousLogs)
                }
                Action::Shell | Action::Attach => {
                    let attach = action == Action::Attach;
                    self.open_shell(pod, Some(container), attach)
                }
                _ => vec![],
            };
        }
        if !self.applies(action) {
            return vec![];
        }
        // Marked rows: each is checked in its own context (a merged view's marks span several).
        if matches!(action, Action::Delete | Action::Kill | Action::Restart)
            && !self.view.marks.is_empty()
        {
            return self.bulk(action);
        }
        if let Some(refusal) = self.readonly_refusal(action) {
            self.set_flash(refusal, true);
            return vec![];
        }
        let Some(target) = self.selected_object() else {
            return vec![];
        };
        match action {
            Action::Describe => self.open_text(TextMode::Describe, target, false),
            Action::Edit => vec![Effect::Edit(target)],
            Action::JumpOwner => {
                let page = self.next_page_id();
                self.owner_jump = Some((page, target.context.clone()));
                vec![Effect::FetchObject {
                    page,
                    target,
                    with_related: false,
                }]
            }
            Action::Yaml => self.open_text(TextMode::Yaml, target, false),
            Action::RevealSecret => self.open_text(TextMode::Describe, target, true),
            Action::Logs => self.logs_of(target, false),
            Action::PreviousLogs => self.logs_of(target, true),
            Action::CopyName => {
                self.set_flash(format!("copied {}", target.name), false);
                vec![Effect::Copy(target.name)]
            }
            Action::Scale => {
                let id = self.next_page_id();
                self.open_dialog(Dialog::Scale(ScaleDialog::new(id, target)))
            }
            Action::Restart => {
                let id = self.next_page_id();
                self.open_dialog(Dialog::Restart(RestartDialog::new(id, target)))
            }
            Action::Delete => {
                let id = self.next_page_id();
                let guarded = self.rules_for(target.context.as_deref()).guarded;
                self.open_dialog(Dialog::Delete(DeleteDialog::new(id, target, guarded)))
            }
            Action::Kill => {
                let id = self.next_page_id();
                let guarded = self.rules_for(target.context.as_deref()).guarded;
                self.open_dialog(Dialog::Delete(DeleteDialog::kill(id, target, guarded)))
            }
            Action::PortForward => {
                let id = self.next_page_id();
                self.open_dialog(Dialog::Forward(ForwardDialog::new(id, target)))
            }
            Action::SetImage => {
                let id = self.next_page_id();
                self.open_dialog(Dialog::Image(crate::tui::dialogs::image::ImageDialog::new(
                    id, target,
                )))
            }
            Action::Trigger => {
                let id = self.next_page_id();
                self.open_dialog(Dialog::Trigger(
                    crate::tui::dialogs::trigger::TriggerDialog::new(id, target),
                ))
            }
            Action::Cordon | Action::Uncordon | Action::Drain => {
                use crate::tui::dialogs::node::{NodeDialog, NodeOp};
                let op = match action {
                    Action::Cordon => NodeOp::Cordon,
                    Action::Uncordon => NodeOp::Uncordon,
                    _ => NodeOp::Drain,
                };
                let id = self.next_page_id();
                self.open_dialog(Dialog::Node(NodeDialog::new(id, target, op)))
            }
            Action::Shell => match target.namespace {
                Some(ns) if self.selected_containers() > 1 => {
                    // Several containers: ask which one, in the pod's containers view, as k9s asks.
                    let hint = self
                        .keymap
                        .hint(Action::Shell)
                        .unwrap_or_else(|| "shell".into());
                    self.set_flash(
                        format!(
                            "{} has several containers: pick one and press {hint}",
                            target.name
                        ),
                        false,
                    );
                    self.open(ViewSpec::Containers {
                        namespace: ns,
                        pod: target.name,
                        clusters: target
                            .context
                            .as_deref()
                            .map(crate::tui::nav::Clusters::one),
                    })
                }
                Some(_) => self.open_shell(target, None, false),
                None => vec![],
            },
            // The pod's default container; a container without stdin is refused with the reason.
            Action::Attach => match target.namespace {
                Some(_) => self.open_shell(target, None, true),
                None => vec![],
            },
            _ => vec![],
        }
    }

    /// How many containers the selected pod row has: the total of its READY column (`1/2`, which an
    /// xray's pod node has too).
    fn selected_containers(&self) -> usize {
        let Some(col) = self.view.columns.iter().position(|c| c.name == "READY") else {
            return 1;
        };
        self.selected_row()
            .and_then(|r| r.cells.get(col))
            .map(|c| c.render(0))
            .and_then(|t| t.split_once('/').and_then(|(_, n)| n.parse().ok()))
            .unwrap_or(1)
    }

    /// A shell in a container, or with `attach` the container's own process (the pod's default
    /// container when `container` is None): the TUI is suspended while it runs. Read-only mode refuses
    /// it like any other mutation.
    fn open_shell(
        &mut self,
        pod: ObjectRef,
        container: Option<String>,
        attach: bool,
    ) -> Vec<Effect> {
        let action = if attach {
            Action::Attach
        } else {
            Action::Shell
        };
        if let Some(refusal) = self.readonly_refusal(action) {
            self.set_flash(refusal, true);
            return vec![];
        }
        vec![Effect::Exec {
            namespace: pod.namespace.unwrap_or_default(),
            pod: pod.name,
            container,
            attach,
            context: pod.context,
        }]
    }

    /// Logs of the container under the cursor in the containers view.
    pub(super) fn container_logs(&mut self, previous: bool) -> Vec<Effect> {
        match self.view.selected_container() {
            Some((pod, container)) => {
                self.open_logs(LogTarget::pod(pod, Some(container)), previous)
            }
            None => vec![],
        }
    }

    /// Describe (`revealed`: with secret values shown) or YAML of `target`.
    fn open_text(&mut self, mode: TextMode, target: ObjectRef, revealed: bool) -> Vec<Effect> {
        let id = self.next_page_id();
        let mut page = TextPage::new(id, mode, target);
        page.revealed = revealed;
        self.open_page(Page::Text(page))
    }

    /// Opens the logs page on `target`. A pod without a chosen container is fetched first (its
    /// containers decide between streaming right away and the picker); anything else streams now, and
    /// the fetch only fills the container list for the picker.
    fn open_logs(&mut self, target: LogTarget, previous: bool) -> Vec<Effect> {
        let id = self.next_page_id();
        let page = LogsPage::new(id, target, previous, self.config.log_buffer);
        self.open_page(Page::Logs(page))
    }

    /// `l`/`p` on a pod or workload row.
    fn logs_of(&mut self, object: ObjectRef, previous: bool) -> Vec<Effect> {
        if object.kind.kind == "Pod" {
            return self.open_logs(LogTarget::pod(object, None), previous);
        }
        match self.selected_row().and_then(|r| r.selector.clone()) {
            Some(sel) => self.open_logs(LogTarget::workload(object, sel), previous),
            None => {
                self.set_flash(format!("{} selects no pods", object.display()), false);
                vec![]
            }
        }
    }

    /// `:pf`: the port-forwards page over the current table.
    pub(super) fn open_forwards(&mut self) -> Vec<Effect> {
        let id = self.next_page_id();
        let hint = self
            .keymap
            .hint(Action::PortForward)
            .unwrap_or_else(|| "port_forward".into());
        self.open_page(Page::Forwards(ForwardsPage::new(id, hint)))
    }

    /// Where the user is: the open page, or the table.
    pub fn place(&self) -> Place {
        self.page.as_ref().map_or(Place::Table, Page::place)
    }

    /// Whether `action` makes sense where the user is (help and the footer list only these).
    /// Delete, kill or restart on every marked row, after one confirmation that lists them.
    fn bulk(&mut self, action: Action) -> Vec<Effect> {
        use crate::tui::dialogs::bulk::{BulkDialog, BulkOp};
        let targets: Vec<ObjectRef> = self
            .view
            .marked_rows()
            .into_iter()
            .filter_map(|r| self.view.object_of(r))
            .collect();
        let op = match action {
            Action::Kill => BulkOp::Kill,
            Action::Restart => BulkOp::Restart,
            _ => BulkOp::Delete,
        };
        // Every marked row must be allowed in its own context: one read-only context refuses it all.
        let action = match op {
            BulkOp::Kill => Action::Kill,
            BulkOp::Restart => Action::Restart,
            BulkOp::Delete => Action::Delete,
        };
        let mut contexts: Vec<Option<String>> = targets.iter().map(|t| t.context.clone()).collect();
        contexts.dedup();
        for c in &contexts {
            if let Some(refusal) = self.readonly_refusal_in(action, c.as_deref()) {
                self.set_flash(format!("{refusal}; unmark its rows to go on"), true);
                return vec![];
            }
        }
        let id = self.next_page_id();
        let guarded = |c: Option<&str>| self.rules_for(c).guarded;
        match BulkDialog::new(id, op, targets, guarded) {
            Some(d) => self.open_dialog(Dialog::Bulk(d)),
            None => {
                self.set_flash("the marked rows are gone: nothing to do", false);
                vec![]
            }
        }
    }

    /// The plugin `key` runs in this view, if any.
    pub(super) fn plugin_for(
        &self,
        key: crate::tui::keymap::Key,
    ) -> Option<crate::tui::extensions::Plugin> {
        let mut names: Vec<String> = Vec::new();
        let kind = self.selected_object().map(|o| o.kind);
        match (self.view.selected_container(), kind) {
            // k9s's scope for a pod's containers.
            (Some(_), _) => names.push("containers".into()),
            (_, Some(kind)) => {
                names.push(kind.plural.clone());
                names.push(kind.kind.to_lowercase());
                names.extend(kind.short_names.iter().cloned());
            }
            _ => return None,
        }
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        self.options
            .plugins
            .iter()
            .find(|p| p.key == key && p.in_scope(&names))
            .cloned()
    }

    /// Runs a plugin on the selected row with k9s's variables ($NAME, $NAMESPACE, $CONTEXT, $CLUSTER,
    /// $USER, $FILTER, $CONTAINER, $COL-<COLUMN>), after a confirmation when it asks for one.
    pub(super) fn run_plugin(&mut self, p: crate::tui::extensions::Plugin) -> Vec<Effect> {
        if let Some(refusal) = self.readonly_refusal(Action::RunPlugin) {
            self.set_flash(
                refusal.replace("run plugin", &format!("run plugin {}", p.name)),
                true,
            );
            return vec![];
        }
        let Some(row) = self.selected_row().cloned() else {
            return vec![];
        };
        // On a container the plugin runs on its pod, with $CONTAINER set.
        let (target, container) = match self.view.container_of(&row) {
            Some(c) => c,
            None => match self.selected_object() {
                Some(t) => (t, String::new()),
                None => return vec![],
            },
        };
        // A merged view's row: the plugin runs against the row's cluster, never the connected one.
        let context = target
            .context
            .clone()
            .or_else(|| self.session.context.clone())
            .unwrap_or_default();
        let info = self.kubeconfig.context(&context);
        let (cluster, user) = (
            info.as_ref()
                .and_then(|i| i.cluster.clone())
                .unwrap_or_default(),
            info.and_then(|i| i.user).unwrap_or_default(),
        );
        let mut vars: Vec<(String, String)> = vec![
            ("NAME".into(), target.name.clone()),
            (
                "NAMESPACE".into(),
                target.namespace.clone().unwrap_or_default(),
            ),
            ("CONTEXT".into(), context),
            ("CLUSTER".into(), cluster),
            ("USER".into(), user),
            ("FILTER".into(), self.view.filter_text.clone()),
            ("CONTAINER".into(), container),
        ];
        let now = jiff::Timestamp::now().as_second();
        for (c, cell) in self.view.columns.iter().zip(&row.cells) {
            vars.push((
                format!("COL-{}", c.name.replace(' ', "_")),
                cell.render(now),
            ));
        }
        let args: Vec<String> = p
            .args
            .iter()
            .map(|a| crate::tui::extensions::expand(a, &vars))
            .collect();
        let env: Vec<(String, String)> = vars
            .iter()
            .filter(|(k, _)| !k.contains('-'))
            .cloned()
            .collect();
        let run = Effect::Plugin {
            command: p.command.clone(),
            args: args.clone(),
            env,
            background: p.background,
        };
        if p.confirm {
            let id = self.next_page_id();
            let line = std::iter::once(p.command.clone())
                .chain(args)
                .collect::<Vec<_>>()
                .join(" ");
            return self.open_dialog(Dialog::Plugin(
                crate::tui::dialogs::plugin::PluginDialog::new(id, target, p.name, line, run),
            ));
        }
        vec![run]
    }

    pub fn applies(&self, action: Action) -> bool {
        let place = self.place();
        if !action.scope().places().contains(&place) {
            return false;
        }
        match &self.page {
            Some(p) => p.applies(action),
            None => self.view.applies(action),
        }
    }
}
