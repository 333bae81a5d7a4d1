//! The control API (`POST /_sim/control`, `Sim::control`): how tests move the simulated world.

use serde::{Deserialize, Deserializer};

use super::Scenario;
use super::auth::{APP_ENVS, UNTRUSTED_REASONS, validate_trusted};
use super::clock;
use super::scenario::Seed;
use super::state::{DbCheck, Fault, MigrationsCheck, RUNNER_ROW, Shared, World};

/// Upper bound of `add_dead.count` and `add_sent`, so a typo cannot exhaust memory.
const MAX_SEED: u32 = 100_000;
/// Bound of every seconds value (about 31 years), so that times stay representable.
const MAX_SECONDS: f64 = 1e9;

/// A change to the simulated world. Every field is optional; absent fields change nothing.
/// `scenario` is applied first (a full reset), then the other fields.
///
/// Fields whose JSON `null` means something (`runner_id`, `legacy_basic_enabled`, `fault`,
/// `fault_path_prefix`) are `Option<Option<_>>`: `None` = leave as is, `Some(None)` = null.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Resets everything (tables, counters, rate windows, idempotency keys) to the scenario.
    pub scenario: Option<Scenario>,
    /// Starts (a fresh process: first loop at once) or stops the jobs runner.
    pub runner_running: Option<bool>,
    /// Real seconds one loop of 23 jobs takes.
    pub loop_seconds: Option<f64>,
    /// Job names that fail from now on (replaces the list).
    pub fail_jobs: Option<Vec<String>>,
    /// Sets the `jobs-runner` heartbeat to now − age (negative: in the future); creates the
    /// row when missing.
    pub heartbeat_age_seconds: Option<f64>,
    /// `true` deletes the `jobs-runner` row (applied after `heartbeat_age_seconds`).
    pub heartbeat_missing: Option<bool>,
    /// The runner's id for the rows it writes from now on; null writes null.
    #[serde(default, deserialize_with = "nullable")]
    pub runner_id: Option<Option<String>>,
    /// `JOB_HEARTBEAT_TTL_SECONDS`.
    pub threshold_seconds: Option<i64>,
    /// `JOBS_ENABLED`.
    pub jobs_enabled: Option<bool>,
    /// `JOB_HEARTBEAT_REQUIRED`.
    pub heartbeat_required: Option<bool>,
    /// The database is unreachable (a running runner crashes at once).
    pub db_down: Option<bool>,
    pub db_check: Option<DbCheck>,
    pub migrations_check: Option<MigrationsCheck>,
    /// Delay of every response (except `/_sim`).
    pub latency_ms: Option<u64>,
    /// How far the server's clock runs ahead of the real (or frozen) one.
    pub clock_offset_seconds: Option<f64>,
    pub add_dead: Option<AddDead>,
    /// Adds outbox e-mails already sent once.
    pub add_sent: Option<u32>,
    /// Deliveries (runner, export replay, batch replay) fail.
    pub fail_delivery: Option<bool>,
    /// The defects of the running upstream code (docs/app-contract.md §12).
    pub upstream_defects: Option<bool>,
    /// `DLQ_AUTO_REPLAY_ENABLED` with every outbox kind and export mode allowed.
    pub auto_replay_enabled: Option<bool>,
    /// `APP_ENV`: dev, prod, ci, e2e, staging, test or local.
    pub app_env: Option<String>,
    /// `LEGACY_BASIC_AUTH_ENABLED`; null resolves it from `app_env`.
    #[serde(default, deserialize_with = "nullable")]
    pub legacy_basic_enabled: Option<Option<bool>>,
    /// Trusted proxy IPs or CIDRs; empty = `TRUST_PROXY_HEADERS=false`.
    pub trusted_proxies: Option<Vec<String>>,
    /// `ADMIN_PROXY_AUTH_ENABLED`.
    pub proxy_mode: Option<bool>,
    /// The reason of the trusted-proxy 401: `untrusted_proxy` (as the running app answers,
    /// the default) or `proxy_untrusted` (as the code's list says).
    pub untrusted_reason: Option<String>,
    pub global_limit_per_minute: Option<u32>,
    pub action_limit_per_minute: Option<u32>,
    /// Counts earlier requests from loopback against the global limit, as if made
    /// `age_seconds` ago (tests of pacing that start with part of the window spent).
    pub spend_global_limit: Option<SpendLimit>,
    /// Answer `/readyz` in the old §1.3 shape.
    pub legacy_readyz: Option<bool>,
    /// A broken answer for every covered path; null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub fault: Option<Option<Fault>>,
    /// Only paths starting with this get the fault; null = every path except `/_sim`.
    #[serde(default, deserialize_with = "nullable")]
    pub fault_path_prefix: Option<Option<String>>,
}

