//! `:` commands and the moves they make: switching context (inside kdeck; `:use` also writes
//! kubeconfig) or namespace, opening a view, and drilling down from a row to what it owns.

use super::{App, Effect};
use crate::cluster::kinds::{Builtin, KindSpec};
use crate::tui::command::{self, Command, NsChoice};
use crate::tui::nav::ViewSpec;
use crate::tui::session::Connection;

impl App {
    /// Runs a command-mode line. `record` adds it to history (history walks do not).
    pub(super) fn run_command(&mut self, text: &str, record: bool) -> Vec<Effect> {
        self.run_command_after(text, record, false)
    }

    /// `refreshed`: discovery was asked again for this command already.
    fn run_command_after(&mut self, text: &str, record: bool, refreshed: bool) -> Vec<Effect> {
        // An alias (aliases.yaml) stands for its command; what follows it is kept.
        let expanded = self.options.aliases.expand(text);
        let text = expanded.as_deref().unwrap_or(text);
        let cmd = match command::parse(text, &self.kinds) {
            Ok(c) => c,
            Err(e) => {
                if !refreshed
                    && self.connection == Connection::Connected
                    && matches!(e, command::ParseError::UnknownKind(_))
                {
                    // Maybe a kind that appeared after discovery ran (a CRD just applied): ask again.
                    self.unknown_kind_command = Some((text.to_string(), record));
                    self.set_flash(format!("looking up \"{}\"…", text.trim()), false);
                    return vec![Effect::Discover];
                }
                self.set_flash(e.to_string(), true);
                return vec![];
            }
        };
        if record {
            self.history.push(text.trim().trim_start_matches(':'));
        }
        match cmd {
            Command::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            Command::Contexts => self.open(ViewSpec::Contexts),
            Command::Forwards => self.open_forwards(),
            Command::Fleet => self.open(ViewSpec::Fleet),
            Command::Xray {
                kind,
                namespace,
                context,
            } => {
                let clusters = match self.merged_clusters(context.as_deref()) {
                    Ok(c) => c,
                    Err(e) => {
                        self.set_flash(e, true);
                        return vec![];
                    }
                };
                let ns = match namespace {
                    Some(NsChoice::All) => None,
                    Some(NsChoice::Named(n)) => {
                        if clusters.is_none()
                            && let Err(e) = self.check_namespace(&n)
                        {
                            self.set_flash(e, true);
                            return vec![];
                        }
                        Some(n)
                    }
                    None => self.session.namespace.clone(),
                };
                self.open(ViewSpec::Xray {
                    kind,
                    namespace: ns,
                    clusters,
                })
            }
            Command::UseContext(name) => self.switch_context(name, None),
            Command::SaveContext(name) => {
                let Some(name) = name.or_else(|| self.session.context.clone()) else {
                    self.set_flash("no context to save: pick one with :ctx", true);
                    return vec![];
                };
                if !self.kubeconfig.has_context(&name) {
                    self.set_flash(format!("no context exists with the name: \"{name}\""), true);
                    return vec![];
                }
                let mut effects = vec![Effect::SaveContext(name.clone())];
                if self.session.context.as_deref() != Some(name.as_str()) {
                    effects.extend(self.switch_context(name, None));
                }
                effects
            }
            // A merged view's clusters each have their own namespaces: the connected cluster's list
            // says nothing about them, and the choice stays with the view.
            Command::Namespace(choice) if self.view.spec.clusters().is_some() => {
                let ns = match choice {
                    NsChoice::All => None,
                    NsChoice::Named(n) => Some(n),
                };
                let spec = self.view.spec.with_namespace(ns);
                self.show(spec)
            }
            Command::Namespace(NsChoice::Named(n)) => {
                if let Err(e) = self.check_namespace(&n) {
                    self.set_flash(e, true);
                    return vec![];
                }
                if !self.known_namespaces.contains(&n) {
                    // Unchecked (the list is forbidden): used, not saved as a favourite.
                    self.session.namespace = Some(n.clone());
                    let spec = match &self.view.spec {
                        ViewSpec::Resource { kind, .. } if kind.namespaced => {
                            self.view.spec.with_namespace(Some(n))
                        }
                        _ => match self.kinds.resolve("pods").cloned() {
                            Some(k) => ViewSpec::resource(k, Some(n)),
                            None => return vec![],
                        },
                    };
                    return self.open(spec);
                }
                self.switch_namespace(NsChoice::Named(n))
            }
            Command::Namespace(choice) => self.switch_namespace(choice),
            Command::View {
                kind,
                namespace,
                context,
                labels,
            } => {
                match self.merged_clusters(context.as_deref()) {
                    Ok(Some(clusters)) => {
                        return self.open_merged(kind, namespace, labels, clusters);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        self.set_flash(e, true);
                        return vec![];
                    }
                }
                if let Some(ctx) = context
                    && Some(ctx.as_str()) != self.session.context.as_deref()
                {
                    let mut rest = match &namespace {
                        Some(NsChoice::All) => format!("{} all", kind.plural),
                        Some(NsChoice::Named(n)) => format!("{} {n}", kind.plural),
                        None => kind.plural.clone(),
                    };
                    if let Some(l) = &labels {
                        rest.push_str(&format!(" -l {l}"));
                    }
                    return self.switch_context(ctx, Some(rest));
                }
                let ns = match namespace {
                    Some(NsChoice::All) => None,
                    Some(NsChoice::Named(n)) => {
                        if let Err(e) = self.check_namespace(&n) {
                            self.set_flash(e, true);
                            return vec![];
                        }
                        self.remember_typed_namespace(&n);
                        Some(n)
                    }
                    None => self.session.namespace.clone(),
                };
                if let Some(n) = ns.clone().filter(|_| kind.namespaced) {
                    self.session.namespace = Some(n);
                } else if kind.namespaced {
                    self.session.namespace = None;
                }
                let mut spec = ViewSpec::resource(kind, ns);
                if let ViewSpec::Resource { labels: l, .. } = &mut spec {
                    *l = labels;
                }
                self.open(spec)
            }
        }
    }

