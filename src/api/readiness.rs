//! What the `/readyz` checks mean, one line each, and the jobs heartbeat classified.

use serde::Serialize;
use serde_json::{Map, Value};

use super::types::ReadyCheck;
use crate::clock::human;

fn s<'a>(d: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    d.get(key).and_then(Value::as_str)
}

fn f(d: &Map<String, Value>, key: &str) -> Option<f64> {
    d.get(key).and_then(Value::as_f64)
}

fn b(d: &Map<String, Value>, key: &str) -> Option<bool> {
    d.get(key).and_then(Value::as_bool)
}

/// One line an engineer can read, for every branch of every check of docs/app-contract.md §1.2.
pub fn reading(check: &ReadyCheck) -> String {
    let d = &check.detail;
    // The wrapper's own failure looks the same for every check.
    if s(d, "message") == Some("unexpected error") {
        return format!(
            "unexpected error in the check: {}",
            s(d, "error").unwrap_or("unknown")
        );
    }
    match check.name.as_str() {
        "db" => db_reading(check.ok, d),
        "migrations" => migrations_reading(check.ok, d),
        "jobs" => Heartbeat::from_check(check, None).reading(),
        _ => generic_reading(d),
    }
}

fn db_reading(ok: bool, d: &Map<String, Value>) -> String {
    let message = s(d, "message").unwrap_or(if ok { "ok" } else { "failed" });
    match (message, s(d, "error"), f(d, "timeout_seconds")) {
        (_, Some(err), _) => format!("{message}: {err}"),
        (_, None, Some(t)) => format!("{message} (after {})", human(t)),
        ("database session factory unavailable", ..) => {
            "database session factory unavailable: the API's startup wiring is broken".into()
        }
        _ => message.to_string(),
    }
}

fn migrations_reading(ok: bool, d: &Map<String, Value>) -> String {
    let current = s(d, "current_version");
    let head = s(d, "expected_head").map(str::to_string).or_else(|| {
        d.get("expected_heads")
            .and_then(Value::as_array)
            .map(|heads| {
                heads
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
    });
    let head = head
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into());
    match s(d, "migrations_check") {
        Some("skipped_no_alembic_files") => {
            "not checked: the API has no alembic files (reported as in sync)".into()
        }
        Some("timeout") => format!("migration check timed out (head {head})"),
        Some("error") => format!(
            "migration check failed: {}",
            s(d, "error").unwrap_or("unknown error")
        ),
        Some("not_run") => "not run: database session factory unavailable".into(),
        _ if ok => format!("in sync at {}", current.unwrap_or(&head)),
        _ => match current {
            // The revision query swallows database errors (docs/app-contract.md §1.2): "pending" with no
            // current version usually means the database is down, not that migrations are.
            None => format!(
                "pending: no current version (database down or alembic_version missing), head {head}"
            ),
            Some(c) => format!("pending: at {c}, head {head} (run alembic upgrade head in api)"),
        },
    }
}

fn generic_reading(d: &Map<String, Value>) -> String {
    s(d, "message")
        .map(str::to_string)
        .unwrap_or_else(|| Value::Object(d.clone()).to_string())
}

/// How the jobs heartbeat looks (healthchecks.io style: a late zone before it is down).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeartbeatClass {
    /// Younger than the late mark.
    Fresh,
    /// Past the late mark but within the threshold: a loop is overdue.
    Late,
    /// Older than the threshold: `/readyz` is failing on it.
    Stale,
    /// No heartbeat row: the runner never finished a loop (or was never started).
    Missing,
    /// The check is not enforced (`JOBS_ENABLED` and `JOB_HEARTBEAT_REQUIRED` both false).
    Disabled,
    /// The check itself failed (database error, timeout, broken wiring).
    Failed,
    /// No jobs check in the answer at all.
    Absent,
}

impl HeartbeatClass {
    pub fn as_str(self) -> &'static str {
        match self {
            HeartbeatClass::Fresh => "fresh",
            HeartbeatClass::Late => "late",
            HeartbeatClass::Stale => "stale",
            HeartbeatClass::Missing => "missing",
            HeartbeatClass::Disabled => "disabled",
            HeartbeatClass::Failed => "failed",
            HeartbeatClass::Absent => "absent",
        }
    }

    /// Needs action (exit 1).
    pub fn is_problem(self) -> bool {
        !matches!(self, HeartbeatClass::Fresh | HeartbeatClass::Late)
    }
}

/// The jobs check of `/readyz`, read.
#[derive(Clone, Debug, Serialize)]
pub struct Heartbeat {
    pub class: HeartbeatClass,
    pub enabled: Option<bool>,
    pub jobs_enabled: Option<bool>,
    pub last_heartbeat: Option<String>,
    pub runner_id: Option<String>,
    pub age_seconds: Option<f64>,
    pub threshold_seconds: Option<f64>,
    /// Where "late" starts.
    pub late_after_seconds: Option<f64>,
    pub message: Option<String>,
    pub error: Option<String>,
}

