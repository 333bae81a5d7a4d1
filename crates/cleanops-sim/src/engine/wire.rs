//! Bytes as the engine writes them: the stream framing of logs and exec output, its time
//! formats, the `Status` phrases of `docker ps`, and how it reads query values.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Stdout and stderr in 8-byte-header frames (API 1.42+ names it; earlier engines said
/// raw-stream for both).
pub(super) const MULTIPLEXED: &str = "application/vnd.docker.multiplexed-stream";
/// A TTY's bytes as they came.
pub(super) const RAW: &str = "application/vnd.docker.raw-stream";

/// Docker's zero time, written for "never".
pub(super) const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// One frame: `[stream, 0, 0, 0, length (u32 big-endian)]` then the payload.
pub(super) fn frame(out: &mut Vec<u8>, stderr: bool, payload: &[u8]) {
    for chunk in payload.chunks(u32::MAX as usize) {
        let len = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
        out.push(if stderr { 2 } else { 1 });
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(chunk);
    }
}

/// One line of output: framed, or raw with the `\r\n` a TTY writes.
pub(super) fn write_line(out: &mut Vec<u8>, tty: bool, stderr: bool, line: &str) {
    let line = line.strip_suffix('\n').unwrap_or(line);
    if tty {
        let line = line.strip_suffix('\r').unwrap_or(line);
        out.extend_from_slice(line.replace('\n', "\r\n").as_bytes());
        out.extend_from_slice(b"\r\n");
    } else {
        let mut payload = Vec::with_capacity(line.len() + 1);
        payload.extend_from_slice(line.as_bytes());
        payload.push(b'\n');
        frame(out, stderr, &payload);
    }
}

/// The bytes of a line in one entry of the json-file driver: a longer line is stored as several
/// partial entries (the log copier's 16 KiB buffer), the last one with the newline.
pub(super) const ENTRY_PIECE: usize = 16 * 1024;

/// One line as the engine returns it from the json-file driver: a line over [`ENTRY_PIECE`]
/// bytes (a TTY's `\r` counted) as several entries, each a frame of its own (or raw, from a
/// TTY) and, with `stamp`, each starting with that timestamp; only the last ends in a newline.
pub(super) fn write_entries(
    out: &mut Vec<u8>,
    tty: bool,
    stderr: bool,
    stamp: Option<&str>,
    line: &str,
) {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let mut body = line.as_bytes().to_vec();
    if tty {
        if body.last() == Some(&b'\r') {
            body.pop();
        }
        body.push(b'\r');
    }
    // The copier's buffer holds ENTRY_PIECE bytes: a full one without a newline is a partial
    // entry, so a line of exactly that many bytes ends with an empty entry and its newline.
    let count = body.len() / ENTRY_PIECE + 1;
    for i in 0..count {
        let piece =
            &body[(i * ENTRY_PIECE).min(body.len())..((i + 1) * ENTRY_PIECE).min(body.len())];
        let mut entry = Vec::with_capacity(piece.len() + 32);
        if let Some(stamp) = stamp {
            entry.extend_from_slice(stamp.as_bytes());
            entry.push(b' ');
        }
        entry.extend_from_slice(piece);
        if i + 1 == count {
            entry.push(b'\n');
        }
        if tty {
            out.extend_from_slice(&entry);
        } else {
            frame(out, stderr, &entry);
        }
    }
}

/// `2006-01-02T15:04:05.000000000Z`: the fixed-width nanoseconds of `docker logs -t`.
pub(super) fn log_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}

/// RFC 3339 with the nanoseconds trimmed (Go's `RFC3339Nano`), or the zero time.
pub(super) fn inspect_time(t: Option<OffsetDateTime>) -> String {
    match t {
        Some(t) => t
            .to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_else(|_| ZERO_TIME.to_string()),
        None => ZERO_TIME.to_string(),
    }
}

/// `units.HumanDuration` of the docker CLI and engine: "Up 2 hours", "Exited (1) 3 minutes ago".
pub(super) fn human_duration(d: time::Duration) -> String {
    let seconds = d.whole_seconds();
    if seconds < 1 {
        return "Less than a second".into();
    }
    if seconds == 1 {
        return "1 second".into();
    }
    if seconds < 60 {
        return format!("{seconds} seconds");
    }
    let minutes = d.whole_minutes();
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    // Go rounds to the nearest hour here.
    let hours = (seconds + 1800) / 3600;
    if hours == 1 {
        return "About an hour".into();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", d.whole_hours() / 24 / 365)
}

/// The engine's boolean query values: anything but "", "0", "no", "false", "none" is true.
pub(super) fn truthy(v: &str) -> bool {
    !matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "" | "0" | "no" | "false" | "none"
    )
}

