//! Download progress on stderr: a redrawn bar (bytes/total, rate) when stderr is a terminal, otherwise a
//! single summary line at the end so logs and CI output stay readable.

use std::io::Write;
use std::time::{Duration, Instant};

const BAR_WIDTH: usize = 28;
/// Redrawing more often than this only costs CPU and flicker.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

pub struct Progress {
    label: String,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last_draw: Option<Instant>,
    tty: bool,
}

impl Progress {
    pub fn new(label: impl Into<String>, total: Option<u64>, tty: bool) -> Self {
        Progress {
            label: label.into(),
            total,
            done: 0,
            started: Instant::now(),
            last_draw: None,
            tty,
        }
    }

    pub fn advance(&mut self, bytes: u64) {
        self.done += bytes;
        if self.tty && self.last_draw.is_none_or(|t| t.elapsed() >= REDRAW_EVERY) {
            self.last_draw = Some(Instant::now());
            self.draw();
        }
    }

    fn draw(&self) {
        let line = render_bar(&self.label, self.done, self.total, self.rate());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }

    fn rate(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        }
    }

    /// Ends the display: the bar is replaced by a summary line.
    pub fn finish(&mut self) {
        self.clear();
        eprintln!(
            "downloaded {} in {:.1}s ({}/s)",
            human_bytes(self.done),
            self.started.elapsed().as_secs_f64(),
            human_bytes(self.rate() as u64)
        );
    }

    /// Removes the bar so an error message starts on a clean line.
    pub fn clear(&mut self) {
        if self.tty && self.last_draw.is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            self.last_draw = None;
        }
    }
}

/// One bar line: `kubectl 1.29.4 [#########...........]  12.0 MiB / 48.1 MiB  5.2 MiB/s`.
pub fn render_bar(label: &str, done: u64, total: Option<u64>, rate: f64) -> String {
    let amount = match total {
        Some(t) => format!("{} / {}", human_bytes(done), human_bytes(t)),
        None => human_bytes(done),
    };
    let bar = match total {
        Some(t) if t > 0 => {
            let filled = ((done.min(t) as f64 / t as f64) * BAR_WIDTH as f64) as usize;
            format!(
                "[{}{}] ",
                "#".repeat(filled),
                ".".repeat(BAR_WIDTH - filled)
            )
        }
        _ => String::new(),
    };
    format!("{label} {bar}{amount}  {}/s", human_bytes(rate as u64))
}

/// Binary units, one decimal: `512 B`, `1.5 KiB`, `48.1 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(50_438_296), "48.1 MiB");
    }

    #[test]
    fn bar_shows_fraction_amount_and_rate() {
        let line = render_bar("kubectl 1.29.4", 512 * 1024, Some(1024 * 1024), 2048.0);
        assert_eq!(
            line,
            format!(
                "kubectl 1.29.4 [{}{}] 512.0 KiB / 1.0 MiB  2.0 KiB/s",
                "#".repeat(14),
                ".".repeat(14)
            )
        );
        assert_eq!(render_bar("k", 10, None, 0.0), "k 10 B  0 B/s");
        // A server that sends more than it announced must not overflow the bar.
        assert!(render_bar("k", 20, Some(10), 0.0).contains(&"#".repeat(BAR_WIDTH)));
    }
}
