//! One log line on its own: which of the app's formats it is, its level, message and fields.
//! Pure functions of outside text: they never panic, whatever the bytes.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value};

/// A record's level, in order of severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Debug,
    Info,
    #[value(alias = "warn")]
    Warning,
    Error,
    Critical,
}

impl Level {
    /// Python's level names (and the common aliases), any case: `WARNING`, `warn`, `FATAL`.
    pub fn from_name(name: &str) -> Option<Level> {
        let name = name.trim();
        let is = |s: &str| name.eq_ignore_ascii_case(s);
        if is("debug") || is("trace") {
            Some(Level::Debug)
        } else if is("info") || is("information") {
            Some(Level::Info)
        } else if is("warning") || is("warn") {
            Some(Level::Warning)
        } else if is("error") || is("err") {
            Some(Level::Error)
        } else if is("critical") || is("fatal") || is("crit") || is("emergency") || is("alert") {
            Some(Level::Critical)
        } else {
            None
        }
    }

    /// As Python writes it.
    pub fn label(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }
}

/// Which format a line is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object: the api's records (`{"timestamp","level","message","logger",...}`).
    Json,
    /// `LEVEL:logger:message`: Python's `logging.basicConfig` (the runner).
    Python,
    /// `LEVEL:     message`: uvicorn's own lines (startup, access, `Exception in ASGI application`).
    Uvicorn,
    /// `2026-04-05 20:11:19.123 UTC [1] LOG:  message`: PostgreSQL.
    Postgres,
    /// A line of a Python traceback (set by the reader, which knows where one starts and ends).
    Traceback,
    /// Anything else.
    #[default]
    Plain,
}

/// What one line says on its own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub format: Format,
    pub level: Option<Level>,
    /// The line belongs to the record before it (PostgreSQL's `DETAIL:`, `HINT:`, ...).
    pub continues: bool,
    pub message: Option<String>,
    pub logger: Option<String>,
    /// A JSON record's keys other than its level, message, logger and exception.
    pub fields: Map<String, Value>,
    /// A JSON record's exception: the whole traceback as the app wrote it.
    pub exception: Option<String>,
}

impl Parsed {
    /// The line of a JSON record's exception that names it (`OperationalError: ...`).
    pub fn exception_last_line(&self) -> Option<&str> {
        self.exception.as_deref().and_then(exception_line)
    }

    /// A JSON record's own time, as it wrote it.
    pub fn record_time(&self) -> Option<&str> {
        TIME_KEYS
            .iter()
            .find_map(|k| self.fields.get(*k).and_then(Value::as_str))
    }
}

/// Where JSON records keep each thing; the first key found wins.
const LEVEL_KEYS: [&str; 3] = ["level", "levelname", "severity"];
const MESSAGE_KEYS: [&str; 3] = ["message", "msg", "event"];
const LOGGER_KEYS: [&str; 3] = ["logger", "name", "logger_name"];
const EXCEPTION_KEYS: [&str; 4] = ["exception", "exc_info", "traceback", "stack_trace"];
pub const TIME_KEYS: [&str; 4] = ["timestamp", "time", "asctime", "@timestamp"];

/// What one line says, without looking at the lines around it.
pub fn parse_line(text: &str) -> Parsed {
    if text.trim_start().starts_with('{')
        && let Some(p) = parse_json(text)
    {
        return p;
    }
    if let Some(p) = parse_python(text) {
        return p;
    }
    if text.starts_with(|c: char| c.is_ascii_digit())
        && let Some(p) = parse_postgres(text)
    {
        return p;
    }
    Parsed::default()
}

