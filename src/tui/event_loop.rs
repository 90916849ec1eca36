//! The event loop: terminal input, effect results and watch notes in; frames out.
//!
//! Frames are drawn only when something changed, at most once per 16 ms (60 fps), so a burst of watch
//! events costs one frame. There is no global refresh tick: the timers are the loading spinner (only
//! while a view is loading), the `:pf` page's once-a-second refresh (only while it is open), the
//! renewal of an interactive exec plugin's credential (only before it expires), and the age tick: once
//! a second the AGE/LAST SEEN texts of the rows on screen are compared with the last tick's, and a frame
//! is drawn only when one of them reads differently (`scripts/bench-age-tick.sh`). Watch notes are drained
//! in batches so the store absorbs a burst before the next frame, and log lines arrive in batches of up
//! to [`LOG_BATCH`] per message.

use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::unbounded_channel;
use tokio::time::{Instant, MissedTickBehavior};

use super::app::{App, Msg};
use super::effects::{EffectRunner, Followup, Suspended};
use super::render;
use crate::cluster::exec_auth;

pub const FRAME: Duration = Duration::from_millis(16);
const SPINNER: Duration = Duration::from_millis(100);
/// How often the `:pf` page refreshes its counters, only while it is open.
const FORWARDS_REFRESH: Duration = Duration::from_secs(1);
/// How often the ages on screen are looked at.
const AGE_TICK: Duration = Duration::from_secs(1);
/// Watch notes applied before the loop looks at input again.
const WATCH_BATCH: usize = 2048;
/// Log lines taken per message: a flood costs one update per batch, and input is looked at between
/// batches (the select is biased towards frames and keys).
pub const LOG_BATCH: usize = 4096;

/// What `run` needs besides the app.
pub struct LoopSetup {
    pub explicit_kubeconfig: Option<std::path::PathBuf>,
    /// The first connection, made before the terminal was taken over.
    pub preconnected: Option<super::effects::ConnectDone>,
}

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Runs until the user quits (or the terminal goes away); gives the app back for what outlives the
/// session (favourite namespaces).
pub async fn run(
    mut app: App,
    terminal: DefaultTerminal,
    setup: LoopSetup,
) -> (anyhow::Result<()>, App) {
    let result = run_loop(&mut app, terminal, setup).await;
    (result, app)
}

