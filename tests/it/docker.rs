//! The container commands against a real Docker engine and the test stack (tests/stack/):
//! service resolution, states, logs, restart, env drift, db-check, run-once.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::stack::{OneOff, Stack, docker_or_skip};

pub const ENV: &str = "APP_ENV=ci\nJOBS_ENABLED=true\nJOB_HEARTBEAT_REQUIRED=true\nJOB_HEARTBEAT_TTL_SECONDS=180\nJOB_RUNNER_ID=\nDATABASE_URL=postgresql+psycopg://cleaning:pw-in-url@db:5432/cleaning\n";

/// Poll `cond` for at most `limit`.
fn eventually(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn service<'a>(status: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    status["containers"]["services"]
        .as_array()
        .expect("services in the status document")
        .iter()
        .find(|s| s["service"] == name)
        .unwrap_or_else(|| panic!("no {name} in {status}"))
}

#[test]
fn status_shows_the_services_and_a_stopped_jobs_container_with_its_exit_code() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV);
    let j = stack.cleanops(&["status", "--json"]).code(0).json();
    for name in ["api", "jobs", "db"] {
        let s = service(&j, name);
        assert_eq!(s["containers"][0]["running"], true, "{name}: {s}");
    }
    assert_eq!(j["containers"]["project"], stack.project.as_str());

    // The runner ignores SIGTERM as PID 1 (docs/app-contract.md §13): a stop is a SIGKILL
    // at the end of its grace.
    stack.docker(&["stop", "-t", "1", &stack.container_id("jobs")]);
    let r = stack.cleanops(&["status"]);
    r.code(1)
        .stdout_has("jobs")
        .stdout_has("exited 137")
        .stdout_has("→ cleanops restart jobs");
    let j = stack.cleanops(&["status", "--json"]).code(1).json();
    let jobs = &service(&j, "jobs")["containers"][0];
    assert_eq!(jobs["running"], false);
    assert_eq!(jobs["exit_code"], 137);
    assert_eq!(jobs["oom_killed"], false);

    // A killed container says 137.
    stack.docker(&["start", &stack.container_id("jobs")]);
    stack.docker(&["kill", &stack.container_id("jobs")]);
    let j = stack.cleanops(&["status", "--json"]).code(1).json();
    assert_eq!(service(&j, "jobs")["containers"][0]["exit_code"], 137);
}

#[test]
fn a_wrong_project_name_suggests_the_right_one() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV);
    let r = stack.cleanops(&["logs", "--project-name", "cleaning-nope"]);
    r.code(1)
        .stderr_has("no container of service \"jobs\" in compose project \"cleaning-nope\"")
        .stderr_has(&stack.project);
}

#[test]
fn a_database_outage_becomes_a_crash_loop_called_a_crash_loop() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV);
    stack.control(json!({"db_down": true}));
    eventually(Duration::from_secs(60), "a crash loop", || {
        let r = stack.cleanops(&["status"]);
        r.code == 1 && r.stdout.contains("CRASH LOOP")
    });
    // The tracebacks are in the jobs logs.
    stack
        .cleanops(&["logs", "--grep", "OperationalError"])
        .code(0)
        .stdout_has("OperationalError");
    // db-check fails with the remote exit code, or says the container is not running.
    let r = stack.cleanops(&["db-check", "--json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
}

#[test]
fn logs_tail_grep_since_and_timestamps() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV);
    eventually(Duration::from_secs(20), "a few loops", || {
        stack
            .cleanops(&["logs", "--tail", "1000"])
            .stdout
            .matches("job_complete")
            .count()
            >= 50
    });
    let r = stack.cleanops(&["logs", "--tail", "5"]);
    r.code(0);
    assert_eq!(r.stdout.lines().count(), 5, "{}", r.stdout);
    let r = stack.cleanops(&["logs", "--tail", "300", "--grep", "JOB_COMPLETE"]);
    r.code(0);
    assert!(r.stdout.lines().count() > 10);
    assert!(
        r.stdout.lines().all(|l| l.contains("job_complete")),
        "{}",
        r.stdout
    );
    let r = stack.cleanops(&["logs", "--tail", "3", "--timestamps"]);
    r.code(0);
    assert!(
        r.stdout
            .lines()
            .all(|l| l.starts_with("20") && l.contains("Z ")),
        "{}",
        r.stdout
    );
    // Nothing in the future.
    let r = stack.cleanops(&["logs", "--since", "2099-01-01T00:00:00Z"]);
    r.code(0);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    // Several services, merged, each line prefixed.
    let r = stack.cleanops(&["logs", "jobs", "db", "--tail", "20"]);
    r.code(0);
    assert!(
        r.stdout
            .lines()
            .all(|l| l.starts_with("jobs | ") || l.starts_with("db   | ")),
        "{}",
        r.stdout
    );
    // One JSON document.
    let j = stack
        .cleanops(&["logs", "--tail", "4", "--json"])
        .code(0)
        .json();
    assert_eq!(j["lines"].as_array().unwrap().len(), 4);
    assert_eq!(j["lines"][0]["stream"], "stderr");
}

