//! The logs page: one container's log, or the merged log of a workload's pods, live.
//!
//! Owns: the page state (what is streamed, the bounded ring of lines, follow/pause, wrap, timestamps,
//! JSON pretty-printing, search and line filter, the container picker), its keys ([`keys`]), its
//! layout and scrolling ([`layout`]) and its drawing ([`render`]). It must not stream, save or touch
//! files itself: the log engine (`crate::cluster::logs`) does that in the effect runner, which feeds lines
//! back in batches as [`crate::tui::msg::Msg::Logs`]. A batch for a stream the page no longer shows (after
//! a restart, or for a closed page) is dropped by id.
//!
//! Saved files go to `${XDG_DATA_HOME:-~/.local/share}/kdeck/logs/<namespace>_<name>[_<container>]_
//! <UTC time>.log`, mode 0600 in a 0700 directory, and hold the whole stream from its start (the
//! engine's spool), however small the ring is.

mod keys;
mod layout;
mod picker;
mod render;

pub use picker::{Choice, Picker};
pub use render::render;

use crate::cluster::actions::ObjectRef;
use crate::cluster::logs::text::Search;
use crate::cluster::logs::{LineKind, LogEvent, LogLine, LogOptions, LogRing, LogSource};
use crate::tui::msg::Effect;

/// The `tail` presets the tail key cycles through; None = the whole log.
pub const TAIL_PRESETS: &[Option<i64>] = &[Some(100), Some(1000), Some(10_000), None];

/// Log events in flight between the engine and the UI (backpressure beyond that).
pub const CHANNEL: usize = 8192;

/// What the page streams: a pod (one container), or a workload's pods (all containers, or one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    /// The pod or the workload (deployment, statefulset, daemonset, replicaset).
    pub object: ObjectRef,
    /// The workload's label selector; None for a pod.
    pub selector: Option<String>,
    /// None: the pod's container is not chosen yet, or all of a workload's containers.
    pub container: Option<String>,
}

impl LogTarget {
    pub fn pod(object: ObjectRef, container: Option<String>) -> Self {
        LogTarget {
            object,
            selector: None,
            container,
        }
    }

    pub fn workload(object: ObjectRef, selector: String) -> Self {
        LogTarget {
            object,
            selector: Some(selector),
            container: None,
        }
    }

    pub fn namespace(&self) -> &str {
        self.object.namespace.as_deref().unwrap_or_default()
    }

    /// Several pods in one stream: lines carry a `[pod/container]` prefix.
    pub fn is_merged(&self) -> bool {
        self.selector.is_some()
    }

    pub fn source(&self) -> LogSource {
        let namespace = self.namespace().to_string();
        match &self.selector {
            Some(selector) => LogSource::Selector {
                namespace,
                selector: selector.clone(),
                container: self.container.clone(),
            },
            None => LogSource::Pod {
                namespace,
                pod: self.object.name.clone(),
                container: self.container.clone(),
            },
        }
    }

    /// `pod/shop/web-1 [app]`, `deployment/shop/web [all containers]`.
    pub fn display(&self) -> String {
        let which = match (&self.container, self.is_merged()) {
            (Some(c), _) => c.as_str(),
            (None, true) => "all containers",
            (None, false) => "…",
        };
        format!("{} [{which}]", self.object.display())
    }

    /// The saved file's name before its timestamp: `shop_web-1_app`, `shop_deployment-web`.
    pub fn file_stem(&self) -> String {
        let mut stem = format!("{}_", self.namespace());
        if self.is_merged() {
            stem.push_str(&self.object.kind.kind.to_lowercase());
            stem.push('-');
        }
        stem.push_str(&self.object.name);
        if let Some(c) = &self.container {
            stem.push('_');
            stem.push_str(c);
        }
        stem.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    }
}

/// Where the view starts: a line (absolute ring index) and a row inside it (wrapped or pretty-printed
/// lines take several rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Anchor {
    pub entry: u64,
    pub row: usize,
}

