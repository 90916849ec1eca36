//! The table view: the rows of one [`ViewSpec`] (a kind, the containers of a pod, or the contexts) from
//! its watch's store, with the cursor, the scroll offset, the `/` filter and the loading spinner.
//!
//! Owns: that state, the navigation keys on it, which verbs apply to its rows, and its drawing
//! ([`render`]). Must not: name the app, start watches (the app asks for them by view id) or do I/O.

mod render;

pub use render::{effective_offset, render};

use std::sync::Arc;

use crate::cluster::actions::ObjectRef;
use crate::cluster::metrics::{self, MetricsNote, Samples};
use crate::cluster::rows::{Column, Row};
use crate::cluster::store::{Delta, RowMatcher, RowStore};
use crate::tui::action::{Action, Scope};
use crate::tui::component::Outcome;
use crate::tui::filter::Filter;
use crate::tui::nav::ViewSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewState {
    Loading,
    Ready,
    /// The list was refused (403); `offer` holds namespaces the user can see, when known.
    Forbidden {
        message: String,
        offer: Vec<String>,
    },
    /// The server's answer could not be read; the watch has stopped (asking again gets the same).
    Unusable {
        message: String,
    },
}

/// The view on screen.
#[derive(Debug)]
pub struct TableView {
    /// Watch notes carry this id; notes for a view that was replaced are dropped.
    pub id: u64,
    pub spec: ViewSpec,
    pub columns: Vec<Column>,
    pub store: RowStore,
    pub state: ViewState,
    pub selected: usize,
    pub offset: usize,
    /// The active `/` filter text (as typed).
    pub filter_text: String,
    /// The loading spinner's frame.
    pub spinner: usize,
    /// The column the user sorts on (by header name, so it survives new columns) and whether it is
    /// reversed.
    pub sort: Option<(String, bool)>,
    /// Rows marked for a bulk verb (space), by key so they survive updates and re-sorts.
    pub marks: std::collections::BTreeSet<crate::cluster::rows::RowKey>,
    /// The row marked last: ctrl-space marks from it to the cursor.
    last_mark: Option<crate::cluster::rows::RowKey>,
    /// `ctrl-w`: the server's wide columns (priority > 0) are shown too.
    pub wide: bool,
    /// The latest figures from metrics.k8s.io, when the view shows usage and the cluster has them; by
    /// cluster in a merged view (None: the view's only cluster).
    usage: std::collections::HashMap<Option<Arc<str>>, Arc<Samples>>,
    /// Why the last metrics poll failed (the figures shown are the last good ones, or `n/a`).
    pub metrics_error: Option<String>,
}

impl TableView {
    /// An empty view of `spec`; `loading` until its first list arrives.
    pub fn new(id: u64, spec: ViewSpec, columns: Vec<Column>, loading: bool) -> Self {
        // `:events` is newest first by last seen, as k9s and `kubectl events` show them.
        let store = match spec.kind().and_then(|k| k.builtin) {
            Some(crate::cluster::kinds::Builtin::Events) => {
                RowStore::with_rank(crate::cluster::columns::core::event_rank)
            }
            _ => RowStore::new(),
        };
        TableView {
            id,
            spec,
            columns,
            store,
            state: if loading {
                ViewState::Loading
            } else {
                ViewState::Ready
            },
            selected: 0,
            offset: 0,
            filter_text: String::new(),
            spinner: 0,
            sort: None,
            marks: Default::default(),
            last_mark: None,
            wide: false,
            usage: Default::default(),
            metrics_error: None,
        }
    }

    pub fn filter(&self) -> Option<&Filter> {
        self.store
            .filter()
            .and_then(|f| f.as_any().downcast_ref::<Filter>())
    }

    /// Sets the `/` filter (empty clears it); a bad filter is flashed and the old one kept.
    pub fn set_filter(&mut self, text: &str) -> Outcome {
        match Filter::parse(text) {
            Ok(f) => {
                self.filter_text = text.to_string();
                self.store
                    .set_filter(f.map(|f| Arc::new(f) as Arc<dyn RowMatcher>));
                self.selected = 0;
                self.offset = 0;
                Outcome::none()
            }
            Err(e) => Outcome::error(e.to_string()),
        }
    }

