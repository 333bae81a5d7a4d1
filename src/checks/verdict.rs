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
    /// The one command to run next: `action`'s command, with a note after `   # `.
    pub next: String,
    /// A warning (a backlog to drain) does not make the deployment unhealthy by itself.
    pub severity: Severity,
    /// What `next` does, as the remediation can do it.
    #[serde(skip)]
    pub action: Action,
    /// The steps this cause calls for, in order; the first is `action`. The remediation list
    /// and `cleanops remediate` are made of these, so neither can disagree with `next`.
    #[serde(skip)]
    pub plan: Vec<PlanStep>,
}

impl Cause {
    /// A failure whose plan is its next command alone.
    fn new(
        id: &'static str,
        title: String,
        score: u32,
        evidence: Vec<String>,
        action: Action,
        note: Option<&str>,
    ) -> Cause {
        let command = action.command();
        Cause {
            id,
            plan: vec![PlanStep {
                action: action.clone(),
                reason: title.clone(),
            }],
            title,
            score,
            evidence,
            next: match note {
                Some(n) => format!("{command}   # {n}"),
                None => command,
            },
            severity: Severity::Failure,
            action,
        }
    }

    /// One more step after the cause's own.
    fn then(mut self, action: Action, reason: impl Into<String>) -> Cause {
        self.plan.push(PlanStep {
            action,
            reason: reason.into(),
        });
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Failure,
    Warning,
}

/// What a step does: the one vocabulary of the verdict's next commands, the remediation list
/// and `cleanops remediate`'s walk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Restart jobs and wait for a fresh heartbeat.
    Restart,
    /// Start (or restart) the database's container and verify that it runs steadily.
    StartDb,
    /// Start (or restart) the api's container and verify that it runs steadily.
    RestartApi,
    /// The database, from inside the jobs container (or with pg_isready in db).
    DbCheck { via_db: bool },
    /// One loop of the named jobs.
    RunOnce { jobs: Vec<String> },
    /// Wait for the runner's first loop to finish (nothing to do but wait).
    WaitFresh,
    /// A command cleanops does not run for the engineer (a look, an edit, a compose command):
    /// exact, runnable as printed; the walk pauses there.
    Manual { command: String },
}