#[derive(Debug)]
pub struct LogsPage {
    pub id: u64,
    pub target: LogTarget,
    pub opts: LogOptions,
    /// The stream feeding the ring (counts restarts); 0 until the first one starts.
    pub stream: u32,
    /// Every source ended (no follow, previous logs, or the pod went away).
    pub finished: bool,
    pub ring: LogRing<LogLine>,
    /// Lines removed by `clear` (the ring counts them as dropped; the title must not).
    cleared: u64,
    /// The containers to pick from, once the pod or workload has been fetched.
    pub choices: Option<Vec<Choice>>,
    pub picker: Option<Picker>,
    /// Stick to the end as lines arrive; off = paused at `top`.
    pub follow: bool,
    pub wrap: bool,
    pub json: bool,
    pub top: Anchor,
    /// `ring.total()` when the view was paused, for the `+N new` count.
    paused_at: u64,
    pub hscroll: usize,
    search_text: String,
    search: Option<Search>,
    /// Lines (absolute indices) that match the search, among those the filter shows.
    matches: Vec<u64>,
    current: Option<u64>,
    filter_text: String,
    filter: Option<Search>,
    /// Lines (absolute indices) the filter shows; unused without a filter.
    shown: Vec<u64>,
}

impl LogsPage {
    pub fn new(id: u64, target: LogTarget, previous: bool, capacity: usize) -> Self {
        LogsPage {
            id,
            target,
            opts: LogOptions {
                previous,
                ..LogOptions::default()
            },
            stream: 0,
            finished: false,
            ring: LogRing::new(capacity),
            cleared: 0,
            choices: None,
            picker: None,
            follow: true,
            wrap: false,
            json: false,
            top: Anchor::default(),
            paused_at: 0,
            hscroll: 0,
            search_text: String::new(),
            search: None,
            matches: Vec::new(),
            current: None,
            filter_text: String::new(),
            filter: None,
            shown: Vec::new(),
        }
    }

    /// A pod's container must be known before streaming (the picker may ask first); a workload streams
    /// all containers at once.
    pub fn ready_to_stream(&self) -> bool {
        self.target.is_merged() || self.target.container.is_some()
    }

    /// (Re)starts the stream with the current target and options: the ring starts empty, the old
    /// stream's late lines are ignored (by stream number) and the runner stops the old session.
    pub fn start(&mut self) -> Effect {
        self.stream += 1;
        self.ring = LogRing::new(self.ring.capacity());
        self.cleared = 0;
        self.finished = false;
        self.matches.clear();
        self.shown.clear();
        self.current = None;
        self.top = Anchor::default();
        self.paused_at = 0;
        // A new stream is read from its end, like a fresh page.
        self.follow = true;
        Effect::StartLogs {
            page: self.id,
            stream: self.stream,
            source: self.target.source(),
            opts: self.opts.clone(),
            context: self.target.object.context.clone(),
        }
    }

    /// GETs the pod (its containers, for the picker) or the workload (its pod template's containers).
    pub fn fetch_effect(&self) -> Effect {
        Effect::FetchObject {
            page: self.id,
            target: self.target.object.clone(),
            with_related: false,
        }
    }

    pub fn streaming(&self) -> bool {
        self.stream > 0
    }

    /// Lines pushed out of the ring by overflow (not by `clear`).
    pub fn dropped(&self) -> u64 {
        self.ring.dropped() - self.cleared
    }

    /// Lines that arrived since the view was paused.
    pub fn new_since_pause(&self) -> u64 {
        if self.follow {
            0
        } else {
            self.ring.total().saturating_sub(self.paused_at)
        }
    }

    pub fn search_text(&self) -> &str {
        &self.search_text
    }

    pub fn filter_text(&self) -> &str {
        &self.filter_text
    }

    pub fn match_count(&self) -> usize {
        self.matches.len()
    }

    /// 1-based position of the current match.
    pub fn match_position(&self) -> Option<usize> {
        let c = self.current?;
        self.matches.binary_search(&c).ok().map(|p| p + 1)
    }

    pub(crate) fn search(&self) -> Option<&Search> {
        self.search.as_ref()
    }

    pub fn current_match(&self) -> Option<u64> {
        self.current
    }

