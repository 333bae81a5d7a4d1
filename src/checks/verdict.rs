//! From evidence to causes: the runbook's likely causes and the ones this app really has
//! (contract §6 and §11), ranked, each with the lines behind it and the exact next command;
//! then the safe remediation in the runbook's order.

use serde::Serialize;

use super::jobs_logs::{LogScan, scan};
use super::{CheckReport, Sources, Status};
use crate::api::jobs::{JobState, runner_interval};
use crate::api::readiness::{Heartbeat, HeartbeatClass};
use crate::clock::human;
use crate::config::parse_bool;
use crate::docker::Container;

#[derive(Clone, Debug, Serialize)]
pub struct Cause {
    pub id: &'static str,
    pub title: String,
    /// Higher is likelier; only the order matters.
    pub score: u32,
    pub evidence: Vec<String>,
    /// The one command to run next.
    pub next: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub causes: Vec<Cause>,
    /// The safe remediation, in the runbook's order, as exact commands.
    pub steps: Vec<String>,
}

/// Everything the rules look at, read once from what the pass fetched.
struct Facts {
    hb: Option<Heartbeat>,
    jobs: Option<Container>,
    /// The engine answered and the project has no jobs container.
    jobs_missing: bool,
    db_check_failed: Option<String>,
    db_container_down: Option<String>,
    logs: Option<LogScan>,
    interval: u64,
    threshold: f64,
    dead: u64,
    failing_jobs: Vec<String>,
}

fn facts(s: &Sources) -> Facts {
    let snap = s.cached_readiness();
    let hb = snap.as_ref().map(|snap| {
        snap.readiness
            .check("jobs")
            .map(|c| Heartbeat::from_check(c, None))
            .unwrap_or_else(Heartbeat::absent)
    });
    let db_check_failed = snap.as_ref().and_then(|snap| {
        snap.readiness
            .check("db")
            .filter(|c| !c.ok)
            .map(crate::api::readiness::reading)
    });
    let services = s.cached_services();
    let service = |name: &str| {
        services
            .as_ref()
            .and_then(|all| all.iter().find(|x| x.service == name).cloned())
    };
    let jobs_state = service("jobs");
    let jobs = jobs_state
        .as_ref()
        .and_then(|j| j.containers.first().cloned());
    let db_container_down = service("db").and_then(|d| match d.containers.first() {
        None => Some("no db container in the project".to_string()),
        Some(c) if !c.running || c.restarting => {
            Some(format!("db container {}: {}", c.name, c.summary(s.now)))
        }
        Some(_) => None,
    });
    let threshold = hb
        .as_ref()
        .and_then(|h| h.threshold_seconds)
        .or(s.settings.heartbeat_ttl.as_ref().map(|t| t.value as f64))
        .unwrap_or(180.0);
    let reference = snap
        .as_ref()
        .and_then(|r| r.server_date)
        .map(time::OffsetDateTime::from)
        .unwrap_or(s.now);
    let failing_jobs = s
        .cached_jobs_rows()
        .map(|rows| {
            rows.iter()
                .map(|r| crate::api::jobs::report(r, reference))
                .filter(|r| {
                    matches!(r.state, JobState::Failing | JobState::NeverSucceeded)
                        && r.name != super::jobs_status::KNOWN_FAILING
                })
                .map(|r| r.name)
                .collect()
        })
        .unwrap_or_default();
    Facts {
        interval: jobs
            .as_ref()
            .map(|c| runner_interval(&c.command))
            .unwrap_or(60),
        jobs_missing: jobs_state.is_some_and(|j| j.containers.is_empty()),
        jobs,
        hb,
        db_check_failed,
        db_container_down,
        logs: s.cached_jobs_logs().map(|l| scan(&l)),
        threshold,
        dead: s.cached_dlq().and_then(|d| d.total_dead).unwrap_or(0),
        failing_jobs,
    }
}

fn status_of(reports: &[CheckReport], id: &str) -> Option<Status> {
    reports.iter().find(|r| r.id == id).map(|r| r.status)
}

