//! The simulated world: the app's settings, the three tables the runbook touches
//! (`job_heartbeats`, `outbox_events`, `export_events`), the in-memory bookkeeping of the API
//! process (rate windows, idempotency store) and the simulator's own counters.
//!
//! Everything lives in one `World` behind one mutex, so a request sees a consistent state
//! and the replay flow (rate limit, idempotency, reset) is atomic, as it is in the app's
//! single transaction.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::watch;

use super::auth::AuthSettings;
use super::clock::{self, pydantic_z, python_iso, truncate_micros};
use super::limits::{IdempotencyStore, RateLimiter};
use super::{Scenario, SimOptions};

/// `DEFAULT_ORG_ID`: Basic and proxy identities are always pinned to it.
pub(crate) const DEFAULT_ORG_ID: &str = "00000000-0000-0000-0000-000000000001";
/// The single alembic head at the contract's commit.
pub(crate) const EXPECTED_HEAD: &str = "merge_20260224_01";
/// What `alembic_version` holds when the simulated database is behind.
pub(crate) const PREVIOUS_REVISION: &str = "0187_outbox_dedupe_index";
/// The primary key of the loop heartbeat, the only row `/readyz` reads.
pub(crate) const RUNNER_ROW: &str = "jobs-runner";
pub(crate) const DEFAULT_RUNNER_ID: &str = "3f9c2a1b7d4e";
/// The exception class recorded for jobs failed through `fail_jobs`.
pub(crate) const JOB_ERROR_CLASS: &str = "RuntimeError";

// The runner's job names (docs/app-contract.md §6.2), as the simulator knows them.
pub(crate) use crate::app::{DEFAULT_JOBS, is_known_job};

/// How the database answers the API's readiness probes (control `db_check`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DbCheck {
    /// Normal: reachable, unless `db_down` is set.
    #[default]
    Ok,
    /// `SELECT 1` raises `OperationalError`, as when the DB is down.
    Failed,
    /// The DB hangs: every check hits its 2 s timeout (reported, not waited for).
    Timeout,
    /// `app.state.db_session_factory` is missing (broken startup wiring).
    NoFactory,
}

/// Overrides of the migrations check (control `migrations_check`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationsCheck {
    /// In sync while the DB is reachable; "pending" with `current_version: null` when it is not.
    #[default]
    Ok,
    /// The DB is behind the code's head.
    Pending,
    /// The alembic files are missing in the image: reported as in sync.
    Skipped,
    /// The check hits its timeout.
    Timeout,
    /// The check raises something that is not a SQLAlchemy error.
    Error,
}

/// Broken answers for client robustness tests (control `fault`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// 502 text/html page from a proxy.
    Html,
    /// 200 application/json that does not parse.
    Malformed,
    /// 200 application/json of a shape no endpoint has.
    UnknownShape,
    /// 200 whose connection breaks in the middle of the body.
    Truncated,
    /// 200 application/json of about 10 MB, streamed.
    Oversized,
    /// 200 application/json with invalid UTF-8 in a string.
    InvalidUtf8,
    /// Never answers.
    Hang,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OutboxStatus {
    Pending,
    Retry,
    Sent,
    Dead,
}

impl OutboxStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Retry => "retry",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Dead => "dead",
        }
    }
}

/// A row of `job_heartbeats`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HeartbeatRow {
    pub last_heartbeat: OffsetDateTime,
    pub runner_id: Option<String>,
    pub last_success_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub last_error_at: Option<OffsetDateTime>,
    pub consecutive_failures: i64,
}

/// A row of `outbox_events`.
#[derive(Clone, Debug)]
pub(crate) struct OutboxEvent {
    pub event_id: String,
    pub org_id: String,
    /// `email`, `webhook` or `export`.
    pub kind: String,
    pub payload: Value,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub dedupe_key: String,
}

/// A row of `export_events`.
#[derive(Clone, Debug)]
pub(crate) struct ExportEvent {
    pub event_id: String,
    pub org_id: String,
    pub lead_id: Option<String>,
    pub mode: String,
    pub target_url: Option<String>,
    pub target_url_host: Option<String>,
    pub payload: Option<Value>,
    pub attempts: i64,
    pub last_error_code: Option<String>,
    pub created_at: OffsetDateTime,
    pub replay_count: i64,
    pub last_replayed_at: Option<OffsetDateTime>,
    pub last_replayed_by: Option<String>,
}

