//! `api-logs`: what the API logs about the heartbeat and about admin access (JSON lines).

use std::sync::Arc;

use anyhow::Result;

use super::{Outcome, Sources, Status};

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let lines = match s.api_logs().await {
        Err(f) => {
            return Ok(Outcome::new(
                Status::Failed,
                format!("cannot read them: {}", f.message),
            ));
        }
        Ok(l) => l,
    };
    let (mut stale, mut auth_failed, mut rate_limited) = (0, 0, 0);
    let mut last_stale = None;
    for l in lines.iter() {
        // The API logs one JSON object per line; anything else (uvicorn's banner) is skipped.
        if !l.text.starts_with('{') {
            continue;
        }
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&l.text) else {
            continue;
        };
        match v.get("message").and_then(|m| m.as_str()) {
            Some("job_heartbeat_stale") => {
                stale += 1;
                last_stale = Some(v);
            }
            Some("admin_auth_failed") => auth_failed += 1,
            Some("rate_limit_blocked" | "org_action_rate_limited") => rate_limited += 1,
            _ => {}
        }
    }
    let status = if stale > 0 || auth_failed > 0 || rate_limited > 0 {
        Status::Warning
    } else {
        Status::Ok
    };
    let mut o = Outcome::new(
        status,
        format!(
            "{stale} job_heartbeat_stale, {auth_failed} admin_auth_failed, {rate_limited} rate-limited in the last {} lines",
            lines.len()
        ),
    );
    if let Some(v) = last_stale {
        o = o.evidence(format!(
            "last job_heartbeat_stale: age {}s, threshold {}s, runner {}",
            v["age_seconds"]
                .as_f64()
                .map(|a| format!("{a:.0}"))
                .unwrap_or_else(|| "?".into()),
            v["threshold_seconds"],
            v["runner_id"].as_str().unwrap_or("?")
        ));
    }
    if auth_failed > 0 {
        o = o.hint("admin auth failures: a script with wrong credentials, or a missing X-Auth-MFA / trusted proxy");
    }
    Ok(o)
}