/// Which queue `add_dead` fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeadKind {
    Outbox,
    Export,
}

/// `add_dead`: dead events to add, newest `age_seconds` old, each further one a minute older.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddDead {
    pub kind: DeadKind,
    pub count: u32,
    /// Outbox kind (`email` (default), `webhook`, `export`, ...) or export mode (`webhook`).
    pub event_type: Option<String>,
    /// Outbox `last_error` (default `send_failed`) or export `last_error_code` (`status_502`).
    pub last_error: Option<String>,
    /// Default 7200 s, old enough for the auto-replay job's minimum age.
    pub age_seconds: Option<f64>,
}

/// `spend_global_limit`: `count` requests from 127.0.0.1, `age_seconds` ago (0 to 60).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendLimit {
    pub count: u32,
    pub age_seconds: f64,
}

/// Distinguishes an explicit `null` (`Some(None)`) from an absent field (`None`).
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A seconds value must be a number whose magnitude keeps the simulated times in range.
fn bounded_seconds(name: &str, v: Option<f64>) -> Result<(), String> {
    match v {
        Some(x) if !x.is_finite() || x.abs() > MAX_SECONDS => Err(format!(
            "{name} must be a number between -{MAX_SECONDS:e} and {MAX_SECONDS:e}"
        )),
        _ => Ok(()),
    }
}

impl Control {
    /// Rejects values that cannot be applied, before anything is changed.
    fn validate(&self) -> Result<(), String> {
        bounded_seconds("loop_seconds", self.loop_seconds)?;
        if self.loop_seconds.is_some_and(|s| s < 0.0) {
            return Err("loop_seconds must be >= 0".into());
        }
        bounded_seconds("heartbeat_age_seconds", self.heartbeat_age_seconds)?;
        bounded_seconds("clock_offset_seconds", self.clock_offset_seconds)?;
        if let Some(env) = &self.app_env
            && !APP_ENVS.contains(&env.as_str())
        {
            return Err(format!(
                "app_env `{env}` is not one of {}",
                APP_ENVS.join(", ")
            ));
        }
        if let Some(entries) = &self.trusted_proxies {
            validate_trusted(entries)?;
        }
        if let Some(r) = &self.untrusted_reason
            && !UNTRUSTED_REASONS.contains(&r.as_str())
        {
            return Err(format!(
                "untrusted_reason `{r}` is not one of {}",
                UNTRUSTED_REASONS.join(", ")
            ));
        }
        if let Some(Some(prefix)) = &self.fault_path_prefix
            && !prefix.starts_with('/')
        {
            return Err("fault_path_prefix must start with `/`".into());
        }
        if let Some(add) = &self.add_dead {
            bounded_seconds("add_dead.age_seconds", add.age_seconds)?;
            if add.count > MAX_SEED {
                return Err(format!("add_dead.count must be <= {MAX_SEED}"));
            }
        }
        if let Some(spend) = &self.spend_global_limit {
            if !(0.0..=60.0).contains(&spend.age_seconds) {
                return Err("spend_global_limit.age_seconds must be between 0 and 60".into());
            }
            if spend.count > MAX_SEED {
                return Err(format!("spend_global_limit.count must be <= {MAX_SEED}"));
            }
        }
        if self.add_sent.is_some_and(|n| n > MAX_SEED) {
            return Err(format!("add_sent must be <= {MAX_SEED}"));
        }
        if self.threshold_seconds.is_some_and(|t| t < 0) {
            return Err("threshold_seconds must be >= 0".into());
        }
        Ok(())
    }
}

