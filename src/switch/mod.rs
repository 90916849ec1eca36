//! The kubectx/kubens faces: `kdeck ctx`, `kdeck ns`, and the binary invoked as `kubectx` or `kubens`.
//!
//! Owns argument parsing in kubectx's grammar ([`args`]), kubectx's messages, colours and exit codes
//! ([`style`], [`error`]), the shared history files ([`history`]) and the inline fuzzy picker
//! ([`picker`] is the pure core, [`picker_tty`] the terminal edge). All kubeconfig reading and writing
//! goes through [`crate::kubeconfig`]; the only network access is the namespace LIST/GET in
//! [`namespaces`]. The context path never starts an async runtime or touches the network, which keeps
//! `kdeck ctx NAME` at process-startup cost.
//!
//! Exit codes are kubectx's: 0 on success, 1 on any error, with `error: …` on stderr.

mod args;
mod ctx;
mod error;
pub mod history;
mod names;
mod namespaces;
mod ns;
pub mod picker;
mod picker_tty;
mod style;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub use error::SwitchError;

use crate::cli::GlobalArgs;
use crate::kubeconfig::{KubeconfigSet, QuickView};
use error::Result;
use style::{Stream, Style};

/// Runs the kubectx face; returns the process exit code.
pub fn run_kubectx(args: Vec<String>, global: &GlobalArgs) -> i32 {
    let s = Session::new("kubectx", "kdeck ctx", global);
    let op = args::parse_ctx(&args, s.interactive);
    s.finish(ctx::run(op, &s))
}

/// Runs the kubens face; returns the process exit code.
pub fn run_kubens(args: Vec<String>, global: &GlobalArgs) -> i32 {
    let s = Session::new("kubens", "kdeck ns", global);
    let op = args::parse_ns(&args, s.interactive);
    s.finish(ns::run(op, &s))
}

/// Prints context names one per line (for completions).
pub fn print_context_names(global: &GlobalArgs) -> anyhow::Result<i32> {
    let set = KubeconfigSet::load(global.kubeconfig.as_deref())?;
    let mut names = set.context_names();
    names::sort_natural(&mut names);
    ctx::write_lines(&mut std::io::stdout().lock(), names.into_iter());
    Ok(0)
}

/// Prints namespace names one per line (for completions): the cluster's when it answers quickly,
/// otherwise the ones kdeck knows, so completion never fails or stalls the shell for long.
pub fn print_namespace_names(global: &GlobalArgs) -> anyhow::Result<i32> {
    let set = KubeconfigSet::load(global.kubeconfig.as_deref())?;
    let Some(context) = set.current_context().map(str::to_string) else {
        return Ok(0);
    };
    // Completion must stay quiet: a bad KDECK_REQUEST_TIMEOUT only skips asking the cluster.
    let names = match namespaces::request_timeout() {
        Ok(t) => namespaces::list(&set, &context, t.min(std::time::Duration::from_secs(3))).ok(),
        Err(_) => None,
    }
    .unwrap_or_else(|| ns::known_namespaces(&set, &context));
    ctx::write_lines(&mut std::io::stdout().lock(), names.into_iter());
    Ok(0)
}

/// One invocation of a face: where the kubeconfig comes from, how we were called, and the styles of
/// the two output streams.
pub(crate) struct Session {
    explicit: Option<PathBuf>,
    /// How the user called us, for help and hints: `kubectx`, `kubectl ctx` or `kdeck ctx`.
    self_name: String,
    interactive: bool,
    /// Styles for stdout as a pipe would see it (lists) and as the picker draws (always a terminal).
    out: Style,
    out_tty: Style,
    err: Style,
}

impl Session {
    fn new(tool: &str, subcommand: &str, global: &GlobalArgs) -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let ignore_picker = std::env::var_os("KUBECTX_IGNORE_FZF").is_some_and(|v| !v.is_empty());
        Session {
            explicit: global.kubeconfig.clone(),
            self_name: self_name(tool, subcommand),
            interactive: stdout_tty && !ignore_picker,
            out: Style::detect(Stream::Stdout),
            out_tty: Style::from_env(true),
            err: Style::detect(Stream::Stderr),
        }
    }

    /// Loads the kubeconfig files in effect. As in kubectx, having none of them exist is an error.
    fn load(&self) -> Result<KubeconfigSet> {
        let set = KubeconfigSet::load(self.explicit.as_deref())?;
        if set.existing_files().next().is_none() {
            let first = set
                .files()
                .next()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            return Err(SwitchError::NoKubeconfigFile(first));
        }
        Ok(set)
    }

    /// The fast scanner's view of the same files, or `None` when some file needs the full parse (which
    /// then also produces the precise error for a broken file).
    fn load_quick(&self) -> Result<Option<QuickView>> {
        let Some(quick) = QuickView::load(self.explicit.as_deref())? else {
            return Ok(None);
        };
        if quick.existing_files().next().is_none() {
            let first = quick
                .files()
                .next()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            return Err(SwitchError::NoKubeconfigFile(first));
        }
        Ok(Some(quick))
    }

    fn stdout(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    fn err_msg(&self, text: &str) {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// A list on stdout, one name per line, `active` highlighted when stdout gets colour.
    fn print_list(&self, names: &[String], active: Option<&str>) {
        let out = std::io::stdout().lock();
        let mut out = std::io::BufWriter::new(out);
        let lines = names.iter().map(|n| {
            if Some(n.as_str()) == active {
                self.out.active(n)
            } else {
                crate::escape::name(n).into_owned()
            }
        });
        ctx::write_lines(&mut out, lines);
    }

    /// Prints an error as kubectx does, then kdeck's "did you mean" hint; returns the exit code.
    fn finish(&self, result: Result<()>) -> i32 {
        match result {
            Ok(()) => 0,
            Err(e) => {
                let mut text = self.err.error(&e.to_string());
                if let Some(hint) = names::did_you_mean(e.suggestions()) {
                    text.push_str(&crate::escape::message(&hint));
                    text.push('\n');
                }
                self.err_msg(&text);
                1
            }
        }
    }
}

/// kubectx's guess of its own name: the argv[0] it was installed as (`kubectx`, or `kubectl ctx` for
/// the krew plugin), else kdeck's subcommand.
fn self_name(tool: &str, subcommand: &str) -> String {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let base = Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if base == tool {
        return tool.to_string();
    }
    if let Some(plugin) = base.strip_prefix("kubectl-") {
        return format!("kubectl {plugin}");
    }
    subcommand.to_string()
}

/// The inline picker of `kdeck ctx`, on `/dev/tty` (it works while stdout is captured, as a shell
/// hook captures `kdeck use`'s): the chosen item, or None when the user cancelled.
pub fn pick_on_tty(items: Vec<String>, current: Option<&str>) -> std::io::Result<Option<String>> {
    picker_tty::pick(items, current, &Style::from_env(true))
}
