//! The kubens operations: list, pick, switch (`NAME`, `-`, `-f`), current and unset, with kubens's
//! messages and its per-context previous-namespace files.

use super::args::NsOp;
use super::error::{Result, SwitchError};
use super::namespaces::{self, QueryError};
use super::{Session, history, names, picker_tty};
use crate::kubeconfig::KubeconfigSet;

pub fn run(op: NsOp, s: &Session) -> Result<()> {
    match op {
        NsOp::List => {
            let set = s.load()?;
            let context = current_context(&set)?;
            let listed = namespaces_of(s, &set, &context)?;
            s.print_list(&listed, Some(&set.namespace_of(&context)));
            Ok(())
        }
        NsOp::Pick => pick(s),
        NsOp::Help => {
            s.stdout(&help(&s.self_name));
            Ok(())
        }
        NsOp::Version => {
            s.stdout(&format!("{}\n", env!("CARGO_PKG_VERSION")));
            Ok(())
        }
        NsOp::Current => {
            let set = s.load()?;
            let context = current_context(&set)?;
            s.stdout(&format!(
                "{}\n",
                crate::escape::name(&set.namespace_of(&context))
            ));
            Ok(())
        }
        NsOp::Unset => {
            // kubens writes `namespace: default` rather than removing the field.
            let mut set = s.load()?;
            let context = current_context(&set)?;
            set.set_namespace(&context, Some("default"))
                .map_err(|e| SwitchError::from_edit(e).during("failed to clear namespace"))?;
            s.err_msg(&s.err.success(&format!(
                "Active namespace is \"{}\".",
                s.err.name("default")
            )));
            Ok(())
        }
        NsOp::Switch { target, force } => {
            let ns = switch_namespace(s, &target, force)?;
            // kubens prints this one without the final period.
            s.err_msg(
                &s.err
                    .success(&format!("Active namespace is \"{}\"", s.err.name(&ns))),
            );
            Ok(())
        }
        NsOp::Unsupported(msg) => Err(SwitchError::Usage(msg)),
    }
}

fn current_context(set: &KubeconfigSet) -> Result<String> {
    set.current_context()
        .map(str::to_string)
        .ok_or(SwitchError::NoCurrentContext)
}

fn pick(s: &Session) -> Result<()> {
    let set = s.load()?;
    let context = current_context(&set)?;
    let listed = namespaces_of(s, &set, &context)?;
    if listed.is_empty() {
        return Err(SwitchError::NoNamespaces);
    }
    let current = set.namespace_of(&context);
    let choice = picker_tty::pick(listed, Some(&current), &s.out_tty)
        .map_err(SwitchError::Picker)?
        .ok_or(SwitchError::NothingChosen)?;
    let ns =
        switch_namespace(s, &choice, false).map_err(|e| e.during("failed to switch namespace"))?;
    s.err_msg(
        &s.err
            .success(&format!("Active namespace is \"{}\".", s.err.name(&ns))),
    );
    Ok(())
}

/// Points the current context at `target` (`-` = previous), checking it exists unless `force`, and
/// records the namespace we came from for this context.
fn switch_namespace(s: &Session, target: &str, force: bool) -> Result<String> {
    let mut set = s.load()?;
    let context = current_context(&set)?;
    let current = set.namespace_of(&context);
    history::namespace_file(&context)?;
    let ns = if target == "-" {
        history::previous_namespace(&context)?
            .ok_or_else(|| SwitchError::NoPreviousNamespace(context.clone()))?
    } else {
        target.to_string()
    };
    // kubectl reads an empty namespace as "default" while kubens would record "" as the choice; refuse
    // it, with or without -f, so the file never says something kubectl reads differently.
    if ns.is_empty() {
        return Err(SwitchError::EmptyNamespace);
    }
    if !force {
        let timeout = namespaces::request_timeout().map_err(SwitchError::Timeout)?;
        match namespaces::exists(&set, &context, &ns, timeout) {
            Ok(true) => {}
            Ok(false) => return Err(SwitchError::UnknownNamespace(ns)),
            Err(e @ QueryError::Forbidden { .. }) => {
                return Err(SwitchError::NamespaceQuery(format!(
                    "{e} (use -f to switch without checking)"
                )));
            }
            Err(e) => return Err(SwitchError::NamespaceQuery(crate::error::chain(&e))),
        }
    }
    set.set_namespace(&context, Some(&ns)).map_err(|e| {
        SwitchError::from_edit(e).during(format!("failed to change to namespace \"{ns}\""))
    })?;
    if current != ns {
        history::save_previous_namespace(&context, &current)?;
    }
    Ok(ns)
}

/// The namespaces to list: the cluster's, or when LIST is forbidden, the ones kdeck knows (with a note
/// on stderr saying so).
fn namespaces_of(s: &Session, set: &KubeconfigSet, context: &str) -> Result<Vec<String>> {
    let timeout = namespaces::request_timeout().map_err(SwitchError::Timeout)?;
    match namespaces::list(set, context, timeout) {
        Ok(listed) => Ok(listed),
        Err(QueryError::Forbidden { .. }) => {
            s.err_msg(&format!(
                "note: not allowed to list namespaces in context \"{context}\"; showing the namespaces known from kubeconfig and kubens history\n"
            ));
            Ok(known_namespaces(set, context))
        }
        Err(e) => Err(SwitchError::NamespaceList(crate::error::chain(&e))),
    }
}

/// Namespaces named by the contexts that share this context's cluster, plus the kubens history of those
/// contexts. Used when the cluster will not list its namespaces, and for completions offline.
pub fn known_namespaces(set: &KubeconfigSet, context: &str) -> Vec<String> {
    let cluster = set.context(context).and_then(|c| c.cluster);
    let mut out: Vec<String> = Vec::new();
    for name in set.context_names() {
        let same_cluster = name == context || set.context(&name).and_then(|c| c.cluster) == cluster;
        if !same_cluster {
            continue;
        }
        let mut candidates = vec![set.namespace_of(&name)];
        if let Ok(Some(prev)) = history::previous_namespace(&name) {
            candidates.push(prev);
        }
        for ns in candidates {
            if !out.contains(&ns) {
                out.push(ns);
            }
        }
    }
    names::sort_natural(&mut out);
    out
}

fn help(prog: &str) -> String {
    let mut out = String::from("Switch between Kubernetes namespaces.\n\nUSAGE:\n");
    for (usage, what) in [
        (
            "",
            "list the namespaces in the current context (interactive picker on a terminal)",
        ),
        (" <NAME>", "change the active namespace of current context"),
        (
            " <NAME> --force/-f",
            "force change the active namespace of current context (even if it doesn't exist)",
        ),
        (" -", "switch to the previous namespace in this context"),
        (" -c, --current", "show the current namespace"),
        (" -h,--help", "show this message"),
        (
            " -u,--unset",
            "unset the namespace choice (set to 'default')",
        ),
        (" -V,--version", "show version"),
    ] {
        out.push_str(&format!(
            "  {:<w$} : {what}\n",
            format!("{prog}{usage}"),
            w = prog.len() + 19
        ));
    }
    out
}