    /// The clusters a `@` selection merges (`@all`, `@prod-*`, `@a,b`); None for no selection or one
    /// plain context name (a switch).
    fn merged_clusters(
        &self,
        selection: Option<&str>,
    ) -> Result<Option<crate::tui::nav::Clusters>, String> {
        let Some(sel) = selection else {
            return Ok(None);
        };
        match crate::cluster::merged::select(sel, &self.kubeconfig.context_names()) {
            None => Ok(None),
            Some(Ok(contexts)) => Ok(Some(crate::tui::nav::Clusters {
                label: sel.to_string(),
                contexts,
            })),
            Some(Err(e)) => Err(e),
        }
    }

    /// `:KIND [NS|all] @SELECTION`: one table of KIND across the chosen clusters, with a CONTEXT
    /// column. The namespace is not checked against the connected cluster's (each cluster has its own)
    /// and does not become the session's.
    fn open_merged(
        &mut self,
        kind: KindSpec,
        namespace: Option<NsChoice>,
        labels: Option<String>,
        clusters: crate::tui::nav::Clusters,
    ) -> Vec<Effect> {
        let ns = match namespace {
            Some(NsChoice::All) => None,
            Some(NsChoice::Named(n)) => Some(n),
            None => self.session.namespace.clone(),
        };
        let mut spec = ViewSpec::resource(kind, ns).in_clusters(Some(clusters));
        if let ViewSpec::Resource { labels: l, .. } = &mut spec {
            *l = labels;
        }
        self.open(spec)
    }

    /// Switches to `name` inside kdeck (kubeconfig is not written), then runs `then`.
    pub(super) fn switch_context(&mut self, name: String, then: Option<String>) -> Vec<Effect> {
        if !self.kubeconfig.has_context(&name) {
            self.set_flash(format!("no context exists with the name: \"{name}\""), true);
            return vec![];
        }
        self.pending_command = then;
        self.begin_connect(name)
    }

    /// A namespace the server listed exists; one it did not list is refused, as `kdeck ns` refuses it.
    /// When the namespaces could not be listed (forbidden), the view itself will say what the server
    /// thinks.
    fn check_namespace(&self, n: &str) -> Result<(), String> {
        if self.known_namespaces.is_empty() || self.known_namespaces.iter().any(|k| k == n) {
            return Ok(());
        }
        Err(format!(
            "namespace \"{n}\" not found in context {}",
            crate::escape::message(self.session.context.as_deref().unwrap_or("?"))
        ))
    }

