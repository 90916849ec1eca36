//! Draws [`Picker`] inline, below the shell prompt (not full screen, like fzf `--height`), on `/dev/tty`
//! so it works while stdout is being captured, and reads keys with crossterm.
//!
//! The terminal is restored on every way out: Enter, Esc/Ctrl-C, an I/O error and a panic all go through
//! [`TtyGuard`]'s `Drop`; SIGTERM, SIGHUP and SIGINT are caught while the picker runs and end it as a
//! cancel, so the guard still runs.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use std::os::fd::AsRawFd;

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{cursor, queue, terminal};

use super::picker::{Key, Outcome, Picker};
use super::style::Style;

/// The most items shown at once; fzf-like inline height that leaves the scrollback readable.
const MAX_ROWS: usize = 12;

/// Runs the picker; `Ok(None)` means the user cancelled.
pub fn pick(
    items: Vec<String>,
    current: Option<&str>,
    style: &Style,
) -> io::Result<Option<String>> {
    let tty = OpenOptions::new().read(true).write(true).open("/dev/tty")?;
    // A terminal that does not know its size (0x0, some serial consoles) gets the classic 80x24.
    let (cols, term_rows) = match terminal::size()? {
        (0, _) | (_, 0) => (80, 24),
        size => size,
    };
    let rows = items
        .len()
        .min(MAX_ROWS)
        .min(usize::from(term_rows).saturating_sub(2))
        .max(1);
    let mut picker = Picker::new(items, current, rows);
    let stop = Arc::new(AtomicBool::new(false));
    let _signals = SignalFlags::register(&stop);
    let mut guard = TtyGuard::enter(tty, rows)?;
    let mut cols = usize::from(cols);
    guard.draw(&picker, cols, style)?;
    let fd = guard.tty.as_raw_fd();
    loop {
        // Polling with a timeout is what lets a termination signal end the picker promptly.
        if stop.load(Ordering::SeqCst) {
            return Ok(None);
        }
        // A terminal that hung up (its window or tmux pane closed) reads as endless EOF, which
        // crossterm's poll spins on: it is checked here first, and ends the picker.
        if hung_up(fd, Duration::ZERO)? {
            return Ok(None);
        }
        // Events crossterm has already read come first; then wait for the terminal.
        if !event::poll(Duration::ZERO)? {
            if hung_up(fd, Duration::from_millis(100))? {
                return Ok(None);
            }
            continue;
        }
        match event::read()? {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                if let Some(key) = map_key(k) {
                    match picker.handle(key) {
                        Outcome::Continue => {}
                        Outcome::Picked(s) => return Ok(Some(s)),
                        Outcome::Cancelled => return Ok(None),
                    }
                }
            }
            Event::Resize(c, _) if c > 0 => cols = usize::from(c),
            _ => continue,
        }
        guard.draw(&picker, cols, style)?;
    }
}

fn map_key(k: KeyEvent) -> Option<Key> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    Some(match k.code {
        KeyCode::Char('c' | 'd' | 'g') if ctrl => Key::Cancel,
        KeyCode::Char('u') if ctrl => Key::ClearQuery,
        KeyCode::Char('w') if ctrl => Key::DeleteWord,
        KeyCode::Char('p' | 'k') if ctrl => Key::Up,
        KeyCode::Char('n' | 'j') if ctrl => Key::Down,
        KeyCode::Char(_) if ctrl => return None,
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Esc => Key::Cancel,
        KeyCode::Enter => Key::Enter,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Up | KeyCode::BackTab => Key::Up,
        KeyCode::Down | KeyCode::Tab => Key::Down,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        _ => return None,
    })
}

/// Raw mode plus the reserved lines; dropping it erases the picker and gives the terminal back.
struct TtyGuard {
    tty: File,
    /// Lines below the query line.
    rows: usize,
}

impl TtyGuard {
    fn enter(mut tty: File, rows: usize) -> io::Result<Self> {
        // Make room first, so drawing never scrolls the screen under us.
        write!(tty, "{}", "\n".repeat(rows))?;
        queue!(tty, cursor::MoveUp(rows as u16), cursor::MoveToColumn(0))?;
        tty.flush()?;
        terminal::enable_raw_mode()?;
        Ok(TtyGuard { tty, rows })
    }

