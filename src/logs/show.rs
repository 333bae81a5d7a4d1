//! Entries as a person reads them, or as JSON for a script.
//!
//! Text: a JSON record as `TIME LEVEL message key=value ...` and, when it carries an exception,
//! `  └ ` and the exception's line under it (`--full`: every field and the whole traceback,
//! `  │ `-indented); a traceback as its first line and its exception's (`--full`: the lines as
//! stored, since the grouper then hands on every line); any other line as stored. What the
//! records say is always shown with control characters escaped (a decoded JSON string may hold
//! any); lines shown as stored are escaped on a terminal, unless `--raw`.

use std::io::{self, Write};

use colored::Colorize;
use serde_json::{Value, json};

use super::context::{Classified, Part};
use super::group::{Entry, TracebackSummary};
use super::parse::{Format, Level, TIME_KEYS};
use crate::clock;
use crate::docker::logs::LogLine;
use crate::render::shown_max;

/// A field's value, shown at most this long (whole with `--full`).
const FIELD_MAX: usize = 200;
/// A message or an exception line, shown at most this long (whole with `--full`).
const TEXT_MAX: usize = 2000;
/// A record's own time.
const TIME_MAX: usize = 64;
/// The fields that matter most, first, in this order; the rest follow by name.
const KEY_FIELDS: [&str; 7] = [
    "request_id",
    "method",
    "path",
    "status_code",
    "latency_ms",
    "role",
    "org_id",
];
/// Fields shown only with `--full`.
const QUIET_FIELDS: [&str; 2] = ["trace_id", "span_id"];

/// How to show entries as text.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// The engine's time first on each line (`--timestamps`).
    pub timestamps: bool,
    /// Every field, whole tracebacks (`--full`).
    pub full: bool,
    /// As stored: no reformatting (`--raw`).
    pub raw: bool,
    /// Lines shown as stored get their control characters escaped (on a terminal).
    pub escape: bool,
    /// Levels and exceptions in colour (`--color`).
    pub color: bool,
}

/// One entry as text: one line, or a few (a record and its exception). `prefix` goes before
/// each (the service, padded, and ` | `), then the engine's time with `--timestamps`.
pub fn write_text(
    out: &mut impl Write,
    prefix: &str,
    entry: &Entry,
    style: &Style,
) -> io::Result<()> {
    match entry {
        Entry::Line(line, c) if !style.raw && c.parsed.format == Format::Json => {
            record(out, prefix, line, c, style)
        }
        Entry::Line(line, _) => {
            start(out, prefix, line.ts, style)?;
            if style.escape {
                // Escaped, never cut: a log line may be long and still be the one to read.
                writeln!(out, "{}", shown_max(&line.text, usize::MAX))
            } else {
                writeln!(out, "{}", line.text)
            }
        }
        Entry::Traceback(t) => traceback(out, prefix, t, style),
    }
}

fn start(
    out: &mut impl Write,
    prefix: &str,
    ts: Option<time::OffsetDateTime>,
    style: &Style,
) -> io::Result<()> {
    out.write_all(prefix.as_bytes())?;
    if style.timestamps
        && let Some(ts) = ts
    {
        write!(out, "{} ", clock::rfc3339_nanos(ts))?;
    }
    Ok(())
}

fn cap(style: &Style, max: usize) -> usize {
    if style.full { usize::MAX } else { max }
}

fn level_shown(level: Level, style: &Style) -> String {
    match level {
        Level::Error | Level::Critical if style.color => level.label().red().bold().to_string(),
        Level::Warning if style.color => level.label().yellow().to_string(),
        _ => level.label().to_string(),
    }
}

fn red(text: &str, style: &Style) -> String {
    if style.color {
        text.red().to_string()
    } else {
        text.to_string()
    }
}

fn dim(text: &str, style: &Style) -> String {
    if style.color {
        text.dimmed().to_string()
    } else {
        text.to_string()
    }
}