    /// The text search and filter look at: the line as shown without JSON pretty-printing.
    fn match_text(&self, line: &LogLine) -> String {
        match line.kind {
            LineKind::Log => line.render(self.target.is_merged(), self.opts.timestamps),
            _ => line.text.clone(),
        }
    }

    /// Takes a batch from the engine. Filter and search look only at the new lines.
    pub fn ingest(&mut self, events: Vec<LogEvent>) {
        for ev in events {
            let line = match ev {
                LogEvent::Line(l) => l,
                LogEvent::Finished => {
                    self.finished = true;
                    continue;
                }
            };
            if self.filter.is_some() || self.search.is_some() {
                let text = self.match_text(&line);
                let index = self.ring.total();
                let shown = self.filter.as_ref().is_none_or(|f| f.is_match(&text));
                if shown && self.filter.is_some() {
                    self.shown.push(index);
                }
                if shown && self.search.as_ref().is_some_and(|s| s.is_match(&text)) {
                    self.matches.push(index);
                }
            }
            self.ring.push(line);
        }
        self.forget_dropped();
    }

    /// Drops indices of lines the ring no longer holds.
    fn forget_dropped(&mut self) {
        let first = self.ring.first_index();
        for v in [&mut self.shown, &mut self.matches] {
            let cut = v.partition_point(|&i| i < first);
            if cut > 0 {
                v.drain(..cut);
            }
        }
        if self.current.is_some_and(|c| c < first) {
            self.current = None;
        }
        if !self.follow && self.top.entry < first {
            self.top = Anchor {
                entry: first,
                row: 0,
            };
        }
    }

    /// Recomputes filter and search over the whole ring (the pattern or the shown text changed).
    fn rematch(&mut self) {
        self.shown.clear();
        self.matches.clear();
        if self.filter.is_none() && self.search.is_none() {
            self.current = None;
            return;
        }
        let mut shown = Vec::new();
        let mut matches = Vec::new();
        for (i, line) in self.ring.iter() {
            let text = self.match_text(line);
            if self.filter.as_ref().is_none_or(|f| f.is_match(&text)) {
                if self.filter.is_some() {
                    shown.push(i);
                }
                if self.search.as_ref().is_some_and(|s| s.is_match(&text)) {
                    matches.push(i);
                }
            }
        }
        self.shown = shown;
        self.matches = matches;
        if self
            .current
            .is_some_and(|c| self.matches.binary_search(&c).is_err())
        {
            self.current = None;
        }
    }

    /// Sets the `/` search (empty clears it). Returns an error to flash for a bad pattern, or a
    /// not-found note on submit.
    pub fn set_search(
        &mut self,
        text: &str,
        submit: bool,
        height: usize,
        width: usize,
    ) -> Option<String> {
        self.search_text = text.to_string();
        if text.is_empty() {
            self.search = None;
            self.rematch();
            return None;
        }
        match Search::literal(text) {
            Ok(s) => self.search = Some(s),
            Err(e) => return Some(e.to_string()),
        }
        self.current = None;
        self.rematch();
        // Start from the end, where the reader of a log is.
        match self.matches.last().copied() {
            Some(m) => {
                self.current = Some(m);
                self.show_entry(m, height, width);
                None
            }
            None if submit => Some(format!("pattern not found: {text}")),
            None => None,
        }
    }

    /// Sets the `&` line filter (empty clears it): a regex, as k9s takes it, or the plain text when it
    /// is not a valid regex.
    pub fn set_filter(&mut self, text: &str) -> Option<String> {
        self.filter_text = text.to_string();
        if text.is_empty() {
            self.filter = None;
        } else {
            match Search::regex(text).or_else(|_| Search::literal(text)) {
                Ok(f) => self.filter = Some(f),
                Err(e) => return Some(e.to_string()),
            }
        }
        self.rematch();
        None
    }

    /// `esc` inside the page: closes the picker (when a stream already runs) or clears the filter.
    /// False when the page itself should close.
    pub fn on_back(&mut self) -> bool {
        if self.picker.is_some() {
            if self.streaming() {
                self.picker = None;
                return true;
            }
            return false;
        }
        if self.filter.is_some() {
            self.set_filter("");
            return true;
        }
        false
    }
}
