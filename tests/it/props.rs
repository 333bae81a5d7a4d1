//! Property tests of everything that reads outside input: the app's answers (readiness, job
//! rows, DLQ pages, problem+json), the deployment's env file, the engine's log stream, and the
//! flags people type. Each property holds for every input the strategy can make: no panic,
//! round-trips where there is one, the invariants the rest of cleanops relies on.
//!
//! Case counts are kept small enough that the whole module runs in a few seconds in a debug
//! build. Failures are not persisted to files (the minimal failing input is in the panic message);
//! to dig into one, raise `PROPTEST_CASES` and run this module alone:
//! `cargo test --test it props::`.

use std::collections::BTreeMap;
use std::time::Duration;

use cleanops::api::client::excerpt;
use cleanops::api::readiness::{HeartbeatClass, reading};
use cleanops::api::types::{DlqItem, DlqPage, JobRow, Problem, Readiness, ReadyCheck};
use cleanops::clock::{parse_duration, parse_rfc3339};
use cleanops::commands::logs::parse_when;
use cleanops::config::EnvFile;
use cleanops::docker::logs::LogLine;
use cleanops::docker::logs::{
    ENGINE_PIECE, EntryJoiner, LineSplitter, MAX_LINE, split_timestamp, to_line,
};
use cleanops::envcheck::{db_host, is_secret, shown};
use cleanops::logs::group::summarize;
use cleanops::logs::parse::{Format, Level, parse_line};
use cleanops::logs::show::{Style, json_entry, write_text};
use cleanops::logs::{Entry, Grouper, Reading};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `cases` cases, nothing written to disk on failure.
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        // Binary fractions: printed and read back exactly, so round trips compare equal.
        any::<i32>().prop_map(|n| json!(f64::from(n) / 64.0)),
        "(?s).{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A JSON object whose keys are mostly the ones the readiness branches read, with values of
/// any type (the server may send a string where a number belongs).
fn detail_map() -> impl Strategy<Value = Map<String, Value>> {
    let key = prop_oneof![
        Just("message".to_string()),
        Just("error".to_string()),
        Just("enabled".to_string()),
        Just("jobs_enabled".to_string()),
        Just("last_heartbeat".to_string()),
        Just("runner_id".to_string()),
        Just("age_seconds".to_string()),
        Just("threshold_seconds".to_string()),
        Just("timeout_seconds".to_string()),
        Just("current_version".to_string()),
        Just("expected_head".to_string()),
        Just("expected_heads".to_string()),
        Just("migrations_check".to_string()),
        Just("migrations_current".to_string()),
        "[a-z_]{1,12}",
    ];
    let value = prop_oneof![
        any_json(),
        (-1_000_000i32..100_000_000).prop_map(|n| json!(f64::from(n) / 16.0)),
        prop_oneof![
            Just("job heartbeat missing"),
            Just("job heartbeat check disabled"),
            Just("unexpected error"),
            Just("database session factory unavailable"),
            Just("skipped_no_alembic_files"),
            Just("timeout"),
            Just("error"),
            Just("not_run"),
        ]
        .prop_map(|s| json!(s)),
    ];
    prop::collection::btree_map(key, value, 0..8).prop_map(|m| m.into_iter().collect())
}

fn check_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("db".to_string()),
        Just("migrations".to_string()),
        Just("jobs".to_string()),
        "[a-z]{1,8}",
    ]
}

fn ready_check() -> impl Strategy<Value = ReadyCheck> {
    (
        check_name(),
        any::<bool>(),
        prop::option::of((0u32..16_000_000).prop_map(|n| f64::from(n) / 16.0)),
        detail_map(),
    )
        .prop_map(|(name, ok, ms, detail)| ReadyCheck {
            name,
            ok,
            ms,
            detail,
        })
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(".{0,30}")
}

fn job_row() -> impl Strategy<Value = JobRow> {
    (
        "[a-z-]{1,20}",
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
        opt_text(),
        prop::option::of(any::<i64>()),
    )
        .prop_map(
            |(
                name,
                last_heartbeat,
                runner_id,
                last_success_at,
                last_error,
                last_error_at,
                consecutive_failures,
            )| JobRow {
                name,
                last_heartbeat,
                runner_id,
                last_success_at,
                last_error,
                last_error_at,
                consecutive_failures,
            },
        )
}

fn dlq_item() -> impl Strategy<Value = DlqItem> {
    (
        "[0-9a-f-]{1,36}",
        prop_oneof![Just("outbox".to_string()), Just("export".to_string())],
        "[a-z_.]{1,16}",
        opt_text(),
        any::<i64>(),
        opt_text(),
        ".{0,30}",
        ".{0,60}",
    )
        .prop_map(
            |(
                event_id,
                kind,
                event_type,
                status,
                attempts,
                last_error,
                created_at,
                payload_summary,
            )| DlqItem {
                event_id,
                kind,
                event_type,
                status,
                attempts,
                last_error,
                created_at,
                payload_summary,
            },
        )
}

