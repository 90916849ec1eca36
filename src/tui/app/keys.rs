//! Keys: the open dialog takes every key; otherwise the mode decides (the `:` command line, the `/`
//! and `&` lines, help, or normal), and in normal mode the keymap turns a key into an action for the
//! open page or the table.

use crossterm::event::KeyEvent;

use super::{App, Effect, Mode, Origin};
use crate::tui::action::Action;
use crate::tui::command::{self, NsChoice};
use crate::tui::input::{LineEvent, LineInput};
use crate::tui::keymap::Key;
use crate::tui::layout;

impl App {
    /// Help lines for the place the user is in, as the renderer lists them.
    fn help_lines(&self) -> usize {
        let applies = |a| self.applies(a);
        let model = crate::tui::widgets::help::Help {
            keymap: &self.keymap,
            place: self.place(),
            readonly: self.session.readonly,
            applies: &applies,
            scroll: 0,
        };
        crate::tui::widgets::help::lines(&model, &self.theme).len()
    }

    /// The body's height under the header, banner and footer, where help is drawn.
    fn help_body_height(&self) -> u16 {
        let banner =
            u16::from(crate::tui::widgets::banner::line(&self.connection, &self.theme).is_some());
        self.size
            .1
            .saturating_sub(crate::tui::layout::HEADER_HEIGHT + banner + 1)
    }

    fn help_max_scroll(&self) -> usize {
        crate::tui::widgets::help::max_scroll(self.help_lines(), self.help_body_height())
    }

