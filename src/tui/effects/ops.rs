//! The mutating verbs' effects: scale, restart and delete through [`crate::cluster::actions`], and the
//! port-forwards the runner owns (one [`ForwardManager`] per connection, stopped with it, or moved to
//! the next one when only the credentials changed).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::cluster::forward::{ForwardError, ForwardInfo, ForwardManager, ForwardSpec};

use super::EffectRunner;
use crate::cluster::actions::{self, DeleteOptions, DeleteOutcome, ObjectRef};
use crate::tui::msg::{Effect, Msg};

impl EffectRunner {
    pub(super) fn run_op(&mut self, effect: Effect) {
        match effect {
            Effect::Scale {
                dialog,
                target,
                replicas,
            } => self.spawn_action(dialog, target.context.clone(), move |c| async move {
                actions::scale(&c, &target, replicas)
                    .await
                    .map(|n| format!("scaled {} to {n} replicas", target.display()))
                    .map_err(|e| e.to_string())
            }),
            Effect::Restart { dialog, target } => {
                self.spawn_action(dialog, target.context.clone(), move |c| async move {
                    actions::restart(&c, &target, jiff::Timestamp::now())
                        .await
                        .map(|()| format!("restarted {} (rolling out)", target.display()))
                        .map_err(|e| e.to_string())
                })
            }
            Effect::Bulk {
                dialog,
                op,
                targets,
            } => {
                let tx = self.msgs.clone();
                // Each row goes to its own cluster (a merged view's marks may span several).
                let clients: Vec<Result<kube::Client, String>> = targets
                    .iter()
                    .map(|t| self.client_for(t.context.as_deref()))
                    .collect();
                self.spawn_task(dialog, async move {
                    use crate::tui::dialogs::bulk::BulkOp;
                    let n = targets.len();
                    let mut failed = 0;
                    for (index, (target, client)) in targets.into_iter().zip(clients).enumerate() {
                        let c = match client {
                            Ok(c) => c,
                            Err(e) => {
                                failed += 1;
                                let _ = tx.send(Msg::BulkProgress {
                                    dialog,
                                    index,
                                    result: Err(e),
                                });
                                continue;
                            }
                        };
                        let result = match op {
                            BulkOp::Restart => {
                                actions::restart(&c, &target, jiff::Timestamp::now())
                                    .await
                                    .map(|()| format!("restarted {}", target.display()))
                            }
                            BulkOp::Delete | BulkOp::Kill => {
                                let options = DeleteOptions {
                                    grace_period: None,
                                    force: op == BulkOp::Kill,
                                };
                                actions::delete(&c, &target, options)
                                    .await
                                    .map(|o| deleted_message(&target, options, o))
                            }
                        }
                        .map_err(|e| e.to_string());
                        failed += usize::from(result.is_err());
                        let _ = tx.send(Msg::BulkProgress {
                            dialog,
                            index,
                            result,
                        });
                    }
                    let verb = match op {
                        BulkOp::Restart => "restarted",
                        BulkOp::Delete => "deleted",
                        BulkOp::Kill => "killed",
                    };
                    if failed == 0 {
                        Ok(format!("{verb} {n} of {n}"))
                    } else {
                        Err(format!(
                            "{verb} {} of {n}; {failed} failed (see each row)",
                            n - failed
                        ))
                    }
                })
            }
            Effect::SetImage {
                dialog,
                target,
                images,
            } => self.spawn_action(dialog, target.context.clone(), move |c| async move {
                actions::set_image(&c, &target, &images)
                    .await
                    .map(|()| {
                        let set: Vec<String> =
                            images.iter().map(|(n, i)| format!("{n}={i}")).collect();
                        format!("{}: image {}", target.display(), set.join(", "))
                    })
                    .map_err(|e| e.to_string())
            }),
            Effect::Trigger { dialog, target } => {
                self.spawn_action(dialog, target.context.clone(), move |c| async move {
                    let ns = target.namespace.clone().unwrap_or_default();
                    crate::cluster::trigger::trigger(&c, &ns, &target.name)
                        .await
                        .map(|job| format!("created job {ns}/{job} from {}", target.display()))
                        .map_err(|e| e.to_string())
                })
            }
            Effect::Cordon { dialog, target, on } => {
                self.spawn_action(dialog, target.context.clone(), move |c| async move {
                    crate::cluster::nodes::cordon(&c, &target.name, on)
                        .await
                        .map(|()| {
                            let verb = if on { "cordoned" } else { "uncordoned" };
                            format!("node/{} {verb}", target.name)
                        })
                        .map_err(|e| e.to_string())
                })
            }
            Effect::Drain {
                dialog,
                target,
                options,
            } => {
                let tx = self.msgs.clone();
                self.spawn_action(dialog, target.context.clone(), move |c| async move {
                    let (progress, mut steps) = tokio::sync::mpsc::unbounded_channel();
                    let relay = tokio::spawn(async move {
                        while let Some((pod, step)) = steps.recv().await {
                            let _ = tx.send(Msg::DrainProgress { dialog, pod, step });
                        }
                    });
                    let result =
                        crate::cluster::nodes::drain(&c, &target.name, options, progress).await;
                    let _ = relay.await;
                    result
                })
            }
            Effect::Delete {
                dialog,
                target,
                options,
            } => self.spawn_action(dialog, target.context.clone(), move |c| async move {
                actions::delete(&c, &target, options)
                    .await
                    .map(|outcome| deleted_message(&target, options, outcome))
                    .map_err(|e| e.to_string())
            }),
            Effect::StartForward {
                dialog,
                spec,
                context,
            } => match self.forwards_for(context.as_deref()) {
                Ok(manager) => {
                    let tx = self.msgs.clone();
                    tokio::spawn(async move {
                        let result = manager.start(spec).await.map_err(|e| e.to_string());
                        let _ = tx.send(Msg::ForwardStarted { dialog, result });
                    });
                }
                Err(e) => {
                    let _ = self.msgs.send(Msg::ForwardStarted {
                        dialog,
                        result: Err(e),
                    });
                }
            },
            Effect::SuggestLocalPort { dialog, addr, port } => {
                let local = suggest_local_port(addr, port);
                let _ = self.msgs.send(Msg::LocalPortSuggested {
                    dialog,
                    remote: port,
                    local,
                });
            }
            Effect::StopForward(id) => {
                // Ids are unique across managers: only the one that has it stops anything.
                for f in self.forwards.iter().chain(self.other_forwards.values()) {
                    f.stop(id);
                }
            }
            Effect::ListForwards { page } => {
                let mut list = self.forwards.as_ref().map(|f| f.list()).unwrap_or_default();
                for f in self.other_forwards.values() {
                    list.extend(f.list());
                }
                let _ = self.msgs.send(Msg::Forwards { page, list });
            }
            _ => {}
        }
    }

