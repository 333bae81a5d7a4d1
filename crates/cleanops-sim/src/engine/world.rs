//! CleanWithSnapshot under docker compose, as the engine sees it (docs/app-contract.md §6, §7, §8): the
//! project's `api`, `jobs` and `db` containers with their compose labels, commands and
//! environment; the jobs runner's log lines (plain `LEVEL:logger:message` on stderr, no job
//! names, a traceback when the database goes away); the services' startup lines; and scripted
//! answers to the commands cleanops execs (`python -c` with the `app.infra.db` check,
//! `python -m app.jobs.run --once`, `pg_isready`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::super::clock::python_iso;
use super::super::python::{self, DbTarget, PYTHON_VERSION, RUNNER_LOGGER};
use super::wire::sha256_hex;
use super::{ExecHandler, ExecOutput, FakeContainer, FakeLogLine, FakeState};
use crate::app::{DEFAULT_JOBS, EXTRA_JOBS};

/// The compose CLI that created the containers.
const COMPOSE_VERSION: &str = "2.24.5";
/// The sleep between two loops (`--interval 60` in the compose file).
const RUNNER_INTERVAL: i64 = 60;
/// The upstream job that fails on every run (docs/app-contract.md §12: a `NameError`).
const ALWAYS_FAILING_JOB: &str = "storage-quota-reconcile";

fn ms(n: i64) -> Duration {
    Duration::milliseconds(n)
}

/// Where the jobs and api containers reach the database (the root compose's service `db`).
fn db_target() -> DbTarget {
    DbTarget {
        host: "db".into(),
        port: 5432,
    }
}

/// A compose project's `api`, `jobs` and `db` (in that order), running for a couple of hours
/// with `now`'s logs behind them: names `{project}-{service}-1` as compose v2 names them, ids
/// derived from project and service (the same every time), the compose labels, the commands
/// of docs/app-contract.md §8.2, the app's environment (with a fake secret or two, for masking checks),
/// healthchecks on api and db, and [`app_exec`] / [`db_exec`] answering execs with the
/// database up. The runner's loops show `storage-quota-reconcile` failing, as upstream does.
pub fn compose_project(project: &str, now: OffsetDateTime) -> Vec<FakeContainer> {
    // Brought up together a while ago; the database first (the others wait for its health).
    let up = now - Duration::hours(2) - Duration::minutes(13) - ms(7_481);
    let db_started = up;
    let app_started = up + ms(6_210);
    let working_dir = format!("/opt/{project}");
    let base = |service: &str, image: &str, path: &str, args: &[&str], started: OffsetDateTime| {
        let id = sha256_hex(&format!("cleanops-fake-engine/{project}/{service}/1"));
        let mut labels = BTreeMap::new();
        for (k, v) in [
            (
                "com.docker.compose.config-hash",
                sha256_hex(&format!("{project}/{service}/config")),
            ),
            (
                "com.docker.compose.image",
                format!("sha256:{}", sha256_hex(image)),
            ),
            (
                "com.docker.compose.project.working_dir",
                working_dir.clone(),
            ),
            (
                "com.docker.compose.project.config_files",
                format!("{working_dir}/docker-compose.yml"),
            ),
            ("com.docker.compose.version", COMPOSE_VERSION.to_string()),
        ] {
            labels.insert(k.to_string(), v);
        }
        FakeContainer {
            hostname: id.chars().take(12).collect(),
            id,
            name: format!("{project}-{service}-1"),
            project: project.to_string(),
            service: service.to_string(),
            number: 1,
            labels,
            image: image.to_string(),
            path: path.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
            tty: false,
            created_at: started - ms(1_304),
            state: FakeState::Running {
                started_at: started,
            },
            restart_count: 0,
            health: None,
            logs: Vec::new(),
            exec: None,
            on_start: None,
        }
    };

    let app_env = |service: &str| -> Vec<String> {
        [
            "PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG=C.UTF-8",
            "PYTHON_VERSION=3.13.11",
            "PYTHONUNBUFFERED=1",
            "APP_ENV=prod",
            "DATABASE_URL=postgresql+psycopg://cleaning:sim-db-password@db:5432/cleaning",
            "REDIS_URL=redis://redis:6379/0",
            "JOBS_ENABLED=true",
            "JOB_HEARTBEAT_REQUIRED=true",
            "JOB_HEARTBEAT_TTL_SECONDS=180",
            "AUTH_SECRET_KEY=sim-auth-secret-3f9c2a1b",
            "CLIENT_PORTAL_SECRET=sim-client-portal-secret",
            "WORKER_PORTAL_SECRET=sim-worker-portal-secret",
            "ADMIN_PROXY_AUTH_SECRET=sim-admin-proxy-secret",
            "PUBLIC_BASE_URL=https://api.panidobro.com",
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://tempo:4317",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            format!("APP_NAME={service}"),
            format!("OTEL_SERVICE_NAME={service}"),
            "DEPLOYMENT_ENV=production".to_string(),
        ])
        .collect()
    };

    let mut api = base(
        "api",
        "cleanwithsnapshot-api:ci",
        "uvicorn",
        &["app.main:app", "--host", "0.0.0.0", "--port", "8000"],
        app_started + ms(143),
    );
    api.env = app_env("api");
    api.labels.insert("promtail".into(), "true".into());
    api.labels.insert("service".into(), "api".into());
    api.labels.insert(
        "com.docker.compose.depends_on".into(),
        "db:service_healthy:false".into(),
    );
    api.health = Some("healthy".into());
    api.logs = api_history(app_started + ms(143), now);
    api.exec = Some(app_exec(true));

    let mut jobs = base(
        "jobs",
        &format!("{project}-jobs"),
        "python",
        &["-m", "app.jobs.run", "--interval", "60"],
        app_started,
    );
    jobs.env = app_env("jobs");
    jobs.labels.insert("promtail".into(), "true".into());
    jobs.labels.insert("service".into(), "jobs".into());
    jobs.labels.insert(
        "com.docker.compose.depends_on".into(),
        "db:service_healthy:false,redis:service_healthy:false".into(),
    );
    jobs.logs = runner_history(app_started, now, &[ALWAYS_FAILING_JOB]);
    jobs.exec = Some(app_exec(true));

    let mut db = base(
        "db",
        "postgres:16",
        "docker-entrypoint.sh",
        &[
            "postgres",
            "-c",
            "shared_preload_libraries=pg_stat_statements",
            "-c",
            "wal_level=replica",
            "-c",
            "archive_mode=on",
            "-c",
            "archive_command=test ! -f /wal_archive/%f && cp %p /wal_archive/%f",
        ],
        db_started,
    );
    db.env = [
        "POSTGRES_DB=cleaning",
        "POSTGRES_USER=cleaning",
        "POSTGRES_PASSWORD=sim-db-password",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/16/bin",
        "GOSU_VERSION=1.17",
        "LANG=en_US.utf8",
        "PG_MAJOR=16",
        "PG_VERSION=16.4-1.pgdg120+2",
        "PGDATA=/var/lib/postgresql/data",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    db.health = Some("healthy".into());
    db.logs = db_history(db_started, now);
    db.exec = Some(db_exec(true));

    vec![api, jobs, db]
}

