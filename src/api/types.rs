//! The app's answers, typed (docs/app-contract.md §1, §2, §4, §5.6). Parsing is tolerant where the app is
//! inconsistent (each jobs-check branch has its own keys) and strict where a wrong shape means we
//! are not talking to the app at all.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `GET /readyz`, current shape `{"ok", "checks": [...]}`, or the older
/// `{"status", "database", "jobs"}` shape converted to it.
#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    pub ok: bool,
    pub checks: Vec<ReadyCheck>,
    /// True when the server answered the pre-2026 shape (docs/app-contract.md §1.3).
    pub legacy_shape: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReadyCheck {
    pub name: String,
    pub ok: bool,
    #[serde(default)]
    pub ms: Option<f64>,
    #[serde(default)]
    pub detail: Map<String, Value>,
}

#[derive(Deserialize)]
struct CurrentShape {
    ok: bool,
    checks: Vec<ReadyCheck>,
}

#[derive(Deserialize)]
struct LegacyShape {
    status: String,
    #[serde(default)]
    database: Option<Map<String, Value>>,
    #[serde(default)]
    jobs: Option<Map<String, Value>>,
}

impl Readiness {
    /// Parse either shape; `None` when the body is neither (the caller reports an unexpected answer).
    pub fn parse(body: &[u8]) -> Option<Readiness> {
        if let Ok(c) = serde_json::from_slice::<CurrentShape>(body) {
            return Some(Readiness {
                ok: c.ok,
                checks: c.checks,
                legacy_shape: false,
            });
        }
        let l = serde_json::from_slice::<LegacyShape>(body).ok()?;
        // `{"status": "ok"}` alone is /healthz, not readiness.
        if l.database.is_none() && l.jobs.is_none() {
            return None;
        }
        let mut checks = Vec::new();
        if let Some(db) = l.database {
            let ok = db.get("ok").and_then(Value::as_bool).unwrap_or(false);
            // The old shape folded migrations into the database object.
            let mut migrations = Map::new();
            for key in [
                "migrations_current",
                "current_version",
                "expected_head",
                "expected_heads",
                "migrations_check",
            ] {
                if let Some(v) = db.get(key) {
                    migrations.insert(key.into(), v.clone());
                }
            }
            let mut db_detail = Map::new();
            for key in ["message", "error"] {
                if let Some(v) = db.get(key) {
                    db_detail.insert(key.into(), v.clone());
                }
            }
            let migrations_ok = db
                .get("migrations_current")
                .and_then(Value::as_bool)
                .unwrap_or(ok);
            checks.push(ReadyCheck {
                name: "db".into(),
                ok,
                ms: None,
                detail: db_detail,
            });
            if !migrations.is_empty() {
                checks.push(ReadyCheck {
                    name: "migrations".into(),
                    ok: migrations_ok,
                    ms: None,
                    detail: migrations,
                });
            }
        }
        if let Some(jobs) = l.jobs {
            let ok = jobs.get("ok").and_then(Value::as_bool).unwrap_or(false);
            let mut detail = jobs.clone();
            detail.remove("ok");
            checks.push(ReadyCheck {
                name: "jobs".into(),
                ok,
                ms: None,
                detail,
            });
        }
        Some(Readiness {
            ok: l.status == "ok",
            checks,
            legacy_shape: true,
        })
    }

    pub fn check(&self, name: &str) -> Option<&ReadyCheck> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// One row of `GET /v1/admin/jobs/status` (a bare array, docs/app-contract.md §4).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobRow {
    pub name: String,
    #[serde(default)]
    pub last_heartbeat: Option<String>,
    #[serde(default)]
    pub runner_id: Option<String>,
    #[serde(default)]
    pub last_success_at: Option<String>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub last_error_at: Option<String>,
    #[serde(default)]
    pub consecutive_failures: Option<i64>,
}

/// `GET /v1/admin/queue/dlq` (docs/app-contract.md §2.1).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DlqPage {
    pub items: Vec<DlqItem>,
    pub total: u64,
    pub outbox_dead_count: u64,
    pub export_dead_count: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DlqItem {
    pub event_id: String,
    pub kind: String,
    pub event_type: String,
    #[serde(default)]
    pub status: Option<String>,
    pub attempts: i64,
    #[serde(default)]
    pub last_error: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub payload_summary: String,
}

/// The app's error envelope (problem+json) and FastAPI's bare `{"detail": ...}`, read alike.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<Value>,
    #[serde(default)]
    pub errors: Vec<FieldError>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct FieldError {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl Problem {
    pub fn parse(body: &[u8]) -> Option<Problem> {
        let p: Problem = serde_json::from_slice(body).ok()?;
        (p.title.is_some() || p.detail.is_some()).then_some(p)
    }

    /// One line: the detail (or title), then any field errors.
    pub fn summary(&self) -> String {
        let detail = match &self.detail {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => self.title.clone().unwrap_or_default(),
            // FastAPI's own 422 carries a list here.
            Some(other) => other.to_string(),
        };
        let fields: Vec<String> = self
            .errors
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    e.field.as_deref().unwrap_or("?"),
                    e.message.as_deref().unwrap_or("invalid")
                )
            })
            .collect();
        if fields.is_empty() {
            detail
        } else {
            format!("{detail} ({})", fields.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_shape_stale_without_message() {
        let body = br#"{"ok":false,"checks":[{"name":"db","ok":true,"ms":4.21,"detail":{"message":"database reachable"}},{"name":"jobs","ok":false,"ms":2.5,"detail":{"enabled":true,"last_heartbeat":"2026-04-05T19:50:01.000001+00:00","runner_id":"3f9c2a1b7d4e","age_seconds":1278.4,"threshold_seconds":180,"jobs_enabled":true}}]}"#;
        let r = Readiness::parse(body).unwrap();
        assert!(!r.ok && !r.legacy_shape);
        assert_eq!(r.check("jobs").unwrap().detail["age_seconds"], 1278.4);
    }

    #[test]
    fn legacy_shape_is_converted() {
        let body = br#"{"status":"unhealthy","database":{"ok":true,"message":"ok","migrations_current":true,"current_version":"a","expected_head":"a","expected_heads":["a"],"migrations_check":"ok"},"jobs":{"ok":false,"enabled":true,"last_heartbeat":"2026-04-05T19:50:01+00:00","age_seconds":400.0,"threshold_seconds":300}}"#;
        let r = Readiness::parse(body).unwrap();
        assert!(r.legacy_shape && !r.ok);
        let names: Vec<_> = r.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["db", "migrations", "jobs"]);
        assert!(!r.check("jobs").unwrap().ok);
    }

    #[test]
    fn neither_shape_is_none() {
        assert!(Readiness::parse(br#"{"hello":"world"}"#).is_none());
        assert!(Readiness::parse(br#"{"status":"ok"}"#).is_none());
        assert!(Readiness::parse(b"<html>").is_none());
        assert!(Readiness::parse(br#"{"ok": tru"#).is_none());
    }

    #[test]
    fn problems_of_both_formats() {
        let p = Problem::parse(br#"{"detail":"Invalid authentication"}"#).unwrap();
        assert_eq!(p.summary(), "Invalid authentication");
        let p = Problem::parse(br#"{"type":"x","title":"Validation Error","status":422,"detail":"Request validation failed","errors":[{"field":"kind","message":"Input should be 'outbox', 'export' or 'all'"}]}"#).unwrap();
        assert!(p.summary().contains("kind: Input should be"));
        assert!(Problem::parse(br#"{"items":[]}"#).is_none());
    }
}