fn parse_json(text: &str) -> Option<Parsed> {
    let mut fields: Map<String, Value> = serde_json::from_str(text).ok()?;
    let level_value = take(&mut fields, &LEVEL_KEYS, true);
    let level = level_value
        .as_ref()
        .and_then(Value::as_str)
        .and_then(Level::from_name);
    // A level the reader does not know stays among the fields, as written.
    if level.is_none()
        && let Some(v) = level_value
    {
        fields.insert("level".into(), v);
    }
    let message = take(&mut fields, &MESSAGE_KEYS, false).map(as_text);
    let logger = take(&mut fields, &LOGGER_KEYS, true).map(as_text);
    let exception = take(&mut fields, &EXCEPTION_KEYS, true)
        .map(as_text)
        .filter(|e| !e.trim().is_empty());
    Some(Parsed {
        format: Format::Json,
        level,
        continues: false,
        message,
        logger,
        fields,
        exception,
    })
}

/// The first of `keys` the record has (a string, when `strings_only`), taken out of it.
fn take(fields: &mut Map<String, Value>, keys: &[&str], strings_only: bool) -> Option<Value> {
    let key = keys.iter().find(|k| {
        fields
            .get(**k)
            .is_some_and(|v| !strings_only || v.is_string())
    })?;
    fields.remove(*key)
}

fn as_text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// `LEVEL:logger:message` or uvicorn's `LEVEL:` and spaces.
fn parse_python(text: &str) -> Option<Parsed> {
    const NAMES: [&str; 6] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "FATAL"];
    let (name, rest) = text.split_once(':')?;
    if !NAMES.contains(&name) {
        return None;
    }
    let level = Level::from_name(name);
    if rest.starts_with(' ') {
        return Some(Parsed {
            format: Format::Uvicorn,
            level,
            message: Some(rest.trim_start().to_string()),
            ..Parsed::default()
        });
    }
    let (logger, message) = match rest.split_once(':') {
        Some((logger, message)) if !logger.is_empty() && !logger.contains(' ') => {
            (Some(logger.to_string()), message)
        }
        _ => (None, rest),
    };
    Some(Parsed {
        format: Format::Python,
        level,
        message: Some(message.to_string()),
        logger,
        ..Parsed::default()
    })
}

/// PostgreSQL's default `log_line_prefix` (`%m [%p] `), then `SEVERITY:  message`.
fn parse_postgres(text: &str) -> Option<Parsed> {
    static PREFIX: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(
            r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [A-Za-z0-9+:_/-]+ \[\d+\] ([A-Z][A-Z0-9]*):  ",
        )
        .ok()
    });
    let caps = PREFIX.as_ref()?.captures(text)?;
    let severity = caps.get(1)?.as_str();
    let message = text.get(caps.get(0)?.end()..).unwrap_or_default();
    let (level, continues) = match severity {
        "LOG" | "INFO" | "NOTICE" => (Some(Level::Info), false),
        "WARNING" => (Some(Level::Warning), false),
        "ERROR" => (Some(Level::Error), false),
        "FATAL" | "PANIC" => (Some(Level::Critical), false),
        s if s.starts_with("DEBUG") => (Some(Level::Debug), false),
        "DETAIL" | "HINT" | "QUERY" | "CONTEXT" | "LOCATION" | "STATEMENT" => (None, true),
        _ => (None, false),
    };
    Some(Parsed {
        format: Format::Postgres,
        level,
        continues,
        message: Some(message.to_string()),
        ..Parsed::default()
    })
}

/// `Traceback (most recent call last):`, or the header of an exception group's traceback.
pub fn is_traceback_start(text: &str) -> bool {
    let t = text.trim_end();
    t == "Traceback (most recent call last):"
        || t.trim_start() == "+ Exception Group Traceback (most recent call last):"
}

/// The sentences between the tracebacks of a chain of exceptions.
pub fn is_chain_sentence(text: &str) -> bool {
    matches!(
        text.trim(),
        "The above exception was the direct cause of the following exception:"
            | "During handling of the above exception, another exception occurred:"
    )
}