    /// Moves every forward of `old` to `new` (the same context with new credentials), on the same local
    /// addresses so the programs using them only see their open connections end. Answers
    /// [`Msg::ForwardsMoved`] when there was anything to move.
    pub(super) fn move_forwards(&self, old: Arc<ForwardManager>, new: Arc<ForwardManager>) {
        let specs: Vec<ForwardSpec> = old
            .list()
            .into_iter()
            .map(|f| ForwardSpec {
                local_port: f.local.port(),
                ..f.spec
            })
            .collect();
        old.stop_all();
        if specs.is_empty() {
            return;
        }
        let tx = self.msgs.clone();
        tokio::spawn(async move {
            let mut moved = 0;
            let mut failed = Vec::new();
            for spec in specs {
                match start_when_free(&new, spec.clone()).await {
                    Ok(_) => moved += 1,
                    Err(e) => failed.push(format!("{} port {}: {e}", spec.target, spec.port)),
                }
            }
            let _ = tx.send(Msg::ForwardsMoved { moved, failed });
        });
    }

    /// The forwards of `context` (None: the connected one), made on first use for another context.
    fn forwards_for(&mut self, context: Option<&str>) -> Result<Arc<ForwardManager>, String> {
        match context {
            Some(c) if self.connected.as_deref() != Some(c) => {
                if let Some(m) = self.other_forwards.get(c) {
                    return Ok(m.clone());
                }
                let manager = Arc::new(ForwardManager::in_context(self.client_for(Some(c))?, c));
                self.other_forwards.insert(c.to_string(), manager.clone());
                Ok(manager)
            }
            _ => self
                .forwards
                .clone()
                .ok_or_else(|| "not connected".to_string()),
        }
    }