/// One replay POST that reached its handler, for `/_sim/state`.
#[derive(Clone, Debug)]
pub(crate) struct ReplayLog {
    pub event_id: Option<String>,
    /// `outbox`, `export` or `batch`.
    pub kind: &'static str,
    pub idempotency_key: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
}

/// One request the simulator answered (not `/_sim`), for `/_sim/state`: lets tests check what
/// a client sent (request ids, credentials on the right paths) and how many calls it made.
#[derive(Clone, Debug)]
pub(crate) struct RequestLog {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub request_id: String,
    /// Whether an `Authorization` header was sent (never its value).
    pub authorization: bool,
    /// Whether `X-Auth-MFA` was sent with a true value.
    pub mfa: bool,
    /// When it arrived: milliseconds since the simulator started (real time, whatever the
    /// simulated clock says), for tests of pacing.
    pub at_ms: u64,
}

/// How many requests the log keeps (the oldest are dropped first).
pub(crate) const REQUEST_LOG_LIMIT: usize = 2000;

/// The whole simulated state. Fields are plain data; behaviour lives in `impl World` blocks
/// next to the code that needs it (runner, queue, health, control).
#[derive(Debug)]
pub(crate) struct World {
    pub scenario: Scenario,
    fixed_now: Option<OffsetDateTime>,
    /// How far the server's clock runs ahead of the client's (clock drift).
    pub clock_offset_seconds: f64,

    // The jobs runner.
    pub runner_running: bool,
    /// The scenario left the runner between two loops: sleep one interval before the next
    /// loop instead of overwriting the scenario's heartbeat at once.
    pub runner_sleep_first: bool,
    pub loop_seconds: f64,
    pub fail_jobs: BTreeSet<String>,
    pub runner_id: Option<String>,
    pub crashes: u64,
    /// Loops finished since the scenario started (the heartbeat is written at each end).
    pub loops: u64,

    // Settings of the API process.
    pub threshold_seconds: i64,
    pub jobs_enabled: bool,
    pub heartbeat_required: bool,
    pub db_down: bool,
    pub db_check: DbCheck,
    pub migrations_check: MigrationsCheck,
    pub latency_ms: u64,
    pub fail_delivery: bool,
    pub upstream_defects: bool,
    pub auto_replay_enabled: bool,
    pub legacy_readyz: bool,
    pub fault: Option<Fault>,
    pub fault_path_prefix: Option<String>,
    pub auth: AuthSettings,
    pub global_limit_per_minute: u32,
    pub action_limit_per_minute: u32,

    // Tables.
    pub heartbeats: BTreeMap<String, HeartbeatRow>,
    pub outbox: Vec<OutboxEvent>,
    pub exports: Vec<ExportEvent>,
    next_id: u64,

    // In-memory state of the API process, and the simulator's counters.
    pub global_limiter: RateLimiter,
    pub action_limiter: RateLimiter,
    pub idempotency: IdempotencyStore,
    /// Successful deliveries per event id: more than one means the event was sent twice.
    pub deliveries: BTreeMap<String, u64>,
    pub replays: Vec<ReplayLog>,
    pub requests: VecDeque<RequestLog>,
    pub throttled_global: u64,
    pub throttled_action: u64,
}

/// The effective state of the database as the API's checks see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DbView {
    Up,
    Failed,
    Timeout,
    NoFactory,
}