    pub(super) fn switch_namespace(&mut self, choice: NsChoice) -> Vec<Effect> {
        let ns = match choice {
            NsChoice::All => None,
            NsChoice::Named(n) => {
                self.remember_namespace(&n);
                Some(n)
            }
        };
        self.session.namespace = ns.clone();
        match &self.view.spec {
            ViewSpec::Resource { kind, .. } if kind.namespaced => {
                let spec = self.view.spec.with_namespace(ns);
                self.show(spec)
            }
            _ => {
                let pods = self.kinds.resolve("pods").cloned();
                match pods {
                    Some(k) => self.open(ViewSpec::resource(k, ns)),
                    None => vec![],
                }
            }
        }
    }

    pub(super) fn drill_down(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row().cloned() else {
            return vec![];
        };
        let pods = self.kinds.resolve("pods").cloned();
        let builtin = self.view.spec.kind().and_then(|k| k.builtin);
        if row.key.is_cluster() && row.key.context.is_some() {
            return self.cluster_row_enter(&row);
        }
        // What a merged view's row opens stays in the row's cluster.
        let here = row
            .key
            .context
            .as_deref()
            .map(crate::tui::nav::Clusters::one);
        let name = row.key.name.to_string();
        let ns = (!row.key.namespace.is_empty()).then(|| row.key.namespace.to_string());
        let (Some(pods), kind) = (pods, self.view.spec.kind().cloned()) else {
            return vec![];
        };
        match (&self.view.spec, builtin) {
            (ViewSpec::Contexts, _) => self.switch_context(name, None),
            (ViewSpec::Xray { .. }, _) => self.xray_enter(&row, pods),
            (ViewSpec::Fleet, _) => self.fleet_enter(&row),
            (ViewSpec::Containers { .. }, _) => self.container_logs(false),
            (_, Some(Builtin::Pods)) => match ns {
                Some(namespace) => self.open(ViewSpec::Containers {
                    namespace,
                    pod: name,
                    clusters: here,
                }),
                None => vec![],
            },
            (_, Some(Builtin::Namespaces)) => {
                if here.is_none() {
                    self.session.namespace = Some(name.clone());
                    self.remember_namespace(&name);
                }
                self.open(ViewSpec::resource(pods, Some(name)).in_clusters(here))
            }
            (_, Some(Builtin::Nodes)) => self.open(ViewSpec::Resource {
                kind: pods,
                namespace: None,
                labels: None,
                fields: Some(format!("spec.nodeName={name}")),
                origin: Some(format!("node/{name}")),
                clusters: here,
            }),
            (
                _,
                Some(
                    Builtin::Deployments
                    | Builtin::StatefulSets
                    | Builtin::DaemonSets
                    | Builtin::ReplicaSets
                    | Builtin::Services,
                ),
            ) => match row.selector {
                Some(sel) => self.open(ViewSpec::Resource {
                    kind: pods,
                    namespace: ns,
                    labels: Some(sel),
                    fields: None,
                    origin: Some(format!(
                        "{}/{name}",
                        kind.map(|k| k.kind.to_lowercase()).unwrap_or_default()
                    )),
                    clusters: here,
                }),
                None => {
                    self.set_flash(format!("{name} selects no pods"), false);
                    vec![]
                }
            },
            // A CRD: its objects, as k9s opens them (discovery is asked again when the kind is new).
            (ViewSpec::Resource { kind, .. }, _)
                if kind.group == "apiextensions.k8s.io"
                    && kind.plural == "customresourcedefinitions" =>
            {
                self.run_command(&name, true)
            }
            _ => vec![],
        }
    }

    /// `enter` on a merged view's row for a whole cluster: the login, when that is what it waits for;
    /// otherwise its whole message (the column may cut it).
    fn cluster_row_enter(&mut self, row: &crate::cluster::rows::Row) -> Vec<Effect> {
        let context = row.key.context.as_deref().unwrap_or_default().to_string();
        let text = row
            .labels
            .get(crate::cluster::merged::MESSAGE_LABEL)
            .cloned()
            .unwrap_or_default();
        if text.starts_with(crate::cluster::merged::NEEDS_LOGIN) {
            return vec![Effect::Login { context }];
        }
        let error = row.tone == crate::cluster::rows::Tone::Error;
        let shown = format!("{context}: {text}");
        self.set_flash(crate::escape::message(&shown).into_owned(), error);
        vec![]
    }

