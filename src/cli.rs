//! clap definitions for every face of kdeck, and nothing else: no I/O, no behaviour.
//!
//! `main.rs` parses these and hands each subcommand to the module that owns it. The kubectx/kubens faces
//! take their arguments raw (`args: Vec<String>`) because kubectx's own grammar (`NEW=OLD`, `-`, `.`) is
//! parsed by [`crate::switch`] exactly as kubectx parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kdeck",
    version,
    about = "The terminal cockpit for Kubernetes",
    long_about = "kdeck: a full-screen Kubernetes TUI, a kubectx/kubens replacement, a prompt segment, \
                  per-shell and per-directory contexts, kubectl version pinning and a simulated cluster."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(flatten)]
    pub tui: TuiArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options that every face understands.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file to use (overrides KUBECONFIG and ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
}

/// Options of the full-screen TUI (also accepted by `kdeck demo`).
#[derive(Debug, Clone, Default, Args)]
pub struct TuiArgs {
    /// The kubeconfig context to open (defaults to current-context). Several, as `a,b`, a glob
    /// (`prod-*`) or `all`, open one view merged across them, with a CONTEXT column.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// The namespace to open (defaults to the context's namespace).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Start on all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Block every mutating action.
    #[arg(long)]
    pub readonly: bool,

    /// Theme name (shipped: default, light, solarized-dark, high-contrast, mono).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    /// Keymap name (shipped: default, vim).
    #[arg(long, value_name = "NAME")]
    pub keymap: Option<String>,

    /// Start view, as typed in command mode (e.g. ":deploy").
    #[arg(long, value_name = "CMD")]
    pub command: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the simulated cluster in-process and open the TUI on it.
    Demo(DemoArgs),

    /// The simulated Kubernetes API server.
    #[command(subcommand)]
    Sim(SimCommand),

    /// Every context at once: reachability, version and skew, nodes, unhealthy pods, warnings,
    /// CPU/MEM, credentials.
    Fleet(FleetArgs),

    /// Switch or list contexts (kubectx-compatible).
    #[command(disable_help_flag = true)]
    Ctx(RawArgs),

    /// Switch or list namespaces (kubens-compatible).
    #[command(disable_help_flag = true)]
    Ns(RawArgs),

    /// Print the prompt segment for the effective context and namespace.
    ///
    /// Honours kube-ps1's KUBE_PS1_* variables. KUBE_PS1_CLUSTER_FUNCTION, KUBE_PS1_NAMESPACE_FUNCTION
    /// and KUBE_PS1_CTX_COLOR_FUNCTION name shell functions, which a separate process cannot call: they
    /// apply only through the hooks (`eval "$(kdeck hook bash)"`, then `$KDECK_PS1`).
    Prompt(PromptArgs),

    /// Print shell code to eval that installs kdeck's shell integration.
    Hook {
        #[arg(value_enum)]
        shell: Shell,
    },

    /// Switch context for this shell only (needs the hook).
    Use(UseArgs),

    /// Trust the .kdeck.yaml of DIR (default: the nearest one walking up from $PWD).
    Allow { dir: Option<PathBuf> },

    /// Block the .kdeck.yaml of DIR (default: the nearest one walking up from $PWD).
    Deny { dir: Option<PathBuf> },

    /// Remove per-shell kubeconfigs whose shell is gone.
    Gc,

    /// Manage kubectl versions.
    #[command(subcommand)]
    Kubectl(KubectlCommand),

    /// Print a resource the way `kubectl describe` does.
    Describe(DescribeArgs),

    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },

    /// Internal entry points used by the shell hook and completions.
    #[command(hide = true, name = "__internal", subcommand)]
    Internal(InternalCommand),
}