async fn run_loop(
    app: &mut App,
    mut terminal: DefaultTerminal,
    setup: LoopSetup,
) -> anyhow::Result<()> {
    let (msg_tx, mut msg_rx) = unbounded_channel::<Msg>();
    let (watch_tx, mut watch_rx) = unbounded_channel();
    let (conn_tx, mut conn_rx) = unbounded_channel();
    let mut runner = EffectRunner::new(app.kubeconfig.clone(), msg_tx.clone(), watch_tx, conn_tx);
    if let Some(done) = setup.preconnected {
        runner.preconnect(done);
    }
    let _reload =
        super::reload::watch(&app.kubeconfig, setup.explicit_kubeconfig, msg_tx.clone()).ok();
    let mut events = EventStream::new();
    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize {
            width: size.width,
            height: size.height,
        });
    }
    let first = app.start();
    let mut pending = runner.run(first);
    let mut spinner = tokio::time::interval(SPINNER);
    spinner.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut forwards_refresh = tokio::time::interval(FORWARDS_REFRESH);
    forwards_refresh.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut ages = tokio::time::interval(AGE_TICK);
    ages.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;

    loop {
        let mut later = Vec::new();
        for f in std::mem::take(&mut pending) {
            match f {
                Followup::None => {}
                Followup::Copy(text) => copy_to_clipboard(&text),
                Followup::Quit => return Ok(()),
                // Each of these needs the terminal to itself: the TUI steps aside (and its input
                // reader stops, or it would steal what the user types), then comes back as it was.
                Followup::Suspend(work) => {
                    drop(events);
                    ratatui::restore();
                    let msg = match work {
                        Suspended::Connect(ctx) => {
                            eprintln!(
                                "kdeck: authenticating to {ctx} (the TUI resumes afterwards)…"
                            );
                            runner.connect_now(ctx).await
                        }
                        Suspended::Login(ctx) => {
                            eprintln!("kdeck: logging in to {ctx} (the TUI resumes afterwards)…");
                            runner.login_now(ctx).await
                        }
                        Suspended::Reauthenticate => {
                            eprintln!(
                                "kdeck: the credential for {} expires; running its login plugin (the TUI resumes afterwards)…",
                                app.session.context.as_deref().unwrap_or("this context")
                            );
                            runner.reauthenticate().await
                        }
                        Suspended::Plugin { command, args, env } => {
                            let status = tokio::process::Command::new(&command)
                                .args(&args)
                                .envs(env)
                                .status()
                                .await;
                            Msg::ShellEnded(match status {
                                Ok(s) if s.success() => Ok(format!("{command} finished")),
                                Ok(s) => Err(format!("{command} exited with {s}")),
                                Err(e) => Err(format!("cannot run {command}: {e}")),
                            })
                        }
                        Suspended::Edit { client, target } => {
                            eprintln!(
                                "kdeck: editing {} (save and quit the editor to apply)…",
                                target.display()
                            );
                            Msg::EditEnded(super::edit::run(client, *target).await)
                        }
                        Suspended::Shell {
                            client,
                            namespace,
                            pod,
                            container,
                            attach,
                        } => {
                            if attach {
                                eprintln!(
                                    "kdeck: attaching to {namespace}/{pod}; ctrl-p ctrl-q detaches (the container keeps running)"
                                );
                            } else {
                                eprintln!(
                                    "kdeck: shell in {namespace}/{pod}; `exit` (or ctrl-d) returns to kdeck"
                                );
                            }
                            Msg::ShellEnded(match crossterm::terminal::enable_raw_mode() {
                                Ok(()) => {
                                    let r = if attach {
                                        super::shell::attach(
                                            client,
                                            &namespace,
                                            &pod,
                                            container.as_deref(),
                                        )
                                        .await
                                    } else {
                                        super::shell::run(
                                            client,
                                            &namespace,
                                            &pod,
                                            container.as_deref(),
                                        )
                                        .await
                                    };
                                    let _ = crossterm::terminal::disable_raw_mode();
                                    r
                                }
                                Err(e) => Err(format!("cannot set the terminal to raw mode: {e}")),
                            })
                        }
                    };
                    terminal = ratatui::init();
                    events = EventStream::new();
                    let _ = terminal.clear();
                    later.extend(runner.run(app.update(msg)));
                    dirty = true;
                }
            }
        }
        pending = later;
        if !pending.is_empty() {
            continue;
        }
        if app.quit {
            return Ok(());
        }
        let loading = app.loading();
        let forwards_open = app.forwards_page_open();
        let deadline = last_draw + FRAME;
        let reauth_at = runner.reauth_at();
        let reauth = Instant::now() + reauth_at.map_or(Duration::ZERO, exec_auth::until);
        let effects = tokio::select! {
            biased;
            _ = tokio::time::sleep_until(deadline), if dirty => {
                terminal.draw(|f| render::frame(app, f, now_secs()))?;
                last_draw = Instant::now();
                dirty = false;
                Vec::new()
            }
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    dirty = true;
                    app.update(Msg::Key(k))
                }
                Some(Ok(Event::Resize(width, height))) => {
                    dirty = true;
                    app.update(Msg::Resize { width, height })
                }
                Some(Ok(_)) => Vec::new(),
                // The terminal went away: nothing left to draw on.
                Some(Err(_)) | None => return Ok(()),
            },
            Some(done) = conn_rx.recv() => match runner.adopt(done) {
                Some(msg) => {
                    dirty = true;
                    app.update(msg)
                }
                None => Vec::new(),
            },
            Some(msg) = msg_rx.recv() => {
                dirty = true;
                if let Msg::KubeconfigReloaded(Ok(set)) = &msg {
                    runner.kubeconfig = set.clone();
                }
                app.update(msg)
            }
            Some(w) = watch_rx.recv() => {
                dirty = true;
                let mut effects = app.update(Msg::Watch(w));
                for _ in 0..WATCH_BATCH {
                    match watch_rx.try_recv() {
                        Ok(w) => effects.extend(app.update(Msg::Watch(w))),
                        Err(_) => break,
                    }
                }
                effects
            }
            _ = tokio::time::sleep_until(reauth), if reauth_at.is_some() => {
                pending.push(Followup::Suspend(Suspended::Reauthenticate));
                continue;
            }
            Some(msg) = runner.next_logs(LOG_BATCH), if runner.logs_open() => {
                dirty = true;
                app.update(msg)
            }
            _ = spinner.tick(), if loading => {
                dirty = true;
                app.update(Msg::Tick)
            }
            _ = forwards_refresh.tick(), if forwards_open => app.update(Msg::RefreshForwards),
            _ = ages.tick(), if !loading => {
                dirty |= app.ages_moved(now_secs());
                Vec::new()
            }
        };
        pending = runner.run(effects);
    }
}

/// OSC 52: the terminal (or tmux, with `set-clipboard on`) puts `text` on the clipboard. Works over ssh,
/// needs no clipboard program, and is ignored by terminals that do not support it.
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

fn copy_to_clipboard(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout();
    let _ = out.write_all(osc52(text).as_bytes());
    let _ = out.flush();
}