/// `cleanops logs -f` in the background, its lines sent to a channel.
struct Follower {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
}

impl Follower {
    fn start(env: &[(String, String)], args: &[&str]) -> Follower {
        let mut cmd = Command::new(crate::bin());
        cmd.args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("cleanops logs -f starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Follower { child, lines }
    }

    /// Lines until one contains `needle` (all of them, for further checks).
    fn until(&self, needle: &str, limit: Duration) -> Vec<String> {
        let deadline = Instant::now() + limit;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    let hit = l.contains(needle);
                    seen.push(l);
                    if hit {
                        return seen;
                    }
                }
                Err(_) => panic!(
                    "no line with {needle:?} within {limit:?}; saw:\n{}",
                    seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn logs_follow_survives_restart_and_recreation_and_restart_verifies_the_heartbeat() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV);
    let f = Follower::start(
        &stack.env(),
        &["logs", "-f", "jobs", "--tail", "2", "--timestamps"],
    );
    f.until("job_complete", Duration::from_secs(20));

    // Across `cleanops restart jobs --yes --wait-heartbeat`, which returns 0 once fresh.
    let old_id = stack.container_id("jobs");
    let r = stack.cleanops(&[
        "restart",
        "jobs",
        "--yes",
        "--wait-heartbeat",
        "--settle",
        "1s",
    ]);
    r.code(0)
        .stdout_has("fresh heartbeat after")
        .stdout_has("restart of jobs verified");
    let seen = f.until("restarted", Duration::from_secs(30));
    let after = f.until("job_complete", Duration::from_secs(30));
    // No line printed twice: timestamps strictly increase across the restart.
    let stamps: Vec<&str> = seen
        .iter()
        .chain(after.iter())
        .filter(|l| l.starts_with("20"))
        .filter_map(|l| l.split(' ').next())
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        stamps.len(),
        sorted.len(),
        "a line was printed twice: {stamps:?}"
    );

    // Across a re-creation: a new container id, a marker that says so.
    stack.compose(&["up", "-d", "--force-recreate", "--no-deps", "jobs"]);
    assert_ne!(stack.container_id("jobs"), old_id);
    f.until("re-created", Duration::from_secs(40));
    f.until("job_complete", Duration::from_secs(30));
}

/// The exception of the api's error records (`cleanops_sim_api_logs` of the test image).
const DLQ_EXCEPTION: &str = "sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedFunction) operator does not exist: uuid = character varying";

/// A timestamp as the engine writes them: RFC 3339 with up to nine digits of fraction, trailing
/// zeros dropped (`…06.81577751Z`).
fn engine_stamp() -> regex::Regex {
    regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z").unwrap()
}

/// The line as stored of a 40 KB record (after the engine's timestamp, with `--timestamps`):
/// one line, the whole JSON object, no timestamp inside.
fn assert_one_whole_record(line: &str, timestamps: bool) {
    let record = if timestamps {
        let (stamp, rest) = line.split_once(' ').expect("a timestamp first");
        assert!(
            engine_stamp()
                .find(stamp)
                .is_some_and(|m| m.start() == 0 && m.end() == stamp.len()),
            "{stamp}"
        );
        rest
    } else {
        line
    };
    assert!(record.len() >= 40_000, "a record of {} bytes", record.len());
    if let Some(m) = engine_stamp().find(record) {
        let around = &record[m.start().saturating_sub(60)..(m.end() + 20).min(record.len())];
        panic!("a timestamp inside the line: …{around}…");
    }
    let v: serde_json::Value = serde_json::from_str(record).expect("the line is the whole record");
    assert_eq!(v["message"], "unhandled_exception");
}

