//! The kubectx operations: list, pick, switch (`NAME`, `-`), current, unset, rename and delete, with
//! kubectx's messages, its previous-context file, and kubectl's file rules through the engine.

use std::io::Write;

use super::args::CtxOp;
use super::error::{Result, SwitchError};
use super::{Session, history, names, picker_tty};
use crate::kubeconfig::KubeconfigSet;

pub fn run(op: CtxOp, s: &Session) -> Result<()> {
    match op {
        CtxOp::List => list(s),
        CtxOp::Pick => pick_and(s, "failed to switch context", switch_to, true),
        CtxOp::PickDelete => pick_and(s, "failed to delete context", delete_one, false),
        CtxOp::Help => {
            s.stdout(&help(&s.self_name));
            Ok(())
        }
        CtxOp::Version => {
            s.stdout(&format!("{}\n", env!("CARGO_PKG_VERSION")));
            Ok(())
        }
        CtxOp::Current => {
            let (_, current) = names_and_current(s)?;
            let cur = current.ok_or(SwitchError::NoCurrentContext)?;
            s.stdout(&format!("{}\n", crate::escape::name(&cur)));
            Ok(())
        }
        CtxOp::Unset => unset(s),
        CtxOp::Switch(target) => {
            switch_to(s, &target).map_err(|e| e.during("failed to switch context"))
        }
        CtxOp::Rename { new, old } => rename(s, &new, &old),
        CtxOp::Delete(names) => {
            for name in names {
                delete_one(s, &name)?;
            }
            Ok(())
        }
        CtxOp::Unsupported(msg) => Err(SwitchError::Usage(msg)),
    }
}

