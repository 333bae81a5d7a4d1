//! `GET /readyz` (docs/app-contract.md §1.2): three checks in a fixed order, each branch with its own
//! keys. Also the older shape of §1.3, answered only when `legacy_readyz` is set.

use serde_json::{Value, json};

use super::clock::{age_seconds, python_iso};
use super::state::{DbView, EXPECTED_HEAD, MigrationsCheck, PREVIOUS_REVISION, RUNNER_ROW, World};

/// `_DB_CHECK_TIMEOUT_SECONDS`.
const TIMEOUT_SECONDS: f64 = 2.0;

/// Wall times reported in `ms`. The simulator answers at once, so plausible fixed values are
/// reported (deterministic for snapshots); a timed-out check reports just over its timeout
/// without actually waiting, so tests stay fast (use `latency_ms` to make `/readyz` slow).
const DB_MS: f64 = 1.84;
const MIGRATIONS_MS: f64 = 3.07;
const JOBS_MS: f64 = 1.26;
const TIMED_OUT_MS: f64 = 2001.53;

fn check(name: &str, ok: bool, ms: f64, detail: Value) -> Value {
    json!({"name": name, "ok": ok, "ms": (ms * 100.0).round() / 100.0, "detail": detail})
}

/// The revision `SELECT version_num FROM alembic_version` returns; `None` when the query
/// fails, which the app swallows (so a dead DB reads as "migrations pending").
fn current_version(w: &World) -> Option<&'static str> {
    if w.db_view() != DbView::Up {
        return None;
    }
    Some(match w.migrations_check {
        MigrationsCheck::Pending => PREVIOUS_REVISION,
        _ => EXPECTED_HEAD,
    })
}

fn db_check(w: &World) -> Value {
    match w.db_view() {
        DbView::Up => check("db", true, DB_MS, json!({"message": "database reachable"})),
        DbView::Failed => check(
            "db",
            false,
            DB_MS,
            json!({"message": "database check failed", "error": "OperationalError"}),
        ),
        DbView::Timeout => check(
            "db",
            false,
            TIMED_OUT_MS,
            json!({"message": "database check timed out", "timeout_seconds": TIMEOUT_SECONDS}),
        ),
        DbView::NoFactory => check(
            "db",
            false,
            0.01,
            json!({
                "message": "database session factory unavailable",
                "hint": "app.state.db_session_factory is not configured; ensure startup wiring is complete.",
            }),
        ),
    }
}

fn migrations_check(w: &World) -> Value {
    let skipped = w.migrations_check == MigrationsCheck::Skipped;
    // Without alembic files there are no expected heads.
    let (head, heads) = if skipped {
        (Value::Null, json!([]))
    } else {
        (json!(EXPECTED_HEAD), json!([EXPECTED_HEAD]))
    };
    let view = w.db_view();
    if view == DbView::NoFactory {
        let reason = if skipped {
            "skipped_no_alembic_files"
        } else {
            "not_run"
        };
        return check(
            "migrations",
            false,
            0.01,
            json!({
                "message": "database session factory unavailable",
                "current_version": null,
                "expected_head": head,
                "expected_heads": heads,
                "migrations_check": reason,
            }),
        );
    }
    let timed_out = view == DbView::Timeout || w.migrations_check == MigrationsCheck::Timeout;
    if timed_out {
        return check(
            "migrations",
            false,
            TIMED_OUT_MS,
            json!({
                "message": "migration check timed out",
                "current_version": null,
                "expected_head": head,
                "expected_heads": heads,
                "migrations_check": "timeout",
                "timeout_seconds": TIMEOUT_SECONDS,
            }),
        );
    }
    let current = current_version(w);
    match w.migrations_check {
        MigrationsCheck::Error => check(
            "migrations",
            false,
            MIGRATIONS_MS,
            json!({
                "message": "migration check failed",
                "current_version": null,
                "expected_head": head,
                "expected_heads": heads,
                "migrations_check": "error",
                "error": "RuntimeError",
            }),
        ),
        MigrationsCheck::Skipped => check(
            "migrations",
            true,
            MIGRATIONS_MS,
            json!({
                "message": "migrations in sync",
                "migrations_current": true,
                "current_version": current,
                "expected_head": null,
                "expected_heads": [],
                "migrations_check": "skipped_no_alembic_files",
            }),
        ),
        _ => {
            let in_sync = current == Some(EXPECTED_HEAD);
            let message = if in_sync {
                "migrations in sync"
            } else {
                "migrations pending"
            };
            check(
                "migrations",
                in_sync,
                MIGRATIONS_MS,
                json!({
                    "message": message,
                    "migrations_current": in_sync,
                    "current_version": current,
                    "expected_head": head,
                    "expected_heads": heads,
                    "migrations_check": "ok",
                }),
            )
        }
    }
}