fn evidence_of(reports: &[CheckReport], id: &str) -> Vec<String> {
    reports
        .iter()
        .find(|r| r.id == id)
        .map(|r| {
            let mut v = vec![format!("{}: {}", r.id, r.summary)];
            v.extend(r.evidence.iter().take(4).map(|e| format!("  {e}")));
            v
        })
        .unwrap_or_default()
}

pub fn decide(s: &Sources, reports: &[CheckReport]) -> Verdict {
    let f = facts(s);
    let dir = s.settings.project_dir.value.display().to_string();
    let env_file = s.settings.env_file.value.display().to_string();
    let mut causes: Vec<Cause> = Vec::new();
    let hb_class = f.hb.as_ref().map(|h| h.class);
    let hb_line = f.hb.as_ref().map(|h| format!("heartbeat: {}", h.reading()));
    let heartbeat_bad = matches!(
        hb_class,
        Some(HeartbeatClass::Stale | HeartbeatClass::Missing | HeartbeatClass::Failed)
    );
    let db_trouble_in_logs = f.logs.as_ref().is_some_and(|l| l.db_errors > 0);
    let push =
        |causes: &mut Vec<Cause>, id, title: String, score, evidence: Vec<String>, next: String| {
            causes.push(Cause {
                id,
                title,
                score,
                evidence,
                next,
            })
        };

    // The jobs container: crash loop (from the database or not), down, or missing.
    if let Some(c) = &f.jobs {
        let mut ev = vec![format!("jobs container {}: {}", c.name, c.summary(s.now))];
        ev.extend(hb_line.clone());
        if c.crash_loop {
            if db_trouble_in_logs || f.db_check_failed.is_some() {
                if let Some(l) = &f.logs {
                    ev.push(format!(
                        "jobs logs: {} traceback(s), {} database error(s)",
                        l.tracebacks, l.db_errors
                    ));
                    ev.extend(l.samples.iter().map(|x| format!("  │ {x}")));
                }
                ev.extend(
                    f.db_check_failed
                        .iter()
                        .map(|d| format!("readiness db: {d}")),
                );
                push(
            &mut causes,
                    "crash-loop-database",
                    format!(
                        "The runner crash-loops on database errors ({} restarts): it dies when it cannot record a result; restarting it will not help",
                        c.restart_count
                    ),
                    110,
                    ev,
                    "cleanops db-check --via db   # is PostgreSQL up and reachable as DATABASE_URL says?".into(),
                );
            } else {
                if let Some(l) = &f.logs {
                    ev.extend(l.samples.iter().map(|x| format!("  │ {x}")));
                }
                push(
                    &mut causes,
                    "crash-loop",
                    format!(
                        "The jobs container crash-loops ({} restarts)",
                        c.restart_count
                    ),
                    100,
                    ev,
                    "cleanops logs jobs --tail 200 --grep 'Traceback|Error'".into(),
                );
            }
        } else if !c.running {
            let oom = if c.oom_killed { ", OOM-killed" } else { "" };
            let code = c.exit_code.map(|x| format!(" {x}")).unwrap_or_default();
            push(
                &mut causes,
                "jobs-container-down",
                format!("The jobs container is not running: {}{code}{oom}", c.status),
                100,
                ev,
                "cleanops restart jobs --wait-heartbeat".into(),
            );
        }
    } else if f.jobs_missing {
        let mut ev = vec![format!(
            "no jobs container in project {}",
            s.settings.project_name.value
        )];
        ev.extend(hb_line.clone());
        push(
            &mut causes,
            "jobs-container-missing",
            "The jobs container does not exist (never started, or removed)".into(),
            100,
            ev,
            format!("cd {dir} && docker compose up -d jobs"),
        );
    }

    // The database.
    if f.db_check_failed.is_some() || f.db_container_down.is_some() {
        let mut ev: Vec<String> = f
            .db_check_failed
            .iter()
            .map(|d| format!("readiness db: {d}"))
            .collect();
        ev.extend(f.db_container_down.clone());
        ev.extend(hb_line.clone());
        push(
            &mut causes,
            "database-unreachable",
            "The database is unreachable: the runner cannot write its heartbeat".into(),
            90,
            ev,
            "cleanops db-check --via db".into(),
        );
    }

    // JOBS_ENABLED unset or false.
    let env_flag = s.settings.env.get("JOBS_ENABLED");
    let env_disabled =
        s.settings.env.problem.is_none() && env_flag.and_then(parse_bool) != Some(true);
    let container_disabled = f
        .jobs
        .as_ref()
        .and_then(|c| c.env_map().get("JOBS_ENABLED").cloned())
        .is_some_and(|v| parse_bool(&v) != Some(true));
    if hb_class == Some(HeartbeatClass::Disabled)
        || (env_disabled && heartbeat_bad)
        || container_disabled
    {
        let mut ev = Vec::new();
        ev.extend(hb_line.clone());
        ev.push(format!(
            "JOBS_ENABLED in {env_file}: {}",
            env_flag
                .map(|v| format!("{v:?}"))
                .unwrap_or_else(|| "unset (the app's default is false)".into())
        ));
        if container_disabled {
            ev.push("the running jobs container has JOBS_ENABLED false".into());
        }
        push(
            &mut causes,
            "jobs-disabled",
            "JOBS_ENABLED is unset or false".into(),
            85,
            ev,
            format!(
                "set JOBS_ENABLED=true and JOB_HEARTBEAT_REQUIRED=true in {env_file}, then: cd {dir} && docker compose up -d jobs api"
            ),
        );
    }

    // The env file edited but not applied.
    if status_of(reports, "env") == Some(Status::Failed)
        && let Some(c) = &f.jobs
    {
        let drift = crate::envcheck::drift(&s.settings.env, &c.env_map());
        // Drift in what decides the heartbeat or the database explains the incident by itself.
        let decisive = drift.iter().any(|d| {
            d.name.starts_with("JOBS_")
                || d.name.starts_with("JOB_HEARTBEAT")
                || d.name == "DATABASE_URL"
        });
        if !drift.is_empty() {
            push(
                &mut causes,
                "env-not-applied",
                format!(
                    "{env_file} was edited but the jobs container still runs with the old values"
                ),
                if decisive { 95 } else { 80 },
                drift
                    .iter()
                    .map(|d| {
                        format!(
                            "{}: file {} ≠ container {}",
                            d.name, d.in_file, d.in_container
                        )
                    })
                    .collect(),
                format!(
                    "cd {dir} && docker compose up -d jobs   # a restart does not re-read env_file"
                ),
            );
        }
    }

    // A running container with a bad heartbeat: just started, slow, or dead inside.
    if let (Some(c), true) = (&f.jobs, heartbeat_bad) {
        let uptime = c.uptime_seconds.unwrap_or(0.0);
        let first_loop = f.threshold + f.interval as f64;
        let last_complete = f.logs.as_ref().and_then(|l| l.last_job_complete);
        let alive = last_complete.is_some_and(|t| (s.now - t).as_seconds_f64() < f.threshold);
        if c.running && !c.crash_loop && f.db_check_failed.is_none() {
            let mut ev = vec![format!("jobs container {}: {}", c.name, c.summary(s.now))];
            ev.extend(hb_line.clone());
            if let Some(t) = last_complete {
                ev.push(format!(
                    "last job_complete in the log {} ago",
                    human((s.now - t).as_seconds_f64())
                ));
            }
            if uptime < first_loop {
                push(
                    &mut causes,
                    "just-started",
                    format!(
                        "The runner started {} ago and writes its first heartbeat only at the end of its first loop",
                        human(uptime)
                    ),
                    75,
                    ev,
                    "cleanops heartbeat --wait-fresh --timeout 5m".into(),
                );
            } else if alive {
                push(
            &mut causes,
                    "slow-loop",
                    format!(
                        "The runner is alive but a loop takes longer than the threshold ({}): the heartbeat comes only at the end of a loop",
                        human(f.threshold)
                    ),
                    70,
                    ev,
                    "cleanops heartbeat --all-jobs   # which job is slow; then raise JOB_HEARTBEAT_TTL_SECONDS or fix it".into(),
                );
            } else {
                push(
                    &mut causes,
                    "runner-dead-in-container",
                    "The runner process is dead or stuck inside a running container".into(),
                    72,
                    ev,
                    "cleanops restart jobs --wait-heartbeat".into(),
                );
            }
        }
    }

    // Clock drift.
    if matches!(status_of(reports, "clock"), Some(Status::Failed)) {
        push(
            &mut causes,
            "clock-drift",
            "The clocks disagree: heartbeat ages are measured against a clock that is off".into(),
            if heartbeat_bad { 88 } else { 60 },
            evidence_of(reports, "clock"),
            "timedatectl status; chronyc tracking   # on the host: is NTP synchronised?".into(),
        );
    }

    // A backlog of dead letters.
    if f.dead > 0 {
        let healthy = !heartbeat_bad && causes.is_empty();
        push(
            &mut causes,
            "dlq-backlog",
            format!(
                "{} dead event(s) wait in the dead-letter queue{}",
                f.dead,
                if healthy {
                    ""
                } else {
                    " (replay only once the runner is healthy)"
                }
            ),
            if healthy { 50 } else { 20 },
            evidence_of(reports, "dlq"),
            "cleanops dlq --all   # then replay each with an Idempotency-Key (docs/runbook.md)"
                .into(),
        );
    }

    // A bad heartbeat nothing above explains (the engine could not be asked, say).
    if heartbeat_bad
        && causes
            .iter()
            .all(|c| c.id == "dlq-backlog" || c.id == "clock-drift")
    {
        let mut ev: Vec<String> = hb_line.clone().into_iter().collect();
        let next = match s.cached_services() {
            None => {
                ev.push("the containers could not be checked (see jobs-container)".into());
                "cleanops status   # on the host, or with DOCKER_HOST=ssh://user@host".to_string()
            }
            Some(_) => "cleanops logs jobs --tail 200".to_string(),
        };
        push(
            &mut causes,
            "heartbeat-unexplained",
            "The jobs heartbeat is stale or missing, and the containers do not say why".into(),
            65,
            ev,
            next,
        );
    }

    causes.sort_by_key(|c| std::cmp::Reverse(c.score));
    let steps = steps(&causes, &f, &dir);
    Verdict { causes, steps }
}

