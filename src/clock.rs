//! "Now", durations and times as an on-call engineer reads them.
//!
//! `CLEANOPS_NOW` (RFC 3339) freezes the clock, so heartbeat ages in tests do not depend on when
//! the test runs.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const NOW_ENV: &str = "CLEANOPS_NOW";

/// The current time, or the frozen one from `CLEANOPS_NOW`.
pub fn now() -> Result<OffsetDateTime> {
    match std::env::var(NOW_ENV) {
        Ok(v) if !v.trim().is_empty() => parse_rfc3339(v.trim())
            .with_context(|| format!("{NOW_ENV}={v:?} is not an RFC 3339 time")),
        _ => Ok(OffsetDateTime::now_utc()),
    }
}

/// True when the clock is frozen: waiting loops must not wait for time that never passes.
pub fn is_frozen() -> bool {
    std::env::var(NOW_ENV).is_ok_and(|v| !v.trim().is_empty())
}

/// RFC 3339 with either `Z` or an offset (`+00:00`, as Python's isoformat writes it).
pub fn parse_rfc3339(s: &str) -> Result<OffsetDateTime> {
    Ok(OffsetDateTime::parse(s, &Rfc3339)?)
}

/// RFC 3339 in UTC, whole seconds: what machine-readable output carries.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// RFC 3339 in UTC with the nanoseconds a log line carries.
pub fn rfc3339_nanos(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// A duration flag: `90` (seconds), `500ms`, `30s`, `15m`, `2h`, `1d`, or sums like `1h30m`.
pub fn parse_duration(input: &str) -> Result<Duration> {
    let s = input.trim();
    if s.is_empty() {
        bail!("empty duration (examples: 30s, 15m, 2h, 1h30m)");
    }
    // Ten years is longer than any wait or window an incident needs, and keeps every
    // `Instant + Duration` and `now - Duration` far from overflowing.
    const MAX: Duration = Duration::from_secs(10 * 365 * 86400);
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<u64>() {
            Ok(secs) if secs <= MAX.as_secs() => Ok(Duration::from_secs(secs)),
            _ => bail!("{input:?} is too long a duration (at most ten years)"),
        };
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            bail!("{input:?} is not a duration (examples: 30s, 15m, 2h, 1h30m)");
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| anyhow::anyhow!("{input:?} is not a duration (examples: 30s, 15m, 2h)"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hours" => 3600.0,
            "d" | "days" => 86400.0,
            "" => bail!("{input:?}: a number needs a unit after it (ms, s, m, h, d)"),
            other => bail!("{input:?}: unknown unit {other:?} (use ms, s, m, h or d)"),
        };
        let secs = number * scale;
        if !secs.is_finite() || secs > 10.0 * 365.0 * 86400.0 {
            bail!("{input:?} is too long a duration");
        }
        total += Duration::from_secs_f64(secs);
        if total > MAX {
            bail!("{input:?} is too long a duration (at most ten years)");
        }
    }
    Ok(total)
}

/// `21m18s`, `3m`, `42s`, `1h02m`, `2d3h`: short and exact enough to read at 3 a.m.
pub fn human(secs: f64) -> String {
    if !secs.is_finite() {
        return "?".into();
    }
    let neg = secs < 0.0;
    let total = secs.abs().round() as u64;
    let (d, h, m, s) = (
        total / 86400,
        total % 86400 / 3600,
        total % 3600 / 60,
        total % 60,
    );
    let body = if d > 0 {
        if h > 0 {
            format!("{d}d{h}h")
        } else {
            format!("{d}d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h}h{m:02}m")
        } else {
            format!("{h}h")
        }
    } else if m > 0 {
        if s > 0 {
            format!("{m}m{s:02}s")
        } else {
            format!("{m}m")
        }
    } else if secs.abs() < 1.0 && secs != 0.0 {
        format!("{:.0}ms", secs.abs() * 1000.0)
    } else {
        format!("{s}s")
    };
    if neg { format!("-{body}") } else { body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        for bad in ["", "m", "5x", "-3s", "1e400s", "s5", "99999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn human_ages() {
        assert_eq!(human(1278.4), "21m18s");
        assert_eq!(human(180.0), "3m");
        assert_eq!(human(42.7), "43s");
        assert_eq!(human(3720.0), "1h02m");
        assert_eq!(human(-90.0), "-1m30s");
        assert_eq!(human(0.25), "250ms");
        assert_eq!(human(f64::NAN), "?");
    }

    #[test]
    fn python_isoformat_parses() {
        let t = parse_rfc3339("2026-04-05T20:11:19.123456+00:00").unwrap();
        assert_eq!(rfc3339(t), "2026-04-05T20:11:19Z");
        assert!(parse_rfc3339("2026-04-05T10:00:00Z").is_ok());
        assert!(parse_rfc3339("yesterday").is_err());
    }
}