impl Action {
    /// The exact command (for `Manual`, without its note).
    pub fn command(&self) -> String {
        match self {
            Action::Restart => "cleanops restart jobs --wait-heartbeat".into(),
            Action::StartDb => "cleanops restart db".into(),
            Action::RestartApi => "cleanops restart api".into(),
            Action::DbCheck { via_db: true } => "cleanops db-check --via db".into(),
            Action::DbCheck { via_db: false } => "cleanops db-check".into(),
            Action::RunOnce { jobs } => format!(
                "cleanops run-once {}",
                jobs.iter()
                    .map(|j| format!("--job {j}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Action::WaitFresh => "cleanops heartbeat --wait-fresh --timeout 5m".into(),
            Action::Manual { command } => command.clone(),
        }
    }
}

/// One step of the remediation: what, and why (the title of the cause that calls for it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanStep {
    pub action: Action,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub causes: Vec<Cause>,
    /// The safe remediation, in order, as exact commands: [`Verdict::plan`] written out, then
    /// readiness again, then the backlog's replay.
    pub steps: Vec<String>,
    /// What `cleanops remediate` walks: the failure causes' own steps, likeliest cause first.
    #[serde(skip)]
    pub plan: Vec<PlanStep>,
}

/// The plan of `causes` (sorted, likeliest first): each failure's steps in turn, a step
/// already planned not repeated, ending at the first manual step (the walk pauses there).
/// With no failure to treat, one loop of the failing jobs. So the plan's first step is always
/// the first failure's next command.
pub fn plan(causes: &[Cause], failing_jobs: &[String]) -> Vec<PlanStep> {
    let mut out: Vec<PlanStep> = Vec::new();
    for c in causes.iter().filter(|c| c.severity == Severity::Failure) {
        for step in &c.plan {
            if out.iter().any(|o| o.action == step.action) {
                continue;
            }
            out.push(step.clone());
            if matches!(step.action, Action::Manual { .. }) {
                return out;
            }
        }
    }
    if out.is_empty() && !failing_jobs.is_empty() {
        out.push(PlanStep {
            action: Action::RunOnce {
                jobs: failing_jobs.iter().take(5).cloned().collect(),
            },
            reason: format!("jobs failing: {}", failing_jobs.join(", ")),
        });
    }
    out
}

/// The remediation list shown with the causes: the plan, numbered, then readiness again and
/// the backlog's replay.
fn written_steps(causes: &[Cause], plan: &[PlanStep]) -> Vec<String> {
    let mut steps: Vec<String> = plan
        .iter()
        .enumerate()
        .map(|(n, p)| format!("{}   # {}. {}", p.action.command(), n + 1, p.reason))
        .collect();
    if causes.iter().any(|c| c.severity == Severity::Failure) || !plan.is_empty() {
        steps.push(format!(
            "cleanops status --wait-ready   # {}. readiness again",
            steps.len() + 1
        ));
    }
    if let Some(backlog) = causes.iter().find(|c| c.id == "dlq-backlog") {
        steps.push(format!("{}, once the runner is healthy", backlog.next));
    }
    steps
}

/// `cd DIR && docker compose`, with `-p NAME` when compose, run in that directory, would not
/// find the project cleanops looked at by itself (a name from a flag, the environment or a
/// profile): printed compose commands act on the deployment diagnosed, never on another.
pub fn compose_in(s: &Sources) -> String {
    let dir = &s.settings.project_dir.value;
    let project = &s.settings.project_name.value;
    let compose_would = s
        .settings
        .env
        .get("COMPOSE_PROJECT_NAME")
        .filter(|v| !v.is_empty())
        .map(crate::config::normalize_project_name)
        .unwrap_or_else(|| {
            crate::config::normalize_project_name(
                &dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
        });
    let p = if &compose_would == project {
        String::new()
    } else {
        format!(" -p {}", shell_word(project))
    };
    format!(
        "cd {} && {}{p}",
        shell_word(&dir.display().to_string()),
        compose::cli()
    )
}

/// A word for a POSIX shell: as it is when it needs no quoting, else single-quoted.
fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@,".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// The env file's `NAME=value` line set to `value` in place (appended when absent): an exact
/// command for an edit, printed, never run by cleanops.
fn set_in_env_file(s: &Sources, name: &str, value: &str) -> String {
    let file = shell_word(&s.settings.env_file.value.display().to_string());
    if s.settings.env.get(name).is_some() {
        format!("sed -i 's/^{name}=.*/{name}={value}/' {file}")
    } else {
        format!("printf '%s\\n' '{name}={value}' >> {file}")
    }
}

/// Everything the rules look at, read once from what the pass fetched.
struct Facts {
    hb: Option<Heartbeat>,
    /// The jobs container, judged with the heartbeat (a recovered runner is no crash loop).
    jobs: Option<Container>,
    /// The api container: where JOBS_ENABLED, JOB_HEARTBEAT_REQUIRED and the TTL act.
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
    /// The db container is missing or restarting (stopped is the line above).
    db_container_troubled: Option<String>,
    /// The db container restarts over and over.
    db_restarting: bool,
    /// The api container exists and is not running.
    api_container_stopped: Option<String>,
    /// `pg_isready` inside the running db container, when readiness says the database fails.
    db_inside: Option<super::sources::DbInside>,
    /// The runner's log, every line read (a crash loop is a series of runs).
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
    let mut jobs = jobs_state
        .as_ref()
        .and_then(|j| j.containers.first().cloned());
    if let Some(c) = jobs.as_mut() {
        c.judge_recovery(hb.as_ref().and_then(super::heartbeat::fresh_time));
    }
    let db = service("db").and_then(|d| d.containers.first().cloned());
    let db_container_stopped = db
        .as_ref()
        .filter(|c| !c.running && !c.restarting)
        .map(|c| format!("db container {}: {}", c.name, c.summary(s.now)));
    let project_unseen = services
        .as_ref()
        .is_some_and(|all| !all.is_empty() && all.iter().all(|x| x.containers.is_empty()));
    let db_container_troubled = match (&services, &db) {
        (Some(_), None) => Some("no db container in the project".to_string()),
        (_, Some(c)) if c.restarting || c.crash_loop => {
            Some(format!("db container {}: {}", c.name, c.summary(s.now)))
        }
        _ => None,
    };
    let api_container_stopped = api
        .as_ref()
        .filter(|c| !c.running && !c.restarting)
        .map(|c| format!("api container {}: {}", c.name, c.summary(s.now)));
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
        db_restarting: db.as_ref().is_some_and(|c| c.restarting || c.crash_loop),
        db_container_troubled,
        api_container_stopped,
        db_inside: s.cached_db_inside(),
        jobs,
        api,
        hb,
        db_check_failed,
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

/// Variables the api reads and the runner does not (docs/app-contract.md §1, §13): a
/// difference in the jobs container's copy changes nothing.
const API_ONLY: [&str; 3] = [
    "JOBS_ENABLED",
    "JOB_HEARTBEAT_REQUIRED",
    "JOB_HEARTBEAT_TTL_SECONDS",
];

/// The drift between the env file and a running service's container that matters there.
pub fn service_drift(
    env: &crate::config::EnvFile,
    service: &str,
    c: &Container,
) -> Vec<crate::envcheck::Drift> {
    crate::envcheck::drift(env, &c.env_map())
        .into_iter()
        .filter(|d| service != "jobs" || !API_ONLY.contains(&d.name.as_str()))
        .collect()
}

pub fn decide(s: &Sources, reports: &[CheckReport]) -> Verdict {
    let f = facts(s);
    let env_file = s.settings.env_file.value.display().to_string();
    let mut causes: Vec<Cause> = Vec::new();
    let hb_class = f.hb.as_ref().map(|h| h.class);
    let hb_line = f.hb.as_ref().map(|h| format!("heartbeat: {}", h.reading()));
    let heartbeat_bad = matches!(
        hb_class,
        Some(HeartbeatClass::Stale | HeartbeatClass::Missing | HeartbeatClass::Failed)
    );
    let db_trouble_in_logs = f.logs.as_ref().is_some_and(|l| l.db_errors > 0);
    let ready = s
        .cached_readiness()
        .is_some_and(|r| r.readiness.ok && r.http_status == 200);

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
        let cause = Cause::new(
            "project-not-seen",
            format!(
                "cleanops cannot see this deployment's containers: no container of compose project {project} on this engine"
            ),
            130,
            ev,
            Action::Manual { command: next },
            None,
        );
        let causes = vec![cause];
        let plan = plan(&causes, &[]);
        let steps = written_steps(&causes, &plan);
        return Verdict {
            causes,
            steps,
            plan,
        };
    }

    // The root of a database outage, as the next command treats it. Ranked: a stopped db
    // container > the database unreachable > the runner crash-looping on it (§13).
    let db_root: Option<Action> = if f.db_container_stopped.is_some() {
        Some(Action::StartDb)
    } else if f.db_check_failed.is_some() || f.db_container_troubled.is_some() {
        Some(match (&f.db_inside, f.db_restarting) {
            (Some(inside), _) if !inside.answers => Action::StartDb,
            (Some(_), _) => Action::Manual {
                command: "cleanops env-check   # DATABASE_URL: the database answers in its container, not to the app".into(),
            },
            (None, true) => Action::Manual {
                command: "cleanops logs db --tail 100   # why the database's container keeps restarting".into(),
            },
            (None, false) if f.db_container_troubled.is_some() => Action::Manual {
                command: "cleanops status   # the project has no db container: which services run where".into(),
            },
            (None, false) => Action::DbCheck { via_db: true },
        })
    } else {
        None
    };

    if let Some(db) = &f.db_container_stopped {
        let mut ev = vec![db.clone()];
        ev.extend(
            f.db_check_failed
                .iter()
                .map(|d| format!("readiness db: {d}")),
        );
        ev.extend(hb_line.clone());
        causes.push(Cause::new(
            "db-container-down",
            "The database's container is not running: the app cannot reach it and the runner dies on it".into(),
            120,
            ev,
            Action::StartDb,
            Some("start the database; the runner recovers by itself once it is back"),
        ));
    } else if let Some(action) = &db_root {
        let mut ev: Vec<String> = f
            .db_check_failed
            .iter()
            .map(|d| format!("readiness db: {d}"))
            .collect();
        ev.extend(f.db_container_troubled.clone());
        if let Some(inside) = &f.db_inside {
            ev.push(format!(
                "pg_isready in {}: {}",
                inside.container,
                if inside.answers {
                    "accepting connections".to_string()
                } else {
                    inside.said.clone()
                }
            ));
        }
        ev.extend(hb_line.clone());
        let (title, note) = match action {
            Action::StartDb => (
                "The database does not answer, though its container runs: the app and the runner cannot use it",
                Some(
                    "restart the database that does not answer; the runner recovers once it is back",
                ),
            ),
            _ => (
                "The database is unreachable: the runner cannot write its heartbeat",
                None,
            ),
        };
        causes.push(Cause::new(
            "database-unreachable",
            title.into(),
            115,
            ev,
            action.clone(),
            note,
        ));
    }

    // The api's container stopped: nothing answers, and the heartbeat cannot be read.
    if let Some(api) = &f.api_container_stopped {
        let mut ev = vec![api.clone()];
        if s.cached_readiness().is_none() {
            ev.push("the API did not answer /readyz".into());
        }
        causes.push(Cause::new(
            "api-container-down",
            "The api's container is not running: the API does not answer".into(),
            118,
            ev,
            Action::RestartApi,
            Some("start the api; its readiness tells the rest"),
        ));
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
                let restart_reason = "once the database answers, restart the runner rather than wait out the engine's restart backoff";
                causes.push(match &db_root {
                    // Still down: the root's step first; restarting now would only loop.
                    Some(root) => Cause::new(
                        "crash-loop-database",
                        format!(
                            "The runner crash-loops on database errors ({} restarts): it dies when it cannot record a result; restarting it will not help until the database is back",
                            c.restart_count
                        ),
                        110,
                        ev,
                        root.clone(),
                        Some("the database first"),
                    )
                    .then(Action::Restart, restart_reason),
                    None => Cause::new(
                        "crash-loop-database",
                        format!(
                            "The runner crash-looped on database errors ({} restarts) and the database answers again: restart it rather than wait out the engine's backoff",
                            c.restart_count
                        ),
                        110,
                        ev,
                        Action::Restart,
                        None,
                    ),
                });
            } else {
                if let Some(l) = &f.logs {
                    ev.extend(l.samples.iter().map(|x| format!("  │ {x}")));
                }
                causes.push(Cause::new(
                    "crash-loop",
                    format!(
                        "The jobs container crash-loops ({} restarts)",
                        c.restart_count
                    ),
                    100,
                    ev,
                    Action::Manual {
                        command: "cleanops logs jobs --tail 200 --grep 'Traceback|Error'".into(),
                    },
                    None,
                ));
            }
        } else if !c.running {
            let oom = if c.oom_killed { ", OOM-killed" } else { "" };
            let code = c.exit_code.map(|x| format!(" {x}")).unwrap_or_default();
            if c.exit_code == Some(137) && !c.oom_killed {
                ev.push("exit 137 without OOM: killed at the end of a stop's grace period (the runner ignores SIGTERM as PID 1, so every docker stop or restart waits it out and may cut a delivery in half), or killed from outside".into());
                ev.push("deployment fix: `init: true` (or `stop_signal: SIGINT`) for the jobs service in the compose file".into());
            }
            let mut cause = Cause::new(
                "jobs-container-down",
                format!("The jobs container is not running: {}{code}{oom}", c.status),
                100,
                ev,
                Action::Restart,
                None,
            );
            if db_root.is_some() {
                // Started into a database outage it would die again: the database first.
                cause
                    .title
                    .push_str(" (start it once the database answers)");
                cause.plan[0].reason = cause.title.clone();
            }
            causes.push(cause);
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
            format!("{} up -d jobs   # create and start it", compose_in(s))
        };
        causes.push(Cause::new(
            "jobs-container-missing",
            "The jobs container does not exist (never started, or removed)".into(),
            100,
            ev,
            Action::Manual { command: next },
            None,
        ));
    }

    // JOBS_ENABLED acts in the api only (docs/app-contract.md §13): with JOB_HEARTBEAT_REQUIRED
    // it decides whether readiness enforces the heartbeat. The runner ignores it and runs
    // either way, so the jobs container's value explains nothing.
    let on = |v: Option<&str>| v.and_then(parse_bool) == Some(true);
    let env_ok = s.settings.env.problem.is_none();
    let file_flag = s.settings.env.get("JOBS_ENABLED");
    let file_required = s.settings.env.get("JOB_HEARTBEAT_REQUIRED");
    let file_off = env_ok && !on(file_flag) && !on(file_required);
    let api_env = f.api.as_ref().map(|c| c.env_map());
    let api_off = api_env.as_ref().is_some_and(|env| {
        !on(env.get("JOBS_ENABLED").map(String::as_str))
            && !on(env.get("JOB_HEARTBEAT_REQUIRED").map(String::as_str))
    });
    let readiness_blind = hb_class == Some(HeartbeatClass::Disabled) || api_off;
    if readiness_blind || (file_off && heartbeat_bad) {
        let mut ev = Vec::new();
        ev.extend(hb_line.clone());
        let shown = |v: Option<&str>| {
            v.map(|v| format!("{v:?}"))
                .unwrap_or_else(|| "unset (the app's default is false)".into())
        };
        ev.push(format!(
            "in {env_file}: JOBS_ENABLED {}, JOB_HEARTBEAT_REQUIRED {}",
            shown(file_flag),
            shown(file_required)
        ));
        if let Some(env) = &api_env {
            ev.push(format!(
                "in the running api container: JOBS_ENABLED {}, JOB_HEARTBEAT_REQUIRED {}",
                shown(env.get("JOBS_ENABLED").map(String::as_str)),
                shown(env.get("JOB_HEARTBEAT_REQUIRED").map(String::as_str))
            ));
        }
        ev.push(
            "the runner ignores JOBS_ENABLED and runs either way: only the api's values matter"
                .into(),
        );
        // The exact fix: the file first when it is what says off, then the api re-created
        // (a restart does not re-read env_file).
        // Both true, as the env rules want (`cleanops env-check`).
        let mut edits = Vec::new();
        for (name, value) in [
            ("JOBS_ENABLED", file_flag),
            ("JOB_HEARTBEAT_REQUIRED", file_required),
        ] {
            if !on(value) {
                edits.push(set_in_env_file(s, name, "true"));
            }
        }
        edits.push(format!("{} up -d api", compose_in(s)));
        let (title, note) = if readiness_blind {
            (
                "The api does not enforce the runner's heartbeat: JOBS_ENABLED and JOB_HEARTBEAT_REQUIRED are off where they act, so readiness would not see the runner die",
                "JOBS_ENABLED=true and JOB_HEARTBEAT_REQUIRED=true, applied where they act: the api",
            )
        } else {
            (
                "JOBS_ENABLED and JOB_HEARTBEAT_REQUIRED are unset or false in the env file: a stale heartbeat is not enforced once the api is re-created",
                "both true in the file and the api re-created",
            )
        };
        causes.push(Cause::new(
            "jobs-disabled",
            title.into(),
            85,
            ev,
            Action::Manual {
                command: format!("{}   # {note}", edits.join(" && ")),
            },
            None,
        ));
    }

    // The env file edited but not applied, service by service: what differs where it acts.
    if env_ok {
        let mut drifted: Vec<&str> = Vec::new();
        let mut ev = Vec::new();
        let mut decisive = false;
        for (service, c) in [("api", f.api.as_ref()), ("jobs", f.jobs.as_ref())] {
            let Some(c) = c else { continue };
            let drift = service_drift(&s.settings.env, service, c);
            if drift.is_empty() {
                continue;
            }
            drifted.push(service);
            for d in &drift {
                decisive |= d.name.starts_with("JOBS_")
                    || d.name.starts_with("JOB_HEARTBEAT")
                    || d.name == "DATABASE_URL";
                ev.push(format!(
                    "{service}: {}: file {} ≠ container {}",
                    d.name, d.in_file, d.in_container
                ));
            }
        }
        if !drifted.is_empty() {
            causes.push(Cause::new(
                "env-not-applied",
                format!(
                    "{env_file} was edited but the {} container{} still run{} with the old values",
                    drifted.join(" and "),
                    if drifted.len() > 1 { "s" } else { "" },
                    if drifted.len() > 1 { "" } else { "s" }
                ),
                if decisive { 95 } else { 80 },
                ev,
                Action::Manual {
                    command: format!(
                        "{} up -d {}   # re-create them: a restart does not re-read env_file",
                        compose_in(s),
                        drifted.join(" ")
                    ),
                },
                None,
            ));
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
                causes.push(Cause::new(
                    "just-started",
                    format!(
                        "The runner started {} ago and writes its first heartbeat only at the end of its first loop",
                        human(uptime)
                    ),
                    75,
                    ev,
                    Action::WaitFresh,
                    None,
                ));
            } else if alive {
                causes.push(Cause::new(
                    "slow-loop",
                    format!(
                        "The runner is alive but a loop takes longer than the threshold ({}): the heartbeat comes only at the end of a loop",
                        human(f.threshold)
                    ),
                    70,
                    ev,
                    Action::Manual {
                        command: "cleanops heartbeat --all-jobs   # which job is slow; then raise JOB_HEARTBEAT_TTL_SECONDS or fix it".into(),
                    },
                    None,
                ));
            } else {
                causes.push(Cause::new(
                    "runner-dead-in-container",
                    "The runner process is dead or stuck inside a running container".into(),
                    72,
                    ev,
                    Action::Restart,
                    None,
                ));
            }
        }
    }