    /// Runs one mutation on a task with the client of `context` (None: the connected one); its result
    /// comes back as [`Msg::ActionDone`].
    fn spawn_action<F, Fut>(&self, dialog: u64, context: Option<String>, run: F)
    where
        F: FnOnce(kube::Client) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<String, String>> + Send + 'static,
    {
        match self.client_for(context.as_deref()) {
            Ok(c) => self.spawn_task(dialog, run(c)),
            Err(e) => {
                let _ = self.msgs.send(Msg::ActionDone {
                    dialog,
                    result: Err(e),
                });
            }
        }
    }

    /// Runs `work` on a task; its result comes back as [`Msg::ActionDone`].
    fn spawn_task<Fut>(&self, dialog: u64, work: Fut)
    where
        Fut: std::future::Future<Output = Result<String, String>> + Send + 'static,
    {
        let tx = self.msgs.clone();
        tokio::spawn(async move {
            let result = work.await;
            let _ = tx.send(Msg::ActionDone { dialog, result });
        });
    }
}

fn deleted_message(target: &ObjectRef, options: DeleteOptions, outcome: DeleteOutcome) -> String {
    let how = match (options.force, options.grace_period) {
        (true, _) => " (forced)".to_string(),
        (false, Some(g)) => format!(" (grace {g}s)"),
        (false, None) => String::new(),
    };
    match outcome {
        DeleteOutcome::Deleted => format!("deleted {}{how}", target.display()),
        DeleteOutcome::Terminating => format!("{} is terminating{how}", target.display()),
    }
}

/// How long a moved forward waits for its old listener to let the port go.
const PORT_RELEASE: Duration = Duration::from_secs(2);

/// Starts `spec`, retrying while its local port is still held: the old forward's listener closes on its
/// own task, a moment after it was told to stop.
async fn start_when_free(
    manager: &ForwardManager,
    spec: ForwardSpec,
) -> Result<ForwardInfo, ForwardError> {
    let deadline = tokio::time::Instant::now() + PORT_RELEASE;
    loop {
        match manager.start(spec.clone()).await {
            Err(ForwardError::Bind { .. }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// The local port to offer for remote `port`: the same number when it is free and unprivileged (as
/// kubectl does), otherwise one the OS says is free. The probe binds and closes at once; the forward binds
/// for real when it starts, and a port taken in between is reported then.
pub fn suggest_local_port(addr: IpAddr, port: u16) -> u16 {
    let free = |p: u16| std::net::TcpListener::bind(SocketAddr::new(addr, p)).ok();
    if port >= 1024 && free(port).is_some() {
        return port;
    }
    free(0)
        .and_then(|l| l.local_addr().ok())
        .map_or(0, |a| a.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_port_is_the_same_unless_taken_or_privileged() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let taken = std::net::TcpListener::bind((lo, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let other = suggest_local_port(lo, port);
        assert_ne!(other, port, "a taken port is not offered");
        assert!(other >= 1024);
        drop(taken);
        assert_eq!(suggest_local_port(lo, port), port);
        let p = suggest_local_port(lo, 80);
        assert!(p >= 1024, "privileged 80 became {p}");
    }
}