fn dlq_page() -> impl Strategy<Value = DlqPage> {
    (
        prop::collection::vec(dlq_item(), 0..5),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(
            |(items, total, outbox_dead_count, export_dead_count)| DlqPage {
                items,
                total,
                outbox_dead_count,
                export_dead_count,
            },
        )
}

/// A time the engine could write: 1970..9999, any nanosecond, UTC or an offset.
fn any_time() -> impl Strategy<Value = OffsetDateTime> {
    (
        0i64..253_402_300_799,
        0u32..1_000_000_000,
        -86_399i32 / 60..86_399 / 60,
    )
        .prop_map(|(secs, nanos, offset_min)| {
            let t = OffsetDateTime::from_unix_timestamp(secs)
                .unwrap()
                .replace_nanosecond(nanos)
                .unwrap();
            let offset = time::UtcOffset::from_whole_seconds(offset_min * 60).unwrap();
            // Only where the local date stays within 0000..9999.
            t.checked_to_offset(offset).unwrap_or(t)
        })
}

// ---------------------------------------------------------------------------------------------
// Readiness (/readyz)

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn readiness_parse_never_panics_on_bytes(body in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = Readiness::parse(&body);
    }

    #[test]
    fn readiness_parse_never_panics_on_json(doc in any_json()) {
        let body = serde_json::to_vec(&doc).unwrap();
        if let Some(r) = Readiness::parse(&body) {
            for c in &r.checks {
                let _ = reading(c);
            }
        }
    }

    /// The current shape reads back exactly, and what cleanops serializes it to is again the
    /// current shape with the same checks.
    #[test]
    fn readiness_current_shape_round_trips(ok in any::<bool>(), checks in prop::collection::vec(ready_check(), 0..5)) {
        let doc = json!({"ok": ok, "checks": checks});
        let r = Readiness::parse(&serde_json::to_vec(&doc).unwrap()).expect("the current shape parses");
        prop_assert_eq!(r.ok, ok);
        prop_assert!(!r.legacy_shape);
        prop_assert_eq!(serde_json::to_value(&r.checks).unwrap(), serde_json::to_value(&checks).unwrap());
        let again = Readiness::parse(&serde_json::to_vec(&r).unwrap()).expect("its own output parses");
        prop_assert_eq!(serde_json::to_value(&again.checks).unwrap(), serde_json::to_value(&r.checks).unwrap());
        for name in ["db", "migrations", "jobs"] {
            prop_assert_eq!(r.check(name).map(|c| c.ok), checks.iter().find(|c| c.name == name).map(|c| c.ok));
        }
    }

    /// The pre-2026 shape becomes db / migrations / jobs checks, in that order, with the oks
    /// it said; `{"status": ...}` alone is /healthz, never readiness.
    #[test]
    fn readiness_legacy_shape_converts(
        status in prop_oneof![Just("ok".to_string()), Just("unhealthy".to_string()), "[a-z]{0,8}"],
        database in prop::option::of((any::<bool>(), prop::option::of(any::<bool>()), detail_map())),
        jobs in prop::option::of((any::<bool>(), detail_map())),
    ) {
        let mut doc = json!({"status": status});
        if let Some((ok, migrations_current, mut extra)) = database.clone() {
            extra.insert("ok".into(), json!(ok));
            match migrations_current {
                Some(m) => { extra.insert("migrations_current".into(), json!(m)); }
                None => { extra.remove("migrations_current"); }
            }
            doc["database"] = Value::Object(extra);
        }
        if let Some((ok, mut extra)) = jobs.clone() {
            extra.insert("ok".into(), json!(ok));
            doc["jobs"] = Value::Object(extra);
        }
        let parsed = Readiness::parse(&serde_json::to_vec(&doc).unwrap());
        if database.is_none() && jobs.is_none() {
            prop_assert!(parsed.is_none(), "/healthz taken for readiness: {doc}");
            return Ok(());
        }
        let r = parsed.expect("the legacy shape parses");
        prop_assert!(r.legacy_shape);
        prop_assert_eq!(r.ok, status == "ok");
        let names: Vec<&str> = r.checks.iter().map(|c| c.name.as_str()).collect();
        let order = ["db", "migrations", "jobs"];
        prop_assert!(names.windows(2).all(|w| order.iter().position(|n| *n == w[0]) < order.iter().position(|n| *n == w[1])), "{names:?}");
        if let Some((ok, _, _)) = database {
            prop_assert_eq!(r.check("db").map(|c| c.ok), Some(ok));
        }
        if let Some((ok, _)) = jobs {
            let c = r.check("jobs").expect("a jobs check");
            prop_assert_eq!(c.ok, ok);
            prop_assert!(!c.detail.contains_key("ok"));
        }
    }

    /// Every branch reading of arbitrary details is one line of text, and the heartbeat is
    /// classified consistently with the check's own verdict.
    #[test]
    fn readings_of_arbitrary_details(check in ready_check()) {
        let line = reading(&check);
        // One line, unless the server itself put a newline in a string.
        if !Value::Object(check.detail.clone()).to_string().contains("\\n") {
            prop_assert!(!line.contains('\n'), "{line:?}");
        }
        let hb = cleanops::api::readiness::Heartbeat::from_check(&check, None);
        let _ = hb.reading();
        let d = &check.detail;
        if d.get("enabled") == Some(&json!(false)) {
            prop_assert_eq!(hb.class, HeartbeatClass::Disabled);
        }
        if matches!(hb.class, HeartbeatClass::Fresh | HeartbeatClass::Late) {
            prop_assert!(check.ok, "a failing check read as {:?}", hb.class);
        }
        if !check.ok
            && d.get("enabled") != Some(&json!(false))
            && d.get("message").and_then(Value::as_str).is_none_or(|m| m != "job heartbeat missing" && m != "job heartbeat check disabled")
            && d.get("age_seconds").and_then(Value::as_f64).is_some()
        {
            prop_assert_eq!(hb.class, HeartbeatClass::Stale);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// /v1/admin/jobs/status rows and DLQ pages, problem+json

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn job_rows_round_trip_and_ignore_unknown_keys(
        rows in prop::collection::vec(job_row(), 0..6),
        extra_key in "x_[a-z]{1,8}",
        extra in any_json(),
    ) {
        let text = serde_json::to_string(&rows).unwrap();
        let back: Vec<JobRow> = serde_json::from_str(&text).expect("its own output parses");
        prop_assert_eq!(serde_json::to_value(&back).unwrap(), serde_json::to_value(&rows).unwrap());
        // A newer app adding a key must not break the table.
        let mut doc = serde_json::to_value(&rows).unwrap();
        for row in doc.as_array_mut().unwrap() {
            row[&extra_key] = extra.clone();
        }
        let back: Vec<JobRow> = serde_json::from_value(doc).expect("unknown keys are ignored");
        prop_assert_eq!(serde_json::to_value(&back).unwrap(), serde_json::to_value(&rows).unwrap());
    }

    /// Absent optional keys read as absent, whichever ones the app leaves out.
    #[test]
    fn job_rows_with_keys_left_out(row in job_row(), keep in prop::collection::vec(any::<bool>(), 6)) {
        let mut doc = serde_json::to_value(&row).unwrap();
        let obj = doc.as_object_mut().unwrap();
        let optional = ["last_heartbeat", "runner_id", "last_success_at", "last_error", "last_error_at", "consecutive_failures"];
        for (key, keep) in optional.iter().zip(keep) {
            if !keep {
                obj.remove(*key);
            }
        }
        let back: JobRow = serde_json::from_value(doc.clone()).expect("optional keys may be absent");
        prop_assert_eq!(&back.name, &row.name);
        for key in optional {
            let want = doc.get(key).cloned().unwrap_or(Value::Null);
            prop_assert_eq!(&serde_json::to_value(&back).unwrap()[key], &want);
        }
    }

    #[test]
    fn dlq_pages_round_trip(page in dlq_page()) {
        let text = serde_json::to_string(&page).unwrap();
        let back: DlqPage = serde_json::from_str(&text).expect("its own output parses");
        prop_assert_eq!(serde_json::to_value(&back).unwrap(), serde_json::to_value(&page).unwrap());
    }

    #[test]
    fn job_rows_and_dlq_pages_never_panic_on_json(doc in any_json()) {
        let _ = serde_json::from_value::<Vec<JobRow>>(doc.clone());
        let _ = serde_json::from_value::<JobRow>(doc.clone());
        let _ = serde_json::from_value::<DlqPage>(doc);
    }

    #[test]
    fn problems_never_panic(body in prop::collection::vec(any::<u8>(), 0..300), doc in any_json()) {
        if let Some(p) = Problem::parse(&body) {
            let _ = p.summary();
        }
        if let Some(p) = Problem::parse(&serde_json::to_vec(&doc).unwrap()) {
            let _ = p.summary();
        }
    }

    /// Both formats read alike: a problem is one with a title or a detail, and its summary
    /// carries the detail (the title when there is none) and every field error.
    #[test]
    fn problems_summarize_what_they_say(
        title in prop::option::of("[ -~]{1,30}"),
        detail in prop::option::of(prop_oneof!["[ -~]{0,30}".prop_map(Value::String), any_json()]),
        errors in prop::collection::vec(("[a-z_]{1,10}", "[ -~]{1,20}"), 0..3),
    ) {
        let mut doc = json!({"type": "about:blank", "status": 400});
        if let Some(t) = &title { doc["title"] = json!(t); }
        if let Some(d) = &detail { doc["detail"] = d.clone(); }
        if !errors.is_empty() {
            doc["errors"] = json!(errors.iter().map(|(f, m)| json!({"field": f, "message": m})).collect::<Vec<_>>());
        }
        let detail = detail.filter(|d| !d.is_null());
        let p = Problem::parse(&serde_json::to_vec(&doc).unwrap());
        prop_assert_eq!(p.is_some(), title.is_some() || detail.is_some());
        let Some(p) = p else { return Ok(()) };
        let summary = p.summary();
        match &detail {
            Some(Value::String(s)) => prop_assert!(summary.starts_with(s.as_str()), "{summary:?}"),
            Some(other) => prop_assert!(summary.starts_with(&other.to_string()), "{summary:?}"),
            None => prop_assert!(summary.starts_with(title.as_deref().unwrap_or("")), "{summary:?}"),
        }
        for (field, message) in &errors {
            let fe = format!("{field}: {message}");
            prop_assert!(summary.contains(&fe), "{summary:?} lacks {fe:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The env file

/// A key as dotenvy and the app accept it.
fn env_key() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,15}"
}

/// One line of a well-formed env file and what it sets, if anything.
fn env_line() -> impl Strategy<Value = (String, Option<(String, String)>)> {
    prop_oneof![
        // Unquoted: no spaces, quotes, `#`, `$` or backslashes.
        (env_key(), "[A-Za-z0-9_./:@+,=-]{0,30}", any::<bool>()).prop_map(|(k, v, export)| {
            let prefix = if export { "export " } else { "" };
            (format!("{prefix}{k}={v}"), Some((k, v)))
        }),
        // Single-quoted: taken literally, `#`, `$`, spaces and double quotes included.
        (env_key(), "[ -&(-\\[\\]-~]{0,30}")
            .prop_map(|(k, v)| (format!("{k}='{v}'"), Some((k, v)))),
        "#[ -~]{0,30}".prop_map(|c| (c, None)),
        Just((String::new(), None)),
    ]
}

proptest! {
    #![proptest_config(config(200))]

    /// Whatever the file holds, reading it ends with values or a problem, never a panic.
    #[test]
    fn env_files_of_any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, &bytes).unwrap();
        let env = EnvFile::read(&path);
        if let Some(problem) = &env.problem {
            prop_assert!(!problem.is_empty());
        }
    }

    /// Lines that look like env lines, mangled: still no panic, and a problem names a line
    /// number that exists.
    #[test]
    fn env_files_of_near_miss_lines_never_panic(
        lines in prop::collection::vec(prop_oneof![
            env_line().prop_map(|(l, _)| l),
            "[A-Za-z_=\"' #$\\\\{}-]{0,20}",
        ], 0..12),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let env = EnvFile::read(&path);
        if let Some(problem) = &env.problem
            && let Some(n) = problem.strip_prefix("line ").and_then(|r| r.split(':').next()).and_then(|n| n.parse::<usize>().ok())
        {
            prop_assert!(n >= 1 && n <= lines.len(), "line {n} of {}: {problem}", lines.len());
        }
    }

    /// A well-formed file reads back as written: names upper-cased (the app reads them
    /// case-insensitively), the last assignment of a name wins.
    #[test]
    fn env_files_read_back_as_written(lines in prop::collection::vec(env_line(), 0..15), crlf in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        let text: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
        std::fs::write(&path, text.join(if crlf { "\r\n" } else { "\n" })).unwrap();
        let env = EnvFile::read(&path);
        prop_assert!(env.problem.is_none(), "{:?} in {text:?}", env.problem);
        let mut want = BTreeMap::new();
        for (k, v) in lines.iter().filter_map(|(_, kv)| kv.clone()) {
            want.insert(k.to_ascii_uppercase(), v);
        }
        prop_assert_eq!(&env.vars, &want);
    }
}

// ---------------------------------------------------------------------------------------------
// The engine's log stream

/// The lines of `bytes` fed in pieces of the given sizes (cycled), then finished.
fn split_in_chunks(bytes: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let mut s = LineSplitter::default();
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        s.push(chunk, &mut |l| out.push(l.to_vec()));
        rest = tail;
        i += 1;
    }
    s.finish(&mut |l| out.push(l.to_vec()));
    out
}

/// What the lines of `bytes` are: split at each newline, a `\r` before it dropped, a last line
/// without a newline kept.
fn model_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .collect();
    // The piece after the last newline is a line only when it is not empty.
    if out.last().is_some_and(|l| l.is_empty()) && bytes.last().is_none_or(|b| *b == b'\n') {
        out.pop();
    }
    out
}

