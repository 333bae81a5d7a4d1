//! `api`: the API answers — reachable, over TLS or not, how fast.

use std::sync::Arc;

use anyhow::Result;

use super::{Outcome, Sources, Status};

/// Slower than this, an answer is worth a warning: `/readyz` runs three quick queries.
const SLOW_SECONDS: f64 = 1.5;

pub async fn run(s: Arc<Sources>) -> Result<Outcome> {
    let url = s.client.base_url().clone();
    let scheme = if url.scheme() == "https" {
        "https, TLS verified"
    } else {
        "plain http"
    };
    Ok(match s.readiness().await {
        Err(f) => Outcome::new(Status::Failed, format!("unreachable: {}", f.message))
            .evidence(format!("GET {url}readyz"))
            .hint("cleanops config show   # is the API URL right?"),
        Ok(snap) => {
            let latency = snap.latency.as_secs_f64();
            let o = Outcome::new(
                if latency > SLOW_SECONDS {
                    Status::Warning
                } else {
                    Status::Ok
                },
                format!(
                    "reachable ({scheme}), /readyz answered {} in {}",
                    snap.http_status,
                    crate::clock::human(latency)
                ),
            );
            if latency > SLOW_SECONDS {
                o.evidence(format!(
                    "slow: {} for /readyz",
                    crate::clock::human(latency)
                ))
            } else {
                o
            }
        }
    })
}
