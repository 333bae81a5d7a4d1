//! From evidence to causes: the runbook's likely causes and the ones this app really has
//! (docs/app-contract.md §6 and §11), ranked, each with the lines behind it and the exact next
//! command; then the safe remediation in the runbook's order.
//!
//! Read it top down: [`CauseId`] names the causes, [`ORDER`] ranks them (root cause before
//! symptom), [`RULES`] holds one small rule per cause, and [`decide`] runs the rules and ranks
//! what they found. The plan ([`plan`]) is made of the ranked causes' own steps, so the
//! verdict's next command, its remediation list and `cleanops remediate` cannot disagree.

use serde::Serialize;

use super::jobs_logs::{LogScan, scan};
use super::{CheckReport, Sources, Status};
use crate::api::jobs::{JobState, runner_interval};
use crate::api::readiness::{Heartbeat, HeartbeatClass};
use crate::clock::human;
use crate::config::parse_bool;
use crate::docker::{Container, compose};

use CauseId::*;
use Weight::{Strong, Weak};

/// The causes the verdict can name. Their names (`verdict.causes[].id` in `diagnose --json`,
/// docs/json.md) are stable: scripts and escalations match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CauseId {
    ProjectNotSeen,
    DbContainerDown,
    ApiContainerDown,
    DatabaseUnreachable,
    CrashLoopDatabase,
    JobsContainerDown,
    JobsContainerMissing,
    CrashLoop,
    EnvNotApplied,
    ClockDrift,
    JobsDisabled,
    JustStarted,
    RunnerDeadInContainer,
    SlowLoop,
    HeartbeatUnexplained,
    DlqBacklog,
}

/// How much a cause explains where it was found. Most causes have one place in [`ORDER`];
/// a few weigh more when they explain the symptom in front of the engineer (a drifted
/// variable that decides the heartbeat, a clock off while the heartbeat looks stale, a
/// backlog with nothing else wrong).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Strong,
    Weak,
}

/// The ranking, root cause before symptom: a cause explains the ones below it, so the verdict
/// lists it first and its next command treats the root (a stopped db container is started,
/// not checked from inside). Each row: the cause, its weight, and the `score` the JSON shows
/// (kept as it has always been; it descends with the rows, and only the order means anything).
pub const ORDER: &[(CauseId, Weight, u32)] = &[
    // Nothing of the deployment is seen: every other cause would be a guess.
    (ProjectNotSeen, Strong, 130),
    // The database's container stopped > the API down > the database not answering > the
    // runner crash-looping on it (docs/app-contract.md §13).
    (DbContainerDown, Strong, 120),
    (ApiContainerDown, Strong, 118),
    (DatabaseUnreachable, Strong, 115),
    (CrashLoopDatabase, Strong, 110),
    // The runner's container: down, missing or crash-looping (one at a time).
    (JobsContainerDown, Strong, 100),
    (JobsContainerMissing, Strong, 100),
    (CrashLoop, Strong, 100),
    // A variable that decides the heartbeat or the database, edited but not applied.
    (EnvNotApplied, Strong, 95),
    // The heartbeat's age measured against a clock that is off.
    (ClockDrift, Strong, 88),
    (JobsDisabled, Strong, 85),
    (EnvNotApplied, Weak, 80),
    // A running container with a stale heartbeat.
    (JustStarted, Strong, 75),
    (RunnerDeadInContainer, Strong, 72),
    (SlowLoop, Strong, 70),
    // A stale heartbeat nothing above explains: the symptom itself.
    (HeartbeatUnexplained, Strong, 65),
    (ClockDrift, Weak, 60),
    // A backlog: the one thing to do when nothing else is wrong; else after everything.
    (DlqBacklog, Strong, 50),
    (DlqBacklog, Weak, 20),
];

/// A rule: the facts, and the causes the rules before it found → its cause, or nothing.
type Rule = fn(&Facts, &[Cause]) -> Option<Cause>;

/// One rule per cause (but [`ProjectNotSeen`], which [`decide`] asks first), run in this
/// order; the order here does not rank ([`ORDER`] does), except that the last two look at what
/// the others found.
const RULES: &[Rule] = &[
    db_container_down,
    database_unreachable,
    api_container_down,
    crash_loop_database,
    crash_loop,
    jobs_container_down,
    jobs_container_missing,
    jobs_disabled,
    env_not_applied,
    just_started,
    slow_loop,
    runner_dead_in_container,
    clock_drift,
    dlq_backlog,
    heartbeat_unexplained,
];