    /// The headers each sort key looks for, first found wins (k9s's keys: name, age, status,
    /// ready/restarts, CPU, MEM, node, IP).
    fn sort_columns(action: Action) -> Option<&'static [&'static str]> {
        Some(match action {
            Action::SortName => &["NAME"],
            Action::SortAge => &["AGE", "LAST SEEN"],
            Action::SortStatus => &["STATUS", "PHASE"],
            Action::SortReady => &["READY", "RESTARTS"],
            Action::SortCpu => &["CPU"],
            Action::SortMem => &["MEM", "MEMORY"],
            Action::SortNode => &["NODE"],
            Action::SortIp => &["IP"],
            _ => return None,
        })
    }

    /// A sort key: sorts on its column, or reverses when it already does; the cursor stays on its row.
    fn sort_by(&mut self, action: Action, rows: usize) -> Option<Outcome> {
        let wanted = Self::sort_columns(action)?;
        if let ViewSpec::Xray { .. } = self.spec {
            return Some(Outcome::error("an xray keeps the order of its tree"));
        }
        let Some(column) = wanted.iter().find_map(|w| {
            self.columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(w))
                .map(|c| c.name.clone())
        }) else {
            return Some(Outcome::error(format!(
                "no {} column in this view",
                wanted.join(" or ")
            )));
        };
        let descending = match &self.sort {
            Some((current, desc)) if *current == column => !desc,
            _ => false,
        };
        self.sort = Some((column, descending));
        let key = self.selected_row().map(|r| r.key.clone());
        self.resort();
        if let Some(k) = key
            && let Ok(p) = self.store.visible_position(&k)
        {
            self.selected = p;
        }
        self.clamp(rows);
        Some(Outcome::none())
    }

    /// space toggles the mark on the cursor's row (and moves down, as k9s does), ctrl-space marks every
    /// row from the last marked one to the cursor, ctrl-\\ clears them.
    fn mark(&mut self, action: Action, rows: usize) -> Outcome {
        match action {
            Action::ClearMarks => {
                self.marks.clear();
                self.last_mark = None;
            }
            Action::MarkRange => {
                let here = self.selected;
                let from = self
                    .last_mark
                    .as_ref()
                    .and_then(|k| self.store.visible_position(k).ok())
                    .unwrap_or(here);
                for i in from.min(here)..=from.max(here) {
                    if let Some(r) = self.store.visible_row(i) {
                        self.marks.insert(r.key.clone());
                    }
                }
                self.last_mark = self.selected_row().map(|r| r.key.clone());
            }
            _ => {
                if let Some(key) = self.selected_row().map(|r| r.key.clone()) {
                    if !self.marks.remove(&key) {
                        self.marks.insert(key.clone());
                        self.last_mark = Some(key);
                    }
                    self.move_by(1, rows);
                }
            }
        }
        Outcome::none()
    }

    /// The marked rows that are still there, in the view's order.
    pub fn marked_rows(&self) -> Vec<&crate::cluster::rows::Row> {
        (0..self.store.visible_len())
            .filter_map(|i| self.store.visible_row(i))
            .filter(|r| self.marks.contains(&r.key))
            .collect()
    }

    /// Applies the sort to the store (after a sort key, or when the columns change).
    fn resort(&mut self) {
        let by = self.sort.as_ref().and_then(|(name, descending)| {
            let column = self.columns.iter().position(|c| c.name == *name)?;
            Some(crate::cluster::sort::SortBy {
                column,
                descending: *descending,
            })
        });
        if by != self.store.sort() {
            self.store.set_sort(by);
        }
    }

    /// New headers from the server: the sort follows its column to wherever it now is.
    pub fn set_columns(&mut self, columns: Vec<Column>) {
        self.columns = columns;
        self.resort();
    }

    /// The sort shown in the title: the column and ↑ (ascending) or ↓.
    pub fn sort_label(&self) -> Option<String> {
        self.sort
            .as_ref()
            .map(|(c, desc)| format!("{c}{}", if *desc { "↓" } else { "↑" }))
    }

    /// Keeps the cursor inside the rows and on screen for a body of `rows` lines.
    pub fn clamp(&mut self, rows: usize) {
        let n = self.store.visible_len();
        let page = rows.max(1);
        if self.selected >= n {
            self.selected = n.saturating_sub(1);
        }
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        if self.offset + page > n {
            self.offset = n.saturating_sub(page);
        }
    }

    fn move_by(&mut self, delta: isize, rows: usize) {
        let n = self.store.visible_len();
        if n == 0 {
            return;
        }
        let cur = self.selected as isize;
        self.selected = (cur + delta).clamp(0, n as isize - 1) as usize;
        self.clamp(rows);
    }

    /// The cursor keys on a body of `rows` lines; None when `action` is not one of them.
    pub fn on_action(&mut self, action: Action, rows: usize) -> Option<Outcome> {
        let page = rows.max(1) as isize;
        let delta = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::Top => isize::MIN / 2,
            Action::Bottom => isize::MAX / 2,
            Action::Mark | Action::MarkRange | Action::ClearMarks => {
                return Some(self.mark(action, rows));
            }
            Action::ToggleWide => {
                self.wide = !self.wide;
                return Some(Outcome::none());
            }
            _ => return self.sort_by(action, rows),
        };
        self.move_by(delta, rows);
        Some(Outcome::none())
    }

    /// Applies a watch delta, keeping the cursor on the same object while rows come and go above it.
    pub fn apply(&mut self, mut delta: Delta, rows: usize) {
        // At the top of a merged view, the cursor stays at the top while the clusters arrive (it would
        // otherwise follow whichever cluster listed first down the table).
        let follow = !(self.selected == 0 && matches!(delta, Delta::ResetGroup { .. }));
        let key = self
            .selected_row()
            .filter(|_| follow)
            .map(|r| r.key.clone());
        let reset = matches!(delta, Delta::Reset(_) | Delta::ResetGroup { .. });
        // New rows arrive without usage: give them the latest figures.
        if !self.usage.is_empty() {
            let usage = &self.usage;
            let fill = |r: &mut Row| {
                let sample = usage.get(&r.key.context).and_then(|u| u.get(&r.key));
                metrics::fill(r, sample.copied());
            };
            match &mut delta {
                Delta::Reset(rs) | Delta::ResetGroup { rows: rs, .. } => {
                    rs.iter_mut().for_each(fill)
                }
                Delta::Upsert(r) => fill(r),
                Delta::Remove(_) => {}
            }
        }
        self.store.apply(delta);
        if reset {
            self.state = ViewState::Ready;
        }
        if let Some(k) = key
            && let Ok(p) = self.store.visible_position(&k)
        {
            self.selected = p;
        }
        self.clamp(rows);
    }

    /// New usage figures (or their absence) from the view's metrics poll. A failed poll keeps the
    /// figures shown and says why in the title; no metrics API makes them `n/a`.
    pub fn set_usage(&mut self, group: Option<Arc<str>>, note: MetricsNote, rows: usize) {
        match note {
            MetricsNote::Usage(samples) => {
                self.usage.insert(group.clone(), samples);
                self.metrics_error = None;
            }
            MetricsNote::Unavailable => {
                self.usage.remove(&group);
                self.metrics_error = None;
            }
            MetricsNote::Failed(e) => {
                self.metrics_error = Some(match &group {
                    Some(c) => format!("{c}: {e}"),
                    None => e,
                });
                return;
            }
        }
        let key = self.selected_row().map(|r| r.key.clone());
        let usage = self.usage.get(&group).cloned();
        self.store.update_each(|r| {
            if r.key.context != group {
                return false;
            }
            let sample = usage.as_ref().and_then(|u| u.get(&r.key).copied());
            metrics::fill(r, sample)
        });
        if let Some(k) = key
            && let Ok(p) = self.store.visible_position(&k)
        {
            self.selected = p;
        }
        self.clamp(rows);
    }

    /// Replaces every row (a local view such as the contexts).
    pub fn set_rows(&mut self, rows: Vec<Row>, page: usize) {
        self.store.apply(Delta::Reset(rows));
        self.clamp(page);
    }

    /// The next spinner frame (only drawn while loading).
    pub fn tick(&mut self) {
        self.spinner = self.spinner.wrapping_add(1);
    }

    /// A fingerprint of the AGE/LAST SEEN texts on screen at `now` (Unix seconds), for a table body of
    /// `height` rows: only the rows drawn are looked at, so it costs the same at 50 rows or 50k. `None`
    /// when no visible cell is an age.
    pub fn visible_ages(&self, now: i64, height: usize) -> Option<u64> {
        use std::hash::{Hash, Hasher};
        let len = self.store.visible_len();
        let offset = render::effective_offset(self.offset, self.selected, height, len);
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        let mut any = false;
        for i in offset..(offset + height).min(len) {
            let Some(row) = self.store.visible_row(i) else {
                break;
            };
            for cell in &row.cells {
                if let crate::cluster::rows::Cell::Age(_) = cell {
                    cell.render(now).hash(&mut hasher);
                    any = true;
                }
            }
        }
        any.then(|| hasher.finish())
    }

    /// The rows shown that are objects: a merged view's rows that stand for a whole cluster
    /// (connecting, unreachable) are not counted.
    pub fn object_count(&self) -> usize {
        let clusters = self.spec.clusters().map_or(0, |c| {
            c.contexts
                .iter()
                .filter(|ctx| {
                    let key = crate::cluster::rows::RowKey::cluster(Arc::from(ctx.as_str()));
                    self.store.visible_position(&key).is_ok()
                })
                .count()
        });
        self.store.visible_len() - clusters
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.store.visible_row(self.selected)
    }

    /// The object under the cursor, when the view is a table of Kubernetes objects.
    pub fn selected_object(&self) -> Option<ObjectRef> {
        self.object_of(self.selected_row()?)
    }

    /// The object a row of this view shows, when the view is a table of Kubernetes objects (a
    /// container's row shows none: see [`TableView::container_of`]).
    pub fn object_of(&self, row: &crate::cluster::rows::Row) -> Option<ObjectRef> {
        if let Some(o) = &row.object {
            return o.container.is_none().then(|| o.target.clone());
        }
        let kind = self.spec.kind()?.clone();
        if row.key.is_cluster() && row.key.context.is_some() {
            // A merged view's row for a whole cluster (connecting, unreachable): no object.
            return None;
        }
        Some(ObjectRef {
            namespace: (kind.namespaced && !row.key.namespace.is_empty())
                .then(|| row.key.namespace.to_string()),
            name: row.key.name.to_string(),
            kind,
            context: row.key.context.as_deref().map(str::to_string),
        })
    }

    /// The container a row shows (its pod as an object, and its name): every row of a pod's
    /// containers view, and the container nodes of an xray.
    pub fn container_of(&self, row: &crate::cluster::rows::Row) -> Option<(ObjectRef, String)> {
        match (&self.spec, &row.object) {
            (ViewSpec::Containers { namespace, pod, .. }, _) => Some((
                ObjectRef::new(
                    crate::cluster::kinds::Builtin::Pods.spec(),
                    Some(namespace),
                    pod,
                )
                .in_context(row.key.context.as_deref().map(str::to_string)),
                row.key.name.to_string(),
            )),
            (_, Some(o)) => o.container.clone().map(|c| (o.target.clone(), c)),
            _ => None,
        }
    }

    /// The container under the cursor, if it is on one.
    pub fn selected_container(&self) -> Option<(ObjectRef, String)> {
        self.container_of(self.selected_row()?)
    }

    /// The kind of the rows the verbs act on: the view's, or in an xray the selected node's.
    fn row_kind(&self) -> Option<&crate::cluster::kinds::KindSpec> {
        match &self.spec {
            ViewSpec::Xray { .. } => self
                .selected_row()
                .and_then(|r| r.object.as_deref())
                .map(|o| &o.target.kind),
            spec => spec.kind(),
        }
    }

    /// Whether a table-place `action` makes sense on these rows (help and the footer list only these).
    pub fn applies(&self, action: Action) -> bool {
        if self.selected_container().is_some() || matches!(self.spec, ViewSpec::Containers { .. }) {
            return matches!(action.scope(), Scope::Global | Scope::Table)
                || matches!(
                    action,
                    Action::Logs | Action::PreviousLogs | Action::Shell | Action::Attach
                );
        }
        let kind = self.row_kind();
        let builtin = kind.and_then(|k| k.builtin);
        match action.scope() {
            Scope::Global | Scope::Table => true,
            Scope::Resource => kind.is_some(),
            s @ (Scope::Pods
            | Scope::Pod
            | Scope::Node
            | Scope::Workload
            | Scope::Restartable
            | Scope::Forwardable
            | Scope::Secret) => builtin.is_some_and(|b| s.kinds().is_some_and(|k| k.contains(&b))),
            Scope::CronJob => kind.is_some_and(|k| k.kind == "CronJob" && k.group == "batch"),
            Scope::Pager | Scope::Text | Scope::Logs | Scope::Forwards => false,
        }
    }
}