    fn draw(&mut self, p: &Picker, cols: usize, style: &Style) -> io::Result<()> {
        let width = cols.saturating_sub(1).max(10);
        let mut frame = String::new();
        frame.push_str(&format!(
            "> {}  {}/{}",
            clip(p.query(), width.saturating_sub(12)),
            p.matched(),
            p.total()
        ));
        let mut drawn = 0;
        for (m, on_cursor) in p.visible() {
            frame.push_str("\r\n");
            frame.push_str(&render_item(p, m, on_cursor, width, style));
            drawn += 1;
        }
        for _ in drawn..self.rows {
            frame.push_str("\r\n");
        }
        queue!(
            self.tty,
            cursor::MoveToColumn(0),
            terminal::Clear(terminal::ClearType::FromCursorDown)
        )?;
        self.tty.write_all(frame.as_bytes())?;
        let query_col = 2 + clip(p.query(), width.saturating_sub(12)).chars().count();
        queue!(
            self.tty,
            cursor::MoveUp(self.rows as u16),
            cursor::MoveToColumn(query_col as u16)
        )?;
        self.tty.flush()
    }
}

impl Drop for TtyGuard {
    fn drop(&mut self) {
        let _ = queue!(
            self.tty,
            cursor::MoveToColumn(0),
            terminal::Clear(terminal::ClearType::FromCursorDown),
            cursor::Show
        );
        let _ = self.tty.flush();
        let _ = terminal::disable_raw_mode();
    }
}

fn render_item(
    p: &Picker,
    m: &super::picker::Match,
    on_cursor: bool,
    width: usize,
    style: &Style,
) -> String {
    let name = clip(p.item(m), width.saturating_sub(2));
    let mut out = String::from(if on_cursor { "> " } else { "  " });
    if !style.color() {
        out.push_str(&crate::escape::name(&name));
        return out;
    }
    let base = format!(
        "{}{}",
        if on_cursor { "\x1b[1m" } else { "" },
        if p.is_current(m) {
            style.active_code()
        } else {
            ""
        }
    );
    out.push_str(&base);
    // Match positions count characters of the raw name, so escaping goes character by character.
    let push = |out: &mut String, c: char| {
        let mut buf = [0u8; 4];
        out.push_str(&crate::escape::name(c.encode_utf8(&mut buf)));
    };
    for (i, c) in name.chars().enumerate() {
        if m.positions.contains(&i) {
            out.push_str("\x1b[4m");
            push(&mut out, c);
            out.push_str("\x1b[24m");
        } else {
            push(&mut out, c);
        }
    }
    out.push_str("\x1b[0m");
    out
}

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Termination signals turned into a flag while the picker runs, then back to their defaults.
/// Waits up to `timeout` for the terminal `fd`: true when it hung up (input or nothing: false).
#[allow(unsafe_code)]
fn hung_up(fd: std::os::fd::RawFd, timeout: Duration) -> io::Result<bool> {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd, for the length given.
    let rc = unsafe { libc::poll(&mut p, 1, ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::Interrupted => Ok(false),
            _ => Err(e),
        };
    }
    Ok(p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0)
}

struct SignalFlags(Vec<signal_hook::SigId>);

impl SignalFlags {
    fn register(flag: &Arc<AtomicBool>) -> Self {
        let ids = [
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
            signal_hook::consts::SIGINT,
        ]
        .into_iter()
        .filter_map(|sig| signal_hook::flag::register(sig, Arc::clone(flag)).ok())
        .collect();
        SignalFlags(ids)
    }
}

impl Drop for SignalFlags {
    fn drop(&mut self) {
        for id in self.0.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_drawn_with_control_characters_escaped() {
        let p = Picker::new(vec!["a\x1b[2Jb".into()], None, 5);
        let (m, _) = p.visible().next().unwrap();
        for color in [false, true] {
            let style = Style::from_parts(color, color, !color, false, None, None);
            let line = render_item(&p, m, true, 80, &style);
            assert!(line.contains("a\\x1b[2Jb"), "{line:?}");
            assert!(!line.contains("\x1b[2J"), "{line:?}");
        }
    }
}