/// Contexts in kubectx's natural order, the current one highlighted. No kubeconfig at all is only a
/// warning, as in kubectx.
fn list(s: &Session) -> Result<()> {
    let (mut names, current) = match names_and_current(s) {
        Ok(found) => found,
        Err(SwitchError::NoKubeconfigFile(_)) => {
            s.err_msg(&s.err.warning("kubeconfig file not found"));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    names::sort_natural(&mut names);
    s.print_list(&names, current.as_deref());
    Ok(())
}

/// Context names and current-context, from the fast scanner when the files allow it.
fn names_and_current(s: &Session) -> Result<(Vec<String>, Option<String>)> {
    if let Some(quick) = s.load_quick()? {
        return Ok((
            quick.context_names(),
            quick.current_context().map(str::to_string),
        ));
    }
    let set = s.load()?;
    Ok((
        set.context_names(),
        set.current_context().map(str::to_string),
    ))
}

/// Picks a context and runs `then` on it. With `with_dirs` (switching, as `kdeck ctx` rather than
/// `kubectx`), the contexts under config.yaml's `kubeconfig_dirs` are offered too, from the index.
fn pick_and(
    s: &Session,
    prefix: &str,
    then: fn(&Session, &str) -> Result<()>,
    with_dirs: bool,
) -> Result<()> {
    let set = match s.load() {
        Ok(set) => set,
        Err(SwitchError::NoKubeconfigFile(_)) => {
            s.err_msg(&s.err.warning("kubeconfig file not found"));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let mut names = set.context_names();
    if names.is_empty() {
        return Err(SwitchError::NoContexts);
    }
    names::sort_natural(&mut names);
    let (found, refresh) = if with_dirs && s.self_name.starts_with("kdeck") {
        let (config, _) = crate::config::Config::load();
        let (found, _, refresh) =
            crate::fleet::index::contexts_with_dirs(&set, &config.kubeconfig_dirs);
        (found, refresh)
    } else {
        (Vec::new(), None)
    };
    names.extend(found.iter().map(|f| f.name.clone()));
    let choice = picker_tty::pick(names, set.current_context(), &s.out_tty);
    // The index is brought up to date while the user picks; it is saved before we exit.
    if let Some(r) = refresh {
        let _ = r.join();
    }
    let choice = choice
        .map_err(SwitchError::Picker)?
        .ok_or(SwitchError::NothingChosen)?;
    if let Some(f) = found.iter().find(|f| f.name == choice) {
        // The shared kubeconfig cannot point at another file's context: this shell can.
        return Err(SwitchError::Usage(format!(
            "\"{}\" is in {}, not in the shared kubeconfig: `kdeck use {}` switches this shell to it, \
             its credentials read from that file",
            f.name,
            f.file.display(),
            f.name
        )));
    }
    then(s, &choice).map_err(|e| e.during(prefix))
}

/// Switches to `target` (`-` = the previous context) and records the context we came from.
fn switch_to(s: &Session, target: &str) -> Result<()> {
    let name = if target == "-" {
        history::previous_context()?.ok_or(SwitchError::NoPreviousContext)?
    } else {
        target.to_string()
    };
    let prev = match s.load_quick()? {
        Some(mut quick) => {
            let prev = quick.current_context().unwrap_or_default().to_string();
            if !quick.has_context(&name) {
                return Err(unknown_context(&name, &quick.context_names()));
            }
            match quick.use_context(&name).map_err(SwitchError::from_edit)? {
                Some(_) => prev,
                None => switch_full(s, &name)?,
            }
        }
        None => switch_full(s, &name)?,
    };
    if prev != name {
        history::save_previous_context(&prev)?;
    }
    s.err_msg(
        &s.err
            .success(&format!("Switched to context \"{}\".", s.err.name(&name))),
    );
    Ok(())
}

/// The switch through the full parse (files outside the fast scanner's subset, or a file that has no
/// `current-context:` line yet). Returns the context that was current before.
fn switch_full(s: &Session, name: &str) -> Result<String> {
    let mut set = s.load()?;
    let prev = set.current_context().unwrap_or_default().to_string();
    require_context(&set, name)?;
    set.use_context(name).map_err(SwitchError::from_edit)?;
    Ok(prev)
}

fn unset(s: &Session) -> Result<()> {
    let mut set = s.load()?;
    set.unset_current_context()
        .map_err(|e| SwitchError::from_edit(e).during("error while modifying current-context"))?;
    s.err_msg(&s.err.success("Active context unset for kubectl."));
    Ok(())
}

/// `NEW=OLD` / `NEW=.`. An existing NEW is overwritten after a warning, as kubectx does.
fn rename(s: &Session, new: &str, old: &str) -> Result<()> {
    let mut set = s.load()?;
    let old = if old == "." {
        set.current_context().unwrap_or_default().to_string()
    } else {
        old.to_string()
    };
    if !set.has_context(&old) {
        return Err(SwitchError::RenameSourceMissing {
            suggestions: names::suggest(&old, &set.context_names()),
            name: old,
        });
    }
    if new != old && set.has_context(new) {
        s.err_msg(&s.err.warning(&format!(
            "context {} exists, overwriting it.",
            s.err.name(new)
        )));
    }
    set.rename_context(&old, new)
        .map_err(|e| SwitchError::from_edit(e).during("failed to change context name"))?;
    s.err_msg(&s.err.success(&format!(
        "Context {} renamed to {}.",
        s.err.name(&old),
        s.err.name(new)
    )));
    Ok(())
}

/// Deletes one context (`.` = the current one). Deleting the current context is allowed, as in kubectx
/// and kubectl: current-context keeps pointing at the deleted name and a warning says what to do.
fn delete_one(s: &Session, name: &str) -> Result<()> {
    let mut set = s.load()?;
    let cur = set.current_context().map(str::to_string);
    let target = if name == "." {
        cur.clone().ok_or_else(|| {
            SwitchError::DeleteDotWithoutCurrent.during("error deleting context \"\"")
        })?
    } else {
        name.to_string()
    };
    let during = format!("error deleting context \"{target}\"");
    if !set.has_context(&target) {
        let suggestions = names::suggest(&target, &set.context_names());
        return Err(SwitchError::DeleteMissing { suggestions }.during(during));
    }
    set.delete_context(&target)
        .map_err(|e| SwitchError::from_edit(e).during(during))?;
    if cur.as_deref() == Some(target.as_str()) {
        s.err_msg(&s.err.warning(&format!(
            "You deleted the current context. Use \"{}\" to select a new context.",
            s.self_name
        )));
    }
    s.err_msg(
        &s.err
            .success(&format!("Deleted context {}.", s.err.name(&target))),
    );
    Ok(())
}

fn require_context(set: &KubeconfigSet, name: &str) -> Result<()> {
    if set.has_context(name) {
        return Ok(());
    }
    Err(unknown_context(name, &set.context_names()))
}

fn unknown_context(name: &str, known: &[String]) -> SwitchError {
    SwitchError::UnknownContext {
        name: name.to_string(),
        suggestions: names::suggest(name, known),
    }
}

fn help(prog: &str) -> String {
    let pad = " ".repeat(prog.len());
    let mut out = String::from("Manage and switch between kubectl contexts.\n\nUSAGE:\n");
    for (usage, what) in [
        ("", "list the contexts (interactive picker on a terminal)"),
        (" <NAME>", "switch to context <NAME>"),
        (" -", "switch to the previous context"),
        (" -c, --current", "show the current context name"),
        (" -u, --unset", "unset the current context"),
        (" <NEW_NAME>=<NAME>", "rename context <NAME> to <NEW_NAME>"),
        (" <NEW_NAME>=.", "rename current-context to <NEW_NAME>"),
        (
            " -d <NAME> [<NAME...>]",
            "delete context <NAME> ('.' for current-context)",
        ),
    ] {
        out.push_str(&format!(
            "  {:<w$} : {what}\n",
            format!("{prog}{usage}"),
            w = prog.len() + 23
        ));
    }
    out.push_str(&format!(
        "  {pad}{:23}   (this command won't delete the user/cluster entry\n  {pad}{:23}    referenced by the context entry)\n",
        "", ""
    ));
    for (usage, what) in [
        (" -h, --help", "show this message"),
        (" -V, --version", "show version"),
    ] {
        out.push_str(&format!(
            "  {:<w$} : {what}\n",
            format!("{prog}{usage}"),
            w = prog.len() + 23
        ));
    }
    out
}

/// Writes nothing on a closed pipe (`kdeck ctx | head -1`): the reader has what it wanted.
pub(super) fn write_lines(out: &mut dyn Write, lines: impl Iterator<Item = String>) {
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}
