//! From evidence to causes: the runbook's likely causes and the ones this app really has
//! (docs/app-contract.md §6 and §11), ranked, each with the lines behind it and the exact next command;
//! then the safe remediation in the runbook's order.

use serde::Serialize;

use super::jobs_logs::{LogScan, scan};
use super::{CheckReport, Sources, Status};
use crate::api::jobs::{JobState, runner_interval};
use crate::api::readiness::{Heartbeat, HeartbeatClass};
use crate::clock::human;
use crate::config::parse_bool;
use crate::docker::{Container, compose};

#[derive(Clone, Debug, Serialize)]
pub struct Cause {
    pub id: &'static str,
    pub title: String,
    /// Higher is likelier; only the order matters.
    pub score: u32,
    pub evidence: Vec<String>,
    /// The one command to run next.
    pub next: String,
    /// A warning (a backlog to drain) does not make the deployment unhealthy by itself.
    pub severity: Severity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Failure,
    Warning,
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
    /// The api container: where JOBS_ENABLED and JOB_HEARTBEAT_REQUIRED act.
    api: Option<Container>,
    /// The engine answered and the project has no jobs container.
    jobs_missing: bool,
    /// The engine answered and the project has none of the watched services' containers.
    project_unseen: bool,
    /// Other projects on the engine with the app's services.
    other_projects: Vec<String>,
    db_check_failed: Option<String>,
    /// The db container exists and is not running: the root of everything after it.
    db_container_stopped: Option<String>,
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
    let api = service("api").and_then(|a| a.containers.first().cloned());
    let jobs_state = service("jobs");
    let jobs = jobs_state
        .as_ref()
        .and_then(|j| j.containers.first().cloned());
    let db_container_stopped = service("db").and_then(|d| match d.containers.first() {
        Some(c) if !c.running && !c.restarting => {
            Some(format!("db container {}: {}", c.name, c.summary(s.now)))
        }
        _ => None,
    });
    let project_unseen = services
        .as_ref()
        .is_some_and(|all| !all.is_empty() && all.iter().all(|x| x.containers.is_empty()));
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
        .unwrap_or(s.settings.heartbeat_threshold() as f64);
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
        project_unseen,
        other_projects: s.cached_other_projects(),
        db_container_stopped,
        jobs,
        api,
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
                severity: Severity::Failure,
            })
        };
    let ready = s
        .cached_readiness()
        .is_some_and(|r| r.readiness.ok && r.http_status == 200);
    // The database's container stopped is the root: the runner crash-loops and the readiness
    // check fails because of it, and an exec into it cannot run.
    let restart_db =
        "cleanops restart db   # start the database; the runner recovers by itself once it is back";

    // cleanops cannot see the deployment at all: the wrong project (a typo, another
    // directory). Every container-based cause would be a guess, and creating containers here
    // could start a second runner against the same database.
    if f.project_unseen {
        let project = &s.settings.project_name.value;
        let mut ev = vec![format!(
            "project {project} has no api, jobs or db container on this engine"
        )];
        if !f.other_projects.is_empty() {
            ev.push(format!(
                "projects on this engine with the app's services: {}",
                f.other_projects.join(", ")
            ));
        }
        ev.extend(hb_line.clone());
        let next = match f.other_projects.as_slice() {
            [one] => format!("cleanops diagnose --project-name {one}"),
            [] => "cleanops config show   # which project, directory and engine cleanops looks at"
                .into(),
            _ => format!(
                "cleanops diagnose --project-name {}   # or one of: {}",
                f.other_projects[0],
                f.other_projects.join(", ")
            ),
        };
        push(
            &mut causes,
            "project-not-seen",
            format!(
                "cleanops cannot see this deployment's containers: no container of compose project {project} on this engine"
            ),
            130,
            ev,
            next,
        );
        causes.sort_by_key(|c| std::cmp::Reverse(c.score));
        let steps = causes.iter().map(|c| c.next.clone()).collect();
        return Verdict { causes, steps };
    }

    if let Some(db) = &f.db_container_stopped {
        let mut ev = vec![db.clone()];
        ev.extend(
            f.db_check_failed
                .iter()
                .map(|d| format!("readiness db: {d}")),
        );
        ev.extend(hb_line.clone());
        push(
            &mut causes,
            "db-container-down",
            "The database's container is not running: the app cannot reach it and the runner dies on it".into(),
            120,
            ev,
            restart_db.into(),
        );
    }

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
                    if f.db_container_stopped.is_some() {
                        restart_db.into()
                    } else {
                        "cleanops db-check --via db   # is PostgreSQL up and reachable as DATABASE_URL says?".into()
                    },
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
            if c.exit_code == Some(137) && !c.oom_killed {
                ev.push("exit 137 without OOM: killed at the end of a stop's grace period (the runner ignores SIGTERM as PID 1, so every docker stop or restart waits it out and may cut a delivery in half), or killed from outside".into());
                ev.push("deployment fix: `init: true` (or `stop_signal: SIGINT`) for the jobs service in the compose file".into());
            }
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
        // A fresh heartbeat means a runner writes it: from another project, most likely.
        // Creating one here would be a second runner on the same database.
        let someone_runs = matches!(hb_class, Some(HeartbeatClass::Fresh | HeartbeatClass::Late));
        let next = if someone_runs || ready {
            ev.push("yet a runner writes the heartbeat: not from this project".into());
            match f.other_projects.first() {
                Some(p) => format!("cleanops diagnose --project-name {p}"),
                None => "cleanops config show   # which project cleanops looks at; do not start a second runner".into(),
            }
        } else {
            format!("cd {dir} && {} up -d jobs", compose::cli())
        };
        push(
            &mut causes,
            "jobs-container-missing",
            "The jobs container does not exist (never started, or removed)".into(),
            100,
            ev,
            next,
        );
    }

    // The database (its container stopped is the cause above).
    if f.db_container_stopped.is_none()
        && (f.db_check_failed.is_some() || f.db_container_down.is_some())
    {
        let mut ev: Vec<String> = f
            .db_check_failed
            .iter()
            .map(|d| format!("readiness db: {d}"))
            .collect();
        ev.extend(f.db_container_down.clone());
        ev.extend(hb_line.clone());
        // A stopped db container is the root: the runner's crash loop is what follows from it
        // (docs/app-contract.md §13), so it ranks above that loop.
        push(
            &mut causes,
            "database-unreachable",
            "The database is unreachable: the runner cannot write its heartbeat".into(),
            if f.db_container_down.is_some() {
                115
            } else {
                90
            },
            ev,
            "cleanops db-check --via db".into(),
        );
    }

    // JOBS_ENABLED unset or false.
    let env_flag = s.settings.env.get("JOBS_ENABLED");
    let env_disabled =
        s.settings.env.problem.is_none() && env_flag.and_then(parse_bool) != Some(true);
    // JOBS_ENABLED acts in the api only (docs/app-contract.md §13): with JOB_HEARTBEAT_REQUIRED it decides
    // whether readiness enforces the heartbeat. The runner ignores it and runs either way, so
    // the jobs container's value explains nothing.
    let container_disabled = f.api.as_ref().is_some_and(|c| {
        let env = c.env_map();
        let off = |name: &str| env.get(name).and_then(|v| parse_bool(v)) != Some(true);
        off("JOBS_ENABLED") && off("JOB_HEARTBEAT_REQUIRED")
    });
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
            ev.push("the running api container has JOBS_ENABLED and JOB_HEARTBEAT_REQUIRED off: its readiness does not enforce the heartbeat (the runner ignores JOBS_ENABLED and runs either way)".into());
        }
        push(
            &mut causes,
            "jobs-disabled",
            "JOBS_ENABLED is unset or false".into(),
            85,
            ev,
            format!(
                "set JOBS_ENABLED=true and JOB_HEARTBEAT_REQUIRED=true in {env_file}, then: cd {dir} && {} up -d jobs api",
                compose::cli()
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
                    "cd {dir} && {} up -d jobs   # a restart does not re-read env_file",
                    compose::cli()
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
        let at = causes.len();
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
            replay_command(s).into(),
        );
        causes[at].severity = Severity::Warning;
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
    if has("db-container-down") {
        steps.push(
            "cleanops restart db   # 1. the database first: nothing else works without it".into(),
        );
    }
    let db = has("crash-loop-database") || has("database-unreachable") || has("db-container-down");
    if (has("jobs-container-down") || has("runner-dead-in-container")) && !db {
        steps.push(
            "cleanops restart jobs --wait-heartbeat   # 2. restart and wait for a fresh heartbeat"
                .into(),
        );
    }
    if has("jobs-container-missing") {
        steps.push(format!(
            "cd {dir} && {} up -d jobs   # 2. create and start it",
            compose::cli()
        ));
    }
    if has("jobs-disabled") || has("env-not-applied") {
        steps.push(format!(
            "cleanops env-check   # 3. then fix the file and: cd {dir} && {} up -d jobs",
            compose::cli()
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
    if let Some(backlog) = causes.iter().find(|c| c.id == "dlq-backlog") {
        steps.push(format!("{}, once the runner is healthy", backlog.next));
    }
    // Numbered in the order they stand, whatever steps the causes left out.
    for (n, step) in steps.iter_mut().enumerate() {
        if let Some(at) = step.find("   # ")
            && let Some(dot) = step[at + 5..].find(". ")
            && step[at + 5..at + 5 + dot]
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            step.replace_range(at + 5..at + 5 + dot, &(n + 1).to_string());
        }
    }
    steps
}

/// The replay that works on the deployment the diagnosis saw: cleanops' own, through the
/// database where the API could not list the dead outbox events (it cannot replay them either).
fn replay_command(s: &Sources) -> &'static str {
    let api_cannot_list_outbox = s
        .cached_dlq()
        .is_some_and(|l| l.unlisted.iter().any(|u| u.kind == "outbox"));
    if api_cannot_list_outbox {
        "cleanops replay --from-dlq --via db --dry-run   # the API cannot list outbox events here; then again with --yes"
    } else {
        "cleanops replay --from-dlq --dry-run   # then again with --yes"
    }
}