/// `since` / `until`: unix seconds with an optional fraction (`1712345678.5`); 0 or empty is
/// "not given". `Err` with the engine's complaint.
pub(super) fn unix_time(v: &str) -> Result<Option<OffsetDateTime>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let bad = || format!("invalid value for time: {v:?}");
    let (secs, frac) = v.split_once('.').unwrap_or((v, ""));
    let secs: i64 = secs.parse().map_err(|_| bad())?;
    let nanos: i64 = if frac.is_empty() {
        0
    } else {
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        format!("{frac:0<9}").parse().map_err(|_| bad())?
    };
    if secs == 0 && nanos == 0 {
        return Ok(None);
    }
    let total = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
    OffsetDateTime::from_unix_timestamp_nanos(total)
        .map(Some)
        .map_err(|_| bad())
}

/// Lowercase hex of SHA-256: ids, hashes.
pub(super) fn sha256_hex(s: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn frames_and_raw_lines() {
        let mut out = Vec::new();
        write_line(&mut out, false, true, "boom");
        assert_eq!(out, b"\x02\x00\x00\x00\x00\x00\x00\x05boom\n");
        let mut out = Vec::new();
        write_line(&mut out, true, true, "a\nb\n");
        assert_eq!(out, b"a\r\nb\r\n");
    }

    #[test]
    fn long_lines_are_partial_entries_each_with_its_timestamp() {
        let stamp = "2026-12-02T10:41:44.215311051Z";
        let line = "x".repeat(ENTRY_PIECE * 2 + 10);
        let mut out = Vec::new();
        write_entries(&mut out, false, true, Some(stamp), &line);
        // Three frames: 16 KiB, 16 KiB, 10 bytes and the newline, each after the timestamp.
        let mut frames = Vec::new();
        let mut rest = &out[..];
        while !rest.is_empty() {
            let len = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
            frames.push(&rest[8..8 + len]);
            rest = &rest[8 + len..];
        }
        assert_eq!(frames.len(), 3);
        assert!(frames.iter().all(|f| f.starts_with(stamp.as_bytes())));
        assert_eq!(frames[0].len(), stamp.len() + 1 + ENTRY_PIECE);
        assert!(!frames[1].ends_with(b"\n"));
        assert!(frames[2].ends_with(b"x\n"));
        // A TTY: the same entries, raw, the `\r` counted in the pieces.
        let mut raw = Vec::new();
        write_entries(
            &mut raw,
            true,
            false,
            Some(stamp),
            &"y".repeat(ENTRY_PIECE - 1),
        );
        assert_eq!(raw.len(), 2 * (stamp.len() + 1) + ENTRY_PIECE + 1);
        assert!(raw.ends_with(format!("{stamp} \n").as_bytes()));
        // A short line: as before.
        let mut short = Vec::new();
        write_entries(&mut short, false, true, None, "boom");
        assert_eq!(short, b"\x02\x00\x00\x00\x00\x00\x00\x05boom\n");
    }

    #[test]
    fn times_as_the_engine_writes_them() {
        let t = datetime!(2026-04-05 20:11:19.1234 UTC);
        assert_eq!(log_timestamp(t), "2026-04-05T20:11:19.123400000Z");
        assert_eq!(inspect_time(Some(t)), "2026-04-05T20:11:19.1234Z");
        assert_eq!(inspect_time(None), ZERO_TIME);
        assert_eq!(
            unix_time("1775419879.5").ok().flatten(),
            Some(datetime!(2026-04-05 20:11:19.5 UTC))
        );
        assert_eq!(unix_time("0"), Ok(None));
        assert!(unix_time("yesterday").is_err());
    }

    #[test]
    fn durations_read_like_docker_ps() {
        let d = time::Duration::seconds;
        assert_eq!(human_duration(d(0)), "Less than a second");
        assert_eq!(human_duration(d(59)), "59 seconds");
        assert_eq!(human_duration(d(90)), "About a minute");
        assert_eq!(human_duration(d(14 * 60)), "14 minutes");
        assert_eq!(human_duration(d(3600 + 1700)), "About an hour");
        assert_eq!(human_duration(d(2 * 3600 + 13 * 60)), "2 hours");
        assert_eq!(human_duration(d(3 * 86400)), "3 days");
    }

    #[test]
    fn booleans_like_the_engine() {
        assert!(truthy("1") && truthy("true") && truthy("True"));
        assert!(!truthy("0") && !truthy("false") && !truthy(""));
    }
}
