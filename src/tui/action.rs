//! Every user action the keymap can bind. Keys map to actions (in [`super::keymap`]); actions are
//! handled by [`super::app::App::update`]: table actions in [`super::update`], page actions in
//! [`super::pages`].

use crate::cluster::kinds::Builtin;

/// Where the user is: a table, or one of the full-screen pages opened over it. A key may be bound to
/// several actions as long as no place has two of them (`f` can follow logs and mean nothing in a table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    Table,
    /// Describe or YAML of one object.
    Text,
    Logs,
    /// The `:pf` list of port-forwards.
    Forwards,
}

impl Place {
    pub const ALL: &'static [Place] = &[Place::Table, Place::Text, Place::Logs, Place::Forwards];
}

/// Where an action makes sense; help shows only what applies to the current view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere.
    Global,
    /// Moving: any table or page.
    Table,
    /// A table of Kubernetes objects.
    Resource,
    /// Pod and workload tables (logs).
    Pods,
    /// Pods only (and the containers view): a shell in a container.
    Pod,
    /// Nodes only: cordon, uncordon, drain.
    Node,
    /// CronJobs only (batch/v1, not a built-in table): trigger.
    CronJob,
    /// Scalable workloads (the scale subresource): deployments, statefulsets, replicasets.
    Workload,
    /// Workloads `kubectl rollout restart` accepts: deployments, statefulsets, daemonsets.
    Restartable,
    /// What a port-forward can target: pods, services and workloads.
    Forwardable,
    /// Secrets only (their table, and their describe/YAML page).
    Secret,
    /// Pages that show text: describe, YAML and logs (search, scrolling sideways).
    Pager,
    /// The describe/YAML page.
    Text,
    /// The logs page.
    Logs,
    /// The port-forwards page.
    Forwards,
}

impl Scope {
    /// The places an action of this scope can apply in (the app narrows it further by kind).
    pub fn places(self) -> &'static [Place] {
        match self {
            Scope::Global | Scope::Table => Place::ALL,
            Scope::Resource
            | Scope::Pods
            | Scope::Pod
            | Scope::Node
            | Scope::CronJob
            | Scope::Workload
            | Scope::Restartable
            | Scope::Forwardable => &[Place::Table],
            Scope::Secret => &[Place::Table, Place::Text],
            Scope::Pager => &[Place::Text, Place::Logs],
            Scope::Text => &[Place::Text],
            Scope::Logs => &[Place::Logs],
            Scope::Forwards => &[Place::Forwards],
        }
    }

    /// The kinds of table an action of this scope applies to; None: any.
    pub fn kinds(self) -> Option<&'static [Builtin]> {
        use Builtin::*;
        match self {
            Scope::Pods => Some(&[Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets]),
            Scope::Pod => Some(&[Pods]),
            Scope::Node => Some(&[Nodes]),
            Scope::Workload => Some(&[Deployments, StatefulSets, ReplicaSets]),
            Scope::Restartable => Some(&[Deployments, StatefulSets, DaemonSets]),
            Scope::Forwardable => Some(&[
                Pods,
                Services,
                Deployments,
                StatefulSets,
                DaemonSets,
                ReplicaSets,
            ]),
            Scope::Secret => Some(&[Secrets]),
            _ => None,
        }
    }

    /// Whether two scopes can apply at the same time — in the same place and, in a table, to the same
    /// kind. Then they may not share a key (`s` can scale a deployment and open a shell in a pod).
    pub fn overlaps(self, other: Scope) -> bool {
        let shared: Vec<Place> = self
            .places()
            .iter()
            .copied()
            .filter(|p| other.places().contains(p))
            .collect();
        if shared.is_empty() {
            return false;
        }
        // Kinds only narrow tables; a scope that also applies on a page overlaps there.
        if shared != [Place::Table] {
            return true;
        }
        match (self.kinds(), other.kinds()) {
            (Some(a), Some(b)) => a.iter().any(|k| b.contains(k)),
            // A kind's own verb may take a key every table has (`c` cordons a node, copies elsewhere):
            // on that kind the kind's verb wins (see `Keymap::lookup_where`).
            (Some(_), None) | (None, Some(_)) => false,
            (None, None) => true,
        }
    }
}

