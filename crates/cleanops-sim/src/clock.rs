//! Time and identifier formatting exactly as the Python app renders them.
//!
//! Three different datetime spellings reach a client, and a client that mixes them up
//! misreads heartbeat ages, so each one has its own function:
//! - `python_iso`: `datetime.isoformat()` (the `/readyz` jobs check), `+00:00`, six-digit
//!   microseconds, fraction omitted when zero;
//! - `pydantic_z`: pydantic v2 (every admin endpoint), `Z`, fraction with trailing zeros trimmed;
//! - `http_date`: the IMF-fixdate of the `Date` header.

use std::time::SystemTime;

use time::{OffsetDateTime, UtcOffset};

/// PostgreSQL `timestamptz` and Python `datetime` both stop at microseconds; every time the
/// simulator stores or compares goes through this so that ages computed from stored values
/// match what the app would compute.
pub(crate) fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    let micros = t.nanosecond() / 1_000;
    t.replace_nanosecond(micros * 1_000).unwrap_or(t)
}

fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(UtcOffset::UTC)
}

fn date_time_part(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `datetime.isoformat()` of an aware UTC datetime: `2026-04-05T20:11:19.123456+00:00`,
/// or `2026-04-05T20:11:19+00:00` when the microseconds are zero.
pub(crate) fn python_iso(t: OffsetDateTime) -> String {
    let t = utc(t);
    let micros = t.microsecond();
    if micros == 0 {
        format!("{}+00:00", date_time_part(t))
    } else {
        format!("{}.{:06}+00:00", date_time_part(t), micros)
    }
}

/// pydantic v2's JSON form of a UTC datetime: `2026-04-05T20:11:19.5Z` (trailing zeros of
/// the fraction trimmed), `2026-04-05T20:11:19Z` when the microseconds are zero.
pub(crate) fn pydantic_z(t: OffsetDateTime) -> String {
    let t = utc(t);
    let micros = t.microsecond();
    if micros == 0 {
        format!("{}Z", date_time_part(t))
    } else {
        let fraction = format!("{micros:06}");
        format!("{}.{}Z", date_time_part(t), fraction.trim_end_matches('0'))
    }
}

/// IMF-fixdate for the `Date` header (`Sun, 05 Apr 2026 20:11:19 GMT`); `None` outside
/// 1970–9999, which the format cannot express (and `httpdate` would panic on).
pub(crate) fn http_date(t: OffsetDateTime) -> Option<String> {
    let t = utc(t);
    if t.unix_timestamp() < 0 || t.year() > 9999 {
        return None;
    }
    Some(httpdate::fmt_http_date(SystemTime::from(t)))
}

/// `timedelta.total_seconds()`: whole microseconds divided by 10⁶, unrounded.
pub(crate) fn age_seconds(now: OffsetDateTime, then: OffsetDateTime) -> f64 {
    let micros = (now - then).whole_microseconds();
    micros as f64 / 1_000_000.0
}

/// A seconds value from a control request or a scenario as a `time::Duration`, rounded to
/// microseconds so that `age_seconds` gives back exactly what was asked for.
pub(crate) fn seconds(s: f64) -> time::Duration {
    time::Duration::microseconds((s * 1_000_000.0).round() as i64)
}

/// A random version-4 UUID in text form, for request ids the client did not send.
pub(crate) fn random_uuid() -> String {
    let hi = fastrand::u64(..);
    let lo = fastrand::u64(..);
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// Deterministic UUID text for simulated rows: the same scenario always yields the same ids,
/// which keeps test snapshots stable. `tag` separates the id spaces of different tables.
pub(crate) fn sim_uuid(tag: u32, n: u64) -> String {
    format!("{tag:08x}-0000-4000-8000-{:012x}", n & 0xffff_ffff_ffff)
}

/// Whether `s` is a UUID in canonical 8-4-4-4-12 text form (upper or lower case).
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    groups.len() == lengths.len()
        && groups
            .iter()
            .zip(lengths)
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn python_isoformat_uses_offset_and_drops_zero_micros() {
        let t = datetime!(2026-04-05 20:11:19.123456 UTC);
        assert_eq!(python_iso(t), "2026-04-05T20:11:19.123456+00:00");
        let t = datetime!(2026-04-05 20:11:19.1 UTC);
        assert_eq!(python_iso(t), "2026-04-05T20:11:19.100000+00:00");
        let t = datetime!(2026-04-05 20:11:19 UTC);
        assert_eq!(python_iso(t), "2026-04-05T20:11:19+00:00");
        // Another offset is shown in UTC, as the app stores timestamptz in UTC.
        let t = datetime!(2026-04-05 22:11:19.000001 +02:00);
        assert_eq!(python_iso(t), "2026-04-05T20:11:19.000001+00:00");
    }

    #[test]
    fn pydantic_trims_fraction_and_uses_z() {
        assert_eq!(
            pydantic_z(datetime!(2026-04-05 20:11:19.5 UTC)),
            "2026-04-05T20:11:19.5Z"
        );
        assert_eq!(
            pydantic_z(datetime!(2026-04-05 20:11:19.123456 UTC)),
            "2026-04-05T20:11:19.123456Z"
        );
        assert_eq!(
            pydantic_z(datetime!(2026-04-05 10:00:00 UTC)),
            "2026-04-05T10:00:00Z"
        );
    }

    #[test]
    fn age_is_unrounded_total_seconds() {
        let now = datetime!(2026-04-05 20:11:19.123456 UTC);
        assert_eq!(age_seconds(now, now - seconds(1278.4)), 1278.4);
        assert_eq!(age_seconds(now, now - seconds(42.0)), 42.0);
        assert_eq!(age_seconds(now, now + seconds(90.0)), -90.0);
    }

    #[test]
    fn truncation_and_http_date() {
        let t = datetime!(2026-04-05 20:11:19.123456789 UTC);
        assert_eq!(
            truncate_micros(t),
            datetime!(2026-04-05 20:11:19.123456 UTC)
        );
        assert_eq!(
            http_date(datetime!(2026-04-05 20:11:19.9 UTC)).as_deref(),
            Some("Sun, 05 Apr 2026 20:11:19 GMT")
        );
        assert_eq!(http_date(datetime!(1969-12-31 23:59:59 UTC)), None);
    }

    #[test]
    fn uuids() {
        let id = random_uuid();
        assert!(is_uuid(&id), "{id}");
        assert_eq!(id.as_bytes()[14], b'4');
        assert!(is_uuid(&sim_uuid(0xb0, 7)));
        assert_eq!(sim_uuid(0xb0, 7), "000000b0-0000-4000-8000-000000000007");
        assert!(!is_uuid("not-a-uuid"));
        assert!(!is_uuid("000000b0-0000-4000-8000-00000000000g"));
    }
}