fn jobs_check(w: &World) -> Value {
    if !(w.jobs_enabled || w.heartbeat_required) {
        return check(
            "jobs",
            true,
            0.01,
            json!({"enabled": false, "message": "job heartbeat check disabled"}),
        );
    }
    let (ok, ms, detail) = match w.db_view() {
        DbView::NoFactory => (
            false,
            0.01,
            json!({"enabled": true, "message": "database session factory unavailable"}),
        ),
        DbView::Timeout => (
            false,
            TIMED_OUT_MS,
            json!({
                "enabled": true,
                "message": "job heartbeat check timed out",
                "timeout_seconds": TIMEOUT_SECONDS,
            }),
        ),
        DbView::Failed => (
            false,
            JOBS_MS,
            json!({
                "enabled": true,
                "message": "job heartbeat check failed",
                "error": "OperationalError",
            }),
        ),
        DbView::Up => match w.heartbeats.get(RUNNER_ROW) {
            None => (
                false,
                JOBS_MS,
                json!({
                    "enabled": true,
                    "message": "job heartbeat missing",
                    "threshold_seconds": w.threshold_seconds,
                    "jobs_enabled": w.jobs_enabled,
                }),
            ),
            Some(row) => {
                let age = age_seconds(w.now(), row.last_heartbeat);
                // Fresh and stale share their keys: there is no `message` in either.
                (
                    age <= w.threshold_seconds as f64,
                    JOBS_MS,
                    json!({
                        "enabled": true,
                        "last_heartbeat": python_iso(row.last_heartbeat),
                        "runner_id": row.runner_id,
                        "age_seconds": age,
                        "threshold_seconds": w.threshold_seconds,
                        "jobs_enabled": w.jobs_enabled,
                    }),
                )
            }
        },
    };
    check("jobs", ok, ms, detail)
}

/// The current `/readyz`: 200 when every check is ok, else 503, the same JSON either way.
pub(crate) fn readyz(w: &World) -> (bool, Value) {
    let checks = [db_check(w), migrations_check(w), jobs_check(w)];
    let ok = checks.iter().all(|c| c["ok"] == json!(true));
    (ok, json!({"ok": ok, "checks": checks}))
}