/// `LEVEL:logger:message` on stderr, as `logging.basicConfig` prints it.
fn py(at: OffsetDateTime, level: &str, logger: &str, message: &str) -> FakeLogLine {
    FakeLogLine::stderr(at, python::log_line(level, logger, message))
}

/// One loop of `python -m app.jobs.run` starting at `start`: the 23 default jobs in order, a
/// `job_complete` (INFO) or, for the names in `failed_jobs`, a `job_failed` (WARNING) each,
/// about 200 ms apart, and the httpx line of `gcal-sync`'s token request. As upstream prints
/// them: on stderr, logger `__main__` (the module runs as `__main__`; docs/app-contract.md §12), and no
/// job name in any line.
pub fn runner_loop_lines(start: OffsetDateTime, failed_jobs: &[&str]) -> Vec<FakeLogLine> {
    let mut at = start;
    let mut out = Vec::with_capacity(DEFAULT_JOBS.len() + 1);
    for (i, job) in DEFAULT_JOBS.iter().enumerate() {
        // 120..=209 ms a job, the same every loop.
        at += ms(120 + (i as i64 * 37) % 90);
        if *job == "gcal-sync" {
            out.push(py(
                at - ms(40),
                "INFO",
                "httpx",
                "HTTP Request: POST https://oauth2.googleapis.com/token \"HTTP/1.1 200 OK\"",
            ));
        }
        out.push(if failed_jobs.contains(job) {
            py(at, "WARNING", RUNNER_LOGGER, "job_failed")
        } else {
            py(at, "INFO", RUNNER_LOGGER, "job_complete")
        });
    }
    out
}

/// How long one loop of [`runner_loop_lines`] takes.
fn loop_span() -> Duration {
    (0..DEFAULT_JOBS.len() as i64)
        .map(|i| ms(120 + (i * 37) % 90))
        .fold(Duration::ZERO, |a, b| a + b)
}