#[derive(Debug, Clone, Args)]
pub struct RawArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub tui: TuiArgs,

    /// Scenario file to seed the simulated cluster with (default: the built-in lively scenario).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Seed a cluster of N pods instead of the built-in scenario.
    #[arg(long, value_name = "N")]
    pub pods: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Run the simulated cluster headless until SIGINT or SIGTERM.
    Serve(SimServeArgs),
    /// Show or change the faults of a running sim (admin credentials of the kubeconfig's context).
    Fault {
        /// The sim's context (default: current-context).
        #[arg(long)]
        context: Option<String>,
        #[command(subcommand)]
        action: SimFaultAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum SimFaultAction {
    /// Set fault fields, e.g. kubeletUnreachable=sim-node-001 blackhole=true errorRate=0.1.
    Set {
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
    },
    /// Clear every fault.
    Clear,
    /// Print the faults in effect and how often each counted fault fired.
    Show,
}

#[derive(Debug, Clone, Args)]
pub struct SimServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,

    /// Where to write the kubeconfig for the sim (default: a 0600 file in the runtime dir).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig_out: Option<PathBuf>,

    /// Scenario YAML (namespaces, workloads, churn, log rate, faults).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Shortcut: a seeded cluster of N pods.
    #[arg(long, value_name = "N")]
    pub pods: Option<usize>,

    /// Serve N independent clusters (contexts kdeck-sim-1 … kdeck-sim-N, each with its own state, node
    /// names and a server version spread over three minors); the scenario and --pods seed each.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=500))]
    pub clusters: u16,
}

#[derive(Debug, Clone, Default, Args)]
pub struct PromptArgs {
    /// Template, e.g. '{symbol} {context}:{namespace}'.
    #[arg(long)]
    pub format: Option<String>,

    /// Colour escapes for this shell (bash: \001..\002 around SGR, zsh: %{%F{n}%}); default: raw SGR.
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,

    /// Hide the segment (like kubeoff).
    #[arg(long, conflicts_with = "on")]
    pub off: bool,

    /// Show the segment again (like kubeon).
    #[arg(long)]
    pub on: bool,

    /// With --on/--off: for every shell, not just this one.
    #[arg(long, short = 'g')]
    pub global: bool,
}

#[derive(Debug, Clone, Default, Args)]
pub struct UseArgs {
    /// Context name, or `-` for the previous one in this shell.
    pub context: Option<String>,

    /// Namespace for this shell.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,

    /// Write the shared kubeconfig instead, like `kdeck ctx`.
    #[arg(long)]
    pub global: bool,
}

#[derive(Debug, Subcommand)]
pub enum KubectlCommand {
    /// Download, verify (sha256) and install a kubectl version.
    Install { version: String },
    /// List installed versions and mark the active one.
    List,
    /// Print the kubectl that would run here, and why.
    Which {
        /// Also compare against the server version and warn on skew.
        #[arg(long)]
        server: bool,
    },
    /// Pin VER (or `system`, `auto`) in ./.tool-versions, keeping its other lines.
    Pin { version: String },
    /// Remove an installed version.
    Uninstall { version: String },
    /// Create the shim directory and print it (put it first on PATH).
    ShimDir,
}

#[derive(Debug, Clone, Args)]
pub struct DescribeArgs {
    /// Kind, plural or short name (pod, deploy, svc, ...).
    pub kind: String,
    /// Object name.
    pub name: String,
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    #[arg(long)]
    pub context: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum InternalCommand {
    /// Context names, one per line (dynamic completion).
    Contexts,
    /// Namespace names for the current context, one per line (dynamic completion).
    Namespaces,
    /// Hook step run at a prompt when the directory or watched files changed.
    HookUpdate(HookUpdateArgs),
}

/// What the shell hook hands to its update step.
#[derive(Debug, Clone, Args)]
pub struct HookUpdateArgs {
    #[arg(long, value_enum)]
    pub shell: Shell,
    /// PID of the shell (names its overlay and stamp files).
    #[arg(long)]
    pub pid: u32,
    /// The shell's state variable, as the previous update printed it.
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub state: String,
    /// The shell's prompt variables as NAME=VALUE (they are usually not exported).
    #[arg(last = true)]
    pub vars: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Options of `kdeck fleet`.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// Print the table once and exit: 0 when every cluster is healthy, 1 otherwise.
    #[arg(long)]
    pub once: bool,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: FleetOutput,

    /// Also the contexts of every kubeconfig file under DIR (recursive; repeatable).
    #[arg(long = "kubeconfig-dir", value_name = "DIR")]
    pub kubeconfig_dir: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FleetOutput {
    Table,
    Json,
    Yaml,
}
