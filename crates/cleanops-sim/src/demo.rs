//! The demo's deployments: for each incident, the app simulator's state, the containers the
//! simulated engine shows and the env file on disk, made to agree with each other, and the
//! cause a diagnosis must name first.

use time::{Duration, OffsetDateTime};

use super::engine::{self, FakeContainer, FakeLogLine, FakeState};
use super::{Control, Scenario};

/// One simulated incident.
pub struct DemoScenario {
    pub name: &'static str,
    pub about: &'static str,
    /// The cause the diagnosis must rank first (`None`: nothing is wrong).
    pub expected_cause: Option<&'static str>,
}

pub const SCENARIOS: [DemoScenario; 11] = [
    DemoScenario {
        name: "jobs-oom",
        about: "the jobs container was OOM-killed (exit 137) 14 minutes ago; the heartbeat is 14 minutes stale",
        expected_cause: Some("jobs-container-down"),
    },
    DemoScenario {
        name: "crash-loop",
        about: "the database stopped answering in its running container; the runner dies with OperationalError tracebacks and restarts in a loop",
        // The root before the symptom: the database, then the runner's loop it causes.
        expected_cause: Some("database-unreachable"),
    },
    DemoScenario {
        name: "db-down",
        about: "the db container was stopped; readiness fails its db check, and the runner crash-loops (Name or service not known)",
        expected_cause: Some("db-container-down"),
    },
    DemoScenario {
        name: "jobs-disabled",
        about: "JOBS_ENABLED=false in the env file and in the containers: the heartbeat is not checked",
        expected_cause: Some("jobs-disabled"),
    },
    DemoScenario {
        name: "env-not-applied",
        about: "JOBS_ENABLED was set to true in the env file, but the containers were never re-created",
        expected_cause: Some("env-not-applied"),
    },
    DemoScenario {
        name: "just-started",
        about: "the jobs container started 40 s ago: its first loop has not finished, the heartbeat reads as missing",
        expected_cause: Some("just-started"),
    },
    DemoScenario {
        name: "slow-loop",
        about: "the runner is alive, but a loop takes longer than the 180 s threshold",
        expected_cause: Some("slow-loop"),
    },
    DemoScenario {
        name: "runner-dead",
        about: "the container runs, but the runner inside it stopped looping 31 minutes ago",
        expected_cause: Some("runner-dead-in-container"),
    },
    DemoScenario {
        name: "clock-drift",
        about: "the server's clock is 90 s ahead of ours",
        expected_cause: Some("clock-drift"),
    },
    DemoScenario {
        name: "dlq-backlog",
        about: "the runner is healthy; 37 e-mails and 3 exports wait in the dead-letter queue",
        expected_cause: Some("dlq-backlog"),
    },
    DemoScenario {
        name: "healthy",
        about: "nothing is wrong",
        expected_cause: None,
    },
];

pub fn find(name: &str) -> Option<&'static DemoScenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// What the demo starts for a scenario.
pub struct DemoWorld {
    pub api_scenario: Scenario,
    pub control: Control,
    pub containers: Vec<FakeContainer>,
    pub env_file: String,
}

/// Lines the env file holds: what the app containers get from it (not the image's or compose's
/// own `environment:`), so that file and containers agree unless a scenario says otherwise.
fn env_file_of(jobs: &FakeContainer) -> String {
    const FROM_ELSEWHERE: [&str; 8] = [
        "PATH",
        "LANG",
        "PYTHON_VERSION",
        "PYTHONUNBUFFERED",
        "APP_NAME",
        "OTEL_SERVICE_NAME",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "DEPLOYMENT_ENV",
    ];
    let mut out = String::from("# /opt/cleaning/.env (simulated)\n");
    for kv in &jobs.env {
        let name = kv.split('=').next().unwrap_or("");
        if !FROM_ELSEWHERE.contains(&name) {
            out.push_str(kv);
            out.push('\n');
        }
    }
    out
}

fn set_env(c: &mut FakeContainer, name: &str, value: &str) {
    c.env.retain(|kv| kv.split('=').next() != Some(name));
    c.env.push(format!("{name}={value}"));
}