    /// `enter` on a fleet row opens that cluster: a context of the kubeconfig in use is switched to
    /// here (its login runs first, with the TUI suspended, when it needs one); one found in another
    /// kubeconfig file opens in a kdeck of its own on that file, and `q` there comes back here.
    fn fleet_enter(&mut self, row: &crate::cluster::rows::Row) -> Vec<Effect> {
        let context = row
            .labels
            .get(crate::fleet::rows::CONTEXT_LABEL)
            .cloned()
            .unwrap_or_else(|| row.key.name.to_string());
        match &row.selector {
            None if row.key.name.starts_with('!') => vec![],
            None => self.switch_context(context, None),
            Some(file) => match std::env::current_exe() {
                Ok(exe) => vec![Effect::Plugin {
                    command: exe.display().to_string(),
                    args: vec![
                        "--kubeconfig".into(),
                        file.clone(),
                        "--context".into(),
                        context,
                    ],
                    env: Vec::new(),
                    background: false,
                }],
                Err(e) => {
                    self.set_flash(format!("cannot start kdeck for {file}: {e}"), true);
                    vec![]
                }
            },
        }
    }

    /// `enter` on an xray node opens what it is made of, as enter on its own list would: a container's
    /// logs, a pod's containers, the pods a workload or service selects; any other node is described.
    fn xray_enter(&mut self, row: &crate::cluster::rows::Row, pods: KindSpec) -> Vec<Effect> {
        if self.view.container_of(row).is_some() {
            return self.container_logs(false);
        }
        let Some(target) = self.view.object_of(row) else {
            return vec![];
        };
        let here = target
            .context
            .as_deref()
            .map(crate::tui::nav::Clusters::one);
        match (target.kind.builtin, &row.selector) {
            (Some(Builtin::Pods), _) => self.open(ViewSpec::Containers {
                namespace: target.namespace.unwrap_or_default(),
                pod: target.name,
                clusters: here,
            }),
            (_, Some(sel)) => self.open(ViewSpec::Resource {
                kind: pods,
                namespace: target.namespace.clone(),
                labels: Some(sel.clone()),
                fields: None,
                origin: Some(format!(
                    "{}/{}",
                    target.kind.kind.to_lowercase(),
                    target.name
                )),
                clusters: here,
            }),
            _ => self.resource_action(crate::tui::action::Action::Describe),
        }
    }

    /// `shift-j`: the object's owner (its controller, else its first owner) in a view of the owner's
    /// kind, narrowed to it: pod → replicaset → deployment, job → cronjob.
    pub(super) fn open_owner(
        &mut self,
        obj: &serde_json::Value,
        context: Option<String>,
    ) -> Vec<Effect> {
        let meta = &obj["metadata"];
        let name = meta["name"].as_str().unwrap_or("");
        let owners = meta["ownerReferences"].as_array();
        let Some(owner) = owners.and_then(|o| {
            o.iter()
                .find(|r| r["controller"] == true)
                .or_else(|| o.first())
        }) else {
            self.set_flash(format!("{name} has no owner"), false);
            return vec![];
        };
        let (kind, owner_name) = (
            owner["kind"].as_str().unwrap_or(""),
            owner["name"].as_str().unwrap_or(""),
        );
        let group = owner["apiVersion"]
            .as_str()
            .and_then(|v| v.rsplit_once('/'))
            .map_or("", |(g, _)| g);
        let Some(spec) = self
            .kinds
            .all()
            .iter()
            .find(|k| k.kind == kind && k.group == group)
            .cloned()
        else {
            self.set_flash(format!("the owner's kind {kind} is not served"), true);
            return vec![];
        };
        let namespace = spec
            .namespaced
            .then(|| meta["namespace"].as_str().map(str::to_string))
            .flatten();
        self.open(ViewSpec::Resource {
            kind: spec,
            namespace,
            labels: None,
            fields: Some(format!("metadata.name={owner_name}")),
            origin: Some(format!("owner of {name}")),
            clusters: context.as_deref().map(crate::tui::nav::Clusters::one),
        })
    }

    /// Discovery answered: a command that named an unknown kind runs again, and is refused only now.
    pub(super) fn after_discovery(&mut self) -> Vec<Effect> {
        match self.unknown_kind_command.take() {
            Some((text, record)) => self.run_command_after(&text, record, true),
            None => vec![],
        }
    }
}