fn record(
    out: &mut impl Write,
    prefix: &str,
    line: &LogLine,
    c: &Classified,
    style: &Style,
) -> io::Result<()> {
    let p = &c.parsed;
    start(out, prefix, line.ts, style)?;
    let mut parts: Vec<String> = Vec::new();
    let time_key = TIME_KEYS
        .iter()
        .find(|k| p.fields.get(**k).is_some_and(Value::is_string));
    if !style.timestamps
        && let Some(t) = p.record_time()
    {
        parts.push(shown_max(t, TIME_MAX).into_owned());
    }
    if let Some(level) = p.level {
        parts.push(level_shown(level, style));
    }
    if let Some(m) = &p.message {
        parts.push(shown_max(m, cap(style, TEXT_MAX)).into_owned());
    }
    let mut keys: Vec<&String> = p
        .fields
        .keys()
        // The record's time is shown first, unless the engine's is (then only --full shows it).
        .filter(|k| Some(&k.as_str()) != time_key || (style.timestamps && style.full))
        .filter(|k| style.full || !QUIET_FIELDS.contains(&k.as_str()))
        .collect();
    keys.sort_by_key(|k| {
        (
            KEY_FIELDS
                .iter()
                .position(|f| f == k)
                .unwrap_or(KEY_FIELDS.len()),
            k.as_str(),
        )
    });
    for k in keys {
        let v = value_text(&p.fields[k]);
        parts.push(format!(
            "{}={}",
            shown_max(k, FIELD_MAX),
            shown_max(&v, cap(style, FIELD_MAX))
        ));
    }
    if style.full
        && let Some(l) = &p.logger
    {
        parts.push(format!(
            "logger={}",
            shown_max(&value_text(&json!(l)), usize::MAX)
        ));
    }
    writeln!(out, "{}", parts.join(" "))?;
    let Some(exception) = &p.exception else {
        return Ok(());
    };
    if style.full {
        for l in exception.lines() {
            writeln!(out, "{prefix}  │ {}", shown_max(l, usize::MAX))?;
        }
        return Ok(());
    }
    let last = p.exception_last_line().unwrap_or_default();
    writeln!(
        out,
        "{prefix}  └ {}  {}",
        red(&shown_max(last, TEXT_MAX), style),
        dim(
            &format!(
                "(traceback of {} lines: --full shows it)",
                exception.lines().count()
            ),
            style
        )
    )
}

fn traceback(
    out: &mut impl Write,
    prefix: &str,
    t: &TracebackSummary,
    style: &Style,
) -> io::Result<()> {
    start(out, prefix, t.ts, style)?;
    writeln!(
        out,
        "Traceback (most recent call last): {}",
        dim(&format!("… {} lines (--full shows them)", t.lines), style)
    )?;
    match &t.exception {
        Some(e) => writeln!(out, "{prefix}  └ {}", red(&shown_max(e, TEXT_MAX), style)),
        None => writeln!(out, "{prefix}  └ {}", dim("(no exception line yet)", style)),
    }
}

/// A value as `key=value` shows it: a string bare unless it has spaces, quotes or `=`.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s)
            if !s.is_empty()
                && !s.contains(|c: char| c.is_whitespace() || c == '"' || c == '=') =>
        {
            s.clone()
        }
        other => other.to_string(),
    }
}