    // Clock drift.
    if matches!(status_of(reports, "clock"), Some(Status::Failed)) {
        causes.push(Cause::new(
            "clock-drift",
            "The clocks disagree: heartbeat ages are measured against a clock that is off".into(),
            if heartbeat_bad { 88 } else { 60 },
            evidence_of(reports, "clock"),
            Action::Manual {
                command:
                    "timedatectl status; chronyc tracking   # on the host: is NTP synchronised?"
                        .into(),
            },
            None,
        ));
    }

    // A backlog of dead letters: a warning, replayed once the runner is healthy.
    if f.dead > 0 {
        let healthy = !heartbeat_bad && causes.is_empty();
        let (command, note) = replay_command(s);
        let mut c = Cause::new(
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
            Action::Manual {
                command: command.into(),
            },
            Some(note),
        );
        c.severity = Severity::Warning;
        causes.push(c);
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
        causes.push(Cause::new(
            "heartbeat-unexplained",
            "The jobs heartbeat is stale or missing, and the containers do not say why".into(),
            65,
            ev,
            Action::Manual { command: next },
            None,
        ));
    }

    causes.sort_by_key(|c| std::cmp::Reverse(c.score));
    let plan = plan(&causes, &f.failing_jobs);
    let steps = written_steps(&causes, &plan);
    Verdict {
        causes,
        steps,
        plan,
    }
}

