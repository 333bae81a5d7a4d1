//! What the app image's Python prints: log lines in `logging.basicConfig`'s default format,
//! tracebacks, argparse errors. The simulated runner and the in-container shims print these so
//! that log readers and exit-code checks meet the same text as in production (docs/app-contract.md §6.4,
//! §6.5, §7, §12).
//!
//! Line numbers inside the app's files are plausible, not real: nothing may depend on them.

/// The runner's logger. The code says `logging.getLogger(__name__)`; run as
/// `python -m app.jobs.run` that name is `__main__`, which is what the running upstream prints
/// (docs/app-contract.md §12: `INFO:__main__:job_complete`), not `app.jobs.run` (§6.5).
pub(crate) const RUNNER_LOGGER: &str = "__main__";

/// The version `python --version` reports (the image is `python:3.13.11-slim`).
pub(crate) const PYTHON_VERSION: &str = "Python 3.13.11";

/// `LEVEL:logger:message`, the default format of `logging.basicConfig`.
pub(crate) fn log_line(level: &str, logger: &str, message: &str) -> String {
    format!("{level}:{logger}:{message}")
}

/// The frames every crash of `python -m app.jobs.run` starts with.
const RUNNER_FRAMES: &str = r#"Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "<frozen runpy>", line 88, in _run_code
  File "/app/app/jobs/run.py", line 318, in <module>
    main()
    ~~~~^^
  File "/app/app/jobs/run.py", line 314, in main
    asyncio.run(_run(args))
    ~~~~~~~~~~~^^^^^^^^^^^^
  File "/usr/local/lib/python3.13/asyncio/runners.py", line 195, in run
    return runner.run(main)
           ~~~~~~~~~~^^^^^^
  File "/usr/local/lib/python3.13/asyncio/runners.py", line 118, in run
    return self._loop.run_until_complete(task)
           ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^^^^^^
  File "/usr/local/lib/python3.13/asyncio/base_events.py", line 725, in run_until_complete
    return future.result()
           ~~~~~~~~~~~~~^^
"#;

/// `ValueError("unknown_job:<name>")`, raised at startup while the job list is built.
pub fn unknown_job_traceback(name: &str) -> String {
    format!(
        r#"{RUNNER_FRAMES}  File "/app/app/jobs/run.py", line 271, in _run
    jobs = [_job_runner(name) for name in job_names]
            ~~~~~~~~~~~^^^^^^
  File "/app/app/jobs/run.py", line 236, in _job_runner
    raise ValueError(f"unknown_job:{{name}}")
ValueError: unknown_job:{name}
"#
    )
}

/// Where `DATABASE_URL` points, for the error messages (never its credentials).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbTarget {
    pub host: String,
    pub port: u16,
}

impl DbTarget {
    /// From `DATABASE_URL`; the app's default URL points at `postgres:5432`.
    pub(crate) fn from_env() -> DbTarget {
        DbTarget::parse(std::env::var("DATABASE_URL").ok().as_deref())
    }

    fn parse(url: Option<&str>) -> DbTarget {
        let parsed = url.and_then(|u| url::Url::parse(u).ok());
        let host = parsed
            .as_ref()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "postgres".to_owned());
        let port = parsed.as_ref().and_then(url::Url::port).unwrap_or(5432);
        DbTarget { host, port }
    }

    /// psycopg's message for a server that refuses connections.
    fn connection_failed(&self) -> String {
        format!(
            "connection failed: connection to server at \"{}\", port {} failed: Connection refused",
            self.host, self.port
        )
    }
}

/// psycopg's error and the chained SQLAlchemy one, as a DB outage prints them. `frames` are the
/// caller's frames (the runner's or a one-liner's); the last line is
/// `sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: ...`.
fn operational_error(frames: &str, target: &DbTarget) -> String {
    operational_error_saying(frames, &target.connection_failed())
}

/// The same when the database's host name no longer resolves: the `db` container was stopped,
/// and compose's network forgot the name (docs/app-contract.md §13).
const NAME_NOT_KNOWN: &str = "[Errno -2] Name or service not known";

fn operational_error_saying(frames: &str, failed: &str) -> String {
    format!(
        r#"Traceback (most recent call last):
  File "/usr/local/lib/python3.13/site-packages/sqlalchemy/engine/base.py", line 143, in __init__
    self._dbapi_connection = engine.raw_connection()
                             ~~~~~~~~~~~~~~~~~~~~~^^
  File "/usr/local/lib/python3.13/site-packages/psycopg/connection_async.py", line 135, in connect
    raise last_ex.with_traceback(None)
psycopg.OperationalError: {failed}

The above exception was the direct cause of the following exception:

{frames}  File "/usr/local/lib/python3.13/site-packages/psycopg/connection_async.py", line 135, in connect
    raise last_ex.with_traceback(None)
sqlalchemy.exc.OperationalError: (psycopg.OperationalError) {failed}
"#
    )
}

