//! What each key does on the logs page. Options that change what the server sends (tail, since,
//! previous, container) restart the stream; the rest only change how the held lines are shown.

use super::picker::{Picker, default_container, pod_choices, workload_choices};
use super::{LogsPage, TAIL_PRESETS};
use crate::cluster::logs::SINCE_PRESETS;
use crate::tui::action::Action;
use crate::tui::component::Outcome;
use crate::tui::msg::{Effect, Fetched};

const HSTEP: usize = 8;

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

impl LogsPage {
    /// Handles an action on a `height`×`width` body.
    pub fn on_action(&mut self, action: Action, height: usize, width: usize) -> Outcome {
        let (h, w) = (height.max(1), width.max(1));
        if let Some(p) = self.picker.as_mut() {
            match action {
                Action::Up => p.step(-1),
                Action::Down => p.step(1),
                Action::PageUp | Action::Top => p.step(isize::MIN / 2),
                Action::PageDown | Action::Bottom => p.step(isize::MAX / 2),
                Action::Enter => return self.pick(),
                _ => {}
            }
            return Outcome::none();
        }
        let page = h as isize;
        match action {
            Action::Up => self.scroll(-1, h, w),
            Action::Down => self.scroll(1, h, w),
            Action::PageUp => self.scroll(-page, h, w),
            Action::PageDown => self.scroll(page, h, w),
            Action::Top => self.scroll_to_top(h, w),
            Action::Bottom => self.resume_follow(),
            Action::ScrollLeft => self.hscroll = self.hscroll.saturating_sub(HSTEP),
            Action::ScrollRight if !self.wrap => self.hscroll += HSTEP,
            Action::SearchNext | Action::SearchPrev => {
                return self.next_match(action == Action::SearchNext, h, w);
            }
            Action::LogFollow => {
                if self.follow {
                    self.pause(h, w);
                } else {
                    self.resume_follow();
                }
            }
            Action::LogWrap => {
                self.wrap = !self.wrap;
                self.hscroll = 0;
                return Outcome::note(format!("wrap {}", on_off(self.wrap)));
            }
            Action::LogTimestamps => {
                self.opts.timestamps = !self.opts.timestamps;
                // What search and filter look at includes the timestamp.
                self.rematch();
                return Outcome::note(format!("timestamps {}", on_off(self.opts.timestamps)));
            }
            Action::LogJson => {
                self.json = !self.json;
                return Outcome::note(format!("JSON pretty-print {}", on_off(self.json)));
            }
            Action::LogSince => {
                let next = match self.opts.since_seconds {
                    None => Some(0),
                    Some(s) => SINCE_PRESETS
                        .iter()
                        .position(|(_, v)| *v == s)
                        .map(|p| p + 1)
                        .filter(|p| *p < SINCE_PRESETS.len()),
                };
                self.opts.since_seconds = next.map(|p| SINCE_PRESETS[p].1);
                // A time window replaces the line count, and back.
                self.opts.tail_lines = match next {
                    Some(_) => None,
                    None => TAIL_PRESETS[0],
                };
                return self.restart(format!("showing {}", self.window()));
            }
            Action::LogTail => {
                let at = TAIL_PRESETS
                    .iter()
                    .position(|t| *t == self.opts.tail_lines && self.opts.since_seconds.is_none());
                let next = at.map_or(0, |p| (p + 1) % TAIL_PRESETS.len());
                self.opts.tail_lines = TAIL_PRESETS[next];
                self.opts.since_seconds = None;
                return self.restart(format!("showing {}", self.window()));
            }
            Action::LogPrevious => {
                self.opts.previous = !self.opts.previous;
                let what = if self.opts.previous {
                    "previous container's logs"
                } else {
                    "current logs"
                };
                return self.restart(what.to_string());
            }
            Action::LogContainer => match &self.choices {
                Some(c) if !c.is_empty() => {
                    self.picker = Some(Picker::new(c.clone(), self.target.container.as_deref()));
                }
                Some(_) => return Outcome::error("no containers to pick from"),
                None => return Outcome::note("the container list is still loading"),
            },
            Action::LogClear => {
                let held = self.ring.len() as u64;
                self.ring.clear();
                self.cleared += held;
                self.shown.clear();
                self.matches.clear();
                self.current = None;
                self.paused_at = self.ring.total();
                return Outcome::note(format!("cleared {held} lines from the view"));
            }
            Action::LogSave => {
                if !self.streaming() {
                    return Outcome::error("nothing to save yet");
                }
                let effect = Effect::SaveLogs {
                    page: self.id,
                    stream: self.stream,
                    stem: self.target.file_stem(),
                };
                return Outcome::effect(effect).with_note("saving…");
            }
            _ => {}
        }
        Outcome::none()
    }