impl World {
    /// A world with the options' settings and empty tables; scenarios build on it.
    pub(crate) fn blank(scenario: Scenario, opts: &SimOptions) -> World {
        World {
            scenario,
            fixed_now: opts.fixed_now,
            clock_offset_seconds: 0.0,
            runner_running: false,
            runner_sleep_first: false,
            loop_seconds: 0.0,
            fail_jobs: BTreeSet::new(),
            runner_id: Some(DEFAULT_RUNNER_ID.to_owned()),
            crashes: 0,
            loops: 0,
            threshold_seconds: opts.app_settings.threshold_seconds.unwrap_or(180),
            // As in `.env.production.example`: the check is enforced.
            jobs_enabled: opts.app_settings.jobs_enabled.unwrap_or(true),
            heartbeat_required: opts.app_settings.heartbeat_required.unwrap_or(true),
            db_down: false,
            db_check: DbCheck::Ok,
            migrations_check: MigrationsCheck::Ok,
            latency_ms: 0,
            fail_delivery: false,
            upstream_defects: false,
            auto_replay_enabled: false,
            legacy_readyz: false,
            fault: None,
            fault_path_prefix: None,
            auth: AuthSettings::from_options(opts),
            global_limit_per_minute: opts.global_limit_per_minute,
            action_limit_per_minute: opts.action_limit_per_minute,
            heartbeats: BTreeMap::new(),
            outbox: Vec::new(),
            exports: Vec::new(),
            next_id: 0,
            global_limiter: RateLimiter::default(),
            action_limiter: RateLimiter::default(),
            idempotency: IdempotencyStore::default(),
            deliveries: BTreeMap::new(),
            replays: Vec::new(),
            requests: VecDeque::new(),
            throttled_global: 0,
            throttled_action: 0,
        }
    }

    /// The server's clock: the frozen time when set, else real UTC, plus the drift, at
    /// microsecond precision like everything the app stores.
    pub(crate) fn now(&self) -> OffsetDateTime {
        let base = self.fixed_now.unwrap_or_else(OffsetDateTime::now_utc);
        let drifted = base.checked_add(clock::seconds(self.clock_offset_seconds));
        truncate_micros(drifted.unwrap_or(base))
    }

    /// A fresh deterministic id; `tag` keeps the tables' id spaces apart.
    pub(crate) fn new_id(&mut self, tag: u32) -> String {
        self.next_id += 1;
        clock::sim_uuid(tag, self.next_id)
    }

    pub(crate) fn db_view(&self) -> DbView {
        match self.db_check {
            DbCheck::Failed => DbView::Failed,
            DbCheck::Timeout => DbView::Timeout,
            DbCheck::NoFactory => DbView::NoFactory,
            DbCheck::Ok if self.db_down => DbView::Failed,
            DbCheck::Ok => DbView::Up,
        }
    }

    /// Whether admin endpoints can query the database; when not, they answer 500.
    pub(crate) fn db_usable(&self) -> bool {
        self.db_view() == DbView::Up
    }

    /// The fault to answer for `path`, if one is set and the path is covered.
    pub(crate) fn fault_for(&self, path: &str) -> Option<Fault> {
        let fault = self.fault?;
        match &self.fault_path_prefix {
            Some(prefix) if !path.starts_with(prefix.as_str()) => None,
            _ => Some(fault),
        }
    }

    pub(crate) fn log_request(&mut self, entry: RequestLog) {
        if self.requests.len() >= REQUEST_LOG_LIMIT {
            self.requests.pop_front();
        }
        self.requests.push_back(entry);
    }

    /// Writes (or overwrites) a heartbeat row as a successful run at `at` would.
    pub(crate) fn put_success_row(&mut self, name: &str, at: OffsetDateTime) {
        self.heartbeats.insert(
            name.to_owned(),
            HeartbeatRow {
                last_heartbeat: at,
                runner_id: self.runner_id.clone(),
                last_success_at: Some(at),
                last_error: None,
                last_error_at: None,
                consecutive_failures: 0,
            },
        );
    }