/// Lines that continue an exception's message after its first line: SQLAlchemy's statement,
/// parameters and link, PostgreSQL's position, hint and detail, psycopg's list of attempts.
pub fn is_exception_detail(text: &str) -> bool {
    const STARTS: [&str; 10] = [
        "[SQL: ",
        "[parameters: ",
        "[cached since ",
        "[generated in ",
        "(Background on this error at: ",
        "HINT:  ",
        "DETAIL:  ",
        "CONTEXT:  ",
        "Multiple connection attempts failed",
        "- host: ",
    ];
    if STARTS.iter().any(|s| text.starts_with(s)) {
        return true;
    }
    // `LINE 1: SELECT ...`
    text.strip_prefix("LINE ")
        .and_then(|r| r.split_once(':'))
        .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The exception line of an exception group (`  | ExceptionGroup: msg (2 sub-exceptions)`).
pub fn is_group_exception(text: &str) -> bool {
    text.strip_prefix("  | ")
        .is_some_and(|rest| looks_like_exception(rest) && !rest.starts_with("File "))
}

/// `dotted.Name: message` or a bare `Name`.
pub fn looks_like_exception(text: &str) -> bool {
    let name = text.split(':').next().unwrap_or_default();
    !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// The line of a traceback that names the exception raised: the first line after the frames of
/// its last traceback (`sqlalchemy.exc.OperationalError: (...) connection failed`), not the
/// further lines of its message (`[SQL: ...]`, `(Background on this error at: ...)`). Text
/// that is no traceback: its last line that is not blank.
pub fn exception_line(traceback: &str) -> Option<&str> {
    let mut reader = super::context::Context::default();
    let mut found = None;
    for line in traceback.lines() {
        if reader.read_part(line) == super::context::Part::Exception {
            found = Some(line);
        }
    }
    found
        .or_else(|| traceback.lines().rev().find(|l| !l.trim().is_empty()))
        .map(|l| l.trim_start_matches([' ', '|']).trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The api's error record as the simulator writes it (docs/app-contract.md §13): the quote
    /// is the exception raised, not a line of its SQL or its "Background" link.
    #[cfg(feature = "sim")]
    #[test]
    fn the_simulated_apis_error_record_quotes_its_exception() {
        let record =
            cleanops_sim::python::api_error_record("2026-12-02T10:41:44+00:00", "r", 40_000);
        let p = parse_line(&record);
        assert_eq!(
            p.exception_last_line(),
            Some(
                "sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedFunction) operator does not exist: uuid = character varying"
            )
        );
    }

    #[test]
    fn the_apps_json_records() {
        let p = parse_line(
            r#"{"timestamp": "2026-12-02T10:41:44.215311+00:00", "level": "ERROR", "message": "unhandled_exception", "logger": "app.main", "request_id": "req-1", "path": "/v1/admin/queue/dlq", "role": "admin", "org_id": null, "exception": "Traceback (most recent call last):\n  File \"/app/app/x.py\", line 1, in f\n    g()\nValueError: bad\n"}"#,
        );
        assert_eq!(p.format, Format::Json);
        assert_eq!(p.level, Some(Level::Error));
        assert_eq!(p.message.as_deref(), Some("unhandled_exception"));
        assert_eq!(p.logger.as_deref(), Some("app.main"));
        assert_eq!(p.exception_last_line(), Some("ValueError: bad"));
        assert_eq!(p.record_time(), Some("2026-12-02T10:41:44.215311+00:00"));
        assert_eq!(p.fields["path"], "/v1/admin/queue/dlq");
        assert!(!p.fields.contains_key("exception") && !p.fields.contains_key("message"));
        // Not an object, or not JSON: plain.
        assert_eq!(parse_line("{not json").format, Format::Plain);
        assert_eq!(parse_line("[1, 2]").format, Format::Plain);
        // A level nobody knows stays a field; a message that is not a string is its JSON.
        let p = parse_line(r#"{"level": "NOISY", "message": {"a": 1}}"#);
        assert_eq!(p.level, None);
        assert_eq!(p.fields["level"], "NOISY");
        assert_eq!(p.message.as_deref(), Some(r#"{"a":1}"#));
    }

    #[test]
    fn python_uvicorn_and_postgres_lines() {
        let p = parse_line("WARNING:__main__:job_failed");
        assert_eq!(
            (p.format, p.level, p.logger.as_deref(), p.message.as_deref()),
            (
                Format::Python,
                Some(Level::Warning),
                Some("__main__"),
                Some("job_failed")
            )
        );
        let p = parse_line("INFO:app.jobs.quota_alerts:quota_alerts_run: 3 orgs");
        assert_eq!(p.logger.as_deref(), Some("app.jobs.quota_alerts"));
        assert_eq!(p.message.as_deref(), Some("quota_alerts_run: 3 orgs"));
        let p = parse_line("ERROR:    Exception in ASGI application");
        assert_eq!(
            (p.format, p.level, p.message.as_deref()),
            (
                Format::Uvicorn,
                Some(Level::Error),
                Some("Exception in ASGI application")
            )
        );
        let p = parse_line(r#"INFO:     172.18.0.1:40112 - "GET /healthz HTTP/1.1" 200 OK"#);
        assert_eq!((p.format, p.level), (Format::Uvicorn, Some(Level::Info)));
        assert_eq!(parse_line("Information: none").format, Format::Plain);
        assert_eq!(parse_line("info:lower:case").format, Format::Plain);

        let p = parse_line(
            "2026-04-05 20:11:19.123 UTC [62] FATAL:  password authentication failed for user \"x\"",
        );
        assert_eq!(
            (p.format, p.level),
            (Format::Postgres, Some(Level::Critical))
        );
        let p = parse_line("2026-04-05 20:11:19.123 UTC [62] DETAIL:  Connection matched ...");
        assert!(p.continues && p.level.is_none());
        let p = parse_line("2026-04-05 20:11:19 UTC [1] LOG:  database system is ready");
        assert_eq!(p.level, Some(Level::Info));
        assert_eq!(parse_line("2026-04-05 not postgres").format, Format::Plain);
    }

    #[test]
    fn the_exception_line_of_a_traceback() {
        let sqlalchemy = "Traceback (most recent call last):\n  File \"/opt/venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py\", line 1967, in _exec_single_context\n    self.dialect.do_execute(\npsycopg.errors.UndefinedFunction: operator does not exist: uuid = character varying\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"/app/app/api/routes_admin.py\", line 812, in list_dlq\n    rows = await session.execute(stmt)\nsqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedFunction) operator does not exist: uuid = character varying\nLINE 1: ...WHERE outbox_events.event_id = $1::VARCHAR\n                                          ^\nHINT:  No operator matches the given name and argument types.\n[SQL: SELECT outbox_events.event_id\nFROM outbox_events WHERE outbox_events.event_id = %(id)s::VARCHAR]\n[parameters: {'id': 'x'}]\n(Background on this error at: https://sqlalche.me/e/20/f405)\n";
        assert_eq!(
            exception_line(sqlalchemy),
            Some(
                "sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedFunction) operator does not exist: uuid = character varying"
            )
        );
        assert_eq!(exception_line("ValueError: x\n\n"), Some("ValueError: x"));
        assert_eq!(exception_line(""), None);
        let group = "  + Exception Group Traceback (most recent call last):\n  |   File \"<stdin>\", line 1, in <module>\n  | ExceptionGroup: eg (2 sub-exceptions)\n  +-+---------------- 1 ----------------\n    | ValueError: 1\n    +------------------------------------\n";
        assert_eq!(
            exception_line(group),
            Some("ExceptionGroup: eg (2 sub-exceptions)")
        );
        assert!(is_exception_detail("LINE 12: x") && !is_exception_detail("LINE x: y"));
        assert!(looks_like_exception("sqlalchemy.exc.OperationalError: x"));
        assert!(looks_like_exception("KeyboardInterrupt"));
        assert!(!looks_like_exception("two words: x"));
    }

    #[test]
    fn levels_by_name() {
        assert_eq!(Level::from_name("warn"), Some(Level::Warning));
        assert_eq!(Level::from_name(" CRITICAL "), Some(Level::Critical));
        assert_eq!(Level::from_name("FATAL"), Some(Level::Critical));
        assert_eq!(Level::from_name("loud"), None);
        assert!(Level::Warning < Level::Error);
    }
}
