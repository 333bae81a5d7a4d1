//! What the app image's Python prints: log lines in `logging.basicConfig`'s default format,
//! tracebacks, argparse errors. The simulated runner and the in-container shims print these so
//! that log readers and exit-code checks meet the same text as in production (contract §6.4,
//! §6.5, §7, §12).
//!
//! Line numbers inside the app's files are plausible, not real: nothing may depend on them.

/// The runner's logger. The code says `logging.getLogger(__name__)`; run as
/// `python -m app.jobs.run` that name is `__main__`, which is what the running upstream prints
/// (contract §12: `INFO:__main__:job_complete`), not `app.jobs.run` (§6.5).
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
pub(crate) fn unknown_job_traceback(name: &str) -> String {
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
pub(crate) struct DbTarget {
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
/// and compose's network forgot the name (contract §13).
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

/// The runner dying while it records a result (contract §6.4).
pub(crate) fn runner_db_traceback(target: &DbTarget) -> String {
    operational_error(&runner_frames(), target)
}

/// The runner dying because the database's host is gone (the `db` container stopped).
pub(crate) fn runner_db_gone_traceback() -> String {
    operational_error_saying(&runner_frames(), NAME_NOT_KNOWN)
}

/// The working DB one-liner of contract §7 failing on `SELECT 1`.
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

/// `from app.db import ...`: the module does not exist (contract §7).
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
}