/// The runner's loops from `from` to `to`, one every 65 s (60 s of sleep plus the jobs).
fn loops(from: OffsetDateTime, to: OffsetDateTime) -> Vec<FakeLogLine> {
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        out.extend(engine::runner_loop_lines(t, &["storage-quota-reconcile"]));
        t += Duration::seconds(65);
    }
    out.retain(|l| l.at <= to);
    out
}

fn control(json: serde_json::Value) -> Control {
    // The documents below are written here and known to be valid.
    serde_json::from_value(json).unwrap_or_default()
}

pub fn world(name: &str, now: OffsetDateTime) -> Option<DemoWorld> {
    find(name)?;
    let mut containers = engine::compose_project("cleaning", now);
    let env_file = env_file_of(&containers[1]);
    let jobs_index = containers
        .iter()
        .position(|c| c.service == "jobs")
        .unwrap_or(1);
    let db_index = containers
        .iter()
        .position(|c| c.service == "db")
        .unwrap_or(2);
    let mut api_scenario = Scenario::Healthy;
    let mut ctl = serde_json::json!({});
    let mut env_file = env_file;
    let recent = |minutes: i64| loops(now - Duration::minutes(minutes), now);
    match name {
        "jobs-oom" => {
            let died = now - Duration::minutes(14) - Duration::seconds(3);
            let jobs = &mut containers[jobs_index];
            let started = now - Duration::hours(2);
            jobs.state = FakeState::Exited {
                code: 137,
                oom_killed: true,
                started_at: started,
                finished_at: died,
            };
            jobs.logs = loops(died - Duration::minutes(30), died);
            api_scenario = Scenario::StaleHeartbeat;
            ctl = serde_json::json!({"heartbeat_age_seconds": 14.0 * 60.0 + 11.4});
        }
        "crash-loop" => {
            let jobs = &mut containers[jobs_index];
            let first = now - Duration::minutes(9);
            let mut logs = loops(now - Duration::minutes(30), first);
            let mut t = first;
            while t < now {
                logs.extend(engine::crash_traceback(t));
                t += Duration::seconds(45);
            }
            jobs.logs = logs;
            jobs.restart_count = 12;
            jobs.state = FakeState::Restarting {
                code: 1,
                started_at: now - Duration::seconds(4),
                finished_at: now - Duration::seconds(1),
            };
            jobs.exec = Some(engine::app_exec(false));
            // PostgreSQL's container runs, but the database does not answer in it (hung).
            containers[db_index].exec = Some(engine::db_exec(false));
            api_scenario = Scenario::DbDown;
        }
        "db-down" => {
            let stopped = now - Duration::minutes(5);
            let db = &mut containers[db_index];
            db.state = FakeState::Exited {
                code: 0,
                oom_killed: false,
                started_at: now - Duration::hours(2),
                finished_at: stopped,
            };
            db.health = None;
            api_scenario = Scenario::DbDown;
            // The real runner (docs/app-contract.md §13): it dies on its first database error, and the
            // engine restarts it (unless-stopped) again and again, each start dying the same
            // way, the host `db` gone from the network; the engine's delay doubles from 100 ms up
            // to a minute.
            let jobs = &mut containers[jobs_index];
            let mut logs = loops(now - Duration::minutes(30), stopped);
            let mut t = stopped + Duration::seconds(20);
            let mut delay = Duration::milliseconds(100);
            let mut restarts: i64 = 0;
            let mut last_start = t;
            while t < now - Duration::seconds(2) {
                logs.extend(engine::crash_traceback_db_gone(t));
                last_start = t;
                t += delay + Duration::seconds(1);
                delay = std::cmp::min(delay * 2_i32, Duration::minutes(1));
                restarts += 1;
            }
            jobs.logs = logs;
            jobs.restart_count = restarts;
            jobs.state = FakeState::Restarting {
                code: 1,
                started_at: last_start,
                finished_at: last_start + Duration::seconds(1),
            };
            jobs.exec = Some(engine::app_exec(false));
        }
        "jobs-disabled" => {
            for c in containers.iter_mut().filter(|c| c.service != "db") {
                set_env(c, "JOBS_ENABLED", "false");
                set_env(c, "JOB_HEARTBEAT_REQUIRED", "false");
            }
            env_file = env_file
                .replace("JOBS_ENABLED=true", "JOBS_ENABLED=false")
                .replace(
                    "JOB_HEARTBEAT_REQUIRED=true",
                    "JOB_HEARTBEAT_REQUIRED=false",
                );
            containers[jobs_index].logs = recent(30);
            ctl = serde_json::json!({"jobs_enabled": false, "heartbeat_required": false});
        }
        "env-not-applied" => {
            // The file says true; the containers were created when it said false.
            for c in containers.iter_mut().filter(|c| c.service != "db") {
                set_env(c, "JOBS_ENABLED", "false");
                set_env(c, "JOB_HEARTBEAT_REQUIRED", "false");
            }
            containers[jobs_index].logs = recent(30);
            ctl = serde_json::json!({"jobs_enabled": false, "heartbeat_required": false});
        }
        "just-started" => {
            let started = now - Duration::seconds(40);
            let jobs = &mut containers[jobs_index];
            jobs.state = FakeState::Running {
                started_at: started,
            };
            let mut lines = engine::runner_loop_lines(
                started + Duration::seconds(2),
                &["storage-quota-reconcile"],
            );
            lines.truncate(9);
            jobs.logs = lines;
            api_scenario = Scenario::HeartbeatMissing;
        }
        "slow-loop" => {
            // Jobs still complete; the loop just takes longer than the threshold.
            containers[jobs_index].logs = recent(20);
            ctl = serde_json::json!({"runner_running": false, "heartbeat_age_seconds": 251.7});
        }
        "runner-dead" => {
            let stuck = now - Duration::minutes(31);
            containers[jobs_index].logs = loops(stuck - Duration::minutes(30), stuck);
            ctl = serde_json::json!({"runner_running": false, "heartbeat_age_seconds": 31.0 * 60.0 + 2.5});
        }
        "clock-drift" => {
            containers[jobs_index].logs = recent(30);
            api_scenario = Scenario::ClockDrift;
        }
        "dlq-backlog" => {
            containers[jobs_index].logs = recent(30);
            api_scenario = Scenario::DlqBacklog;
        }
        _ => {
            containers[jobs_index].logs = recent(30);
        }
    }
    // The app as it runs on PostgreSQL (docs/app-contract.md §12, §13): the DLQ's outbox listings answer
    // 500 once an outbox event is dead, keyed replays an empty 409.
    ctl["upstream_defects"] = serde_json::json!(true);
    Some(DemoWorld {
        api_scenario,
        control: control(ctl),
        containers,
        env_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_runner_dies_with_its_database() {
        // Contract §13: with the db container stopped, the runner crashes on its first database
        // error and the engine restarts it again and again.
        let now = time::macros::datetime!(2026-04-05 20:30:00 UTC);
        let w = world("db-down", now).unwrap();
        let jobs = w.containers.iter().find(|c| c.service == "jobs").unwrap();
        assert!(matches!(jobs.state, FakeState::Restarting { code: 1, .. }));
        assert!(jobs.restart_count >= 5, "{}", jobs.restart_count);
        let gone = jobs
            .logs
            .iter()
            .filter(|l| l.text.contains("Name or service not known"))
            .count();
        assert!(
            gone as i64 >= 2 * jobs.restart_count,
            "each run dies the same way"
        );
        let db = w.containers.iter().find(|c| c.service == "db").unwrap();
        assert!(matches!(db.state, FakeState::Exited { .. }));
        // JOBS_ENABLED=false where it acts (the api) and in the file; the runner still loops.
        let w = world("jobs-disabled", now).unwrap();
        let api = w.containers.iter().find(|c| c.service == "api").unwrap();
        assert!(api.env.iter().any(|kv| kv == "JOBS_ENABLED=false"));
        let jobs = w.containers.iter().find(|c| c.service == "jobs").unwrap();
        assert!(jobs.state.is_running());
        assert!(jobs.logs.iter().any(|l| l.text.contains("job_complete")));
    }
}