/// Contract §13: the api's JSON records of unhandled errors are 20-40 KB, and the engine stores
/// such a line as partial entries of 16 KiB, each with its own timestamp. `cleanops logs` shows
/// each as one line with one timestamp: as stored with `--raw`, read otherwise (the record's
/// time, level, message and key fields, and its exception's line), with and without
/// `--timestamps`, and following.
#[test]
fn a_40_kb_record_is_one_line_read_by_its_exception() {
    if !docker_or_skip() {
        return;
    }
    let api = OneOff::run(
        "api",
        &[
            "python",
            "-m",
            "cleanops_sim_api_logs",
            "--bytes",
            "40000",
            "--every",
            "1",
        ],
    );
    eventually(Duration::from_secs(30), "two error records", || {
        let r = api.cleanops(&["logs", "api", "--raw", "--since", "10m"]);
        r.stdout.matches("unhandled_exception").count() >= 2
    });

    // As stored, with and without the engine's timestamps.
    for timestamps in [false, true] {
        let mut args = vec!["logs", "api", "--raw", "--since", "10m"];
        if timestamps {
            args.push("--timestamps");
        }
        let r = api.cleanops(&args);
        r.code(0);
        let records: Vec<&str> = r
            .stdout
            .lines()
            .filter(|l| l.contains("unhandled_exception"))
            .collect();
        assert!(records.len() >= 2, "{}", r.stdout.len());
        for l in records {
            assert_one_whole_record(l, timestamps);
        }
    }

    // Read: one line a record, the exception's line under it, no frames; uvicorn's plain
    // traceback as its first line and its exception.
    for timestamps in [false, true] {
        let mut args = vec!["logs", "api", "--since", "10m"];
        if timestamps {
            args.push("--timestamps");
        }
        let r = api.cleanops(&args);
        r.code(0);
        let lines: Vec<&str> = r.stdout.lines().collect();
        let i = lines
            .iter()
            .position(|l| l.contains("ERROR unhandled_exception"))
            .unwrap_or_else(|| panic!("no error record in:\n{}", r.stdout));
        let record = lines[i];
        assert!(
            record.contains(
                " request_id=req-00000001 method=GET path=/v1/admin/queue/dlq role=admin org_id="
            ),
            "{record}"
        );
        assert!(record.len() < 300, "{record}");
        assert_eq!(
            engine_stamp().find_iter(record).count(),
            usize::from(timestamps),
            "{record}"
        );
        let under = format!("  └ {DLQ_EXCEPTION}  (traceback of ");
        assert!(lines[i + 1].starts_with(&under), "{}", lines[i + 1]);
        assert!(
            !r.stdout.contains("  File \""),
            "frames are not shown:\n{}",
            r.stdout
        );
        assert!(
            r.stdout
                .contains("ERROR:    Exception in ASGI application\n")
                && r.stdout.contains(&format!("\n  └ {DLQ_EXCEPTION}\n")),
            "{}",
            r.stdout
        );
        assert!(
            lines.iter().all(|l| l.len() < 1000),
            "no line as stored of the record"
        );
    }

    // --level error: the records below go; uvicorn's error and its traceback stay.
    let r = api.cleanops(&["logs", "api", "--since", "10m", "--level", "error"]);
    r.code(0);
    assert!(!r.stdout.contains("INFO"), "{}", r.stdout);
    assert!(
        r.stdout.contains("ERROR unhandled_exception")
            && r.stdout.contains("Exception in ASGI application")
    );
    // --grep matches the line as stored (here a field inside the exception); --full shows it whole.
    let r = api.cleanops(&[
        "logs",
        "api",
        "--since",
        "10m",
        "--grep",
        "org_id_1.*dead",
        "--full",
    ]);
    r.code(0);
    assert!(
        r.stdout.contains("ERROR unhandled_exception"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("  │   File \"/opt/venv/lib/python3.11/site-packages/starlette/routing.py\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("  │ [parameters: {'org_id_1'"),
        "{}",
        r.stdout
    );

    // JSON: the line as stored and what it says.
    let j = api
        .cleanops(&[
            "logs", "api", "--since", "10m", "--json", "--level", "error",
        ])
        .code(0)
        .json();
    let lines = j["lines"].as_array().unwrap();
    let record = lines
        .iter()
        .find(|l| l["format"] == "json")
        .unwrap_or_else(|| panic!("{j}"));
    assert_one_whole_record(record["text"].as_str().unwrap(), false);
    assert_eq!(record["level"], "error");
    assert_eq!(record["message"], "unhandled_exception");
    assert_eq!(record["exception_last_line"], DLQ_EXCEPTION);
    assert_eq!(record["fields"]["path"], "/v1/admin/queue/dlq");
    assert!(lines.iter().all(|l| l["level"] == "error"), "{j}");
    assert!(
        lines
            .iter()
            .any(|l| l["format"] == "traceback" && l["exception_last_line"] == DLQ_EXCEPTION)
    );

    // Following: new records come as one line, as stored and read.
    let f = Follower::start(
        &api.env(),
        &["logs", "api", "-f", "--tail", "0", "--raw", "--timestamps"],
    );
    let seen = f.until("unhandled_exception", Duration::from_secs(20));
    assert_one_whole_record(seen.last().unwrap(), true);
    let f = Follower::start(&api.env(), &["logs", "api", "-f", "--tail", "0"]);
    f.until("ERROR unhandled_exception", Duration::from_secs(20));
    let next = f.until("└", Duration::from_secs(5));
    assert!(
        next.last()
            .unwrap()
            .starts_with(&format!("  └ {DLQ_EXCEPTION}  (traceback of ")),
        "{next:?}"
    );
    let tb = f.until("Traceback (most recent call last)", Duration::from_secs(20));
    assert!(tb.iter().all(|l| !l.contains("  File \"")), "{tb:?}");
    let exc = f.until("└", Duration::from_secs(5));
    assert_eq!(exc.last().unwrap(), &format!("  └ {DLQ_EXCEPTION}"));
}

#[test]
fn restart_asks_off_a_terminal_and_dry_runs() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV);
    let before = stack.container_id("jobs");
    stack
        .cleanops(&["restart", "jobs"])
        .code(6)
        .stderr_has("--yes");
    let r = stack.cleanops(&["restart", "jobs", "--dry-run"]);
    r.code(0)
        .stdout_has(&format!("/containers/{before}/restart?t=10"));
    // Nothing happened.
    let j = stack.cleanops(&["status", "--json"]).json();
    let jobs = &service(&j, "jobs")["containers"][0];
    assert!(jobs["uptime_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(stack.container_id("jobs"), before);
}

#[test]
fn env_check_catches_an_edit_not_applied_and_the_postgres_trap() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV);
    stack
        .cleanops(&["env-check"])
        .code(0)
        .stdout_has("has the file's values");
    // Edit the file the running container was created from.
    let edited = ENV
        .replace("JOBS_ENABLED=true", "JOBS_ENABLED=false")
        .replace("@db:", "@postgres:");
    std::fs::write(&stack.env_file, edited).unwrap();
    let r = stack.cleanops(&["env-check"]);
    r.code(1)
        .stdout_has("drift")
        .stdout_has(&format!("{} up -d jobs", crate::stack::compose_cli()))
        .stdout_has("\"postgres\" is not a service of this compose project");
    assert!(
        !r.stdout.contains("pw-in-url"),
        "the DATABASE_URL password never shows"
    );
    let j = stack.cleanops(&["env-check", "--json"]).code(1).json();
    let names: Vec<&str> = j["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"JOBS_ENABLED") && names.contains(&"DATABASE_URL"),
        "{names:?}"
    );
    // A syntax error is reported with its line.
    std::fs::write(
        &stack.env_file,
        "JOBS_ENABLED=true\nBROKEN LINE WITHOUT EQUALS\n",
    )
    .unwrap();
    stack.cleanops(&["env-check"]).code(1).stderr_has("line 2");
}

#[test]
fn db_check_reports_the_remote_exit_code() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV);
    let j = stack.cleanops(&["db-check", "--json"]).code(0).json();
    assert_eq!(j["remote_exit_code"], 0);
    assert_eq!(j["ok"], true);
    let j = stack
        .cleanops(&["db-check", "--via", "db", "--json"])
        .code(0)
        .json();
    assert_eq!(j["remote_exit_code"], 0);
    stack.control(json!({"db_down": true}));
    // pg_isready's "no response" is exit 2.
    let j = stack
        .cleanops(&["db-check", "--via", "db", "--json"])
        .code(1)
        .json();
    assert_eq!(j["remote_exit_code"], 2);
}

#[test]
fn run_once_reports_the_remote_exit_code_and_the_jobs_that_failed() {
    if !docker_or_skip() {
        return;
    }
    let stack = Stack::up(ENV);
    // A bad job name never reaches the container.
    stack
        .cleanops(&["run-once", "--job", "storage_janitor", "--yes"])
        .code(2)
        .stderr_has("did you mean storage-janitor");
    // Off a terminal without --yes: refused.
    stack
        .cleanops(&["run-once", "--job", "outbox-delivery"])
        .code(6);
    let j = stack
        .cleanops(&["run-once", "--job", "outbox-delivery", "--yes", "--json"])
        .code(0)
        .json();
    assert_eq!(j["remote_exit_code"], 0);
    assert_eq!(j["jobs"][0]["name"], "outbox-delivery");
    assert_eq!(j["jobs"][0]["result"], "succeeded");
    // --once exits 0 when a job fails; cleanops reads the job table and says 1.
    stack.control(json!({"fail_jobs": ["email-dlq"]}));
    let r = stack.cleanops(&["run-once", "--job", "email-dlq", "--yes"]);
    r.code(1)
        .stdout_has("runner exited 0")
        .stdout_has("failed: email-dlq");
}
