//! The logs page inside the app: opening it from a pod, a workload or a container row, and the
//! messages addressed to it (fetched object, line batches, save results).

use super::{LogTarget, LogsPage, Saved};
use crate::cluster::logs::LogEvent;
use crate::tui::app::{App, Effect};
use crate::tui::pages::text::Fetched;
use crate::tui::pages::{ObjectRef, Page};

impl App {
    /// Opens the logs page on `target`. A pod without a chosen container is fetched first (its
    /// containers decide between streaming right away and the picker); anything else streams now, and
    /// the fetch only fills the container list for the picker.
    pub(crate) fn open_logs(&mut self, target: LogTarget, previous: bool) -> Vec<Effect> {
        let id = self.next_page_id();
        let mut page = LogsPage::new(id, target, previous, self.config.log_buffer);
        let mut effects = vec![page.fetch_effect()];
        if page.ready_to_stream() {
            effects.push(page.start());
        }
        let mut effects_before = self.close_page();
        self.open_page(Page::Logs(page));
        effects_before.append(&mut effects);
        effects_before
    }

    /// `l`/`p` on a pod or workload row.
    pub(crate) fn logs_of(&mut self, object: ObjectRef, previous: bool) -> Vec<Effect> {
        if object.kind.kind == "Pod" {
            return self.open_logs(LogTarget::pod(object, None), previous);
        }
        match self.selected_row().and_then(|r| r.selector.clone()) {
            Some(sel) => self.open_logs(LogTarget::workload(object, sel), previous),
            None => {
                self.set_flash(format!("{} selects no pods", object.display()), false);
                vec![]
            }
        }
    }

    pub(crate) fn on_logs_fetched(
        &mut self,
        page: u64,
        result: Result<Fetched, String>,
    ) -> Vec<Effect> {
        match self.page.as_mut() {
            Some(Page::Logs(p)) if p.id == page => {
                p.set_fetched(result.as_ref().map(|f| &f.object).map_err(Clone::clone))
            }
            _ => vec![],
        }
    }

    pub(crate) fn on_logs(&mut self, page: u64, stream: u32, events: Vec<LogEvent>) {
        if let Some(Page::Logs(p)) = self.page.as_mut()
            && p.id == page
            && p.stream == stream
        {
            p.ingest(events);
        }
    }

    pub(crate) fn on_logs_saved(&mut self, result: Result<Saved, String>) {
        match result {
            Ok(s) => self.set_flash(
                format!("saved {} lines to {}", s.lines, s.path.display()),
                false,
            ),
            Err(e) => self.set_flash(format!("cannot save logs: {e}"), true),
        }
    }

    /// The `&` line while the logs page is open.
    pub(crate) fn on_page_filter(&mut self, text: &str) {
        if let Some(Page::Logs(p)) = self.page.as_mut()
            && let Some(e) = p.set_filter(text)
        {
            self.set_flash(e, true);
        }
    }
}
