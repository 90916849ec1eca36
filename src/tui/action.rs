//! Every user action the keymap can bind. Keys map to actions (in [`super::keymap`]); actions are
//! handled by [`super::app::App::update`]. The resource actions (describe, logs, scale …) are named
//! here so keymaps and help cover them; their handlers belong to the views that implement them.

/// Where an action makes sense; help shows only what applies to the current view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere.
    Global,
    /// Any table.
    Table,
    /// A table of Kubernetes objects.
    Resource,
    /// Pod and workload tables (logs, port-forward).
    Pods,
    /// Scalable workloads.
    Workload,
    /// Secrets only.
    Secret,
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
    Yaml => "yaml", Resource, false, "View YAML";
    Logs => "logs", Pods, false, "Logs";
    PreviousLogs => "previous_logs", Pods, false, "Logs of the previous container";
    PortForward => "port_forward", Pods, true, "Port-forward";
    Scale => "scale", Workload, true, "Scale";
    Restart => "restart", Workload, true, "Rollout restart";
    Delete => "delete", Resource, true, "Delete (asks first)";
    RevealSecret => "reveal_secret", Secret, true, "Reveal secret values";
    CopyName => "copy_name", Resource, false, "Copy the name";
}

impl Action {
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