/// The runner's loops from `start` until `until`, every loop followed by the 60 s sleep.
fn runner_history(
    start: OffsetDateTime,
    until: OffsetDateTime,
    failed_jobs: &[&str],
) -> Vec<FakeLogLine> {
    let period = loop_span() + Duration::seconds(RUNNER_INTERVAL);
    let mut out = Vec::new();
    let mut at = start;
    while at + loop_span() <= until {
        out.extend(runner_loop_lines(at, failed_jobs));
        at += period;
    }
    out
}

/// The runner dying because the database went away (docs/app-contract.md §6.4): the job that met the
/// outage logs `job_failed`, then recording that failure raises and the process ends with a
/// traceback whose last line is `sqlalchemy.exc.OperationalError: (psycopg.OperationalError)
/// connection failed: ...`. All on stderr, one line each, a microsecond apart.
pub fn crash_traceback(at: OffsetDateTime) -> Vec<FakeLogLine> {
    let mut out = vec![py(at, "WARNING", RUNNER_LOGGER, "job_failed")];
    let text = python::runner_db_traceback(&db_target());
    for (i, line) in text.lines().enumerate() {
        out.push(FakeLogLine::stderr(
            at + ms(3) + Duration::microseconds(i as i64),
            line,
        ));
    }
    out
}

/// The runner started by its restart policy while the `db` container is stopped: its first
/// database call fails to resolve the host, and it dies (exit 1) with this traceback.
pub fn crash_traceback_db_gone(at: OffsetDateTime) -> Vec<FakeLogLine> {
    let mut out = vec![py(at, "WARNING", RUNNER_LOGGER, "job_failed")];
    for (i, line) in python::runner_db_gone_traceback().lines().enumerate() {
        out.push(FakeLogLine::stderr(
            at + ms(3) + Duration::microseconds(i as i64),
            line,
        ));
    }
    out
}

/// uvicorn's startup, on stderr.
fn uvicorn_startup(at: OffsetDateTime) -> Vec<FakeLogLine> {
    [
        (0, "INFO:     Started server process [1]"),
        (2, "INFO:     Waiting for application startup."),
        (611, "INFO:     Application startup complete."),
        (
            612,
            "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
        ),
    ]
    .into_iter()
    .map(|(d, text)| FakeLogLine::stderr(at + ms(d), text))
    .collect()
}

/// The API's JSON request line (`RedactingJsonFormatter`), for the healthcheck's GET.
fn api_request_line(at: OffsetDateTime, n: u64) -> FakeLogLine {
    let fields = [
        ("timestamp", json!(python_iso(at))),
        ("level", json!("INFO")),
        ("message", json!("request")),
        ("logger", json!("app.request")),
        (
            "trace_id",
            json!(format!("{:032x}", u128::from(n) * 0x9e37_79b9_7f4a_7c15)),
        ),
        (
            "span_id",
            json!(format!("{:016x}", n.wrapping_mul(0x2545_f491_4f6c_dd1d))),
        ),
        ("request_id", json!(format!("req-{n:08x}"))),
        ("method", json!("GET")),
        ("path", json!("/healthz")),
        ("status_code", json!(200)),
        ("latency_ms", json!(0.8 + (n % 7) as f64 / 10.0)),
    ];
    // In the app's key order, with Python's json.dumps separators.
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("\"{k}\": {v}"))
        .collect();
    FakeLogLine::stdout(at, format!("{{{}}}", body.join(", ")))
}

fn api_history(start: OffsetDateTime, until: OffsetDateTime) -> Vec<FakeLogLine> {
    let mut out = uvicorn_startup(start);
    let mut at = start + Duration::seconds(20);
    let mut n = 0u64;
    while at <= until {
        n += 1;
        out.push(api_request_line(at, n));
        at += Duration::seconds(30);
    }
    out
}

/// PostgreSQL's log prefix: `2026-04-05 20:11:19.123 UTC [1] `.
fn pg(at: OffsetDateTime, pid: u32, text: &str) -> FakeLogLine {
    let t = at.to_offset(time::UtcOffset::UTC);
    FakeLogLine::stderr(
        at,
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03} UTC [{pid}] {text}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
    )
}

fn postgres_startup(at: OffsetDateTime) -> Vec<FakeLogLine> {
    vec![
        pg(
            at,
            1,
            "LOG:  starting PostgreSQL 16.4 (Debian 16.4-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit",
        ),
        pg(
            at + ms(1),
            1,
            "LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
        ),
        pg(
            at + ms(1),
            1,
            "LOG:  listening on IPv6 address \"::\", port 5432",
        ),
        pg(
            at + ms(5),
            1,
            "LOG:  listening on Unix socket \"/var/run/postgresql/.s.PGSQL.5432\"",
        ),
        pg(
            at + ms(12),
            29,
            "LOG:  database system was shut down at 2026-04-05 15:02:41 UTC",
        ),
        pg(
            at + ms(21),
            1,
            "LOG:  database system is ready to accept connections",
        ),
    ]
}