    fn help_page(&self) -> usize {
        crate::tui::widgets::help::visible_lines(self.help_lines(), self.help_body_height())
    }

    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if let Some(d) = self.dialog.as_mut() {
            let outcome = d.on_key(&key);
            return self.apply(Origin::Dialog, outcome);
        }
        match self.mode.clone() {
            Mode::Command(mut line) => {
                let ev = line.handle(&key);
                self.on_command_line(line, ev)
            }
            Mode::Filter(mut line) => {
                let ev = line.handle(&key);
                let on_page = self.page.is_some();
                match ev {
                    LineEvent::Submit => {
                        self.mode = Mode::Normal;
                        if on_page {
                            return self.page_search(&line.text, true);
                        }
                    }
                    LineEvent::Cancel => {
                        self.mode = Mode::Normal;
                        if on_page {
                            return self.page_search("", true);
                        }
                        self.set_filter("");
                    }
                    LineEvent::Edited => {
                        let text = line.text.clone();
                        self.mode = Mode::Filter(line);
                        if on_page {
                            return self.page_search(&text, false);
                        }
                        self.set_filter(&text);
                    }
                    _ => self.mode = Mode::Filter(line),
                }
                vec![]
            }
            Mode::PageFilter(mut line) => {
                let ev = line.handle(&key);
                match ev {
                    LineEvent::Submit => {
                        self.mode = Mode::Normal;
                        self.page_line_filter(&line.text)
                    }
                    LineEvent::Cancel => {
                        self.mode = Mode::Normal;
                        self.page_line_filter("")
                    }
                    LineEvent::Edited => {
                        let text = line.text.clone();
                        self.mode = Mode::PageFilter(line);
                        self.page_line_filter(&text)
                    }
                    _ => {
                        self.mode = Mode::PageFilter(line);
                        vec![]
                    }
                }
            }
            Mode::Help | Mode::Normal => {
                let Some(action) = self
                    .keymap
                    .lookup_where(&Key::from_event(&key), |a| self.applies(a))
                else {
                    if self.mode == Mode::Help {
                        self.mode = Mode::Normal;
                        return vec![];
                    }
                    // A hotkey (hotkeys.yaml) runs its command, on keys the keymap leaves free here.
                    let k = Key::from_event(&key);
                    if self.page.is_none()
                        && self.dialog.is_none()
                        && let Some(cmd) = self
                            .options
                            .hotkeys
                            .iter()
                            .find(|h| h.key == k)
                            .map(|h| h.command.clone())
                    {
                        return self.run_command(&cmd, true);
                    }
                    if self.page.is_none()
                        && self.dialog.is_none()
                        && let Some(p) = self.plugin_for(k)
                    {
                        return self.run_plugin(p);
                    }
                    return vec![];
                };
                self.flash = None;
                if self.mode == Mode::Help && !matches!(action, Action::Quit) {
                    // Help takes every key: the scrolling ones scroll it, any other closes it and
                    // goes no further (the table under it must not move).
                    let max = self.help_max_scroll();
                    let page = self.help_page().max(1);
                    let s = &mut self.help_scroll;
                    match action {
                        Action::Down => *s = (*s + 1).min(max),
                        Action::Up => *s = s.saturating_sub(1),
                        Action::PageDown => *s = (*s + page).min(max),
                        Action::PageUp => *s = s.saturating_sub(page),
                        Action::Bottom => *s = max,
                        Action::Top => *s = 0,
                        _ => self.mode = Mode::Normal,
                    }
                    return vec![];
                }
                self.on_action(action)
            }
        }
    }

    fn on_command_line(&mut self, mut line: LineInput, ev: LineEvent) -> Vec<Effect> {
        match ev {
            LineEvent::Submit => {
                self.mode = Mode::Normal;
                let text = line.text.trim().to_string();
                if text.is_empty() {
                    return vec![];
                }
                self.run_command(&text, true)
            }
            LineEvent::Cancel => {
                self.mode = Mode::Normal;
                vec![]
            }
            LineEvent::Complete => {
                let base = line.before_completion.clone().unwrap_or(line.text.clone());
                if line.before_completion.is_none() {
                    line.candidates = command::completions(
                        &base,
                        &self.kinds,
                        &self.namespace_names(),
                        &self.context_names(),
                    );
                    line.candidate = 0;
                    line.before_completion = Some(base.clone());
                }
                if let Some(word) = line.candidates.get(line.candidate).cloned() {
                    line.text = command::apply_completion(&base, &word);
                    line.candidate = (line.candidate + 1) % line.candidates.len();
                }
                self.mode = Mode::Command(line);
                vec![]
            }
            LineEvent::HistoryUp | LineEvent::HistoryDown => {
                let entries = self.history.entries();
                if !entries.is_empty() {
                    let last = entries.len() - 1;
                    let pos = match (line.history_pos, ev == LineEvent::HistoryUp) {
                        (None, true) => last,
                        (Some(p), true) => p.saturating_sub(1),
                        (Some(p), false) => (p + 1).min(last),
                        (None, false) => last,
                    };
                    line.text = entries[pos].clone();
                    line.history_pos = Some(pos);
                }
                self.mode = Mode::Command(line);
                vec![]
            }
            LineEvent::Edited | LineEvent::Ignored => {
                self.mode = Mode::Command(line);
                vec![]
            }
        }
    }

    /// The `/` line while a page is open.
    fn page_search(&mut self, text: &str, submit: bool) -> Vec<Effect> {
        let (rows, cols) = (
            layout::page_rows(self.size.1),
            layout::page_cols(self.size.0),
        );
        match self.page.as_mut() {
            Some(p) => {
                let outcome = p.search(text, submit, rows, cols);
                self.apply(Origin::Page, outcome)
            }
            None => vec![],
        }
    }

    /// The `&` line while a page is open.
    fn page_line_filter(&mut self, text: &str) -> Vec<Effect> {
        match self.page.as_mut() {
            Some(p) => {
                let outcome = p.line_filter(text);
                self.apply(Origin::Page, outcome)
            }
            None => vec![],
        }
    }

    /// An action for the open page. Mutating ones (revealing a secret) are refused in read-only mode.
    fn page_action(&mut self, action: Action) -> Vec<Effect> {
        if let Some(refusal) = self.readonly_refusal(action) {
            self.set_flash(refusal, true);
            return vec![];
        }
        let (rows, cols) = (
            layout::page_rows(self.size.1),
            layout::page_cols(self.size.0),
        );
        match self.page.as_mut() {
            Some(p) => {
                let outcome = p.on_action(action, rows, cols);
                self.apply(Origin::Page, outcome)
            }
            None => vec![],
        }
    }

    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        if self.page.is_some()
            && !matches!(
                action,
                Action::Quit | Action::Command | Action::Help | Action::Filter
            )
        {
            return self.page_action(action);
        }
        let rows = self.body_rows();
        if let Some(outcome) = self.view.on_action(action, rows) {
            return self.apply(Origin::View, outcome);
        }
        match action {
            Action::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
            Action::Command => {
                self.mode = Mode::Command(LineInput::default());
                vec![]
            }
            Action::Filter => {
                let text = match &self.page {
                    Some(p) => p.search_text(),
                    None => self.view.filter_text.clone(),
                };
                self.mode = Mode::Filter(LineInput::with_text(&text));
                vec![]
            }
            Action::Help => {
                self.mode = Mode::Help;
                self.help_scroll = 0;
                vec![]
            }
            Action::Back => {
                if !self.view.filter_text.is_empty() {
                    self.set_filter("");
                    return vec![];
                }
                self.back()
            }
            Action::Enter => self.drill_down(),
            Action::HistoryBack => match self.history.back() {
                Some(c) => self.run_command(&c, false),
                None => vec![],
            },
            Action::HistoryForward => match self.history.forward() {
                Some(c) => self.run_command(&c, false),
                None => vec![],
            },
            Action::HistoryLast => match self.history.last() {
                Some(c) => self.run_command(&c, true),
                None => vec![],
            },
            a if a.favourite_slot().is_some() => {
                let slot = a.favourite_slot().unwrap_or(0);
                if slot == 0 {
                    return self.switch_namespace(NsChoice::All);
                }
                match self.favourites.get(slot - 1).cloned() {
                    Some(ns) => self.switch_namespace(NsChoice::Named(ns)),
                    None => vec![],
                }
            }
            other => self.resource_action(other),
        }
    }
}