impl Heartbeat {
    /// `late_after`: seconds after which a heartbeat that is still within the threshold is late;
    /// `None` means half the threshold (with the runner's 60 s interval and 180 s threshold, a
    /// heartbeat older than 90 s means a loop is overdue).
    pub fn from_check(check: &ReadyCheck, late_after: Option<f64>) -> Heartbeat {
        let d = &check.detail;
        let threshold = f(d, "threshold_seconds");
        let age = f(d, "age_seconds");
        let message = s(d, "message").map(str::to_string);
        let late_after = late_after.or(threshold.map(|t| t / 2.0));
        let class = match (message.as_deref(), b(d, "enabled"), age) {
            (_, Some(false), _) | (Some("job heartbeat check disabled"), ..) => {
                HeartbeatClass::Disabled
            }
            (Some("job heartbeat missing"), ..) => HeartbeatClass::Missing,
            (_, _, Some(_)) if !check.ok => HeartbeatClass::Stale,
            (_, _, Some(age)) => match late_after {
                Some(late) if age > late => HeartbeatClass::Late,
                _ => HeartbeatClass::Fresh,
            },
            _ if check.ok => HeartbeatClass::Fresh,
            _ => HeartbeatClass::Failed,
        };
        Heartbeat {
            class,
            enabled: b(d, "enabled"),
            jobs_enabled: b(d, "jobs_enabled"),
            last_heartbeat: s(d, "last_heartbeat").map(str::to_string),
            runner_id: s(d, "runner_id").map(str::to_string),
            age_seconds: age,
            threshold_seconds: threshold,
            late_after_seconds: late_after,
            message,
            error: s(d, "error").map(str::to_string),
        }
    }

    pub fn absent() -> Heartbeat {
        Heartbeat {
            class: HeartbeatClass::Absent,
            enabled: None,
            jobs_enabled: None,
            last_heartbeat: None,
            runner_id: None,
            age_seconds: None,
            threshold_seconds: None,
            late_after_seconds: None,
            message: None,
            error: None,
        }
    }

    fn threshold_text(&self) -> String {
        self.threshold_seconds
            .map(human)
            .unwrap_or_else(|| "unknown".into())
    }

    fn runner_text(&self) -> String {
        self.runner_id.clone().unwrap_or_else(|| "unknown".into())
    }