fn db_history(start: OffsetDateTime, until: OffsetDateTime) -> Vec<FakeLogLine> {
    let mut out = postgres_startup(start);
    let mut at = start + Duration::minutes(5);
    while at + Duration::seconds(3) <= until {
        out.push(pg(at, 27, "LOG:  checkpoint starting: time"));
        out.push(pg(
            at + ms(2_714),
            27,
            "LOG:  checkpoint complete: wrote 27 buffers (0.2%); 0 WAL file(s) added, 0 removed, 0 recycled; write=2.705 s, sync=0.004 s, total=2.714 s; sync files=19, longest=0.002 s, average=0.001 s; distance=142 kB, estimate=163 kB; lsn=0/1A2B3C8, redo lsn=0/1A2B390",
        ));
        at += Duration::minutes(5);
    }
    out
}

pub(super) fn is_runner(c: &FakeContainer) -> bool {
    c.args.iter().any(|a| a == "app.jobs.run")
}

/// What a container of the project prints when the engine (re)starts it.
pub(super) fn startup_lines(c: &FakeContainer, at: OffsetDateTime) -> Vec<FakeLogLine> {
    if is_runner(c) {
        // Nothing at startup: the first lines are the first jobs of the first loop.
        runner_loop_lines(at, &[]).into_iter().take(3).collect()
    } else if c.path == "uvicorn" || c.args.first().is_some_and(|a| a == "uvicorn") {
        uvicorn_startup(at)
    } else if c.path.contains("postgres") || c.args.first().is_some_and(|a| a == "postgres") {
        postgres_startup(at)
    } else {
        Vec::new()
    }
}

/// The exit code a stop leaves. The runner is PID 1 in its container and installs no SIGTERM
/// handler, so the signal is ignored and the engine SIGKILLs it after the grace period: 137,
/// not OOM-killed (docs/app-contract.md §13; run as a plain process it would end with 143, §12). uvicorn
/// and postgres shut down cleanly.
pub(super) fn stop_exit_code(c: &FakeContainer) -> i64 {
    if is_runner(c) { 137 } else { 0 }
}

/// Whether a stop waits out the whole grace period: only for a process that ignores SIGTERM.
pub(super) fn ignores_sigterm(c: &FakeContainer) -> bool {
    is_runner(c)
}

fn out(text: impl Into<String>) -> (bool, String) {
    (false, text.into())
}

fn err(text: impl Into<String>) -> (bool, String) {
    (true, text.into())
}

/// A command the fake has no script for: said plainly, never a silent success.
fn unscripted(cmd: &[String]) -> ExecOutput {
    (
        vec![err(format!(
            "cleanops fake engine: no scripted answer for {cmd:?} in this container"
        ))],
        127,
    )
}

fn oci_not_found(program: &str) -> ExecOutput {
    (
        vec![out(format!(
            "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{program}\": executable file not found in $PATH: unknown"
        ))],
        126,
    )
}

/// What `print('...')` in a one-liner prints.
fn printed_literal(code: &str) -> Option<&str> {
    let at = code.find("print(")? + "print(".len();
    let rest = &code[at..];
    let quote = rest.chars().next().filter(|q| *q == '\'' || *q == '"')?;
    let inner = &rest[1..];
    let end = inner.find(quote)?;
    Some(&inner[..end])
}

/// Execs into the `api` and `jobs` containers (the app image: Python, no curl, no psql):
/// `python -c` one-liners (`app.db` does not exist, docs/app-contract.md §7; anything touching
/// `app.infra.db` fails with psycopg's OperationalError when `db_up` is false, else prints what
/// it prints), `python -m app.jobs.run --once [--job NAME]...` (one loop, or the crash),
/// `python --version`. Other programs are missing from the image (exit 126).
pub fn app_exec(db_up: bool) -> ExecHandler {
    Arc::new(move |cmd: &[String]| {
        let Some(program) = cmd.first() else {
            return oci_not_found("");
        };
        match program.rsplit('/').next().unwrap_or(program) {
            "python" | "python3" => python_command(cmd, db_up),
            "sh" | "bash" | "env" | "ls" | "cat" | "echo" | "true" | "false" => unscripted(cmd),
            other => oci_not_found(other),
        }
    })
}

