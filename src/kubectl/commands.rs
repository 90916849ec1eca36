//! The `kdeck kubectl …` subcommands: thin edges that call the resolver, the installer and the
//! `.tool-versions` editor, and turn their results into messages (stdout for data, stderr for the rest).

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, bail};

use super::install::{self, DEFAULT_MIRROR, ENV_MIRROR, Outcome};
use super::locate::{self, LocateError, Resolved, ServerLookup};
use super::resolve::ENV_VERSION;
use super::tool_versions::{self, Spec};
use super::version::{Version, skew_warning};
use super::{server, shim, store};
use crate::cli::{GlobalArgs, KubectlCommand};

pub fn run(global: &GlobalArgs, cmd: KubectlCommand) -> anyhow::Result<i32> {
    match cmd {
        KubectlCommand::Install { version } => install_version(&parse_version(&version)?),
        KubectlCommand::List => list(),
        KubectlCommand::Which { server } => which(global, server),
        KubectlCommand::Pin { version } => pin(&version),
        KubectlCommand::Uninstall { version } => uninstall(&parse_version(&version)?),
        KubectlCommand::ShimDir => {
            let dir = shim::ensure_shim_dir().context("cannot create the shim directory")?;
            println!("{}", dir.display());
            Ok(0)
        }
    }
}

fn parse_version(text: &str) -> anyhow::Result<Version> {
    Ok(text.parse::<Version>()?)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn install_version(version: &Version) -> anyhow::Result<i32> {
    let mirror = std::env::var(ENV_MIRROR)
        .ok()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_MIRROR.to_string());
    let tty = std::io::stderr().is_terminal();
    let root = store::root();
    let outcome = runtime()?.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
        // Dropping the install future on a signal runs its cleanup guard: nothing half-installed remains.
        tokio::select! {
            result = install::install(version, &root, &mirror, tty) => {
                result.with_context(|| format!("cannot install kubectl {version}")).map(Some)
            }
            _ = tokio::signal::ctrl_c() => Ok(None),
            _ = term.recv() => Ok(None),
        }
    })?;
    match outcome {
        None => {
            eprintln!("\ninterrupted: kubectl {version} was not installed");
            Ok(130)
        }
        Some(Outcome::Installed(path)) => {
            eprintln!("Installed kubectl {version} at {}.", path.display());
            Ok(0)
        }
        Some(Outcome::AlreadyInstalled(path)) => {
            eprintln!(
                "kubectl {version} is already installed at {}.",
                path.display()
            );
            Ok(0)
        }
    }
}

fn list() -> anyhow::Result<i32> {
    let root = store::root();
    let installed =
        store::installed(&root).with_context(|| format!("cannot read {}", root.display()))?;
    let dir = locate::working_dir().context("cannot determine the current directory")?;
    let active = locate::resolve_in(&dir, &ServerLookup::CacheOnly);
    for v in &installed {
        match &active {
            Ok(Resolved {
                version: Some(a),
                reason,
                ..
            }) if a == v => println!("* {v}  {reason}"),
            _ => println!("  {v}"),
        }
    }
    match &active {
        Ok(r) if r.version.is_none() => println!("* system  {}: {}", r.path.display(), r.reason),
        Ok(_) => {}
        Err(e) => eprintln!("note: {e}"),
    }
    if installed.is_empty() {
        eprintln!(
            "No kubectl versions are installed in {}; install one with `kdeck kubectl install VER`.",
            root.display()
        );
    }
    Ok(0)
}

fn which(global: &GlobalArgs, with_server: bool) -> anyhow::Result<i32> {
    let dir = locate::working_dir().context("cannot determine the current directory")?;
    if !with_server {
        let resolved = locate::resolve_in(&dir, &ServerLookup::CacheOnly)?;
        print_which(&resolved);
        return Ok(0);
    }
    let set = crate::kubeconfig::KubeconfigSet::load(global.kubeconfig.as_deref())?;
    let Some(target) = server::target(&set, None) else {
        bail!(
            "no current context with a server in kubeconfig: select one with `kdeck ctx NAME`, or run `kdeck kubectl which` without --server"
        );
    };
    let queried = server::query_blocking(&set, &target);
    let lookup = match &queried {
        Ok(v) => ServerLookup::Known(v.minor),
        Err(_) => ServerLookup::CacheOnly,
    };
    let resolved = locate::resolve_in(&dir, &lookup)?;
    print_which(&resolved);
    let server_version = queried.with_context(|| {
        format!(
            "cannot compare with the server of context \"{}\"",
            target.context
        )
    })?;
    eprintln!(
        "server: {} (context \"{}\")",
        server_version.git_version, target.context
    );
    let client = match resolved.version.clone() {
        Some(v) => Some(v),
        None => client_version_of(&resolved.path),
    };
    match client {
        Some(v) => match skew_warning(&v, server_version.minor) {
            Some(w) => eprintln!("warning: {w}"),
            None => eprintln!("kubectl {v} is within one minor version of the server: supported"),
        },
        None => eprintln!(
            "note: cannot tell the version of {}",
            resolved.path.display()
        ),
    }
    Ok(0)
}

/// The path on stdout (for scripts), the reason on stderr.
fn print_which(resolved: &Resolved) {
    println!("{}", resolved.path.display());
    match &resolved.version {
        Some(v) => eprintln!("kubectl {v}, {}", resolved.reason),
        None => eprintln!("{}", resolved.reason),
    }
}

/// The client version of a kubectl from PATH, by asking it (kdeck did not install it, so only it knows).
fn client_version_of(path: &Path) -> Option<Version> {
    let out = std::process::Command::new(path)
        .args(["version", "--client", "-o", "json"])
        .env(shim::ENV_DEPTH, "1")
        .output()
        .ok()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    json.pointer("/clientVersion/gitVersion")?
        .as_str()?
        .parse()
        .ok()
}

fn pin(spec_text: &str) -> anyhow::Result<i32> {
    let spec = Spec::parse(spec_text)?;
    let dir = std::env::current_dir().context("cannot determine the current directory")?;
    let path = dir.join(tool_versions::FILE_NAME);
    let before = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let after = tool_versions::pin(&before, &spec);
    crate::kubeconfig::write::atomic_write(&path, after.as_bytes(), 0o644)
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("Pinned kubectl {spec} in {}.", path.display());
    if let Spec::Version(v) = &spec
        && !store::binary(&store::root(), v).is_file()
    {
        eprintln!("note: kubectl {v} is not installed yet: run `kdeck kubectl install {v}`");
    }
    if std::env::var(ENV_VERSION).is_ok_and(|v| !v.trim().is_empty()) {
        eprintln!(
            "note: ${ENV_VERSION} is set in this shell and takes precedence over .tool-versions"
        );
    }
    Ok(0)
}

fn uninstall(version: &Version) -> anyhow::Result<i32> {
    let root = store::root();
    if !install::uninstall(version, &root)? {
        let installed = store::installed(&root).unwrap_or_default();
        let list: Vec<String> = installed.iter().map(Version::to_string).collect();
        bail!(
            "kubectl {version} is not installed (installed: {})",
            if list.is_empty() {
                "none".to_string()
            } else {
                list.join(", ")
            }
        );
    }
    eprintln!("Uninstalled kubectl {version}.");
    if let Ok(dir) = locate::working_dir()
        && let Err(LocateError::Unavailable(e)) = locate::resolve_in(&dir, &ServerLookup::CacheOnly)
    {
        eprintln!("note: {e}");
    }
    Ok(0)
}
