//! `readiness`: every `/readyz` check, read on 200 and 503.

use std::sync::Arc;

use anyhow::Result;

use super::{Outcome, Sources, Status};
use crate::api::readiness::reading;

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let snap = match s.readiness().await {
        Ok(snap) => snap,
        Err(f) => {
            return Ok(Outcome::new(
                Status::Skipped,
                format!("no answer: {}", f.message),
            ));
        }
    };
    let r = &snap.readiness;
    let failing: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect();
    let mut o = if r.ok {
        Outcome::new(Status::Ok, "ready (HTTP 200)")
    } else {
        Outcome::new(
            Status::Failed,
            format!(
                "not ready (HTTP {}): {}",
                snap.http_status,
                failing.join(", ")
            ),
        )
    };
    for c in &r.checks {
        o = o.evidence(format!(
            "{} {}: {}",
            if c.ok {
                crate::render::glyphs::OK.plain()
            } else {
                crate::render::glyphs::FAILED.plain()
            },
            c.name,
            reading(c)
        ));
    }
    Ok(o)
}
