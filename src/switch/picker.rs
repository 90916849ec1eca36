//! The fuzzy picker's state machine: items, query, the filtered and ranked matches, the cursor and the
//! scroll window. Pure: keys in, outcome out, no terminal. [`super::picker_tty`] draws it and feeds keys.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// A key the picker understands (already decoded from the terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Backspace,
    /// Ctrl-U: clear the query.
    ClearQuery,
    /// Ctrl-W: delete the last word of the query.
    DeleteWord,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    /// Esc or Ctrl-C.
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    Picked(String),
    Cancelled,
}

/// One visible match: the item, its position in the original list, and the matched character indices
/// (for highlighting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub index: usize,
    pub positions: Vec<usize>,
}

pub struct Picker {
    items: Vec<String>,
    current: Option<usize>,
    query: String,
    matches: Vec<Match>,
    cursor: usize,
    offset: usize,
    rows: usize,
    matcher: SkimMatcherV2,
}

impl Picker {
    /// `items` in display order; `current` is highlighted like kubectx highlights it; `rows` is how many
    /// items fit on screen at once (at least 1).
    pub fn new(items: Vec<String>, current: Option<&str>, rows: usize) -> Self {
        let current = current.and_then(|c| items.iter().position(|i| i == c));
        let mut p = Picker {
            items,
            current,
            query: String::new(),
            matches: Vec::new(),
            cursor: 0,
            offset: 0,
            rows: rows.max(1),
            matcher: SkimMatcherV2::default().smart_case(),
        };
        p.refilter();
        p
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn item(&self, m: &Match) -> &str {
        &self.items[m.index]
    }

    pub fn is_current(&self, m: &Match) -> bool {
        self.current == Some(m.index)
    }

    pub fn total(&self) -> usize {
        self.items.len()
    }

    pub fn matched(&self) -> usize {
        self.matches.len()
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The matches in the scroll window, each with whether the cursor is on it.
    pub fn visible(&self) -> impl Iterator<Item = (&Match, bool)> {
        self.matches
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(self.rows)
            .map(move |(i, m)| (m, i == self.cursor))
    }

    pub fn selected(&self) -> Option<&str> {
        self.matches.get(self.cursor).map(|m| self.item(m))
    }

    pub fn handle(&mut self, key: Key) -> Outcome {
        match key {
            Key::Char(c) if !c.is_control() => {
                self.query.push(c);
                self.refilter();
            }
            Key::Char(_) => {}
            Key::Backspace => {
                if self.query.pop().is_some() {
                    self.refilter();
                }
            }
            Key::ClearQuery => {
                self.query.clear();
                self.refilter();
            }
            Key::DeleteWord => {
                let kept = self.query.trim_end().rfind(' ').map(|i| i + 1).unwrap_or(0);
                self.query.truncate(kept);
                self.refilter();
            }
            Key::Up => self.move_to(self.cursor.saturating_sub(1)),
            Key::Down => self.move_to(self.cursor + 1),
            Key::PageUp => self.move_to(self.cursor.saturating_sub(self.rows)),
            Key::PageDown => self.move_to(self.cursor + self.rows),
            Key::Home => self.move_to(0),
            Key::End => self.move_to(usize::MAX),
            Key::Enter => {
                return match self.selected() {
                    Some(s) => Outcome::Picked(s.to_string()),
                    None => Outcome::Continue,
                };
            }
            Key::Cancel => return Outcome::Cancelled,
        }
        Outcome::Continue
    }

    fn move_to(&mut self, target: usize) {
        self.cursor = target.min(self.matches.len().saturating_sub(1));
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + self.rows {
            self.offset = self.cursor + 1 - self.rows;
        }
    }

    /// Ranks items against the query: best score first, list order among equals. An empty query shows
    /// everything in list order. The cursor goes back to the best match, as in fzf.
    fn refilter(&mut self) {
        self.matches = if self.query.is_empty() {
            (0..self.items.len())
                .map(|index| Match {
                    index,
                    positions: Vec::new(),
                })
                .collect()
        } else {
            let mut scored: Vec<(i64, Match)> = self
                .items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    self.matcher
                        .fuzzy_indices(item, &self.query)
                        .map(|(score, positions)| (score, Match { index, positions }))
                })
                .collect();
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.index.cmp(&b.1.index)));
            scored.into_iter().map(|(_, m)| m).collect()
        };
        self.cursor = 0;
        self.offset = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picker(items: &[&str], rows: usize) -> Picker {
        Picker::new(
            items.iter().map(|s| s.to_string()).collect(),
            Some("staging"),
            rows,
        )
    }

    fn shown(p: &Picker) -> Vec<String> {
        p.visible().map(|(m, _)| p.item(m).to_string()).collect()
    }

    fn typed(p: &mut Picker, s: &str) {
        for c in s.chars() {
            assert_eq!(p.handle(Key::Char(c)), Outcome::Continue);
        }
    }

    #[test]
    fn empty_query_shows_all_in_order() {
        let p = picker(&["dev", "prod-eu", "staging"], 10);
        assert_eq!(shown(&p), ["dev", "prod-eu", "staging"]);
        assert_eq!(p.selected(), Some("dev"));
        let current: Vec<bool> = p.visible().map(|(m, _)| p.is_current(m)).collect();
        assert_eq!(current, [false, false, true]);
    }

    #[test]
    fn fuzzy_filter_ranks_and_picks() {
        let mut p = picker(&["dev", "prod-eu", "prod-us", "staging"], 10);
        typed(&mut p, "peu");
        assert_eq!(shown(&p), ["prod-eu"]);
        let (m, on) = p.visible().next().unwrap();
        assert!(on);
        assert_eq!(m.positions, [0, 5, 6]);
        assert_eq!(p.handle(Key::Enter), Outcome::Picked("prod-eu".into()));
    }

    #[test]
    fn no_match_enter_does_nothing_and_backspace_restores() {
        let mut p = picker(&["dev", "prod"], 10);
        typed(&mut p, "zz");
        assert_eq!(p.matched(), 0);
        assert_eq!(p.handle(Key::Enter), Outcome::Continue);
        p.handle(Key::Backspace);
        p.handle(Key::Backspace);
        assert_eq!(p.matched(), 2);
        typed(&mut p, "de");
        p.handle(Key::ClearQuery);
        assert_eq!(p.query(), "");
        assert_eq!(p.matched(), 2);
    }

    #[test]
    fn cursor_scrolls_the_window() {
        let items: Vec<String> = (0..10).map(|i| format!("ctx{i}")).collect();
        let refs: Vec<&str> = items.iter().map(String::as_str).collect();
        let mut p = picker(&refs, 3);
        for _ in 0..4 {
            p.handle(Key::Down);
        }
        assert_eq!(p.selected(), Some("ctx4"));
        assert_eq!(shown(&p), ["ctx2", "ctx3", "ctx4"]);
        p.handle(Key::End);
        assert_eq!(p.selected(), Some("ctx9"));
        assert_eq!(shown(&p), ["ctx7", "ctx8", "ctx9"]);
        p.handle(Key::Down);
        assert_eq!(p.selected(), Some("ctx9"), "stays on the last item");
        p.handle(Key::PageUp);
        assert_eq!(p.selected(), Some("ctx6"));
        p.handle(Key::Home);
        assert_eq!(shown(&p), ["ctx0", "ctx1", "ctx2"]);
        p.handle(Key::Up);
        assert_eq!(p.selected(), Some("ctx0"));
    }

    #[test]
    fn cancel_and_control_chars() {
        let mut p = picker(&["a"], 1);
        p.handle(Key::Char('\u{7}'));
        assert_eq!(p.query(), "");
        typed(&mut p, "foo bar");
        p.handle(Key::DeleteWord);
        assert_eq!(p.query(), "foo ");
        assert_eq!(p.handle(Key::Cancel), Outcome::Cancelled);
    }

    #[test]
    fn smart_case() {
        let mut p = picker(&["Prod", "prod"], 5);
        typed(&mut p, "P");
        assert_eq!(shown(&p), ["Prod"]);
    }
}