/// The replay that works on the deployment the diagnosis saw: cleanops' own, through the
/// database where the API could not list the dead outbox events (it cannot replay them either).
fn replay_command(s: &Sources) -> (&'static str, &'static str) {
    let api_cannot_list_outbox = s
        .cached_dlq()
        .is_some_and(|l| l.unlisted.iter().any(|u| u.kind == "outbox"));
    if api_cannot_list_outbox {
        (
            "cleanops replay --from-dlq --via db --dry-run",
            "the API cannot list outbox events here; then again with --yes",
        )
    } else {
        (
            "cleanops replay --from-dlq --dry-run",
            "then again with --yes",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(id: &'static str, score: u32, action: Action) -> Cause {
        Cause::new(id, id.into(), score, vec![], action, None)
    }

    fn commands(plan: &[PlanStep]) -> Vec<String> {
        plan.iter().map(|p| p.action.command()).collect()
    }

    /// One source: the plan starts with the first failure's next command, repeats nothing,
    /// pauses at the first manual step, and the written list is the plan word for word.
    #[test]
    fn the_plan_starts_where_the_verdict_points() {
        let manual = |c: &str| Action::Manual { command: c.into() };
        let causes = vec![
            failure("db-container-down", 120, Action::StartDb),
            failure("crash-loop-database", 110, Action::StartDb)
                .then(Action::Restart, "once the database answers"),
            failure("jobs-container-down", 100, Action::Restart),
            failure(
                "env-not-applied",
                95,
                manual("cd /opt/cleaning && docker compose up -d api"),
            ),
            failure("clock-drift", 60, manual("timedatectl status")),
        ];
        let p = plan(&causes, &["email-dlq".into()]);
        assert_eq!(
            commands(&p),
            [
                "cleanops restart db",
                "cleanops restart jobs --wait-heartbeat",
                "cd /opt/cleaning && docker compose up -d api",
            ]
        );
        assert_eq!(p[0].action, causes[0].action);
        assert!(causes[0].next.starts_with(&p[0].action.command()));
        let written = written_steps(&causes, &p);
        for (w, step) in written.iter().zip(&p) {
            assert_eq!(
                w.split("   # ").next(),
                Some(step.action.command().as_str())
            );
        }
        assert_eq!(written.len(), p.len() + 1, "{written:?}");
        assert!(
            written
                .last()
                .unwrap()
                .starts_with("cleanops status --wait-ready")
        );

        // A warning alone plans nothing; failing jobs alone, one loop of them.
        let mut backlog = failure(
            "dlq-backlog",
            50,
            manual("cleanops replay --from-dlq --dry-run"),
        );
        backlog.severity = Severity::Warning;
        assert!(plan(std::slice::from_ref(&backlog), &[]).is_empty());
        assert_eq!(
            commands(&plan(&[backlog], &["email-dlq".into()])),
            ["cleanops run-once --job email-dlq"]
        );
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("/opt/cleaning"), "/opt/cleaning");
        assert_eq!(shell_word("/srv/my app"), "'/srv/my app'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