impl World {
    /// Applies a validated control. Returns whether the runner task must re-read its state.
    fn apply(&mut self, c: Control, shared_opts: &super::SimOptions) -> bool {
        let mut wake_runner = false;
        if let Some(scenario) = c.scenario {
            let opts = super::SimOptions {
                scenario,
                ..shared_opts.clone()
            };
            *self = World::build(scenario, &opts);
            wake_runner = true;
        }
        if let Some(offset) = c.clock_offset_seconds {
            self.clock_offset_seconds = offset;
        }
        if let Some(id) = c.runner_id {
            self.runner_id = id;
        }
        if let Some(jobs) = c.fail_jobs {
            self.fail_jobs = jobs.into_iter().collect();
        }
        if let Some(s) = c.loop_seconds {
            self.loop_seconds = s;
            wake_runner = true;
        }
        if let Some(t) = c.threshold_seconds {
            self.threshold_seconds = t;
        }
        if let Some(b) = c.jobs_enabled {
            self.jobs_enabled = b;
        }
        if let Some(b) = c.heartbeat_required {
            self.heartbeat_required = b;
        }
        if let Some(check) = c.db_check {
            self.db_check = check;
        }
        if let Some(check) = c.migrations_check {
            self.migrations_check = check;
        }
        if let Some(age) = c.heartbeat_age_seconds {
            let at = self.now() - clock::seconds(age);
            self.put_success_row(RUNNER_ROW, at);
        }
        if c.heartbeat_missing == Some(true) {
            self.heartbeats.remove(RUNNER_ROW);
        }
        if let Some(running) = c.runner_running
            && running != self.runner_running
        {
            self.runner_running = running;
            // A (re)started process runs its first loop at once.
            self.runner_sleep_first = false;
            wake_runner = true;
        }
        if let Some(down) = c.db_down {
            self.db_down = down;
            if down && self.runner_running {
                // The real runner dies at its next DB write; the simulator does not make tests
                // wait for that.
                self.crash_runner();
                wake_runner = true;
            }
        }
        if let Some(ms) = c.latency_ms {
            self.latency_ms = ms;
        }
        if let Some(add) = c.add_dead {
            let seed = Seed {
                count: add.count,
                event_type: add.event_type,
                last_error: add.last_error,
                age_seconds: add.age_seconds.unwrap_or(7200.0),
            };
            match add.kind {
                DeadKind::Outbox => self.add_dead_outbox(&seed),
                DeadKind::Export => self.add_dead_export(&seed),
            }
        }
        if let Some(n) = c.add_sent {
            self.add_sent_outbox(n);
        }
        if let Some(b) = c.fail_delivery {
            self.fail_delivery = b;
        }
        if let Some(b) = c.upstream_defects {
            self.upstream_defects = b;
        }
        if let Some(b) = c.auto_replay_enabled {
            self.auto_replay_enabled = b;
        }
        if let Some(env) = c.app_env {
            self.auth.app_env = env;
        }
        if let Some(b) = c.legacy_basic_enabled {
            self.auth.legacy_basic_enabled = b;
        }
        if let Some(entries) = c.trusted_proxies {
            // Validated above; an error here would leave the old list, never a broken one.
            let _ = self.auth.set_trusted_proxies(entries);
        }
        if let Some(b) = c.proxy_mode {
            self.auth.proxy_mode = b;
        }
        if let Some(r) = c.untrusted_reason
            && let Some(known) = UNTRUSTED_REASONS.iter().find(|k| **k == r)
        {
            self.auth.untrusted_reason = known;
        }
        if let Some(n) = c.global_limit_per_minute {
            self.global_limit_per_minute = n;
        }
        if let Some(n) = c.action_limit_per_minute {
            self.action_limit_per_minute = n;
        }
        if let Some(spend) = c.spend_global_limit {
            let now = std::time::Instant::now();
            let at = now
                .checked_sub(std::time::Duration::from_secs_f64(spend.age_seconds))
                .unwrap_or(now);
            self.global_limiter
                .seed("127.0.0.1", spend.count as usize, at);
        }
        if let Some(b) = c.legacy_readyz {
            self.legacy_readyz = b;
        }
        if let Some(fault) = c.fault {
            self.fault = fault;
        }
        if let Some(prefix) = c.fault_path_prefix {
            self.fault_path_prefix = prefix;
        }
        wake_runner
    }
}

