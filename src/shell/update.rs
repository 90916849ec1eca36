//! `kdeck __internal hook-update`: the one step the hook runs at a prompt when its fork-free check saw
//! a change (directory, `KUBECONFIG`, a watched file's mtime or existence, a prompt variable).
//!
//! It reconciles the shell's state (user `KUBECONFIG`, `kdeck use`, nearest `.kdeck.yaml`), writes or
//! removes the overlay, renders the segment, and prints shell code that exports the result and the list
//! of files the hook must watch, together with a stamp file whose mtime is the newest of theirs.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use std::os::unix::fs::OpenOptionsExt;

use anyhow::Context as _;

use crate::cli::{HookUpdateArgs, Shell};
use crate::kubeconfig::{KubeconfigSet, Resolution};

use super::autoctx::{self, DirOutcome};
use super::emit::{Emitter, Part};
use super::prompt::{self, Piece};
use super::state::{ShellState, Target};
use super::{overlay, ps1_env, segment};
use crate::dirconfig::{self, trust::TrustStore};

/// Everything one update needs, gathered from the process and the hook's arguments.
pub struct UpdateInput {
    pub shell: Shell,
    pub pid: u32,
    pub state: ShellState,
    pub kubeconfig: Option<String>,
    pub pwd: PathBuf,
    pub vars: Vec<String>,
}

pub fn run(args: HookUpdateArgs) -> anyhow::Result<i32> {
    let input = UpdateInput {
        shell: args.shell,
        pid: args.pid,
        state: ShellState::decode(&args.state),
        kubeconfig: std::env::var("KUBECONFIG").ok(),
        pwd: logical_pwd(),
        vars: args.vars,
    };
    print!("{}", update(input)?);
    Ok(0)
}