pub fn decide(s: &Sources, reports: &[CheckReport]) -> Verdict {
    let f = facts(s, reports);
    // cleanops cannot see the deployment at all (the wrong project: a typo, another
    // directory): every container-based cause would be a guess, and creating containers here
    // could start a second runner against the same database.
    if let Some(unseen) = project_not_seen(&f) {
        return Verdict::of(vec![unseen], &[]);
    }
    let mut causes = Vec::new();
    for rule in RULES {
        if let Some(cause) = rule(&f, &causes) {
            causes.push(cause);
        }
    }
    Verdict::of(causes, &f.failing_jobs)
}

/// `causes` in the order of `order`, each with its row's score; a stable sort, so causes on
/// one row keep the order they were found in.
fn rank_by(order: &[(CauseId, Weight, u32)], causes: &mut [Cause]) {
    let row = |c: &Cause| {
        let at = order
            .iter()
            .position(|&(id, weight, _)| id == c.id && weight == c.weight);
        // A rule that weighs its cause in a way the table has no row for is a bug: loud in
        // tests, last in a release build.
        debug_assert!(at.is_some(), "{} ({:?}) has no row", c.id, c.weight);
        at.unwrap_or(order.len())
    };
    for c in causes.iter_mut() {
        c.score = order.get(row(c)).map_or(0, |r| r.2);
    }
    causes.sort_by_key(row);
}

impl CauseId {
    pub const ALL: [CauseId; 16] = [
        ProjectNotSeen,
        DbContainerDown,
        ApiContainerDown,
        DatabaseUnreachable,
        CrashLoopDatabase,
        JobsContainerDown,
        JobsContainerMissing,
        CrashLoop,
        EnvNotApplied,
        ClockDrift,
        JobsDisabled,
        JustStarted,
        RunnerDeadInContainer,
        SlowLoop,
        HeartbeatUnexplained,
        DlqBacklog,
    ];