fn python_command(cmd: &[String], db_up: bool) -> ExecOutput {
    let args: Vec<&str> = cmd.iter().skip(1).map(String::as_str).collect();
    match args.as_slice() {
        ["--version"] | ["-V"] => (vec![out(PYTHON_VERSION)], 0),
        ["-c", code, ..] => {
            if code.contains("from app.db import") || code.contains("import app.db") {
                return (vec![err(python::module_not_found("app.db"))], 1);
            }
            if code.contains("app.infra.db") && !db_up {
                return (vec![err(python::one_liner_db_traceback(&db_target()))], 1);
            }
            match printed_literal(code) {
                Some(text) => (vec![out(text)], 0),
                None => (Vec::new(), 0),
            }
        }
        ["-m", "app.jobs.run", rest @ ..] => runner_once(rest, db_up),
        _ => unscripted(cmd),
    }
}

/// `python -m app.jobs.run --once [--job NAME]...` in the container, now.
fn runner_once(args: &[&str], db_up: bool) -> ExecOutput {
    if !args.contains(&"--once") {
        // A second runner that never ends: not something to script.
        return (
            vec![err(
                "cleanops fake engine: only `python -m app.jobs.run --once` is scripted",
            )],
            127,
        );
    }
    let mut jobs = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--job" => match it.next() {
                Some(name) => jobs.push(*name),
                None => {
                    return (
                        vec![err(python::runner_usage_error(
                            "argument --job: expected one argument",
                        ))],
                        2,
                    );
                }
            },
            "--once" => {}
            "--interval" | "--base-url" => {
                it.next();
            }
            other if other.starts_with('-') => {
                return (
                    vec![err(python::runner_usage_error(&format!(
                        "unrecognized arguments: {other}"
                    )))],
                    2,
                );
            }
            _ => {}
        }
    }
    if let Some(unknown) = jobs
        .iter()
        .find(|j| !DEFAULT_JOBS.contains(j) && !EXTRA_JOBS.contains(j))
    {
        return (vec![err(python::unknown_job_traceback(unknown))], 1);
    }
    if !db_up {
        let mut lines = vec![err(python::log_line(
            "WARNING",
            RUNNER_LOGGER,
            "job_failed",
        ))];
        lines.push(err(python::runner_db_traceback(&db_target())));
        return (lines, 1);
    }
    let names: Vec<&str> = if jobs.is_empty() {
        DEFAULT_JOBS.to_vec()
    } else {
        jobs
    };
    let lines = names
        .iter()
        .map(|name| {
            if *name == ALWAYS_FAILING_JOB {
                err(python::log_line("WARNING", RUNNER_LOGGER, "job_failed"))
            } else {
                err(python::log_line("INFO", RUNNER_LOGGER, "job_complete"))
            }
        })
        .collect();
    // `--once` exits 0 even when jobs failed (docs/app-contract.md §6.4).
    (lines, 0)
}

/// Execs into the `db` container: `pg_isready [-h HOST] [-p PORT] [-U USER] [-d DB] [-t SECS]
/// [-q]` answers "accepting connections" (0) or, when `db_up` is false, "no response" (2).
/// Other programs of the image are not scripted.
pub fn db_exec(db_up: bool) -> ExecHandler {
    Arc::new(move |cmd: &[String]| {
        let Some(program) = cmd.first() else {
            return oci_not_found("");
        };
        match program.rsplit('/').next().unwrap_or(program) {
            "pg_isready" => pg_isready(&cmd[1..], db_up),
            "psql" | "sh" | "bash" | "postgres" | "pg_dump" => unscripted(cmd),
            other => oci_not_found(other),
        }
    })
}

fn pg_isready(args: &[String], db_up: bool) -> ExecOutput {
    let mut host = "/var/run/postgresql".to_string();
    let mut port = "5432".to_string();
    let mut quiet = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--host" => host = it.next().cloned().unwrap_or(host),
            "-p" | "--port" => port = it.next().cloned().unwrap_or(port),
            "-U" | "--username" | "-d" | "--dbname" | "-t" | "--timeout" => {
                it.next();
            }
            "-q" | "--quiet" => quiet = true,
            other => {
                return (
                    vec![
                        err(format!("pg_isready: invalid option -- '{other}'")),
                        err("Try \"pg_isready --help\" for more information."),
                    ],
                    3,
                );
            }
        }
    }
    let (what, code) = if db_up {
        ("accepting connections", 0)
    } else {
        ("no response", 2)
    };
    let lines = if quiet {
        Vec::new()
    } else {
        vec![out(format!("{host}:{port} - {what}"))]
    };
    (lines, code)
}
