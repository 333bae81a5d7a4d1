//! The client side of the simulator's process endpoints (`GET /_sim/processes`,
//! `POST /_sim/worker-loop`), for the processes that stand next to the simulated API in the
//! Docker test stack: the runner (`cleanops sim worker`) and the in-container shims
//! (`python -c ...`, `pg_isready`). The simulated database lives inside the API simulator, so
//! these processes ask it what their real counterparts would find.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use tokio::time::Instant;

use super::runner::{LoopReport, ProcessView};

/// Where the simulator is when neither `--api` nor `CLEANOPS_SIM_API` says.
pub(crate) const DEFAULT_API: &str = "http://127.0.0.1:8000";
/// Environment variable with the simulator's base URL (`http://api:8000` in the stack).
pub(crate) const API_ENV: &str = "CLEANOPS_SIM_API";
/// Each request's own bound; the callers' patience bounds the retries.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The simulator's base URL: the flag, else `CLEANOPS_SIM_API`, else [`DEFAULT_API`].
pub(crate) fn api_base(flag: Option<&str>) -> String {
    let from_env = std::env::var(API_ENV).ok();
    let chosen = flag
        .map(str::to_owned)
        .or(from_env)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_API.to_owned());
    chosen.trim_end_matches('/').to_owned()
}

#[derive(Debug)]
pub(crate) enum RemoteError {
    /// No answer (connection refused, DNS, timeout) or a 5xx that is not `db_down`: the
    /// simulator may be starting or restarting, so callers retry for a while.
    Unreachable(String),
    /// The simulated database is down (`503 {"error": "db_down"}`).
    DbDown,
    /// The simulator refused the request (4xx) or answered something unreadable: a bug on one
    /// side, not worth retrying.
    Refused(String),
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemoteError::Unreachable(why) => write!(f, "simulator unreachable: {why}"),
            RemoteError::DbDown => f.write_str("the simulated database is down"),
            RemoteError::Refused(why) => write!(f, "simulator refused the request: {why}"),
        }
    }
}

/// reqwest is built with rustls without a provider in this workspace (the client picks ring):
/// building a client needs one installed, even for plain HTTP.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Fails only when another provider was installed first, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub(crate) struct SimApi {
    http: reqwest::Client,
    base: String,
}

impl SimApi {
    pub(crate) fn new(base: String) -> anyhow::Result<SimApi> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // The stack's URLs are container names: a proxy from the environment would only
            // get in the way.
            .no_proxy()
            // Plain HTTP only. Without this, building the client loads the system's CA
            // certificates and fails in the test image, which has none.
            .tls_certs_only(std::iter::empty())
            .build()
            .context("cannot build the HTTP client")?;
        Ok(SimApi { http, base })
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// What the runner and the checks need of the simulated world.
    pub(crate) async fn processes(&self) -> Result<ProcessView, RemoteError> {
        let req = self.http.get(format!("{}/_sim/processes", self.base));
        let (status, body) = send(req).await?;
        if status != 200 {
            return Err(classify(status, &body));
        }
        serde_json::from_slice(&body)
            .map_err(|e| RemoteError::Refused(format!("unreadable /_sim/processes answer: {e}")))
    }

    /// Records one finished loop; returns how many loops the simulator has seen.
    pub(crate) async fn report_loop(&self, report: &LoopReport) -> Result<u64, RemoteError> {
        let req = self
            .http
            .post(format!("{}/_sim/worker-loop", self.base))
            .json(report);
        let (status, body) = send(req).await?;
        if status != 200 {
            return Err(classify(status, &body));
        }
        let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            RemoteError::Refused(format!("unreadable /_sim/worker-loop answer: {e}"))
        })?;
        Ok(answer["loops"].as_u64().unwrap_or(0))
    }
}

async fn send(req: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), RemoteError> {
    let resp = req
        .send()
        .await
        .map_err(|e| RemoteError::Unreachable(chain(&e)))?;
    let status = resp.status().as_u16();
    let body = resp
        .bytes()
        .await
        .map_err(|e| RemoteError::Unreachable(chain(&e)))?;
    Ok((status, body.to_vec()))
}

fn classify(status: u16, body: &[u8]) -> RemoteError {
    let text = String::from_utf8_lossy(body);
    if status == 503 && text.contains("db_down") {
        RemoteError::DbDown
    } else if status >= 500 {
        RemoteError::Unreachable(format!("HTTP {status}: {text}"))
    } else {
        RemoteError::Refused(format!("HTTP {status}: {text}"))
    }
}

/// reqwest's top-level message alone says little ("error sending request"); the causes say
/// why (DNS, refused, timeout).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ")
}

/// Calls `attempt` until it answers something other than `Unreachable`, or `patience` has
/// passed (then the last `Unreachable`). Short pauses: a restarting simulator is back fast.
pub(crate) async fn patiently<T, F, Fut>(
    patience: Duration,
    mut attempt: F,
) -> Result<T, RemoteError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RemoteError>>,
{
    let deadline = Instant::now() + patience;
    let mut pause = Duration::from_millis(100);
    loop {
        match attempt().await {
            Err(RemoteError::Unreachable(why)) => {
                let now = Instant::now();
                if now >= deadline {
                    return Err(RemoteError::Unreachable(why));
                }
                tokio::time::sleep(pause.min(deadline - now)).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
            other => return other,
        }
    }
}
