//! Node maintenance: cordon and uncordon (a confirmation), and drain, with the options of `kubectl
//! drain` (grace period, timeout, ignore DaemonSets, delete emptyDir data, force) and each pod's
//! progress while it runs.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::Line;

use super::{Answer, Base, Common, checkbox, common, edit, field, footer, text};
use crate::cluster::actions::ObjectRef;
use crate::cluster::nodes::{DrainOptions, PodStep};
use crate::tui::input::LineInput;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeOp {
    Cordon,
    Uncordon,
    Drain,
}

/// The drain form's fields, in tab order.
const FIELDS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDialog {
    pub base: Base,
    pub op: NodeOp,
    grace: LineInput,
    timeout: LineInput,
    ignore_daemonsets: bool,
    delete_emptydir: bool,
    force: bool,
    focus: usize,
    /// Each pod's latest step, in the order they were first reported.
    pub progress: Vec<(String, PodStep)>,
}

impl NodeDialog {
    pub fn new(id: u64, target: ObjectRef, op: NodeOp) -> Self {
        let d = DrainOptions::default();
        NodeDialog {
            base: Base::new(id, target),
            op,
            grace: LineInput::default(),
            timeout: LineInput::with_text(&format!("{}s", d.timeout.as_secs())),
            ignore_daemonsets: d.ignore_daemonsets,
            delete_emptydir: d.delete_emptydir_data,
            force: d.force,
            focus: 0,
            progress: Vec::new(),
        }
    }

    /// The form as drain options, or what is wrong with it.
    fn options(&self) -> Result<DrainOptions, String> {
        let grace = match self.grace.text.trim() {
            "" => None,
            g => Some(
                g.trim_end_matches('s')
                    .parse::<u32>()
                    .map_err(|_| format!("grace period: \"{g}\" is not a number of seconds"))?,
            ),
        };
        let t = self.timeout.text.trim();
        let timeout = crate::duration::parse(t)
            .filter(|d| *d > Duration::ZERO)
            .ok_or_else(|| format!("timeout: \"{t}\" is not a duration (30s, 5m)"))?;
        Ok(DrainOptions {
            grace_period: grace,
            timeout,
            ignore_daemonsets: self.ignore_daemonsets,
            delete_emptydir_data: self.delete_emptydir,
            force: self.force,
        })
    }

    fn submit(&mut self) -> Answer {
        let (dialog, target) = (self.base.id, self.base.target.clone());
        match self.op {
            NodeOp::Cordon | NodeOp::Uncordon => Answer::submit(Effect::Cordon {
                dialog,
                target,
                on: self.op == NodeOp::Cordon,
            }),
            NodeOp::Drain => match self.options() {
                Ok(options) => {
                    self.progress.clear();
                    Answer::submit(Effect::Drain {
                        dialog,
                        target,
                        options,
                    })
                }
                Err(e) => {
                    self.base.error = Some(e);
                    Answer::Continue(vec![])
                }
            },
        }
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Answer {
        if self.op != NodeOp::Drain {
            return match (common(key), key.code) {
                (Some(Common::Confirm), _) | (None, KeyCode::Char('y')) => self.submit(),
                (Some(Common::Cancel), _) | (None, KeyCode::Char('n')) => Answer::Cancel,
                _ => Answer::Continue(vec![]),
            };
        }
        match common(key) {
            Some(Common::Confirm) => self.submit(),
            Some(Common::Cancel) => Answer::Cancel,
            Some(Common::Next | Common::Down) => {
                self.focus = (self.focus + 1) % FIELDS;
                Answer::Continue(vec![])
            }
            Some(Common::Prev | Common::Up) => {
                self.focus = (self.focus + FIELDS - 1) % FIELDS;
                Answer::Continue(vec![])
            }
            None => {
                match self.focus {
                    0 => {
                        edit(&mut self.grace, key);
                    }
                    1 => {
                        edit(&mut self.timeout, key);
                    }
                    n if key.code == KeyCode::Char(' ') => {
                        let flag = match n {
                            2 => &mut self.ignore_daemonsets,
                            3 => &mut self.delete_emptydir,
                            _ => &mut self.force,
                        };
                        *flag = !*flag;
                    }
                    _ => {}
                }
                self.base.error = None;
                Answer::Continue(vec![])
            }
        }
    }

    /// A drain's report about one pod.
    pub fn on_progress(&mut self, pod: String, step: PodStep) {
        match self.progress.iter_mut().find(|(p, _)| *p == pod) {
            Some(entry) => entry.1 = step,
            None => self.progress.push((pod, step)),
        }
    }

    pub fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        let what = self.base.what();
        let mut lines = Vec::new();
        let title = match self.op {
            NodeOp::Cordon => {
                lines.push(text(format!("Cordon {what}?"), theme));
                lines.push(text(
                    "No new pods are scheduled on it; its pods stay.",
                    theme,
                ));
                "cordon"
            }
            NodeOp::Uncordon => {
                lines.push(text(format!("Uncordon {what}?"), theme));
                lines.push(text("New pods may be scheduled on it again.", theme));
                "uncordon"
            }
            NodeOp::Drain => {
                lines.push(text(
                    format!("Drain {what}: cordon it, then evict its pods"),
                    theme,
                ));
                lines.push(text(
                    "through the eviction API (disruption budgets are honoured).",
                    theme,
                ));
                lines.push(Line::raw(""));
                lines.push(field("grace period", &self.grace, self.focus == 0, theme));
                lines.push(field("timeout", &self.timeout, self.focus == 1, theme));
                lines.push(checkbox(
                    "ignore DaemonSets",
                    self.ignore_daemonsets,
                    self.focus == 2,
                    theme,
                ));
                lines.push(checkbox(
                    "delete emptyDir data",
                    self.delete_emptydir,
                    self.focus == 3,
                    theme,
                ));
                lines.push(checkbox(
                    "force (pods without a controller)",
                    self.force,
                    self.focus == 4,
                    theme,
                ));
                if !self.progress.is_empty() {
                    lines.push(Line::raw(""));
                }
                for (pod, step) in &self.progress {
                    let (mark, style, note) = match step {
                        PodStep::Skipped(why) => {
                            ("-", theme.dialog.text, format!("skipped ({why})"))
                        }
                        PodStep::Evicting => ("…", theme.status.pending, "evicting".into()),
                        PodStep::Blocked(why) => {
                            ("…", theme.status.pending, format!("waiting: {why}"))
                        }
                        PodStep::Evicted => ("…", theme.status.pending, "evicted, stopping".into()),
                        PodStep::Gone => ("✓", theme.status.ok, "evicted".into()),
                        PodStep::Failed(why) => ("✗", theme.status.error, why.clone()),
                    };
                    lines.push(Line::styled(format!("{mark} {pod}: {note}"), style));
                }
                "drain"
            }
        };
        let hints: &[(&str, &str)] = match self.op {
            NodeOp::Drain => &[
                ("enter", "drain"),
                ("tab", "next field"),
                ("space", "toggle"),
                ("esc", "cancel"),
            ],
            NodeOp::Cordon => &[("enter/y", "cordon"), ("esc/n", "cancel")],
            NodeOp::Uncordon => &[("enter/y", "uncordon"), ("esc/n", "cancel")],
        };
        footer(&self.base, hints, theme, &mut lines);
        (title.to_string(), lines)
    }
}