macro_rules! actions {
    ($($variant:ident => $name:literal, $scope:ident, $mutating:literal, $help:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }

            pub fn scope(self) -> Scope {
                match self { $(Action::$variant => Scope::$scope),* }
            }

            /// Changes the cluster (or reveals secrets): blocked in read-only mode.
            pub fn is_mutating(self) -> bool {
                match self { $(Action::$variant => $mutating),* }
            }

            /// One line for the help screen.
            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),* }
            }
        }
    };
}

actions! {
    Quit => "quit", Global, false, "Quit kdeck";
    Command => "command", Global, false, "Command mode (:pods, :deploy ns, :ctx …)";
    Filter => "filter", Table, false, "Filter (fuzzy; !x inverse; -l k=v labels)";
    Help => "help", Global, false, "Show or hide this help";
    Back => "back", Global, false, "Back / clear filter / close";
    Up => "up", Table, false, "Move up";
    Down => "down", Table, false, "Move down";
    PageUp => "page_up", Table, false, "Page up";
    PageDown => "page_down", Table, false, "Page down";
    Top => "top", Table, false, "First row";
    Bottom => "bottom", Table, false, "Last row";
    Enter => "drill_down", Table, false, "Open the selected row";
    HistoryBack => "history_back", Global, false, "Previous command in history";
    HistoryForward => "history_forward", Global, false, "Next command in history";
    HistoryLast => "history_last", Global, false, "Toggle the last command";
    Favourite0 => "namespace_0", Resource, false, "All namespaces";
    Favourite1 => "namespace_1", Resource, false, "Favourite namespace 1";
    Favourite2 => "namespace_2", Resource, false, "Favourite namespace 2";
    Favourite3 => "namespace_3", Resource, false, "Favourite namespace 3";
    Favourite4 => "namespace_4", Resource, false, "Favourite namespace 4";
    Favourite5 => "namespace_5", Resource, false, "Favourite namespace 5";
    Favourite6 => "namespace_6", Resource, false, "Favourite namespace 6";
    Favourite7 => "namespace_7", Resource, false, "Favourite namespace 7";
    Favourite8 => "namespace_8", Resource, false, "Favourite namespace 8";
    Favourite9 => "namespace_9", Resource, false, "Favourite namespace 9";
    Describe => "describe", Resource, false, "Describe";
    Edit => "edit", Resource, true, "Edit in $KUBE_EDITOR / $EDITOR / vi (the TUI waits)";
    Yaml => "yaml", Resource, false, "View YAML";
    Logs => "logs", Pods, false, "Logs";
    PreviousLogs => "previous_logs", Pods, false, "Logs of the previous container";
    PortForward => "port_forward", Forwardable, true, "Port-forward (asks for ports)";
    Scale => "scale", Workload, true, "Scale (asks for replicas)";
    Restart => "restart", Restartable, true, "Rollout restart (asks first)";
    Delete => "delete", Resource, true, "Delete (asks first)";
    Kill => "kill", Pod, true, "Kill: delete at once, no grace period (asks first)";
    SetImage => "set_image", Pods, true, "Set container images (asks for them)";
    RunPlugin => "run_plugin", Resource, true, "Run a plugin (plugins.yaml binds its keys)";
    RevealSecret => "reveal_secret", Secret, true, "Reveal secret values";
    CopyName => "copy_name", Resource, false, "Copy the name";
    Mark => "mark", Resource, false, "Mark the row (delete, kill and restart act on every marked row)";
    MarkRange => "mark_range", Resource, false, "Mark every row from the last marked one to here";
    ClearMarks => "clear_marks", Resource, false, "Clear the marks";
    ToggleWide => "toggle_wide", Resource, false, "Wide: show the server's extra columns too (as -o wide)";
    JumpOwner => "jump_owner", Resource, false, "Jump to the owner (pod → replicaset → deployment, job → cronjob)";
    SortName => "sort_name", Resource, false, "Sort by name (again: reverse)";
    SortAge => "sort_age", Resource, false, "Sort by age (again: reverse)";
    SortStatus => "sort_status", Resource, false, "Sort by status (again: reverse)";
    SortReady => "sort_ready", Resource, false, "Sort by ready, else restarts (again: reverse)";
    SortCpu => "sort_cpu", Resource, false, "Sort by CPU (again: reverse)";
    SortMem => "sort_mem", Resource, false, "Sort by memory (again: reverse)";
    SortNode => "sort_node", Resource, false, "Sort by node (again: reverse)";
    SortIp => "sort_ip", Resource, false, "Sort by IP (again: reverse)";
    Shell => "shell", Pod, true, "Shell in the container (the TUI waits)";
    Attach => "attach", Pod, true, "Attach to the container's process (stdin/tty; ctrl-p ctrl-q detaches)";
    Trigger => "trigger", CronJob, true, "Trigger: run a Job from the CronJob now (asks first)";
    Cordon => "cordon", Node, true, "Cordon the node (asks first)";
    Uncordon => "uncordon", Node, true, "Uncordon the node (asks first)";
    Drain => "drain", Node, true, "Drain the node: evict its pods (options, progress)";
    SearchNext => "search_next", Pager, false, "Next match";
    SearchPrev => "search_prev", Pager, false, "Previous match";
    ScrollLeft => "scroll_left", Pager, false, "Scroll left";
    ScrollRight => "scroll_right", Pager, false, "Scroll right";
    ToggleManagedFields => "toggle_managed_fields", Text, false, "Show or hide managedFields (YAML)";
    StopForward => "stop_forward", Forwards, false, "Stop the selected port-forward";
    LogFollow => "log_follow", Logs, false, "Follow the end, or pause (new lines are still kept)";
    LogWrap => "log_wrap", Logs, false, "Wrap long lines";
    LogTimestamps => "log_timestamps", Logs, false, "Show or hide timestamps";
    LogJson => "log_json", Logs, false, "Pretty-print JSON lines";
    LogSince => "log_since", Logs, false, "Since: cycle 1m … 24h (restarts the stream)";
    LogTail => "log_tail", Logs, false, "Tail: cycle 100 1000 10000 all (restarts the stream)";
    LogPrevious => "log_previous", Logs, false, "Previous container on/off (restarts the stream)";
    LogContainer => "log_container", Logs, false, "Pick the container (restarts the stream)";
    LogClear => "log_clear", Logs, false, "Clear the view (saving still writes everything)";
    LogSave => "log_save", Logs, false, "Save the whole stream to a 0600 file";
    LogFilter => "log_filter", Logs, false, "Filter: show only lines that match";
}