/// Log text: short lines of log-ish bytes (any byte, newlines and carriage returns often).
fn log_bytes(max_line: usize) -> impl Strategy<Value = Vec<u8>> {
    let line = prop::collection::vec(
        prop_oneof![8 => any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 1 => Just(b'\r')],
        0..max_line,
    );
    (prop::collection::vec(line, 0..12), any::<bool>()).prop_map(|(lines, trailing)| {
        let mut bytes = lines.join(&b'\n');
        if trailing && !bytes.is_empty() {
            bytes.push(b'\n');
        }
        bytes
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// Lines shorter than MAX_LINE come out the same however the engine frames them, and as
    /// they were written; the same through the joiner of timestamped entries, as frames or as a
    /// TTY's raw bytes, when there are no timestamps to take off (text passes through whole).
    #[test]
    fn any_chunking_gives_the_same_lines(
        bytes in log_bytes(200),
        sizes in prop::collection::vec(1usize..64, 1..8),
    ) {
        let whole = split_in_chunks(&bytes, &[bytes.len().max(1)]);
        prop_assert_eq!(&whole, &model_lines(&bytes));
        let chunked = split_in_chunks(&bytes, &sizes);
        prop_assert_eq!(&chunked, &whole);
        let chunks: Vec<Vec<u8>> = {
            let mut out = Vec::new();
            let mut rest = &bytes[..];
            let mut i = 0;
            while !rest.is_empty() {
                let n = sizes[i % sizes.len()].clamp(1, rest.len());
                out.push(rest[..n].to_vec());
                rest = &rest[n..];
                i += 1;
            }
            out
        };
        let without_times = |lines: Vec<(Option<OffsetDateTime>, Vec<u8>)>| -> Vec<Vec<u8>> {
            lines.into_iter().map(|(ts, l)| {
                assert!(ts.is_none(), "a timestamp made up");
                l
            }).collect()
        };
        prop_assert_eq!(&without_times(join(&chunks, None)), &whole);
        prop_assert_eq!(&without_times(join(std::slice::from_ref(&bytes), Some(&sizes))), &whole);
    }

    /// Whatever the engine sends, the splitter never panics and holds at most one line in
    /// progress: no emitted line is longer than MAX_LINE plus one frame (the engine's frames
    /// are at most 16 KiB), and no byte is made up.
    #[test]
    fn engine_framed_bytes_keep_lines_bounded(
        runs in prop::collection::vec((0usize..(MAX_LINE + 1000), prop_oneof![Just(&b"\n"[..]), Just(&b"\r\n"[..]), Just(&b""[..])]), 0..6),
        sizes in prop::collection::vec(1usize..16 * 1024, 1..4),
    ) {
        let mut bytes = Vec::new();
        for (n, end) in runs {
            bytes.resize(bytes.len() + n, b'x');
            bytes.extend_from_slice(end);
        }
        let lines = split_in_chunks(&bytes, &sizes);
        prop_assert!(lines.iter().all(|l| l.len() <= MAX_LINE + 16 * 1024));
        let total: usize = lines.iter().map(Vec::len).sum();
        prop_assert!(total <= bytes.len());
    }

    /// A timestamp the engine writes is split off exactly, nanoseconds included; anything
    /// else passes through whole; `to_line` never panics and keeps the stream.
    #[test]
    fn engine_timestamps_split_exactly(t in any_time(), rest in prop::collection::vec(any::<u8>(), 0..80), stderr in any::<bool>()) {
        let stamp = t.format(&Rfc3339).unwrap();
        let mut line = stamp.clone().into_bytes();
        line.push(b' ');
        line.extend_from_slice(&rest);
        let (ts, text) = split_timestamp(&line);
        prop_assert_eq!(ts, Some(t), "{}", stamp);
        prop_assert_eq!(text, &rest[..]);
        let l = to_line(&line, stderr);
        prop_assert_eq!(l.ts, Some(t));
        prop_assert_eq!(l.stderr, stderr);
        prop_assert_eq!(l.text, String::from_utf8_lossy(&rest).into_owned());
    }

    #[test]
    fn lines_without_a_timestamp_pass_through(line in prop::collection::vec(any::<u8>(), 0..120)) {
        let (ts, text) = split_timestamp(&line);
        match ts {
            // Only a real RFC 3339 time followed by a space is taken for one.
            Some(t) => {
                let head = &line[..line.len() - text.len() - 1];
                prop_assert_eq!(parse_rfc3339(std::str::from_utf8(head).unwrap()).ok(), Some(t));
            }
            None => prop_assert_eq!(text, &line[..]),
        }
        let _ = to_line(&line, false);
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// What the module promises (src/docker/logs.rs: "a longer line is cut into pieces of this
    /// size: memory stays bounded whatever a container prints"): no line over MAX_LINE, and the
    /// same lines whatever the framing.
    #[test]
    fn no_line_over_max_line_whatever_the_framing(
        len in (MAX_LINE - 2)..(2 * MAX_LINE + 2),
        sizes in prop::collection::vec(1usize..(3 * MAX_LINE), 1..4),
    ) {
        let mut bytes = vec![b'x'; len];
        bytes.push(b'\n');
        bytes.extend_from_slice(b"next\n");
        let whole = split_in_chunks(&bytes, &[bytes.len()]);
        let chunked = split_in_chunks(&bytes, &sizes);
        prop_assert!(whole.iter().all(|l| l.len() <= MAX_LINE), "a line of {} bytes", whole.iter().map(Vec::len).max().unwrap_or(0));
        prop_assert_eq!(chunked, whole);
    }
}

/// The engine's timestamp of a log entry (`RFC3339NanoFixed`).
fn engine_stamp(t: OffsetDateTime) -> String {
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

/// A line as the json-file driver stores it and the engine returns it with `timestamps=true`:
/// entries of ENGINE_PIECE bytes (a full piece is partial, so a line of exactly that many bytes
/// ends with an empty entry), each after its own timestamp (a microsecond apart), the last with
/// the newline.
fn engine_entries(line: &[u8], t: OffsetDateTime) -> Vec<Vec<u8>> {
    let count = line.len() / ENGINE_PIECE + 1;
    (0..count)
        .map(|i| {
            let piece =
                &line[(i * ENGINE_PIECE).min(line.len())..((i + 1) * ENGINE_PIECE).min(line.len())];
            let mut e = engine_stamp(t + time::Duration::microseconds(i as i64)).into_bytes();
            e.push(b' ');
            e.extend_from_slice(piece);
            if i + 1 == count {
                e.push(b'\n');
            }
            e
        })
        .collect()
}

/// Lines out of a joiner fed `entries` one frame each, or (`raw_sizes`) as a TTY's raw bytes
/// in chunks of the given sizes (cycled).
fn join(
    entries: &[Vec<u8>],
    raw_sizes: Option<&[usize]>,
) -> Vec<(Option<OffsetDateTime>, Vec<u8>)> {
    let mut j = EntryJoiner::default();
    let mut out = Vec::new();
    let mut emit = |ts: Option<OffsetDateTime>, l: &[u8]| out.push((ts, l.to_vec()));
    match raw_sizes {
        None => entries.iter().for_each(|e| j.frame(e, &mut emit)),
        Some(sizes) => {
            let bytes = entries.concat();
            let mut rest = &bytes[..];
            let mut i = 0;
            while !rest.is_empty() {
                let n = sizes[i % sizes.len()].clamp(1, rest.len());
                j.raw(&rest[..n], &mut emit);
                rest = &rest[n..];
                i += 1;
            }
        }
    }
    j.finish(&mut emit);
    out
}

/// A line's text: mostly short and of any byte but the line ends, sometimes about the engine's
/// piece size or over MAX_LINE (letters: a TTY's stream finds pieces by their size, and text
/// that is a timestamp exactly there would be read as one).
fn joiner_line() -> impl Strategy<Value = Vec<u8>> {
    let letters = |len: usize, seed: u8| -> Vec<u8> {
        (0..len)
            .map(|i| b'a' + ((i as u32 * 7 + u32::from(seed)) % 26) as u8)
            .collect()
    };
    prop_oneof![
        6 => prop::collection::vec(any::<u8>().prop_filter("no line end", |b| *b != b'\n' && *b != b'\r'), 0..120),
        2 => ((ENGINE_PIECE - 3)..(ENGINE_PIECE + 3), any::<u8>()).prop_map(move |(n, s)| letters(n, s)),
        1 => ((2 * ENGINE_PIECE)..(MAX_LINE + 3 * ENGINE_PIECE), any::<u8>()).prop_map(move |(n, s)| letters(n, s)),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    /// Lines the engine returns as partial entries with a timestamp each (docs/app-contract.md §13: lines
    /// over 16 KiB) come out whole, with their first entry's time and no timestamp inside,
    /// in pieces of MAX_LINE when longer; the same from frames (one an entry) and from a TTY's
    /// raw bytes however they are cut.
    #[test]
    fn engine_entries_join_into_lines_whatever_the_framing(
        lines in prop::collection::vec((joiner_line(), any_time()), 0..5),
        sizes in prop::collection::vec(1usize..(3 * ENGINE_PIECE), 1..4),
    ) {
        let entries: Vec<Vec<u8>> = lines.iter().flat_map(|(l, t)| engine_entries(l, *t)).collect();
        let mut want = Vec::new();
        for (line, t) in &lines {
            let t = parse_rfc3339(&engine_stamp(*t)).ok();
            if line.is_empty() {
                want.push((t, Vec::new()));
            }
            want.extend(line.chunks(MAX_LINE).map(|p| (t, p.to_vec())));
        }
        let framed = join(&entries, None);
        prop_assert!(framed == want, "framed: {} lines of {:?}, want {:?}", framed.len(), framed.iter().map(|l| l.1.len()).collect::<Vec<_>>(), want.iter().map(|l| l.1.len()).collect::<Vec<_>>());
        let raw = join(&entries, Some(&sizes));
        prop_assert!(raw == want, "raw in {sizes:?}: {:?}, want {:?}", raw.iter().map(|l| l.1.len()).collect::<Vec<_>>(), want.iter().map(|l| l.1.len()).collect::<Vec<_>>());
    }

    /// Whatever the frames hold, the joiner never panics, keeps memory bounded (no line over
    /// MAX_LINE plus one frame) and makes up no byte.
    #[test]
    fn joiner_survives_any_frames(
        frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..20),
        raw in any::<bool>(),
    ) {
        let mut j = EntryJoiner::default();
        let mut out: Vec<Vec<u8>> = Vec::new();
        let mut emit = |_: Option<OffsetDateTime>, l: &[u8]| out.push(l.to_vec());
        for f in &frames {
            if raw { j.raw(f, &mut emit) } else { j.frame(f, &mut emit) }
        }
        j.finish(&mut emit);
        let total: usize = out.iter().map(Vec::len).sum();
        prop_assert!(total <= frames.iter().map(Vec::len).sum::<usize>());
        prop_assert!(out.iter().all(|l| l.len() <= MAX_LINE + 200));
    }
}

// ---------------------------------------------------------------------------------------------
// What the app's log lines say (src/logs)

/// A line of the app's logs, or near one: records of each format, traceback pieces, and any
/// text (control characters included).
fn app_log_line() -> impl Strategy<Value = String> {
    let word = "[a-zA-Z_.]{1,12}";
    prop_oneof![
        3 => any::<String>(),
        2 => (prop_oneof![Just("INFO"), Just("WARNING"), Just("ERROR"), Just("DEBUG"), Just("CRITICAL"), Just("NOTE")], word, any::<String>())
            .prop_map(|(l, lg, m)| format!("{l}:{lg}:{m}")),
        1 => any::<String>().prop_map(|m| format!("ERROR:    {m}")),
        2 => Just("Traceback (most recent call last):".to_string()),
        2 => any::<String>().prop_map(|m| format!("  File \"{m}\", line 1, in f")),
        2 => (word, any::<String>()).prop_map(|(t, m)| format!("{t}: {m}")),
        1 => Just(String::new()),
        1 => Just("The above exception was the direct cause of the following exception:".to_string()),
        1 => any::<String>().prop_map(|m| format!("[SQL: {m}")),
        2 => (any::<String>(), any::<String>(), any::<String>(), prop::option::of(any::<String>()))
            .prop_map(|(level, message, field, exception)| {
                let mut m = Map::new();
                m.insert("level".into(), json!(level));
                m.insert("message".into(), json!(message));
                m.insert("k".into(), json!(field));
                if let Some(e) = exception {
                    m.insert("exception".into(), json!(e));
                }
                Value::Object(m).to_string()
            }),
        1 => any::<String>().prop_map(|m| format!("2026-04-05 20:11:19.123 UTC [1] LOG:  {m}")),
    ]
}

/// A Python traceback ending in `exception` (a chain of two when `chained`), with further
/// lines of its message as SQLAlchemy prints them.
fn python_traceback(exception: &str, chained: bool) -> String {
    let mut t = String::new();
    if chained {
        t.push_str("Traceback (most recent call last):\n  File \"/a.py\", line 1, in f\n    g()\npsycopg.OperationalError: cause\n\nThe above exception was the direct cause of the following exception:\n\n");
    }
    t.push_str("Traceback (most recent call last):\n  File \"/b.py\", line 2, in h\n    ~~~^^\n");
    t.push_str(exception);
    t.push_str(
        "\n[SQL: SELECT 1\nFROM t]\n(Background on this error at: https://sqlalche.me/e/20/f405)\n",
    );
    t
}

proptest! {
    #![proptest_config(config(256))]

    /// Whatever the lines, reading them never panics; nothing is lost (every line is an entry,
    /// or counted in a traceback's); not summarizing, every line comes out as it went in; and
    /// text for a terminal holds no control character but the newlines between lines.
    #[test]
    fn reading_log_lines_never_panics_or_loses_a_line(
        lines in prop::collection::vec(app_log_line(), 0..30),
        stderr in prop::collection::vec(any::<bool>(), 1..4),
        full in any::<bool>(),
    ) {
        let log: Vec<LogLine> = lines.iter().enumerate().map(|(i, t)| LogLine {
            ts: None,
            stderr: stderr[i % stderr.len()],
            text: t.clone(),
        }).collect();
        let entries = summarize(&log);
        let counted: usize = entries.iter().map(|e| match e {
            Entry::Line(..) => 1,
            Entry::Traceback(t) => t.lines,
        }).sum();
        prop_assert_eq!(counted, log.len());
        let mut g = Grouper::new(Reading { classify: true, summarize: false });
        let mut all: Vec<Entry> = Vec::new();
        for l in &log {
            g.push(l.clone(), &mut all);
        }
        g.flush(&mut all);
        let texts: Vec<&str> = all.iter().filter_map(|e| match e { Entry::Line(l, _) => Some(l.text.as_str()), Entry::Traceback(_) => None }).collect();
        prop_assert_eq!(texts, lines.iter().map(String::as_str).collect::<Vec<_>>());
        let style = Style { full, escape: true, color: false, ..Style::default() };
        for e in entries.iter().chain(all.iter()) {
            let mut out = Vec::new();
            write_text(&mut out, "api | ", e, &style).unwrap();
            let text = String::from_utf8(out).unwrap();
            prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{:?}", text);
            prop_assert!(text.ends_with('\n'));
            let doc = json_entry("api", e);
            prop_assert!(doc.is_object());
        }
    }

    /// A JSON record reads back as written: its level, message and other fields, and its
    /// exception by the line that names it (not the further lines of its message, not its
    /// cause).
    #[test]
    fn json_records_read_back(
        level in prop_oneof![Just("DEBUG"), Just("INFO"), Just("WARNING"), Just("ERROR"), Just("CRITICAL")],
        message in any::<String>(),
        request_id in any::<String>(),
        path in any::<String>(),
        extra in prop::collection::btree_map("[a-z_]{1,10}", any::<i64>(), 0..5),
        exc_type in "[a-z]{1,8}(\\.[a-z]{1,8}){0,2}\\.[A-Z][A-Za-z]{0,12}(Error|Exception)",
        exc_message in "[^\n\r\u{85}\u{2028}\u{2029}]{0,80}",
        chained in any::<bool>(),
        with_exception in any::<bool>(),
    ) {
        let exception_line = format!("{exc_type}: {exc_message}");
        let mut m = Map::new();
        m.insert("timestamp".into(), json!("2026-12-02T10:41:44.215311+00:00"));
        m.insert("level".into(), json!(level));
        m.insert("message".into(), json!(message));
        m.insert("logger".into(), json!("app.main"));
        m.insert("request_id".into(), json!(request_id));
        m.insert("path".into(), json!(path));
        for (k, v) in &extra {
            if !["level", "message", "logger", "exception", "msg", "event", "name", "levelname", "severity", "exc_info", "traceback", "stack_trace", "logger_name"].contains(&k.as_str()) {
                m.insert(k.clone(), json!(v));
            }
        }
        if with_exception {
            m.insert("exception".into(), json!(python_traceback(&exception_line, chained)));
        }
        let line = Value::Object(m.clone()).to_string();
        let p = parse_line(&line);
        prop_assert_eq!(p.format, Format::Json);
        prop_assert_eq!(p.level, Level::from_name(level));
        prop_assert_eq!(p.message.as_deref(), Some(message.as_str()));
        prop_assert_eq!(p.logger.as_deref(), Some("app.main"));
        let mut fields = m.clone();
        for k in ["level", "message", "logger", "exception"] {
            fields.remove(k);
        }
        prop_assert_eq!(&p.fields, &fields);
        if with_exception {
            prop_assert_eq!(p.exception_last_line(), Some(exception_line.trim_end()));
        } else {
            prop_assert_eq!(p.exception_last_line(), None);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Durations and times from flags

/// A duration as a person writes it, and what it is.
fn typed_duration() -> impl Strategy<Value = (String, Duration)> {
    let unit = prop_oneof![
        Just(("ms", 1u64)),
        Just(("s", 1_000)),
        Just(("sec", 1_000)),
        Just(("m", 60_000)),
        Just(("min", 60_000)),
        Just(("h", 3_600_000)),
        Just(("d", 86_400_000)),
        Just(("days", 86_400_000)),
    ];
    prop::collection::vec((0u64..1000, unit), 1..5).prop_map(|terms| {
        let text: String = terms.iter().map(|(n, (u, _))| format!("{n}{u}")).collect();
        let millis: u64 = terms.iter().map(|(n, (_, scale))| n * scale).sum();
        (text, Duration::from_millis(millis))
    })
}

/// The canonical way to write `d` (whole milliseconds): `1h2m3s4ms`.
fn format_duration(d: Duration) -> String {
    let ms = d.as_millis() as u64;
    let (h, m, s, rest) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let mut out = String::new();
    for (n, u) in [(h, "h"), (m, "m"), (s, "s"), (rest, "ms")] {
        if n > 0 {
            out.push_str(&format!("{n}{u}"));
        }
    }
    if out.is_empty() { "0s".into() } else { out }
}

fn now() -> OffsetDateTime {
    parse_rfc3339(crate::NOW).unwrap()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn parse_duration_never_panics(s in "\\PC{0,24}") {
        let _ = parse_duration(&s);
    }

    #[test]
    fn parse_duration_never_panics_on_duration_like_text(s in "[0-9.]{0,12}(ms|s|m|h|d|x|)[0-9.]{0,12}(ms|s|m|h|d|days|)") {
        let _ = parse_duration(&s);
    }

    /// Plain seconds, and sums of whole units in any order, mean what they say (to the
    /// millisecond), surrounding blanks ignored.
    #[test]
    fn parse_duration_reads_what_people_type((text, want) in typed_duration(), secs in 0u64..10_000_000) {
        prop_assert_eq!(parse_duration(&text).unwrap(), want, "{}", text);
        let padded = format!("  {text}\t");
        prop_assert_eq!(parse_duration(&padded).unwrap(), want, "{:?}", padded);
        prop_assert_eq!(parse_duration(&secs.to_string()).unwrap(), Duration::from_secs(secs));
    }

    /// `parse_duration(format(d)) == d` for the canonical format, at millisecond precision.
    #[test]
    fn parse_duration_round_trips(ms in 0u64..(10 * 365 * 86_400_000)) {
        let d = Duration::from_millis(ms);
        prop_assert_eq!(parse_duration(&format_duration(d)).unwrap(), d, "{}", format_duration(d));
    }

    /// Anything accepted is finite and a sum of its terms: nothing negative sneaks in.
    #[test]
    fn parse_duration_rejects_signs_and_exponents(n in 1u64..1000, unit in "(ms|s|m|h|d)", sign in "[-+]|e5|E-3") {
        let before = format!("{sign}{n}{unit}");
        let inside = format!("{n}{sign}{unit}");
        prop_assert!(parse_duration(&before).is_err(), "{}", before);
        prop_assert!(parse_duration(&inside).is_err(), "{}", inside);
    }

    /// `--since`/`--until`: an RFC 3339 time is that time; a duration is that long before now.
    #[test]
    fn parse_when_times_and_durations((text, d) in typed_duration(), t in any_time()) {
        let now = now();
        prop_assert_eq!(parse_when(&text, now).unwrap(), (now - d).unix_timestamp());
        let stamp = t.format(&Rfc3339).unwrap();
        prop_assert_eq!(parse_when(&stamp, now).unwrap(), t.unix_timestamp());
    }

    #[test]
    fn parse_when_rejects_what_is_neither(s in "[a-zA-Z ]{1,20}") {
        prop_assume!(parse_duration(&s).is_err());
        prop_assert!(parse_when(&s, now()).is_err());
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Never a panic, whatever the user types (found by fuzz/: `flags`).
    #[test]
    fn parse_when_never_panics(n in any::<u64>(), terms in 1usize..2000) {
        let _ = parse_when(&n.to_string(), now());
        let _ = parse_when(&"3650d".repeat(terms), now());
    }

    /// A duration flag is capped the same way however it is written: plain seconds too.
    #[test]
    fn plain_seconds_are_capped_like_units(n in (10u64 * 365 * 86_400 + 1)..u64::MAX) {
        let text = n.to_string();
        prop_assert!(parse_duration(&text).is_err(), "{} accepted", text);
    }
}

// ---------------------------------------------------------------------------------------------
// Excerpts of bodies, database hosts, secrets shown

proptest! {
    #![proptest_config(config(512))]

    /// An excerpt is one quoted line: no raw control characters, no newline, bounded length,
    /// whatever bytes the server sent.
    #[test]
    fn excerpts_are_one_bounded_quoted_line(body in prop::collection::vec(any::<u8>(), 0..600), max in 0usize..200) {
        let e = excerpt(&body, max);
        if body.is_empty() {
            prop_assert_eq!(e, "(empty)");
            return Ok(());
        }
        prop_assert!(e.starts_with('"') && e.ends_with('"') && e.len() >= 2, "{e:?}");
        prop_assert!(!e.chars().any(char::is_control), "{e:?}");
        // Each kept character may be escaped (at most `\u{10ffff}`, 10 characters), plus `…`.
        prop_assert!(e.chars().count() <= 2 + 10 * (max + 1) + 2, "{} chars for max {max}", e.chars().count());
    }

    /// Printable text that fits is shown as it is (runs of blanks squeezed, trimmed).
    #[test]
    fn excerpts_of_short_text_are_the_text(words in prop::collection::vec("[!-~]{1,8}", 1..6)) {
        let text = words.join("  \n\t");
        let squeezed = words.join(" ");
        let e = excerpt(text.as_bytes(), squeezed.chars().count() + 1);
        prop_assert_eq!(e, format!("{squeezed:?}"));
    }

    #[test]
    fn db_host_never_panics_and_never_returns_url_syntax(url in "\\PC{0,60}") {
        if let Some(host) = db_host(&url) {
            prop_assert!(!host.is_empty());
            prop_assert!(!host.contains(['@', '/', '?']), "{host:?} from {url:?}");
        }
    }

    /// The host of a database URL, whatever its user, password, port, path and query, never
    /// the password.
    #[test]
    fn db_host_reads_the_host(
        scheme in "(postgresql|postgresql\\+psycopg|postgres|sqlite)",
        user in "[a-z]{0,8}",
        password in "![A-Z0-9!$%*:@]{7,15}",
        host in prop_oneof!["[a-z][a-z0-9.-]{0,20}", "\\[[0-9a-f:]{2,20}\\]", "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"],
        port in prop::option::of(1u16..65535),
        rest in "(/[a-z]{0,8})?(\\?[a-z=&]{0,12})?",
    ) {
        let userinfo = match (user.is_empty(), password.is_empty()) {
            (true, _) => format!(":{password}@"),
            (false, _) => format!("{user}:{password}@"),
        };
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("{scheme}://{userinfo}{host}{port}{rest}");
        let want = host.trim_start_matches('[').trim_end_matches(']').to_string();
        prop_assert_eq!(db_host(&url), Some(want), "{}", url);
        let seen = shown("DATABASE_URL", &url);
        prop_assert!(!seen.contains(&password), "{seen:?} shows the password of {url:?}");
    }

    /// Values of secret-looking names are never shown, whatever they hold.
    #[test]
    fn secrets_are_never_shown(
        name in "[A-Z_]{0,6}(PASSWORD|SECRET|TOKEN|KEY|DSN|AUTH|SALT|COOKIE)[A-Z_]{0,6}",
        value in "[ -~]{6,40}",
    ) {
        prop_assume!(!value.chars().all(|c| c == '*'));
        prop_assert!(is_secret(&name));
        let seen = shown(&name, &value);
        prop_assert!(!seen.contains(&value), "{name}={value:?} shown as {seen:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Escalation: what PagerDuty and Slack answer, and what cleanops makes of any diagnosis text

fn role() -> cleanops::escalation::Role {
    cleanops::escalation::roles::runbook_chain().remove(1)
}

fn snapshot(
    title: String,
    evidence: Vec<String>,
    markdown: String,
) -> cleanops::escalation::snapshot::Snapshot {
    use cleanops::escalation::snapshot::{CauseLine, Snapshot};
    Snapshot {
        at: "2026-04-05T20:30:00Z".into(),
        api_url: "https://api.panidobro.com".into(),
        project: "cleaning".into(),
        engine: "the local Docker engine".into(),
        exit_code: 1,
        summary: title.clone(),
        checks: vec![],
        causes: vec![CauseLine {
            id: "crash-loop".into(),
            title,
            evidence,
            next: "cleanops logs".into(),
        }],
        steps: vec![],
        markdown,
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// Any answer of either service is read without a panic, and the key never comes back in
    /// what is shown, whatever the service echoes.
    #[test]
    fn service_answers_never_panic_nor_echo_the_key(
        status in 100u16..600,
        body in prop::collection::vec(any::<u8>(), 0..300),
        doc in any_json(),
        echo in any::<bool>(),
    ) {
        use cleanops::escalation::{pagerduty, slack};
        let key = "pdkeyPROPS0123456789abcdefABCDEF".to_string();
        let mut body = body;
        if echo {
            body.extend_from_slice(key.as_bytes());
        }
        let file = std::path::Path::new("/k");
        for b in [body.clone(), doc.to_string().into_bytes()] {
            if let Err(f) = pagerduty::interpret(status, &b, &role(), file, std::slice::from_ref(&key)) {
                prop_assert!(!f.message.contains(&key), "{}", f.message);
                prop_assert!(!f.message.chars().any(|c| c.is_control()), "{:?}", f.message);
            }
            if let Err(f) = slack::interpret(status, &b, "x", std::slice::from_ref(&key)) {
                prop_assert!(!f.message.contains(&key), "{}", f.message);
                prop_assert!(!f.message.chars().any(|c| c.is_control()), "{:?}", f.message);
            }
        }
    }

    /// Whatever a diagnosis holds, the event keeps PagerDuty's limits and the Slack message
    /// Slack's, and neither can mention the whole channel.
    #[test]
    fn events_and_messages_keep_the_services_limits(
        title in "(?s).{0,3000}",
        evidence in prop::collection::vec("(?s).{0,300}", 0..20),
        markdown in "(?s)(#{0,3} ?[|`*<>&!@a-z -]{0,120}\n){0,300}",
        note in prop::option::of("(?s).{0,1000}"),
    ) {
        use cleanops::escalation::{pagerduty, slack};
        let s = snapshot(title, evidence, markdown.clone());
        let chain = cleanops::escalation::roles::runbook_chain();
        let ctx = pagerduty::Context { role: &chain[0], who: "ops@host", note: note.as_deref(), reused: false };
        let e = pagerduty::trigger("k", &s, &ctx);
        let summary = e["payload"]["summary"].as_str().unwrap();
        prop_assert!(!summary.is_empty() && summary.chars().count() <= 1024);
        prop_assert!(!summary.chars().any(|c| c.is_control()));
        prop_assert!(e.to_string().len() < 512 * 1024);
        let m = slack::message(summary, &markdown, note.as_deref(), "footer");
        let blocks = m["blocks"].as_array().unwrap();
        prop_assert!(blocks.len() <= 50);
        let mut total = m["text"].as_str().unwrap().chars().count();
        for b in blocks {
            let t = b["text"]["text"].as_str().or(b["elements"][0]["text"].as_str()).unwrap();
            prop_assert!(!t.is_empty() && t.chars().count() <= 3000);
            total += t.chars().count();
        }
        prop_assert!(total <= 40_000);
        prop_assert!(!m.to_string().contains("<!"));
    }

    /// A webhook file of any first line is read without a panic, and an error never shows it.
    #[test]
    fn webhook_files_never_echo_their_url(line in "[ -~]{8,80}") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hook");
        std::fs::write(&path, format!("{line}\n")).unwrap();
        if let Err(e) = cleanops::escalation::roles::read_webhook(&path) {
            let msg = format!("{e:#}");
            let trimmed = line.trim();
            prop_assert!(trimmed.len() < 8 || !msg.contains(trimmed), "{msg}");
        }
    }
}