/// One entry as a JSON object: the line as stored (`text`) and what it says.
pub fn json_entry(service: &str, entry: &Entry) -> Value {
    match entry {
        Entry::Line(line, c) => {
            let p = &c.parsed;
            let exception = match (p.format, c.part) {
                (Format::Json, _) => p.exception_last_line(),
                (_, Part::Exception) => Some(line.text.trim_start_matches([' ', '|']).trim_end()),
                _ => None,
            };
            json!({
                "service": service,
                "time": line.ts.map(clock::rfc3339_nanos),
                "stream": if line.stderr { "stderr" } else { "stdout" },
                "text": line.text,
                "format": p.format,
                "level": c.level,
                "message": p.message,
                "logger": p.logger,
                "fields": (p.format == Format::Json).then_some(&p.fields),
                "exception_last_line": exception,
            })
        }
        Entry::Traceback(t) => json!({
            "service": service,
            "time": t.ts.map(clock::rfc3339_nanos),
            "stream": if t.stderr { "stderr" } else { "stdout" },
            "format": Format::Traceback,
            "level": Level::Error,
            "lines": t.lines,
            "exception_last_line": t.exception,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::group::{Grouper, Reading};

    fn show(text: &str, style: Style) -> String {
        let mut g = Grouper::new(Reading {
            classify: true,
            summarize: !style.full && !style.raw,
        });
        let mut entries = Vec::new();
        for t in text.lines() {
            g.push(
                LogLine {
                    ts: Some(time::macros::datetime!(2026-12-02 10:41:44.215311051 UTC)),
                    stderr: true,
                    text: t.to_string(),
                },
                &mut entries,
            );
        }
        g.flush(&mut entries);
        let mut out = Vec::new();
        for e in &entries {
            write_text(&mut out, "api | ", e, &style).unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    const RECORD: &str = r#"{"timestamp": "2026-12-02T10:41:44.215311+00:00", "level": "ERROR", "message": "unhandled_exception", "logger": "app.main", "trace_id": "abc", "org_id": "0f0e", "path": "/v1/admin/queue/dlq", "request_id": "req-1", "role": "admin", "note": "two words", "exception": "Traceback (most recent call last):\n  File \"/app/app/x.py\", line 1, in f\n    g()\nValueError: bad \u001b[2J\n"}"#;

    #[test]
    fn a_record_is_time_level_message_and_its_key_fields() {
        let shown = show(RECORD, Style::default());
        assert_eq!(
            shown,
            "api | 2026-12-02T10:41:44.215311+00:00 ERROR unhandled_exception request_id=req-1 path=/v1/admin/queue/dlq role=admin org_id=0f0e note=\"two words\"\n\
             api |   └ ValueError: bad \\u{1b}[2J  (traceback of 4 lines: --full shows it)\n"
        );
        let full = show(
            RECORD,
            Style {
                full: true,
                timestamps: true,
                ..Style::default()
            },
        );
        assert!(
            full.starts_with(
                "api | 2026-12-02T10:41:44.215311051Z ERROR unhandled_exception request_id=req-1"
            ),
            "{full}"
        );
        assert!(
            full.contains("trace_id=abc")
                && full.contains("logger=app.main")
                && full.contains("timestamp=2026-12-02T10:41:44.215311+00:00"),
            "{full}"
        );
        assert!(
            full.contains("api |   │   File \"/app/app/x.py\", line 1, in f\n"),
            "{full}"
        );
        // --raw: as stored.
        let raw = show(
            RECORD,
            Style {
                raw: true,
                ..Style::default()
            },
        );
        assert_eq!(raw, format!("api | {RECORD}\n"));
    }

    #[test]
    fn a_traceback_is_its_first_line_and_its_exception() {
        let text = crate::logs::context::tests::CRASH;
        let shown = show(text, Style::default());
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[0], "api | WARNING:__main__:job_failed");
        assert_eq!(
            lines[1],
            "api | Traceback (most recent call last): … 13 lines (--full shows them)"
        );
        assert!(lines[2].starts_with("api |   └ sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed"), "{shown}");
        assert_eq!(lines[3], "api | INFO:__main__:job_complete");
        assert_eq!(lines.len(), 6, "{shown}");
        // --full: every line as stored.
        let full = show(
            text,
            Style {
                full: true,
                ..Style::default()
            },
        );
        assert_eq!(full.lines().count(), text.lines().count());
    }

    #[test]
    fn json_keeps_the_line_and_adds_what_it_says() {
        let mut g = Grouper::new(Reading {
            classify: true,
            summarize: false,
        });
        let mut entries = Vec::new();
        for t in [
            RECORD,
            "Traceback (most recent call last):",
            "  File \"x\"",
            "KeyError: 'a'",
        ] {
            g.push(
                LogLine {
                    ts: None,
                    stderr: false,
                    text: t.to_string(),
                },
                &mut entries,
            );
        }
        let docs: Vec<Value> = entries.iter().map(|e| json_entry("api", e)).collect();
        assert_eq!(docs[0]["text"], RECORD);
        assert_eq!(docs[0]["format"], "json");
        assert_eq!(docs[0]["level"], "error");
        assert_eq!(docs[0]["exception_last_line"], "ValueError: bad \u{1b}[2J");
        assert_eq!(docs[0]["fields"]["path"], "/v1/admin/queue/dlq");
        assert!(docs[0]["fields"].get("exception").is_none());
        assert_eq!(docs[1]["format"], "traceback");
        assert_eq!(docs[1]["exception_last_line"], Value::Null);
        assert_eq!(docs[3]["exception_last_line"], "KeyError: 'a'");
        assert_eq!(docs[3]["level"], "error");
    }
}