    /// "job heartbeat stale: 21m18s old, threshold 3m, runner 3f9c2a1b7d4e"
    pub fn reading(&self) -> String {
        let age = self.age_seconds.map(human).unwrap_or_else(|| "?".into());
        match self.class {
            HeartbeatClass::Fresh | HeartbeatClass::Late | HeartbeatClass::Stale => {
                let mut line = format!(
                    "job heartbeat {}: {age} old, threshold {}, runner {}",
                    self.class.as_str(),
                    self.threshold_text(),
                    self.runner_text()
                );
                if self.age_seconds.is_some_and(|a| a < 0.0) {
                    line.push_str(" (in the future: clocks disagree)");
                }
                line
            }
            HeartbeatClass::Missing => format!(
                "job heartbeat missing: the runner has not finished a loop yet (threshold {})",
                self.threshold_text()
            ),
            HeartbeatClass::Disabled => {
                "job heartbeat check disabled: JOBS_ENABLED and JOB_HEARTBEAT_REQUIRED are both false on the API".into()
            }
            HeartbeatClass::Failed => {
                let mut line = self
                    .message
                    .clone()
                    .unwrap_or_else(|| "job heartbeat check failed".into());
                if let Some(e) = &self.error {
                    line.push_str(&format!(": {e}"));
                }
                line
            }
            HeartbeatClass::Absent => "no jobs check in /readyz".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(name: &str, ok: bool, detail: Value) -> ReadyCheck {
        ReadyCheck {
            name: name.into(),
            ok,
            ms: Some(1.0),
            detail: detail.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn every_jobs_branch_reads_and_classifies() {
        let stale = check(
            "jobs",
            false,
            json!({"enabled":true,"last_heartbeat":"2026-04-05T19:50:01.000001+00:00","runner_id":"3f9c2a1b7d4e","age_seconds":1278.4,"threshold_seconds":180,"jobs_enabled":true}),
        );
        assert_eq!(
            reading(&stale),
            "job heartbeat stale: 21m18s old, threshold 3m, runner 3f9c2a1b7d4e"
        );
        let cases = [
            (
                json!({"enabled":true,"last_heartbeat":"x","runner_id":"r","age_seconds":42.7,"threshold_seconds":180,"jobs_enabled":true}),
                true,
                HeartbeatClass::Fresh,
            ),
            (
                json!({"enabled":true,"last_heartbeat":"x","runner_id":"r","age_seconds":120.0,"threshold_seconds":180,"jobs_enabled":true}),
                true,
                HeartbeatClass::Late,
            ),
            (
                json!({"enabled":true,"last_heartbeat":"x","runner_id":null,"age_seconds":600.0,"threshold_seconds":180,"jobs_enabled":false}),
                false,
                HeartbeatClass::Stale,
            ),
            (
                json!({"enabled":true,"message":"job heartbeat missing","threshold_seconds":180,"jobs_enabled":true}),
                false,
                HeartbeatClass::Missing,
            ),
            (
                json!({"enabled":false,"message":"job heartbeat check disabled"}),
                true,
                HeartbeatClass::Disabled,
            ),
            (
                json!({"enabled":true,"message":"job heartbeat check failed","error":"OperationalError"}),
                false,
                HeartbeatClass::Failed,
            ),
            (
                json!({"enabled":true,"message":"job heartbeat check timed out","timeout_seconds":2.0}),
                false,
                HeartbeatClass::Failed,
            ),
            (
                json!({"enabled":true,"message":"database session factory unavailable"}),
                false,
                HeartbeatClass::Failed,
            ),
        ];
        for (detail, ok, want) in cases {
            let c = check("jobs", ok, detail.clone());
            assert_eq!(Heartbeat::from_check(&c, None).class, want, "{detail}");
            assert!(!reading(&c).is_empty());
        }
        let failed = check(
            "jobs",
            false,
            json!({"enabled":true,"message":"job heartbeat check failed","error":"OperationalError"}),
        );
        assert_eq!(
            reading(&failed),
            "job heartbeat check failed: OperationalError"
        );
    }

    #[test]
    fn db_and_migrations_branches() {
        let cases = [
            (
                check("db", true, json!({"message":"database reachable"})),
                "database reachable",
            ),
            (
                check(
                    "db",
                    false,
                    json!({"message":"database check failed","error":"OperationalError"}),
                ),
                "database check failed: OperationalError",
            ),
            (
                check(
                    "db",
                    false,
                    json!({"message":"database check timed out","timeout_seconds":2.0}),
                ),
                "database check timed out (after 2s)",
            ),
            (
                check(
                    "db",
                    false,
                    json!({"message":"database session factory unavailable","hint":"h"}),
                ),
                "database session factory unavailable: the API's startup wiring is broken",
            ),
            (
                check(
                    "db",
                    false,
                    json!({"message":"unexpected error","error":"KeyError"}),
                ),
                "unexpected error in the check: KeyError",
            ),
            (
                check(
                    "migrations",
                    true,
                    json!({"message":"migrations in sync","migrations_current":true,"current_version":"merge_20260224_01","expected_head":"merge_20260224_01","expected_heads":["merge_20260224_01"],"migrations_check":"ok"}),
                ),
                "in sync at merge_20260224_01",
            ),
            (
                check(
                    "migrations",
                    false,
                    json!({"message":"migrations pending","migrations_current":false,"current_version":null,"expected_head":"merge_20260224_01","expected_heads":["merge_20260224_01"],"migrations_check":"ok"}),
                ),
                "pending: no current version (database down or alembic_version missing), head merge_20260224_01",
            ),
            (
                check(
                    "migrations",
                    false,
                    json!({"message":"migrations pending","migrations_current":false,"current_version":"0051","expected_head":null,"expected_heads":["a","b"],"migrations_check":"ok"}),
                ),
                "pending: at 0051, head a, b (run alembic upgrade head in api)",
            ),
            (
                check(
                    "migrations",
                    true,
                    json!({"message":"migrations in sync","migrations_current":true,"migrations_check":"skipped_no_alembic_files","expected_heads":[],"expected_head":null}),
                ),
                "not checked: the API has no alembic files (reported as in sync)",
            ),
            (
                check(
                    "migrations",
                    false,
                    json!({"message":"migration check timed out","current_version":null,"expected_head":"h","expected_heads":["h"],"migrations_check":"timeout","timeout_seconds":2.0}),
                ),
                "migration check timed out (head h)",
            ),
            (
                check(
                    "migrations",
                    false,
                    json!({"message":"migration check failed","migrations_check":"error","error":"RuntimeError"}),
                ),
                "migration check failed: RuntimeError",
            ),
            (
                check(
                    "migrations",
                    false,
                    json!({"message":"database session factory unavailable","current_version":null,"migrations_check":"not_run"}),
                ),
                "not run: database session factory unavailable",
            ),
        ];
        for (c, want) in cases {
            assert_eq!(reading(&c), want);
        }
    }
}
