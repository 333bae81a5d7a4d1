//! `api-logs`: what the API logs about the heartbeat, admin access and unhandled errors (JSON
//! records on stdout; uvicorn's plain lines and tracebacks on stderr).

use std::sync::Arc;

use anyhow::Result;
use serde_json::Value;

use super::{Outcome, Sources, Status};
use crate::docker::logs::LogLine;
use crate::logs::group::summarize;
use crate::logs::parse::Format;
use crate::logs::{Entry, Level};

/// An exception's line is quoted whole up to this.
const QUOTE_MAX: usize = 300;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiScan {
    pub stale: usize,
    pub auth_failed: usize,
    pub rate_limited: usize,
    /// Records at error or above, and tracebacks (uvicorn's `Exception in ASGI application`).
    pub errors: usize,
    /// The last job_heartbeat_stale record's fields.
    pub last_stale: Option<serde_json::Map<String, Value>>,
    /// The last error: its exception's line (else its message) and where it happened.
    pub last_error: Option<String>,
}

pub fn scan(lines: &[LogLine]) -> ApiScan {
    let mut s = ApiScan::default();
    for entry in summarize(lines) {
        let c = match &entry {
            Entry::Traceback(t) => {
                s.errors += 1;
                if let Some(e) = &t.exception {
                    s.last_error = Some(e.chars().take(QUOTE_MAX).collect());
                }
                continue;
            }
            Entry::Line(_, c) => c,
        };
        // Uvicorn's banner and access lines say nothing here; its tracebacks are counted above.
        if c.parsed.format != Format::Json {
            continue;
        }
        let p = &c.parsed;
        match p.message.as_deref() {
            Some("job_heartbeat_stale") => {
                s.stale += 1;
                s.last_stale = Some(p.fields.clone());
            }
            Some("admin_auth_failed") => s.auth_failed += 1,
            Some("rate_limit_blocked" | "org_action_rate_limited") => s.rate_limited += 1,
            _ => {}
        }
        if p.level.is_some_and(|l| l >= Level::Error) || p.exception.is_some() {
            s.errors += 1;
            let what = p
                .exception_last_line()
                .or(p.message.as_deref())
                .unwrap_or("(no message)");
            let field = |k: &str| p.fields.get(k).and_then(Value::as_str);
            let place = [
                field("method").map(str::to_string),
                field("path").map(str::to_string),
                field("request_id").map(|r| format!("request_id {r}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            let mut quoted: String = what.chars().take(QUOTE_MAX).collect();
            if !place.is_empty() {
                quoted.push_str(&format!(
                    " ({})",
                    place.chars().take(QUOTE_MAX).collect::<String>()
                ));
            }
            s.last_error = Some(quoted);
        }
    }
    s
}

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let lines = match s.api_logs().await {
        // Without an engine, not checked: the jobs-container check already says why.
        Err(_) if s.engine().await.is_err() => {
            return Ok(Outcome::new(
                Status::Skipped,
                "not checked: the Docker engine cannot be asked (see jobs-container)",
            ));
        }
        Err(f) => {
            return Ok(Outcome::new(
                Status::Failed,
                format!("cannot read them: {}", f.message),
            ));
        }
        Ok(l) => l,
    };
    // No container or an empty log: nothing to count, and no "0 lines" to claim.
    let has_container = s
        .service("api")
        .await
        .is_ok_and(|a| !a.containers.is_empty());
    if !has_container {
        return Ok(Outcome::new(
            Status::Skipped,
            "no api container: no log to read",
        ));
    }
    if lines.is_empty() {
        return Ok(Outcome::new(Status::Ok, "nothing logged"));
    }
    let scan = scan(&lines);
    let status =
        if scan.stale > 0 || scan.auth_failed > 0 || scan.rate_limited > 0 || scan.errors > 0 {
            Status::Warning
        } else {
            Status::Ok
        };
    let mut o = Outcome::new(
        status,
        format!(
            "{} job_heartbeat_stale, {} admin_auth_failed, {} rate-limited, {} error(s) in the last {} line(s)",
            scan.stale,
            scan.auth_failed,
            scan.rate_limited,
            scan.errors,
            lines.len()
        ),
    );
    if let Some(v) = &scan.last_stale {
        o = o.evidence(format!(
            "last job_heartbeat_stale: age {}s, threshold {}s, runner {}",
            v.get("age_seconds")
                .and_then(Value::as_f64)
                .map(|a| format!("{a:.0}"))
                .unwrap_or_else(|| "?".into()),
            v.get("threshold_seconds").unwrap_or(&Value::Null),
            v.get("runner_id").and_then(Value::as_str).unwrap_or("?")
        ));
    }
    if let Some(e) = &scan.last_error {
        o = o.evidence(format!("last error: {e}"));
        o = o.hint("the api's errors, each with its exception's line: cleanops logs api --level error (--full for the whole traceback)");
    }
    if scan.auth_failed > 0 {
        o = o.hint("admin auth failures: a script with wrong credentials, or a missing X-Auth-MFA / trusted proxy");
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(stderr: bool, t: &str) -> LogLine {
        LogLine {
            ts: None,
            stderr,
            text: t.to_string(),
        }
    }

    #[test]
    fn counts_and_quotes_the_apis_records_and_tracebacks() {
        let lines = vec![
            line(true, "INFO:     Started server process [1]"),
            line(
                false,
                r#"{"level": "WARNING", "message": "job_heartbeat_stale", "age_seconds": 1278.4, "threshold_seconds": 300, "runner_id": "r-1"}"#,
            ),
            line(
                false,
                r#"{"level": "ERROR", "message": "unhandled_exception", "method": "GET", "path": "/v1/admin/queue/dlq", "request_id": "req-9", "exception": "Traceback (most recent call last):\n  File \"/app/x.py\", line 1, in f\n    g()\nsqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedFunction) operator does not exist: uuid = character varying\n[SQL: SELECT 1]\n(Background on this error at: https://sqlalche.me/e/20/f405)"}"#,
            ),
            line(true, "ERROR:    Exception in ASGI application"),
            line(true, "Traceback (most recent call last):"),
            line(true, "  File \"/app/y.py\", line 2, in h"),
            line(true, "KeyError: 'org_id'"),
            line(
                true,
                "INFO:     172.18.0.1:1 - \"GET /healthz HTTP/1.1\" 200 OK",
            ),
        ];
        let s = scan(&lines);
        assert_eq!(
            (s.stale, s.auth_failed, s.rate_limited, s.errors),
            (1, 0, 0, 2)
        );
        assert_eq!(s.last_stale.as_ref().unwrap()["runner_id"], "r-1");
        assert_eq!(s.last_error.as_deref(), Some("KeyError: 'org_id'"));
        let s = scan(&lines[..3]);
        assert_eq!(
            s.last_error.as_deref(),
            Some(
                "sqlalchemy.exc.ProgrammingError: (psycopg.errors.UndefinedFunction) operator does not exist: uuid = character varying (GET /v1/admin/queue/dlq request_id req-9)"
            )
        );
    }
}