/// `$PWD` as the shell shows it (symlinks kept, like direnv), or the real cwd when `$PWD` is stale.
pub fn logical_pwd() -> PathBuf {
    let real = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    match std::env::var_os("PWD").map(PathBuf::from) {
        Some(p) if p.is_absolute() && same_file(&p, &real) => p,
        _ => real,
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Resolves a `KUBECONFIG` value (or its absence) the way kubectl would.
pub fn resolution_of(kubeconfig: Option<&str>) -> Resolution {
    Resolution::resolve(
        None,
        kubeconfig.map(OsStr::new),
        &crate::paths::default_kubeconfig(),
    )
}

/// The kubeconfig a pinned context is read from: the shell's own files, or, for a context found under
/// a kubeconfig directory, that file alone (its credentials stay there). The files are returned when
/// they are not the shell's own. None when the file cannot be read now.
fn target_set(
    base: &KubeconfigSet,
    target: &Target,
) -> Option<(KubeconfigSet, Option<Vec<PathBuf>>)> {
    match &target.file {
        None => Some((base.clone(), None)),
        Some(f) => {
            let res = Resolution {
                origin: crate::kubeconfig::Origin::Explicit,
                files: vec![f.clone()],
            };
            super::read::load(res)
                .ok()
                .map(|set| (set, Some(vec![f.clone()])))
        }
    }
}

pub fn update(input: UpdateInput) -> anyhow::Result<String> {
    let runtime = crate::paths::runtime_dir();
    let files = overlay::shell_files(&runtime, input.pid);
    let overlay_path = files.overlay.to_string_lossy().into_owned();
    let mut st = input.state;
    st.observe_kubeconfig(input.kubeconfig.as_deref(), &overlay_path);

    let base_res = resolution_of(st.base.as_deref());
    // Read with a bound: the hook runs at a prompt, and KUBECONFIG may name a FIFO or a device.
    let base = super::read::load(base_res.clone());
    let store = TrustStore::user();
    match &base {
        Ok(base) => {
            match autoctx::evaluate(&input.pwd, &store, base) {
                DirOutcome::None | DirOutcome::Denied => {
                    st.enter_dir(None);
                    st.announced = None;
                }
                DirOutcome::Blocked { key, message } => {
                    st.enter_dir(None);
                    announce(&mut st, key, &message);
                }
                // Changes nothing: whatever was in effect stays.
                DirOutcome::Invalid { key, message } => announce(&mut st, key, &message),
                DirOutcome::Apply(dir) => {
                    st.enter_dir(Some(dir));
                    st.announced = None;
                }
            }
            if let Some(t) = &st.use_target
                && !target_set(base, t).is_some_and(|(set, _)| set.has_context(&t.context))
            {
                eprintln!(
                    "kdeck: context \"{}\" no longer exists; this shell is back on the shared kubeconfig",
                    t.context
                );
                st.use_target = None;
            }
        }
        Err(e) => eprintln!("kdeck: {}", crate::escape::message(&e.to_string())),
    }

    let effective = st.effective().cloned();
    let kubeconfig = match (&effective, &base) {
        (Some(target), Ok(base)) => {
            let (set, own_files) = target_set(base, target)
                .with_context(|| format!("context \"{}\" vanished", target.context))?;
            if st.written.as_ref() != Some(target) || !files.overlay.exists() {
                let text = overlay::render(&set, target)
                    .with_context(|| format!("context \"{}\" vanished", target.context))?;
                overlay::write(&files.overlay, &text)
                    .with_context(|| format!("cannot write {}", files.overlay.display()))?;
                st.written = Some(target.clone());
            }
            let mut list = vec![files.overlay.clone()];
            list.extend(own_files.unwrap_or_else(|| base_res.files.clone()));
            let joined = std::env::join_paths(&list).context("a kubeconfig path contains ':'")?;
            Some(joined.to_string_lossy().into_owned())
        }
        // The files cannot be read right now: keep whatever the shell has until they can.
        (Some(_), Err(_)) => st.exported.clone(),
        (None, _) => {
            overlay::remove(&files.overlay)
                .with_context(|| format!("cannot remove {}", files.overlay.display()))?;
            st.written = None;
            st.base.clone()
        }
    };
    st.exported = kubeconfig.clone();

    let mut e = Emitter::new(input.shell);
    e.export("KUBECONFIG", kubeconfig.as_deref());
    if st.readonly() {
        e.export("KDECK_READONLY", Some("1"));
        st.readonly_set = true;
    } else if st.readonly_set {
        e.export("KDECK_READONLY", None);
        st.readonly_set = false;
    }

    let now = resolution_of(kubeconfig.as_deref());
    let watch = watch_list(&now, &input.pwd, &store);
    // Stat before reading: a write that lands in between makes the stamp older than the file, which
    // costs one extra refresh instead of a missed change.
    let exist = stamp(&watch, &files.stamp)?;
    let var = ps1_env::from_pairs(&input.vars);
    let loaded = segment::load(now);
    let pieces = segment::pieces(
        loaded.as_ref(),
        &var,
        None,
        segment::wrap_for(Some(input.shell)),
    );
    emit_segment(&mut e, &pieces, &var);

    let watch: Vec<String> = watch
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    e.set_list("_kdeck_watch", &watch)
        .set("_kdeck_exist", &exist)
        .set("_kdeck_stamp", &files.stamp.to_string_lossy())
        .set("_kdeck_overlay", &overlay_path)
        .set("_kdeck_state", &st.encode());
    Ok(e.finish())
}

fn announce(st: &mut ShellState, key: String, message: &str) {
    if st.announced.as_ref() != Some(&key) {
        eprintln!("{message}");
        st.announced = Some(key);
    }
}

/// Files whose change can change what the hook shows: the kubeconfig files in effect, every place a
/// `.kdeck.yaml` could appear above `pwd`, the trust store, the global prompt switch and the config.
fn watch_list(kubeconfig: &Resolution, pwd: &Path, store: &TrustStore) -> Vec<PathBuf> {
    let mut w: Vec<PathBuf> = kubeconfig.files.clone();
    w.extend(pwd.ancestors().map(|d| d.join(dirconfig::FILE_NAME)));
    w.push(store.allow_dir());
    w.push(store.deny_dir());
    w.push(ps1_env::global_off_file());
    w.push(crate::config::Config::path());
    w
}

/// Writes the stamp with the newest mtime among the watched files, and returns their existence as a
/// string of `0`/`1`, in order, for the hook to compare against.
fn stamp(watch: &[PathBuf], stamp: &Path) -> anyhow::Result<String> {
    let mut newest = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
    let mut exist = String::with_capacity(watch.len());
    for p in watch {
        match std::fs::metadata(p) {
            Ok(m) => {
                exist.push('1');
                if let Ok(t) = m.modified() {
                    newest = newest.max(t);
                }
            }
            Err(_) => exist.push('0'),
        }
    }
    if let Some(dir) = stamp.parent() {
        overlay::ensure_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let f = std::fs::OpenOptions::new()
        .mode(0o600)
        .create(true)
        .truncate(false)
        .write(true)
        .open(stamp)
        .with_context(|| format!("cannot write {}", stamp.display()))?;
    f.set_modified(newest)
        .with_context(|| format!("cannot set the mtime of {}", stamp.display()))?;
    Ok(exist)
}

/// Sets `KDECK_PS1`. When kube-ps1's functions are set, the shell calls them as kube-ps1 does: the
/// cluster function on the context, the namespace function on the namespace (`N/A` included), and the
/// colour function on the context the cluster function returned, its answer mapped by `_kdeck_fg`.
fn emit_segment(e: &mut Emitter, pieces: &[Piece], var: &dyn Fn(&str) -> Option<String>) {
    let has = |name: &str| var(name).is_some_and(|v| !v.is_empty());
    let (cf, nf, ccf) = (
        has("KUBE_PS1_CLUSTER_FUNCTION"),
        has("KUBE_PS1_NAMESPACE_FUNCTION"),
        has("KUBE_PS1_CTX_COLOR_FUNCTION"),
    );
    if !cf && !nf && !ccf {
        e.set("KDECK_PS1", &prompt::join(pieces));
        return;
    }
    let context = pieces.iter().find_map(|p| match p {
        Piece::Context(c) => Some(c.as_str()),
        _ => None,
    });
    if let Some(c) = context {
        if cf {
            e.set_from_function("_kdeck_c", "KUBE_PS1_CLUSTER_FUNCTION", c);
        } else {
            e.set("_kdeck_c", c);
        }
    }
    let mut parts = Vec::new();
    for p in pieces {
        match p {
            Piece::CtxColor(_) if ccf => {
                e.set_color_from_function("_kdeck_cc", "KUBE_PS1_CTX_COLOR_FUNCTION", "_kdeck_c");
                parts.push(Part::Var("_kdeck_cc"));
            }
            Piece::Context(_) => parts.push(Part::Var("_kdeck_c")),
            Piece::Namespace(n) if nf => {
                e.set_from_function("_kdeck_n", "KUBE_PS1_NAMESPACE_FUNCTION", n);
                parts.push(Part::Var("_kdeck_n"));
            }
            Piece::Lit(s) | Piece::CtxColor(s) | Piece::Namespace(s) => parts.push(Part::Lit(s)),
        }
    }
    e.set_concat("KDECK_PS1", &parts);
}
