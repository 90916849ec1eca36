//! The kdeck binary: picks a face from argv[0] (`kubectx`, `kubens`, `kubectl`) or from the subcommand,
//! and hands over to the module that owns it. Errors are reported here, once, with their causes
//! ([`kdeck::error::chain`]).

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use kdeck::cli::{Cli, Command, GlobalArgs, InternalCommand, SimCommand};

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let invoked_as = argv
        .first()
        .and_then(|a| Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("kdeck")
        .to_string();
    let rest = || -> Vec<String> {
        argv.iter()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    };
    match invoked_as.as_str() {
        "kubectx" => return exit(kdeck::switch::run_kubectx(rest(), &GlobalArgs::default())),
        "kubens" => return exit(kdeck::switch::run_kubens(rest(), &GlobalArgs::default())),
        "kubectl" => return exit(kdeck::kubectl::shim_main(argv)),
        _ => {}
    }

    let cli = Cli::parse();
    let result = match cli.command {
        None => kdeck::tui::run(&cli.global, &cli.tui).map(|()| 0),
        Some(Command::Demo(args)) => kdeck::tui::run_demo(&cli.global, args).map(|()| 0),
        Some(Command::Sim(SimCommand::Serve(args))) => kdeck::sim::serve(args).map(|()| 0),
        Some(Command::Sim(SimCommand::Fault { context, action })) => {
            kdeck::sim::fault_cli::run(&cli.global, context.as_deref(), action).map(|()| 0)
        }
        Some(Command::Fleet(args)) => kdeck::fleet::run(&cli.global, &args),
        Some(Command::Ctx(raw)) => Ok(kdeck::switch::run_kubectx(raw.args, &cli.global)),
        Some(Command::Ns(raw)) => Ok(kdeck::switch::run_kubens(raw.args, &cli.global)),
        Some(Command::Prompt(args)) => kdeck::shell::prompt(&cli.global, &args),
        Some(Command::Hook { shell }) => kdeck::shell::hook(shell).map(|()| 0),
        Some(Command::Use(args)) => kdeck::shell::use_context(&cli.global, &args),
        Some(Command::Allow { dir }) => kdeck::shell::allow(dir).map(|()| 0),
        Some(Command::Deny { dir }) => kdeck::shell::deny(dir).map(|()| 0),
        Some(Command::Gc) => kdeck::shell::gc().map(|()| 0),
        Some(Command::Kubectl(cmd)) => kdeck::kubectl::run(&cli.global, cmd),
        Some(Command::Describe(args)) => kdeck::describe::run_cli(&cli.global, &args),
        Some(Command::Completions { shell }) => {
            kdeck::shell::completions(shell, &mut Cli::command()).map(|()| 0)
        }
        Some(Command::Internal(cmd)) => match cmd {
            InternalCommand::Contexts => kdeck::switch::print_context_names(&cli.global),
            InternalCommand::Namespaces => kdeck::switch::print_namespace_names(&cli.global),
            InternalCommand::HookUpdate(args) => kdeck::shell::hook_update(&cli.global, args),
        },
    };
    match result {
        Ok(code) => exit(code),
        Err(e) => {
            eprintln!("error: {}", kdeck::error::chain(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