fn runner_frames() -> String {
    format!(
        r#"{RUNNER_FRAMES}  File "/app/app/jobs/run.py", line 289, in _run
    await _record_job_result(session_factory, name, ok=False, error=exc)
  File "/app/app/jobs/run.py", line 112, in _record_job_result
    await session.execute(stmt)
"#
    )
}

/// The runner dying while it records a result (docs/app-contract.md §6.4).
pub fn runner_db_traceback(target: &DbTarget) -> String {
    operational_error(&runner_frames(), target)
}

/// The runner dying because the database's host is gone (the `db` container stopped).
pub(crate) fn runner_db_gone_traceback() -> String {
    operational_error_saying(&runner_frames(), NAME_NOT_KNOWN)
}

/// The working DB one-liner of docs/app-contract.md §7 failing on `SELECT 1`.
pub(crate) fn one_liner_db_traceback(target: &DbTarget) -> String {
    let frames = r#"Traceback (most recent call last):
  File "<string>", line 1, in <module>
  File "/usr/local/lib/python3.13/asyncio/runners.py", line 195, in run
    return runner.run(main)
           ~~~~~~~~~~^^^^^^
  File "<string>", line 1, in check
  File "/usr/local/lib/python3.13/site-packages/sqlalchemy/ext/asyncio/session.py", line 463, in execute
    result = await greenlet_spawn(
"#;
    operational_error(frames, target)
}

/// `from app.db import ...`: the module does not exist (docs/app-contract.md §7).
pub(crate) fn module_not_found(module: &str) -> String {
    format!(
        r#"Traceback (most recent call last):
  File "<string>", line 1, in <module>
ModuleNotFoundError: No module named '{module}'
"#
    )
}

/// argparse's usage line of `app/jobs/run.py`.
pub(crate) const RUNNER_USAGE: &str =
    "usage: run.py [-h] [--job JOB] [--interval INTERVAL] [--base-url BASE_URL] [--once]";

/// `run.py --help`.
pub(crate) fn runner_help() -> String {
    format!(
        "{RUNNER_USAGE}\n\noptions:\n  -h, --help           show this help message and exit\n  --job JOB\n  --interval INTERVAL\n  --base-url BASE_URL\n  --once\n"
    )
}

/// argparse's error: usage, then `run.py: error: ...`, on stderr with exit code 2.
pub(crate) fn runner_usage_error(message: &str) -> String {
    format!("{RUNNER_USAGE}\nrun.py: error: {message}\n")
}

/// The exception of the api's DLQ listing on PostgreSQL (docs/app-contract.md §13: every DLQ 500): the
/// uuid/varchar mismatch, chained from psycopg's error, as SQLAlchemy prints it (its message
/// goes on after the exception line: position, hint, statement, link). `frames` are the
/// request's frames through the middleware stack.
fn dlq_listing_traceback(frames: &str) -> String {
    let undefined = "operator does not exist: uuid = character varying";
    format!(
        r#"Traceback (most recent call last):
  File "/opt/venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 1967, in _exec_single_context
    self.dialect.do_execute(
  File "/opt/venv/lib/python3.11/site-packages/psycopg/cursor_async.py", line 97, in execute
    raise ex.with_traceback(None)
psycopg.errors.UndefinedFunction: {undefined}
LINE 1: ...s.event_id FROM outbox_events WHERE outbox_events.org_id = $1::VARCHAR
                                                                     ^
HINT:  No operator matches the given name and argument types. You might need to add explicit type casts.

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
{frames}  File "/app/app/api/routes_admin.py", line 812, in list_dead_letter
    rows = (await session.execute(stmt)).scalars().all()
  File "/opt/venv/lib/python3.11/site-packages/sqlalchemy/engine/default.py", line 941, in do_execute
    cursor.execute(statement, parameters)
sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedFunction) {undefined}
LINE 1: ...s.event_id FROM outbox_events WHERE outbox_events.org_id = $1::VARCHAR
                                                                     ^
HINT:  No operator matches the given name and argument types. You might need to add explicit type casts.
[SQL: SELECT outbox_events.event_id
FROM outbox_events
WHERE outbox_events.org_id = %(org_id_1)s::VARCHAR AND outbox_events.status = %(status_1)s::VARCHAR]
[parameters: {{'org_id_1': '00000000-0000-0000-0000-000000000001', 'status_1': 'dead'}}]
(Background on this error at: https://sqlalche.me/e/20/f405)
"#
    )
}

/// The exception line of [`dlq_listing_traceback`].
#[cfg(test)]
pub(crate) const DLQ_LISTING_EXCEPTION: &str = "sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedFunction) operator does not exist: uuid = character varying";

/// Frames through the app's middleware stack, repeated until they are `min_bytes` long.
fn middleware_frames(min_bytes: usize) -> String {
    const LAYERS: [(&str, u32, &str, &str); 4] = [
        (
            "starlette/middleware/base.py",
            108,
            "__call__",
            "response = await self.dispatch_func(request, call_next)",
        ),
        (
            "app/api/middleware.py",
            64,
            "dispatch",
            "return await call_next(request)",
        ),
        (
            "starlette/middleware/exceptions.py",
            62,
            "__call__",
            "await wrap_app_handling_exceptions(self.app, conn)(scope, receive, send)",
        ),
        (
            "starlette/routing.py",
            714,
            "__call__",
            "await self.middleware_stack(scope, receive, send)",
        ),
    ];
    let mut out = String::new();
    let mut i = 0;
    while out.len() < min_bytes {
        let (file, line, func, code) = LAYERS[i % LAYERS.len()];
        out.push_str(&format!(
            "  File \"/opt/venv/lib/python3.11/site-packages/{file}\", line {line}, in {func}\n    {code}\n"
        ));
        i += 1;
    }
    out
}

/// The api's JSON record of an unhandled error in a request (`RedactingJsonFormatter`): the
/// whole traceback in `exception`, its frames padded so the line is at least `min_bytes` long
/// (docs/app-contract.md §13: lines of 20-40 KB are common). In the app's key order, with the separators
/// of Python's `json.dumps`.
pub fn api_error_record(timestamp: &str, request_id: &str, min_bytes: usize) -> String {
    let exception = dlq_listing_traceback(&middleware_frames(min_bytes));
    let fields = [
        ("timestamp", serde_json::json!(timestamp)),
        ("level", serde_json::json!("ERROR")),
        ("message", serde_json::json!("unhandled_exception")),
        ("logger", serde_json::json!("app.main")),
        ("request_id", serde_json::json!(request_id)),
        ("method", serde_json::json!("GET")),
        ("path", serde_json::json!("/v1/admin/queue/dlq")),
        ("role", serde_json::json!("admin")),
        (
            "org_id",
            serde_json::json!("00000000-0000-0000-0000-000000000001"),
        ),
        ("exception", serde_json::json!(exception)),
    ];
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("\"{k}\": {v}"))
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// The api's JSON record of a request that went well.
pub(crate) fn api_request_record(timestamp: &str, request_id: &str) -> String {
    format!(
        r#"{{"timestamp": "{timestamp}", "level": "INFO", "message": "request", "logger": "app.request", "request_id": "{request_id}", "method": "GET", "path": "/healthz", "status_code": 200, "latency_ms": 0.9}}"#
    )
}

/// Uvicorn's own report of the same error, plain text on stderr.
pub(crate) fn uvicorn_asgi_error() -> String {
    format!(
        "ERROR:    Exception in ASGI application\n{}",
        dlq_listing_traceback(&middleware_frames(1))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_target_comes_from_the_url_without_credentials() {
        let t = DbTarget::parse(Some("postgresql+psycopg://app:s3cret@db:6543/cleaning"));
        assert_eq!(
            t,
            DbTarget {
                host: "db".into(),
                port: 6543
            }
        );
        assert!(!operational_error("", &t).contains("s3cret"));
        assert_eq!(DbTarget::parse(None).host, "postgres");
        assert_eq!(DbTarget::parse(Some("not a url")).port, 5432);
    }

    #[test]
    fn tracebacks_end_with_the_exception() {
        let t = DbTarget::parse(None);
        for text in [runner_db_traceback(&t), one_liner_db_traceback(&t)] {
            assert!(text.starts_with("Traceback (most recent call last):\n"));
            let last = text.lines().last().unwrap_or_default();
            assert!(
                last.starts_with(
                    "sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: "
                ),
                "{last}"
            );
        }
        let text = unknown_job_traceback("storage_janitor");
        assert_eq!(
            text.lines().last(),
            Some("ValueError: unknown_job:storage_janitor")
        );
    }

    #[test]
    fn the_apis_error_record_is_one_long_json_line() {
        let r = api_error_record("2026-12-02T10:41:44.215311+00:00", "req-1", 40_000);
        assert!(r.len() >= 40_000 && !r.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&r).unwrap();
        let exception = v["exception"].as_str().unwrap();
        assert!(exception.contains("/opt/venv/lib/python3.11/"));
        // The exception raised: the first line after the frames of the last traceback (a chained
        // one has two); the further lines of its message follow it.
        let last = exception
            .rfind("Traceback (most recent call last):")
            .unwrap();
        let raised = exception[last..]
            .lines()
            .skip(1)
            .find(|l| !l.starts_with(' '));
        assert_eq!(raised, Some(DLQ_LISTING_EXCEPTION));
        assert!(uvicorn_asgi_error().contains(DLQ_LISTING_EXCEPTION));
    }
}
