//! Cron schedules as the CronJob controller reads them: five fields (minute, hour, day of month, month,
//! day of week) with `*`, lists, ranges, steps and month/day names, the `@hourly`-style macros, and an
//! optional `CRON_TZ=`/`TZ=` prefix (accepted; the sim schedules in UTC).
//!
//! Owns: parsing and "the next minute after t that matches". It must not touch the store.

/// A parsed schedule: the allowed values of each field as bit sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    /// Both day fields restricted: a day matches when either does (cron's rule).
    day_or: bool,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn value(text: &str, names: &[&str], offset: u32) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = names.iter().position(|n| *n == lower) {
        return Ok(i as u32 + offset);
    }
    text.parse()
        .map_err(|_| format!("failed to parse int from {text}"))
}

fn field(
    text: &str,
    min: u32,
    max: u32,
    names: &[&str],
    offset: u32,
) -> Result<(u64, bool), String> {
    let mut bits = 0u64;
    let mut star = false;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| format!("bad step in {part}"))?,
            ),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            star = part == "*" || part == "?";
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, names, offset)?, value(b, names, offset)?)
        } else {
            let v = value(range, names, offset)?;
            (v, if step > 1 { max } else { v })
        };
        // Sunday may be written 7.
        let hi = if max == 6 && hi == 7 { 6 } else { hi };
        let lo = if max == 6 && lo == 7 { 0 } else { lo };
        if lo < min || hi > max || lo > hi {
            return Err(format!("end of range ({hi}) above maximum ({max}): {part}"));
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, star))
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let mut t = text.trim();
        if let Some(rest) = t.strip_prefix("CRON_TZ=").or_else(|| t.strip_prefix("TZ=")) {
            t = rest.split_once(' ').map_or("", |(_, s)| s.trim());
        }
        let t = match t {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other => other,
        };
        let f: Vec<&str> = t.split_whitespace().collect();
        if f.len() != 5 {
            return Err(format!(
                "expected exactly 5 fields, found {}: {text}",
                f.len()
            ));
        }
        let (minutes, _) = field(f[0], 0, 59, &[], 0)?;
        let (hours, _) = field(f[1], 0, 23, &[], 0)?;
        let (days, dom_star) = field(f[2], 1, 31, &[], 0)?;
        let (months, _) = field(f[3], 1, 12, &MONTHS, 1)?;
        let (weekdays, dow_star) = field(f[4], 0, 6, &DAYS, 0)?;
        Ok(Schedule {
            minutes,
            hours,
            days,
            months,
            weekdays,
            day_or: !dom_star && !dow_star,
        })
    }

    fn matches(&self, t: jiff::civil::DateTime) -> bool {
        let has = |bits: u64, v: i8| bits & (1 << v) != 0;
        let dom = has(self.days, t.day());
        let dow = has(self.weekdays, t.weekday().to_sunday_zero_offset());
        let day = if self.day_or { dom || dow } else { dom && dow };
        has(self.minutes, t.minute())
            && has(self.hours, t.hour())
            && has(self.months, t.month())
            && day
    }

    /// The first scheduled minute strictly after `after`, looking at most a year ahead.
    pub fn next_after(&self, after: jiff::Timestamp) -> Option<jiff::Timestamp> {
        let utc = jiff::tz::TimeZone::UTC;
        let start = after.to_zoned(utc.clone()).datetime();
        let mut t = start
            .with()
            .second(0)
            .subsec_nanosecond(0)
            .build()
            .ok()?
            .checked_add(jiff::Span::new().minutes(1))
            .ok()?;
        for _ in 0..(366 * 24 * 60) {
            if self.matches(t) {
                return t.to_zoned(utc).ok().map(|z| z.timestamp());
            }
            t = t.checked_add(jiff::Span::new().minutes(1)).ok()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn parses_the_forms_cronjobs_use() {
        for ok in [
            "* * * * *",
            "*/5 * * * *",
            "0 3 * * *",
            "0 0 1,15 * mon-fri",
            "@hourly",
            "CRON_TZ=UTC 0 9 * * 1",
            "0 0 * JAN,jul SUN",
        ] {
            assert!(Schedule::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "* * * *", "61 * * * *", "*/0 * * * *", "x * * * *"] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn next_after_finds_the_next_minute() {
        let every5 = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(
            every5.next_after(ts("2026-01-01T10:02:30Z")),
            Some(ts("2026-01-01T10:05:00Z"))
        );
        let nightly = Schedule::parse("0 3 * * *").unwrap();
        assert_eq!(
            nightly.next_after(ts("2026-01-01T03:00:00Z")),
            Some(ts("2026-01-02T03:00:00Z"))
        );
    }
}