/// The `/readyz` of commit 457403b (docs/app-contract.md §1.3), for clients that must tolerate it.
/// That version had no timeouts (a hung DB reads as a failure) and gated the jobs check on
/// `JOB_HEARTBEAT_REQUIRED` alone.
pub(crate) fn legacy_readyz(w: &World) -> (bool, Value) {
    let skipped = w.migrations_check == MigrationsCheck::Skipped;
    let (head, heads) = if skipped {
        (Value::Null, json!([]))
    } else {
        (json!(EXPECTED_HEAD), json!([EXPECTED_HEAD]))
    };
    let skip_or = |default: &str| {
        if skipped {
            "skipped_no_alembic_files".to_owned()
        } else {
            default.to_owned()
        }
    };
    let view = w.db_view();
    let database = match view {
        DbView::NoFactory => json!({
            "ok": false,
            "message": "database session factory unavailable",
            "hint": "app.state.db_session_factory is not configured; ensure startup wiring is complete.",
            "migrations_current": false,
            "current_version": null,
            "expected_head": head,
            "expected_heads": heads,
            "migrations_check": skip_or("not_run"),
        }),
        DbView::Failed | DbView::Timeout => json!({
            "ok": false,
            "message": "database check failed",
            "migrations_current": false,
            "current_version": null,
            "expected_head": head,
            "expected_heads": heads,
            "migrations_check": skip_or("not_run"),
            "error": if view == DbView::Timeout { "TimeoutError" } else { "OperationalError" },
        }),
        DbView::Up => {
            let current = current_version(w);
            let current_ok = skipped || current == Some(EXPECTED_HEAD);
            json!({
                "ok": true,
                "message": "database reachable",
                "migrations_current": current_ok,
                "current_version": current,
                "expected_head": head,
                "expected_heads": heads,
                "migrations_check": skip_or("ok"),
            })
        }
    };
    let jobs = if !w.heartbeat_required {
        json!({"ok": true, "enabled": false, "message": "job heartbeat check disabled"})
    } else {
        match view {
            DbView::NoFactory => json!({
                "ok": false, "enabled": true, "message": "database session factory unavailable",
            }),
            DbView::Failed | DbView::Timeout => json!({
                "ok": false, "enabled": true, "message": "job heartbeat check failed",
                "error": if view == DbView::Timeout { "TimeoutError" } else { "OperationalError" },
            }),
            DbView::Up => match w.heartbeats.get(RUNNER_ROW) {
                None => json!({
                    "ok": false, "enabled": true, "message": "job heartbeat missing",
                    "threshold_seconds": w.threshold_seconds,
                }),
                Some(row) => {
                    let age = age_seconds(w.now(), row.last_heartbeat);
                    json!({
                        "ok": age <= w.threshold_seconds as f64,
                        "enabled": true,
                        "last_heartbeat": python_iso(row.last_heartbeat),
                        "age_seconds": age,
                        "threshold_seconds": w.threshold_seconds,
                    })
                }
            },
        }
    };
    let ok = database["ok"] == json!(true)
        && database["migrations_current"] == json!(true)
        && jobs["ok"] == json!(true);
    let status = if ok { "ok" } else { "unhealthy" };
    (
        ok,
        json!({"status": status, "database": database, "jobs": jobs}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::DbCheck;
    use crate::{Scenario, SimOptions};
    use time::macros::datetime;

    fn world(s: Scenario) -> World {
        World::build(
            s,
            &SimOptions {
                scenario: s,
                fixed_now: Some(datetime!(2026-04-05 20:11:19.123456 UTC)),
                ..SimOptions::default()
            },
        )
    }

    fn keys(v: &Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }

    #[test]
    fn healthy_is_ready() {
        let (ok, body) = readyz(&world(Scenario::Healthy));
        assert!(ok);
        let names: Vec<&str> = body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["db", "migrations", "jobs"]);
        let jobs = &body["checks"][2]["detail"];
        assert_eq!(jobs["age_seconds"], 42.7);
        assert_eq!(jobs["last_heartbeat"], "2026-04-05T20:10:36.423456+00:00");
        assert_eq!(jobs["runner_id"], "3f9c2a1b7d4e");
    }

    #[test]
    fn stale_has_no_message_key() {
        let (ok, body) = readyz(&world(Scenario::StaleHeartbeat));
        assert!(!ok);
        let jobs = &body["checks"][2];
        assert_eq!(jobs["ok"], false);
        assert_eq!(
            keys(&jobs["detail"]),
            [
                "age_seconds",
                "enabled",
                "jobs_enabled",
                "last_heartbeat",
                "runner_id",
                "threshold_seconds"
            ]
        );
        assert_eq!(jobs["detail"]["age_seconds"], 1278.4);
    }

    #[test]
    fn missing_and_disabled() {
        let mut w = world(Scenario::HeartbeatMissing);
        let (_, body) = readyz(&w);
        assert_eq!(
            body["checks"][2]["detail"],
            json!({"enabled": true, "message": "job heartbeat missing", "threshold_seconds": 180, "jobs_enabled": true})
        );
        w.jobs_enabled = false;
        let (_, body) = readyz(&w);
        // Still enforced through JOB_HEARTBEAT_REQUIRED; jobs_enabled reports only JOBS_ENABLED.
        assert_eq!(body["checks"][2]["detail"]["jobs_enabled"], false);
        w.heartbeat_required = false;
        let (ok, body) = readyz(&w);
        assert!(ok);
        assert_eq!(
            body["checks"][2]["detail"],
            json!({"enabled": false, "message": "job heartbeat check disabled"})
        );
    }

    #[test]
    fn db_down_reads_as_pending_migrations() {
        let (ok, body) = readyz(&world(Scenario::DbDown));
        assert!(!ok);
        assert_eq!(
            body["checks"][0]["detail"],
            json!({"message": "database check failed", "error": "OperationalError"})
        );
        assert_eq!(
            body["checks"][1]["detail"],
            json!({
                "message": "migrations pending", "migrations_current": false, "current_version": null,
                "expected_head": EXPECTED_HEAD, "expected_heads": [EXPECTED_HEAD], "migrations_check": "ok",
            })
        );
        assert_eq!(
            body["checks"][2]["detail"]["message"],
            "job heartbeat check failed"
        );
    }

    #[test]
    fn timeouts_and_missing_factory() {
        let mut w = world(Scenario::Healthy);
        w.db_check = DbCheck::Timeout;
        let (_, body) = readyz(&w);
        for c in body["checks"].as_array().unwrap() {
            assert_eq!(c["detail"]["timeout_seconds"], 2.0, "{c}");
            assert!(c["ms"].as_f64().unwrap() > 2000.0);
        }
        assert!(
            body["checks"][1]["detail"]
                .get("migrations_current")
                .is_none()
        );

        w.db_check = DbCheck::NoFactory;
        let (_, body) = readyz(&w);
        assert_eq!(body["checks"][1]["detail"]["migrations_check"], "not_run");
        assert!(body["checks"][0]["detail"]["hint"].is_string());

        w.db_check = DbCheck::Ok;
        w.migrations_check = MigrationsCheck::Skipped;
        let (ok, body) = readyz(&w);
        assert!(ok);
        assert_eq!(body["checks"][1]["detail"]["expected_heads"], json!([]));

        w.migrations_check = MigrationsCheck::Pending;
        let (ok, body) = readyz(&w);
        assert!(!ok);
        assert_eq!(
            body["checks"][1]["detail"]["current_version"],
            PREVIOUS_REVISION
        );
    }

    #[test]
    fn legacy_shape() {
        let (ok, body) = legacy_readyz(&world(Scenario::StaleHeartbeat));
        assert!(!ok);
        assert_eq!(body["status"], "unhealthy");
        assert_eq!(body["database"]["ok"], true);
        assert_eq!(body["jobs"]["ok"], false);
        let (ok, body) = legacy_readyz(&world(Scenario::Healthy));
        assert!(ok);
        assert_eq!(body["status"], "ok");
    }
}