    fn restart(&mut self, what: String) -> Outcome {
        if !self.streaming() {
            // The first stream starts once the container is known, with these options.
            return Outcome::note(what);
        }
        Outcome::effect(self.start()).with_note(format!("{what}: restarted"))
    }

    fn pick(&mut self) -> Outcome {
        let Some(choice) = self.picker.take().and_then(|p| p.chosen().cloned()) else {
            return Outcome::none();
        };
        if self.streaming() && choice.container == self.target.container {
            return Outcome::none();
        }
        self.target.container = choice.container;
        Outcome::effect(self.start())
    }

    fn next_match(&mut self, forward: bool, h: usize, w: usize) -> Outcome {
        if self.matches.is_empty() {
            let msg = if self.search_text.is_empty() {
                "no search: press / first".to_string()
            } else {
                format!("pattern not found: {}", self.search_text)
            };
            return Outcome::error(msg);
        }
        let next = crate::cluster::logs::text::next_match(&self.matches, self.current, forward);
        self.current = next;
        if let Some(m) = next {
            self.show_entry(m, h, w);
        }
        Outcome::none()
    }

    /// `tail 100`, `since 5m`, `all lines`: what the stream asked the server for.
    pub fn window(&self) -> String {
        if let Some(s) = self.opts.since_seconds {
            let name = SINCE_PRESETS
                .iter()
                .find(|(_, v)| *v == s)
                .map_or_else(|| format!("{s}s"), |(n, _)| n.to_string());
            return format!("since {name}");
        }
        match self.opts.tail_lines {
            Some(n) => format!("tail {n}"),
            None => "all lines".to_string(),
        }
    }

    /// Takes the fetched pod or workload: the containers to pick from. For a pod whose container is not
    /// chosen yet, starts streaming its only container, or opens the picker when it has several.
    pub fn set_fetched(&mut self, fetched: Result<Fetched, String>) -> Vec<Effect> {
        let obj = match &fetched {
            Ok(f) => &f.object,
            // Without the pod the picker cannot be offered: let the engine pick the default container
            // (and report the failure itself if the pod cannot be read at all).
            Err(_) => {
                self.choices = Some(Vec::new());
                return if self.streaming() {
                    vec![]
                } else {
                    self.target.container = None;
                    let e = self.start();
                    vec![e]
                };
            }
        };
        if self.target.is_merged() {
            self.choices = Some(workload_choices(obj));
            // The table row keeps matchLabels only; the object has the whole selector
            // (matchExpressions too), so a workload that uses them streams exactly its pods.
            let full = crate::cluster::selector::selector_query(&self.target.object.kind.kind, obj);
            if full.is_some() && full != self.target.selector {
                self.target.selector = full;
                return vec![self.start()];
            }
            return vec![];
        }
        let choices = pod_choices(obj);
        self.choices = Some(choices.clone());
        if self.target.container.is_some() {
            return vec![];
        }
        // Init containers alone do not make a choice (they stay on the container key): kubectl picks
        // the one regular container too.
        if choices.iter().filter(|c| !c.init).count() > 1 {
            let default = default_container(obj);
            self.picker = Some(Picker::new(choices, default.as_deref()));
            return vec![];
        }
        self.target.container =
            default_container(obj).or_else(|| choices.into_iter().next().and_then(|c| c.container));
        vec![self.start()]
    }
}