impl Shared {
    /// Validates and applies a control atomically; on error nothing has changed.
    pub(crate) fn apply_control(&self, c: Control) -> Result<(), String> {
        c.validate()?;
        let wake = self.world().apply(c, &self.opts);
        if wake {
            self.wake_runner();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimOptions;
    use tokio::sync::watch;

    fn parse(s: &str) -> Result<Control, String> {
        serde_json::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn unknown_fields_and_values_are_refused() {
        let err = parse(r#"{"db_dwn": true}"#).unwrap_err();
        assert!(err.contains("unknown field `db_dwn`"), "{err}");
        let err = parse(r#"{"db_check": "sideways"}"#).unwrap_err();
        assert!(err.contains("unknown variant"), "{err}");
        let err = parse(r#"{"scenario": "nope"}"#).unwrap_err();
        assert!(err.contains("unknown scenario"), "{err}");
        assert!(parse(r#"{"add_dead": {"kind": "email", "count": 1}}"#).is_err());
    }

    #[test]
    fn null_is_not_absent() {
        let c = parse(r#"{"fault": null, "runner_id": null}"#).unwrap();
        assert_eq!(c.fault, Some(None));
        assert_eq!(c.runner_id, Some(None));
        assert_eq!(c.fault_path_prefix, None);
        let c = parse(r#"{"fault": "hang", "scenario": "db-down"}"#).unwrap();
        assert_eq!(c.fault, Some(Some(Fault::Hang)));
        assert_eq!(c.scenario, Some(Scenario::DbDown));
    }

    #[test]
    fn invalid_controls_change_nothing() {
        let (_tx, rx) = watch::channel(false);
        let shared = Shared::new(SimOptions::default(), rx);
        let c = parse(r#"{"latency_ms": 5, "app_env": "production"}"#).unwrap();
        assert!(shared.apply_control(c).is_err());
        assert_eq!(shared.world().latency_ms, 0);
        let c = parse(r#"{"trusted_proxies": ["10.0.0.0/40"]}"#).unwrap();
        assert!(shared.apply_control(c).is_err());
        // Times out of range would panic in time arithmetic later.
        let c = parse(r#"{"clock_offset_seconds": 1e300}"#).unwrap();
        assert!(shared.apply_control(c).is_err());
        let c = parse(r#"{"add_dead": {"kind": "outbox", "count": 1, "age_seconds": -2e9}}"#);
        assert!(shared.apply_control(c.unwrap()).is_err());
    }

    #[test]
    fn heartbeat_controls_and_crash() {
        let (_tx, rx) = watch::channel(false);
        let shared = Shared::new(SimOptions::default(), rx);
        let c = parse(r#"{"heartbeat_age_seconds": 600, "runner_id": "abc"}"#).unwrap();
        shared.apply_control(c).unwrap();
        {
            let w = shared.world();
            let row = &w.heartbeats[RUNNER_ROW];
            assert_eq!(row.runner_id.as_deref(), Some("abc"));
            let age = clock::age_seconds(w.now(), row.last_heartbeat);
            assert!((599.0..=601.0).contains(&age), "{age}");
        }
        shared
            .apply_control(parse(r#"{"heartbeat_missing": true, "db_down": true}"#).unwrap())
            .unwrap();
        let w = shared.world();
        assert!(!w.heartbeats.contains_key(RUNNER_ROW));
        assert!(!w.runner_running);
        assert_eq!(w.crashes, 1);
    }
}
