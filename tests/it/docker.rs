//! The container commands against a real Docker engine and the test stack (tests/stack/):
//! service resolution, states, logs, restart, env drift, db-check, run-once.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::stack::{Stack, docker_or_skip};

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

    stack.docker(&["stop", "-t", "5", &stack.container_id("jobs")]);
    let r = stack.cleanops(&["status"]);
    r.code(1)
        .stdout_has("jobs")
        .stdout_has("exited 143")
        .stdout_has("→ cleanops restart jobs");
    let j = stack.cleanops(&["status", "--json"]).code(1).json();
    let jobs = &service(&j, "jobs")["containers"][0];
    assert_eq!(jobs["running"], false);
    assert_eq!(jobs["exit_code"], 143);

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
    fn start(stack: &Stack, args: &[&str]) -> Follower {
        let mut cmd = Command::new(crate::bin());
        cmd.args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null());
        for (k, v) in stack.env() {
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
        &stack,
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