    /// `GET /_sim/state`: what tests need to check the effects of their requests.
    pub(crate) fn snapshot(&self) -> Value {
        let now = self.now();
        let count = |s: OutboxStatus| self.outbox.iter().filter(|e| e.status == s).count();
        let heartbeat = self.heartbeats.get(RUNNER_ROW).map(|row| {
            json!({
                "last_heartbeat": python_iso(row.last_heartbeat),
                "age_seconds": clock::age_seconds(now, row.last_heartbeat),
                "runner_id": row.runner_id,
            })
        });
        let replays: Vec<Value> = self
            .replays
            .iter()
            .map(|r| {
                json!({
                    "event_id": r.event_id,
                    "kind": r.kind,
                    "idempotency_key": r.idempotency_key,
                    "status": r.status,
                })
            })
            .collect();
        let requests: Vec<Value> = self
            .requests
            .iter()
            .map(|r| {
                json!({
                    "method": r.method,
                    "path": r.path,
                    "query": r.query,
                    "status": r.status,
                    "request_id": r.request_id,
                    "authorization": r.authorization,
                    "mfa": r.mfa,
                    "at_ms": r.at_ms,
                })
            })
            .collect();
        json!({
            "scenario": self.scenario.name(),
            "now": pydantic_z(now),
            "clock_offset_seconds": self.clock_offset_seconds,
            "runner": {
                "running": self.runner_running,
                "runner_id": self.runner_id,
                "crashes": self.crashes,
                "loops": self.loops,
                "loop_seconds": self.loop_seconds,
                "fail_jobs": self.fail_jobs,
            },
            "heartbeat": heartbeat,
            "job_rows": self.heartbeats.len(),
            "db": {
                "down": self.db_down,
                "db_check": self.db_check,
                "migrations_check": self.migrations_check,
            },
            "jobs_check": {
                "jobs_enabled": self.jobs_enabled,
                "heartbeat_required": self.heartbeat_required,
                "threshold_seconds": self.threshold_seconds,
            },
            "outbox": {
                "pending": count(OutboxStatus::Pending),
                "retry": count(OutboxStatus::Retry),
                "sent": count(OutboxStatus::Sent),
                "dead": count(OutboxStatus::Dead),
                "total": self.outbox.len(),
                // What a look in the database finds when no endpoint lists them (§13).
                "dead_ids": self
                    .outbox
                    .iter()
                    .filter(|e| e.status == OutboxStatus::Dead)
                    .take(100)
                    .map(|e| e.event_id.as_str())
                    .collect::<Vec<_>>(),
            },
            "export": {
                "total": self.exports.len(),
                "dead": self.exports.iter().filter(|e| e.last_error_code.is_some()).count(),
            },
            "deliveries": self.deliveries,
            "replays": replays,
            "requests": requests,
            "idempotency_keys": self.idempotency.len(),
            "rate_limited": {
                "global": self.throttled_global,
                "action": self.throttled_action,
            },
            "settings": {
                "latency_ms": self.latency_ms,
                "fail_delivery": self.fail_delivery,
                "upstream_defects": self.upstream_defects,
                "auto_replay_enabled": self.auto_replay_enabled,
                "legacy_readyz": self.legacy_readyz,
                "fault": self.fault,
                "fault_path_prefix": self.fault_path_prefix,
                "global_limit_per_minute": self.global_limit_per_minute,
                "action_limit_per_minute": self.action_limit_per_minute,
                "app_env": self.auth.app_env,
                "legacy_basic_enabled": self.auth.legacy_basic_enabled,
                "legacy_basic_effective": self.auth.legacy_basic_effective(),
                "trusted_proxies": self.auth.trusted_proxies,
                "proxy_mode": self.auth.proxy_mode,
                "untrusted_reason": self.auth.untrusted_reason,
            },
        })
    }
}

/// What the HTTP side, the runner task and `Sim` share.
#[derive(Debug)]
pub(crate) struct Shared {
    world: Mutex<World>,
    /// Bumped whenever the runner has to re-read its state (started, stopped, reset).
    runner_epoch: watch::Sender<u64>,
    /// Turns true when the simulator shuts down; hanging requests give up on it.
    pub shutdown: watch::Receiver<bool>,
    pub opts: SimOptions,
    /// When the simulator started (the request log's `at_ms` counts from here).
    pub started: std::time::Instant,
}

impl Shared {
    pub(crate) fn new(opts: SimOptions, shutdown: watch::Receiver<bool>) -> Arc<Shared> {
        let world = World::build(opts.scenario, &opts);
        let (runner_epoch, _) = watch::channel(0);
        Arc::new(Shared {
            world: Mutex::new(world),
            runner_epoch,
            shutdown,
            opts,
            started: std::time::Instant::now(),
        })
    }

    /// The world, locked. Never hold the guard across an `.await`. A poisoned lock (a panic
    /// while holding it) is taken over rather than propagated: the state is plain data.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn wake_runner(&self) {
        self.runner_epoch.send_modify(|e| *e += 1);
    }

    pub(crate) fn runner_wakeups(&self) -> watch::Receiver<u64> {
        self.runner_epoch.subscribe()
    }
}