/// The safe remediation, in the runbook's order, keeping only the steps the causes call for.
fn steps(causes: &[Cause], f: &Facts, dir: &str) -> Vec<String> {
    let has = |id: &str| causes.iter().any(|c| c.id == id);
    let mut steps = Vec::new();
    let container = has("jobs-container-down")
        || has("crash-loop")
        || has("crash-loop-database")
        || has("runner-dead-in-container");
    if container || has("jobs-container-missing") {
        steps.push("cleanops status && cleanops logs jobs --tail 200   # 1. the container and why it stopped".into());
    }
    let db = has("crash-loop-database") || has("database-unreachable");
    if (has("jobs-container-down") || has("runner-dead-in-container")) && !db {
        steps.push(
            "cleanops restart jobs --wait-heartbeat   # 2. restart and wait for a fresh heartbeat"
                .into(),
        );
    }
    if has("jobs-container-missing") {
        steps.push(format!(
            "cd {dir} && docker compose up -d jobs   # 2. create and start it"
        ));
    }
    if has("jobs-disabled") || has("env-not-applied") {
        steps.push(format!(
            "cleanops env-check   # 3. then fix the file and: cd {dir} && docker compose up -d jobs"
        ));
    }
    if db {
        steps.push("cleanops db-check --via db && cleanops db-check   # 4. the database, from db and from jobs".into());
    }
    if !f.failing_jobs.is_empty() && !db {
        let jobs: Vec<String> = f
            .failing_jobs
            .iter()
            .take(3)
            .map(|j| format!("--job {j}"))
            .collect();
        steps.push(format!(
            "cleanops run-once {}   # 5. one run of the failing jobs",
            jobs.join(" ")
        ));
    }
    let only_backlog = causes.len() == 1 && has("dlq-backlog");
    if !causes.is_empty() && !only_backlog {
        steps.push("cleanops status --wait-ready   # 6. readiness again".into());
    }
    if has("dlq-backlog") {
        steps.push(
            "cleanops dlq --all   # then replay the backlog, once the runner is healthy".into(),
        );
    }
    steps
}