    /// The stable name, as `diagnose --json` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectNotSeen => "project-not-seen",
            DbContainerDown => "db-container-down",
            ApiContainerDown => "api-container-down",
            DatabaseUnreachable => "database-unreachable",
            CrashLoopDatabase => "crash-loop-database",
            JobsContainerDown => "jobs-container-down",
            JobsContainerMissing => "jobs-container-missing",
            CrashLoop => "crash-loop",
            EnvNotApplied => "env-not-applied",
            ClockDrift => "clock-drift",
            JobsDisabled => "jobs-disabled",
            JustStarted => "just-started",
            RunnerDeadInContainer => "runner-dead-in-container",
            SlowLoop => "slow-loop",
            HeartbeatUnexplained => "heartbeat-unexplained",
            DlqBacklog => "dlq-backlog",
        }
    }

    /// The cause of a stable name (a diagnosis kept on disk carries names).
    pub fn parse(name: &str) -> Option<CauseId> {
        CauseId::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for CauseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CauseId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Cause {
    pub id: CauseId,
    pub title: String,
    /// Higher is likelier; only the order matters. From [`ORDER`].
    pub score: u32,
    pub evidence: Vec<String>,
    /// The one command to run next: `action`'s command, with a note after `   # `.
    pub next: String,
    /// A warning (a backlog to drain) does not make the deployment unhealthy by itself.
    pub severity: Severity,
    /// Where in [`ORDER`] this cause stands.
    #[serde(skip)]
    pub weight: Weight,
    /// What `next` does, as the remediation can do it.
    #[serde(skip)]
    pub action: Action,
    /// The steps this cause calls for, in order; the first is `action`. The remediation list
    /// and `cleanops remediate` are made of these, so neither can disagree with `next`.
    #[serde(skip)]
    pub plan: Vec<PlanStep>,
}

impl Cause {
    /// A failure of full weight whose plan is its next command alone.
    fn new(
        id: CauseId,
        title: String,
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
            score: 0,
            evidence,
            next: match note {
                Some(n) => format!("{command}   # {n}"),
                None => command,
            },
            severity: Severity::Failure,
            weight: Strong,
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

    fn weighing(mut self, weight: Weight) -> Cause {
        self.weight = weight;
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

impl Verdict {
    /// The verdict of what the rules found: ranked by [`ORDER`], planned, written out.
    fn of(mut causes: Vec<Cause>, failing_jobs: &[String]) -> Verdict {
        rank_by(ORDER, &mut causes);
        let plan = plan(&causes, failing_jobs);
        let steps = written_steps(&causes, &plan);
        Verdict {
            causes,
            steps,
            plan,
        }
    }
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
    if let Some(backlog) = causes.iter().find(|c| c.id == DlqBacklog) {
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
struct Facts<'a> {
    s: &'a Sources,
    reports: &'a [CheckReport],
    env_file: String,
    hb_class: Option<HeartbeatClass>,
    /// `heartbeat: …`, the line most causes add to their evidence.
    hb_line: Option<String>,
    /// Stale, missing or failed.
    heartbeat_bad: bool,
    /// `/readyz` said ready (HTTP 200).
    ready: bool,
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
    /// `pg_isready` inside the running db container, when readiness says the database fails.
    db_inside: Option<super::sources::DbInside>,
    /// The root of a database outage, as the next command treats it.
    db_root: Option<Action>,
    /// The runner's log, every line read (a crash loop is a series of runs).
    logs: Option<LogScan>,
    interval: u64,
    threshold: f64,
    dead: u64,
    failing_jobs: Vec<String>,
}

fn facts<'a>(s: &'a Sources, reports: &'a [CheckReport]) -> Facts<'a> {
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
    let db_restarting = db.as_ref().is_some_and(|c| c.restarting || c.crash_loop);
    let db_inside = s.cached_db_inside();
    // Ranked: a stopped db container > the database unreachable > the runner crash-looping
    // on it (docs/app-contract.md §13); the next command treats the first of them there is.
    let db_root: Option<Action> = if db_container_stopped.is_some() {
        Some(Action::StartDb)
    } else if db_check_failed.is_some() || db_container_troubled.is_some() {
        Some(match (&db_inside, db_restarting) {
            (Some(inside), _) if !inside.answers => Action::StartDb,
            (Some(_), _) => Action::Manual {
                command: "cleanops env-check   # DATABASE_URL: the database answers in its container, not to the app".into(),
            },
            (None, true) => Action::Manual {
                command: "cleanops logs db --tail 100   # why the database's container keeps restarting".into(),
            },
            (None, false) if db_container_troubled.is_some() => Action::Manual {
                command: "cleanops status   # the project has no db container: which services run where".into(),
            },
            (None, false) => Action::DbCheck { via_db: true },
        })
    } else {
        None
    };
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
    let hb_class = hb.as_ref().map(|h| h.class);
    Facts {
        s,
        reports,
        env_file: s.settings.env_file.value.display().to_string(),
        hb_line: hb.as_ref().map(|h| format!("heartbeat: {}", h.reading())),
        heartbeat_bad: matches!(
            hb_class,
            Some(HeartbeatClass::Stale | HeartbeatClass::Missing | HeartbeatClass::Failed)
        ),
        hb_class,
        ready: snap
            .as_ref()
            .is_some_and(|r| r.readiness.ok && r.http_status == 200),
        interval: jobs
            .as_ref()
            .map(|c| runner_interval(&c.command))
            .unwrap_or(60),
        jobs_missing: jobs_state.is_some_and(|j| j.containers.is_empty()),
        project_unseen,
        other_projects: s.cached_other_projects(),
        db_container_stopped,
        db_container_troubled,
        db_inside,
        db_root,
        jobs,
        api,
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

// The rules, one per cause: each looks at the facts and returns its cause, or nothing.

fn project_not_seen(f: &Facts) -> Option<Cause> {
    if !f.project_unseen {
        return None;
    }
    let project = &f.s.settings.project_name.value;
    let mut ev = vec![format!(
        "project {project} has no api, jobs or db container on this engine"
    )];
    if !f.other_projects.is_empty() {
        ev.push(format!(
            "projects on this engine with the app's services: {}",
            f.other_projects.join(", ")
        ));
    }
    ev.extend(f.hb_line.clone());
    let next = match f.other_projects.as_slice() {
        [one] => format!("cleanops diagnose --project-name {one}"),
        [] => {
            "cleanops config show   # which project, directory and engine cleanops looks at".into()
        }
        _ => format!(
            "cleanops diagnose --project-name {}   # or one of: {}",
            f.other_projects[0],
            f.other_projects.join(", ")
        ),
    };
    Some(Cause::new(
        ProjectNotSeen,
        format!(
            "cleanops cannot see this deployment's containers: no container of compose project {project} on this engine"
        ),
        ev,
        Action::Manual { command: next },
        None,
    ))
}

fn db_container_down(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let db = f.db_container_stopped.as_ref()?;
    let mut ev = vec![db.clone()];
    ev.extend(
        f.db_check_failed
            .iter()
            .map(|d| format!("readiness db: {d}")),
    );
    ev.extend(f.hb_line.clone());
    Some(Cause::new(
        DbContainerDown,
        "The database's container is not running: the app cannot reach it and the runner dies on it".into(),
        ev,
        Action::StartDb,
        Some("start the database; the runner recovers by itself once it is back"),
    ))
}

/// The database does not answer, and its container is not simply stopped.
fn database_unreachable(f: &Facts, _: &[Cause]) -> Option<Cause> {
    if f.db_container_stopped.is_some() {
        return None;
    }
    let action = f.db_root.as_ref()?;
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
    ev.extend(f.hb_line.clone());
    let (title, note) = match action {
        Action::StartDb => (
            "The database does not answer, though its container runs: the app and the runner cannot use it",
            Some("restart the database that does not answer; the runner recovers once it is back"),
        ),
        _ => (
            "The database is unreachable: the runner cannot write its heartbeat",
            None,
        ),
    };
    Some(Cause::new(
        DatabaseUnreachable,
        title.into(),
        ev,
        action.clone(),
        note,
    ))
}

/// The api's container stopped: nothing answers, and the heartbeat cannot be read.
fn api_container_down(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let api = f.api.as_ref().filter(|c| !c.running && !c.restarting)?;
    let mut ev = vec![format!(
        "api container {}: {}",
        api.name,
        api.summary(f.s.now)
    )];
    if f.s.cached_readiness().is_none() {
        ev.push("the API did not answer /readyz".into());
    }
    Some(Cause::new(
        ApiContainerDown,
        "The api's container is not running: the API does not answer".into(),
        ev,
        Action::RestartApi,
        Some("start the api; its readiness tells the rest"),
    ))
}

/// The jobs container and the heartbeat: the first lines of every cause about the runner.
fn runner_evidence(f: &Facts, c: &Container) -> Vec<String> {
    let mut ev = vec![format!("jobs container {}: {}", c.name, c.summary(f.s.now))];
    ev.extend(f.hb_line.clone());
    ev
}

/// The runner dies on the database: restarting it helps only once the database is back.
fn crash_loop_database(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let c = f.jobs.as_ref().filter(|c| c.crash_loop)?;
    let db_trouble_in_logs = f.logs.as_ref().is_some_and(|l| l.db_errors > 0);
    if !db_trouble_in_logs && f.db_check_failed.is_none() {
        return None;
    }
    let mut ev = runner_evidence(f, c);
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
    Some(match &f.db_root {
        // Still down: the root's step first; restarting now would only loop.
        Some(root) => Cause::new(
            CrashLoopDatabase,
            format!(
                "The runner crash-loops on database errors ({} restarts): it dies when it cannot record a result; restarting it will not help until the database is back",
                c.restart_count
            ),
            ev,
            root.clone(),
            Some("the database first"),
        )
        .then(Action::Restart, restart_reason),
        None => Cause::new(
            CrashLoopDatabase,
            format!(
                "The runner crash-looped on database errors ({} restarts) and the database answers again: restart it rather than wait out the engine's backoff",
                c.restart_count
            ),
            ev,
            Action::Restart,
            None,
        ),
    })
}

/// The runner crashes in its own code: its log says why.
fn crash_loop(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let c = f.jobs.as_ref().filter(|c| c.crash_loop)?;
    let db_trouble_in_logs = f.logs.as_ref().is_some_and(|l| l.db_errors > 0);
    if db_trouble_in_logs || f.db_check_failed.is_some() {
        return None;
    }
    let mut ev = runner_evidence(f, c);
    if let Some(l) = &f.logs {
        ev.extend(l.samples.iter().map(|x| format!("  │ {x}")));
    }
    Some(Cause::new(
        CrashLoop,
        format!(
            "The jobs container crash-loops ({} restarts)",
            c.restart_count
        ),
        ev,
        Action::Manual {
            command: "cleanops logs jobs --tail 200 --grep 'Traceback|Error'".into(),
        },
        None,
    ))
}

fn jobs_container_down(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let c = f.jobs.as_ref().filter(|c| !c.crash_loop && !c.running)?;
    let mut ev = runner_evidence(f, c);
    let oom = if c.oom_killed { ", OOM-killed" } else { "" };
    let code = c.exit_code.map(|x| format!(" {x}")).unwrap_or_default();
    if c.exit_code == Some(137) && !c.oom_killed {
        ev.push("exit 137 without OOM: killed at the end of a stop's grace period (the runner ignores SIGTERM as PID 1, so every docker stop or restart waits it out and may cut a delivery in half), or killed from outside".into());
        ev.push("deployment fix: `init: true` (or `stop_signal: SIGINT`) for the jobs service in the compose file".into());
    }
    let mut cause = Cause::new(
        JobsContainerDown,
        format!("The jobs container is not running: {}{code}{oom}", c.status),
        ev,
        Action::Restart,
        None,
    );
    if f.db_root.is_some() {
        // Started into a database outage it would die again: the database first.
        cause
            .title
            .push_str(" (start it once the database answers)");
        cause.plan[0].reason = cause.title.clone();
    }
    Some(cause)
}

fn jobs_container_missing(f: &Facts, _: &[Cause]) -> Option<Cause> {
    if f.jobs.is_some() || !f.jobs_missing {
        return None;
    }
    let mut ev = vec![format!(
        "no jobs container in project {}",
        f.s.settings.project_name.value
    )];
    ev.extend(f.hb_line.clone());
    // A fresh heartbeat means a runner writes it: from another project, most likely.
    // Creating one here would be a second runner on the same database.
    let someone_runs = matches!(
        f.hb_class,
        Some(HeartbeatClass::Fresh | HeartbeatClass::Late)
    );
    let next = if someone_runs || f.ready {
        ev.push("yet a runner writes the heartbeat: not from this project".into());
        match f.other_projects.first() {
            Some(p) => format!("cleanops diagnose --project-name {p}"),
            None => "cleanops config show   # which project cleanops looks at; do not start a second runner".into(),
        }
    } else {
        format!("{} up -d jobs   # create and start it", compose_in(f.s))
    };
    Some(Cause::new(
        JobsContainerMissing,
        "The jobs container does not exist (never started, or removed)".into(),
        ev,
        Action::Manual { command: next },
        None,
    ))
}

/// JOBS_ENABLED acts in the api only (docs/app-contract.md §13): with JOB_HEARTBEAT_REQUIRED
/// it decides whether readiness enforces the heartbeat. The runner ignores it and runs either
/// way, so the jobs container's value explains nothing.
fn jobs_disabled(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let s = f.s;
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
    let readiness_blind = f.hb_class == Some(HeartbeatClass::Disabled) || api_off;
    if !(readiness_blind || (file_off && f.heartbeat_bad)) {
        return None;
    }
    let mut ev = Vec::new();
    ev.extend(f.hb_line.clone());
    let shown = |v: Option<&str>| {
        v.map(|v| format!("{v:?}"))
            .unwrap_or_else(|| "unset (the app's default is false)".into())
    };
    ev.push(format!(
        "in {}: JOBS_ENABLED {}, JOB_HEARTBEAT_REQUIRED {}",
        f.env_file,
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
        "the runner ignores JOBS_ENABLED and runs either way: only the api's values matter".into(),
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
    Some(Cause::new(
        JobsDisabled,
        title.into(),
        ev,
        Action::Manual {
            command: format!("{}   # {note}", edits.join(" && ")),
        },
        None,
    ))
}

/// The env file edited but not applied, service by service: what differs where it acts.
/// Strong when a variable that decides the heartbeat or the database differs.
fn env_not_applied(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let s = f.s;
    if s.settings.env.problem.is_some() {
        return None;
    }
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
    if drifted.is_empty() {
        return None;
    }
    let cause = Cause::new(
        EnvNotApplied,
        format!(
            "{} was edited but the {} container{} still run{} with the old values",
            f.env_file,
            drifted.join(" and "),
            if drifted.len() > 1 { "s" } else { "" },
            if drifted.len() > 1 { "" } else { "s" }
        ),
        ev,
        Action::Manual {
            command: format!(
                "{} up -d {}   # re-create them: a restart does not re-read env_file",
                compose_in(s),
                drifted.join(" ")
            ),
        },
        None,
    );
    Some(cause.weighing(if decisive { Strong } else { Weak }))
}

/// A running container with a bad heartbeat, and nothing about the database to explain it:
/// the runner just started, is slow, or is dead inside.
struct Silent<'a> {
    container: &'a Container,
    evidence: Vec<String>,
    /// Up for less than one threshold and one loop: no heartbeat can be expected yet.
    young: bool,
    /// A job completed within the threshold: the runner lives, its loop is slow.
    alive: bool,
}

fn silent_runner<'a>(f: &'a Facts) -> Option<Silent<'a>> {
    let c = f.jobs.as_ref()?;
    if !f.heartbeat_bad || !c.running || c.crash_loop || f.db_check_failed.is_some() {
        return None;
    }
    let now = f.s.now;
    let last_complete = f.logs.as_ref().and_then(|l| l.last_job_complete);
    let mut evidence = runner_evidence(f, c);
    if let Some(t) = last_complete {
        evidence.push(format!(
            "last job_complete in the log {} ago",
            human((now - t).as_seconds_f64())
        ));
    }
    Some(Silent {
        container: c,
        evidence,
        young: c.uptime_seconds.unwrap_or(0.0) < f.threshold + f.interval as f64,
        alive: last_complete.is_some_and(|t| (now - t).as_seconds_f64() < f.threshold),
    })
}

fn just_started(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let r = silent_runner(f).filter(|r| r.young)?;
    Some(Cause::new(
        JustStarted,
        format!(
            "The runner started {} ago and writes its first heartbeat only at the end of its first loop",
            human(r.container.uptime_seconds.unwrap_or(0.0))
        ),
        r.evidence,
        Action::WaitFresh,
        None,
    ))
}

fn slow_loop(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let r = silent_runner(f).filter(|r| !r.young && r.alive)?;
    Some(Cause::new(
        SlowLoop,
        format!(
            "The runner is alive but a loop takes longer than the threshold ({}): the heartbeat comes only at the end of a loop",
            human(f.threshold)
        ),
        r.evidence,
        Action::Manual {
            command: "cleanops heartbeat --all-jobs   # which job is slow; then raise JOB_HEARTBEAT_TTL_SECONDS or fix it".into(),
        },
        None,
    ))
}

fn runner_dead_in_container(f: &Facts, _: &[Cause]) -> Option<Cause> {
    let r = silent_runner(f).filter(|r| !r.young && !r.alive)?;
    Some(Cause::new(
        RunnerDeadInContainer,
        "The runner process is dead or stuck inside a running container".into(),
        r.evidence,
        Action::Restart,
        None,
    ))
}

/// Strong when the heartbeat looks stale: its age is measured against a clock that is off.
fn clock_drift(f: &Facts, _: &[Cause]) -> Option<Cause> {
    if !matches!(status_of(f.reports, "clock"), Some(Status::Failed)) {
        return None;
    }
    let cause = Cause::new(
        ClockDrift,
        "The clocks disagree: heartbeat ages are measured against a clock that is off".into(),
        evidence_of(f.reports, "clock"),
        Action::Manual {
            command: "timedatectl status; chronyc tracking   # on the host: is NTP synchronised?"
                .into(),
        },
        None,
    );
    Some(cause.weighing(if f.heartbeat_bad { Strong } else { Weak }))
}

/// A backlog of dead letters: a warning, replayed once the runner is healthy. Strong when
/// nothing else is wrong (then it is the one thing to do).
fn dlq_backlog(f: &Facts, found: &[Cause]) -> Option<Cause> {
    if f.dead == 0 {
        return None;
    }
    let healthy = !f.heartbeat_bad && found.is_empty();
    let (command, note) = replay_command(f.s);
    let mut c = Cause::new(
        DlqBacklog,
        format!(
            "{} dead event(s) wait in the dead-letter queue{}",
            f.dead,
            if healthy {
                ""
            } else {
                " (replay only once the runner is healthy)"
            }
        ),
        evidence_of(f.reports, "dlq"),
        Action::Manual {
            command: command.into(),
        },
        Some(note),
    );
    c.severity = Severity::Warning;
    Some(c.weighing(if healthy { Strong } else { Weak }))
}

/// A bad heartbeat nothing else found explains (the engine could not be asked, say).
fn heartbeat_unexplained(f: &Facts, found: &[Cause]) -> Option<Cause> {
    if !f.heartbeat_bad
        || !found
            .iter()
            .all(|c| matches!(c.id, DlqBacklog | ClockDrift))
    {
        return None;
    }
    let mut ev: Vec<String> = f.hb_line.clone().into_iter().collect();
    let next = match f.s.cached_services() {
        None => {
            ev.push("the containers could not be checked (see jobs-container)".into());
            "cleanops status   # on the host, or with DOCKER_HOST=ssh://user@host".to_string()
        }
        Some(_) => "cleanops logs jobs --tail 200".to_string(),
    };
    Some(Cause::new(
        HeartbeatUnexplained,
        "The jobs heartbeat is stale or missing, and the containers do not say why".into(),
        ev,
        Action::Manual { command: next },
        None,
    ))
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

    fn failure(id: CauseId, action: Action) -> Cause {
        Cause::new(id, id.to_string(), vec![], action, None)
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
            failure(DbContainerDown, Action::StartDb),
            failure(CrashLoopDatabase, Action::StartDb)
                .then(Action::Restart, "once the database answers"),
            failure(JobsContainerDown, Action::Restart),
            failure(
                EnvNotApplied,
                manual("cd /opt/cleaning && docker compose up -d api"),
            ),
            failure(ClockDrift, manual("timedatectl status")),
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
        let mut backlog = failure(DlqBacklog, manual("cleanops replay --from-dlq --dry-run"));
        backlog.severity = Severity::Warning;
        assert!(plan(std::slice::from_ref(&backlog), &[]).is_empty());
        assert_eq!(
            commands(&plan(&[backlog], &["email-dlq".into()])),
            ["cleanops run-once --job email-dlq"]
        );
    }

    fn one_per_row(order: &[(CauseId, Weight, u32)]) -> Vec<Cause> {
        order
            .iter()
            .map(|&(id, weight, _)| failure(id, Action::Restart).weighing(weight))
            .collect()
    }

    fn rows(causes: &[Cause]) -> Vec<(CauseId, Weight, u32)> {
        causes.iter().map(|c| (c.id, c.weight, c.score)).collect()
    }

    /// The table, not the order the rules found the causes in, decides the ranking and the
    /// scores: found backwards, they come out as [`ORDER`] lists them; with the table turned
    /// upside down, upside down.
    #[test]
    fn the_order_table_decides_the_ranking() {
        let mut found = one_per_row(ORDER);
        found.reverse();
        rank_by(ORDER, &mut found);
        assert_eq!(rows(&found), ORDER);

        let upside_down: Vec<_> = ORDER.iter().rev().copied().collect();
        let mut found = one_per_row(ORDER);
        rank_by(&upside_down, &mut found);
        assert_eq!(rows(&found), upside_down);

        // Root cause before symptom, as the runbook's chain of a database outage goes.
        let place = |id, weight| ORDER.iter().position(|r| (r.0, r.1) == (id, weight));
        let chain = [
            place(DbContainerDown, Strong),
            place(DatabaseUnreachable, Strong),
            place(CrashLoopDatabase, Strong),
            place(HeartbeatUnexplained, Strong),
        ];
        assert!(chain.iter().all(Option::is_some), "{chain:?}");
        assert!(chain.is_sorted(), "{chain:?}");
    }

    /// Every cause has a place, each row is there once, and the JSON's scores descend with the
    /// rows (so a script sorting by score agrees with the verdict).
    #[test]
    fn every_cause_is_ranked_once_and_scores_follow_the_table() {
        for id in CauseId::ALL {
            assert!(ORDER.iter().any(|r| r.0 == id), "{id} has no row in ORDER");
        }
        for (i, row) in ORDER.iter().enumerate() {
            assert!(
                !ORDER[..i].iter().any(|r| (r.0, r.1) == (row.0, row.1)),
                "{row:?} twice"
            );
        }
        assert!(ORDER.windows(2).all(|w| w[0].2 >= w[1].2), "{ORDER:?}");
    }

    /// The names are the JSON's and a kept diagnosis's: unchanged, distinct, read back.
    #[test]
    fn cause_names_are_stable() {
        assert_eq!(
            serde_json::to_string(&RunnerDeadInContainer).unwrap(),
            "\"runner-dead-in-container\""
        );
        for id in CauseId::ALL {
            assert_eq!(CauseId::parse(id.as_str()), Some(id));
        }
        let mut names: Vec<_> = CauseId::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CauseId::ALL.len());
        assert_eq!(CauseId::parse("database-down"), None);
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("/opt/cleaning"), "/opt/cleaning");
        assert_eq!(shell_word("/srv/my app"), "'/srv/my app'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