impl Action {
    /// The action as the safety policy names it (for the same refusal wording everywhere).
    pub fn safety_action(self) -> Option<crate::safety::Action> {
        use crate::safety::Action as S;
        match self {
            Action::Scale => Some(S::Scale),
            Action::Restart => Some(S::Restart),
            Action::Delete | Action::Kill => Some(S::Delete),
            Action::PortForward => Some(S::PortForward),
            Action::RevealSecret => Some(S::SecretReveal),
            Action::Shell | Action::Attach => Some(S::Exec),
            Action::Edit => Some(S::Edit),
            Action::Cordon | Action::Uncordon | Action::Drain => Some(S::NodeMaintenance),
            Action::Trigger => Some(S::Trigger),
            Action::SetImage => Some(S::SetImage),
            _ => None,
        }
    }

    /// The favourite-namespace slot this action selects.
    pub fn favourite_slot(self) -> Option<usize> {
        use Action::*;
        [
            Favourite0, Favourite1, Favourite2, Favourite3, Favourite4, Favourite5, Favourite6,
            Favourite7, Favourite8, Favourite9,
        ]
        .iter()
        .position(|a| *a == self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
            assert!(seen.insert(a.name()), "{} twice", a.name());
        }
        assert!(Action::Delete.is_mutating());
        assert!(!Action::Describe.is_mutating());
        assert_eq!(Action::Favourite7.favourite_slot(), Some(7));
    }
}
