//! One POST of JSON to PagerDuty or Slack, as the API client does HTTP: rustls with the
//! system's CAs plus `--cacert`, redirects never followed, a connect timeout and a timeout per
//! attempt, a bounded body, and retries only where a retry cannot do harm: a `429` (the service
//! took nothing; its `Retry-After` is honoured) and a connection that never opened, always; a
//! `5xx` or a timeout only for PagerDuty, whose `dedup_key` makes a repeated event the same
//! event (a Slack message could be posted twice). The URL shown anywhere is the caller's
//! `shown` one: a Slack webhook URL is a credential.

use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use reqwest::Url;

use super::scrub;
use crate::config::Settings;
use crate::error::{Exit, Failure};

/// Attempts in all (the first and three retries).
pub const MAX_ATTEMPTS: u32 = 4;
/// The longest cleanops waits between attempts, all waits together: an escalation that cannot
/// get through says so within a minute, so the engineer picks up the phone.
pub const MAX_WAITING: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// No answer of PagerDuty or Slack is anywhere near this.
const MAX_BODY: usize = 64 * 1024;

/// One request.
pub struct Post<'a> {
    /// `PagerDuty`, `Slack`: for the messages.
    pub service: &'static str,
    pub url: &'a Url,
    /// The URL as printed (`--verbose`, errors).
    pub shown: String,
    pub body: &'a serde_json::Value,
    /// Retry a 5xx or a timeout too (the request is idempotent).
    pub idempotent: bool,
    /// Secret parts to scrub from anything shown.
    pub secrets: Vec<String>,
}

/// The final answer (after retries), whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub attempts: u32,
    pub took: Duration,
}

pub struct Sender {
    timeout: Duration,
    verbose: bool,
    certs: Vec<reqwest::Certificate>,
}

impl Sender {
    /// `timeout` bounds each attempt (`--timeout`); `--cacert` is trusted as for the API.
    pub fn new(settings: &Settings, verbose: bool) -> Result<Sender> {
        let mut certs = Vec::new();
        if let Some(cacert) = &settings.cacert {
            let pem = crate::files::read(&cacert.value).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the CA certificate {}: {e}",
                    cacert.value.display()
                ))
            })?;
            certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Failure::usage(format!(
                    "{} is not a PEM certificate: {e}",
                    cacert.value.display()
                ))
            })?;
        }
        Ok(Sender {
            timeout: settings.timeout.value,
            verbose,
            certs,
        })
    }

    fn client(&self, url: &Url) -> Result<reqwest::Client> {
        crate::tls::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(self.timeout))
            .user_agent(concat!("cleanops/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        for c in &self.certs {
            builder = builder.add_root_certificate(c.clone());
        }
        // Loopback (a test's server) never goes through a proxy; https goes as the environment
        // says (a proxy sees only TLS); plain http elsewhere is refused before this.
        if crate::api::client::is_loopback(url) {
            builder = builder.no_proxy();
        }
        crate::tls::trust_store(builder).build().map_err(|e| {
            Failure::usage(format!(
                "cannot set up the HTTP client: {:#}",
                anyhow::Error::new(e)
            ))
            .into()
        })
    }

    /// POST `p.body` as JSON; retried as the module says. `Err` only when no answer came
    /// (exit 3, or 2 for a URL refused before sending).
    pub async fn post(&self, p: &Post<'_>) -> Result<Answer> {
        let scheme_ok = p.url.scheme() == "https"
            || (p.url.scheme() == "http" && crate::api::client::is_loopback(p.url));
        if !scheme_ok {
            return Err(Failure::usage(format!(
                "refusing to post to {} ({}): https only (plain http only to loopback)",
                p.shown, p.service
            ))
            .into());
        }
        let client = self.client(p.url)?;
        let body = serde_json::to_vec(p.body)
            .map_err(|e| Failure::new(Exit::Local, format!("cannot encode the event: {e}")))?;
        let started = Instant::now();
        let mut waited = Duration::ZERO;
        let mut attempt = 1;
        loop {
            let outcome = self.once(&client, p, &body).await;
            let retry = match &outcome {
                Ok((429, _, retry_after)) => Some((
                    "HTTP 429".to_string(),
                    retry_after.unwrap_or_else(|| backoff(attempt)),
                )),
                Ok((s, _, retry_after)) if (500..=599).contains(s) && p.idempotent => Some((
                    format!("HTTP {s}"),
                    retry_after.unwrap_or_else(|| backoff(attempt)),
                )),
                Err((f, Retry::Always)) => Some((f.message.clone(), backoff(attempt))),
                Err((f, Retry::IfIdempotent)) if p.idempotent => {
                    Some((f.message.clone(), backoff(attempt)))
                }
                _ => None,
            };
            let give_up = |why: &str| {
                eprintln!("{}: giving up after {attempt} attempt(s): {why}", p.service);
            };
            match retry {
                Some((why, wait)) if attempt < MAX_ATTEMPTS => {
                    if waited + wait > MAX_WAITING {
                        give_up(&format!(
                            "{why}, and waiting {} more would pass cleanops' limit of {} for one delivery",
                            crate::clock::human(wait.as_secs_f64()),
                            crate::clock::human(MAX_WAITING.as_secs_f64())
                        ));
                    } else {
                        eprintln!(
                            "retrying POST {} ({}) in {:.1}s ({}; attempt {} of {MAX_ATTEMPTS})",
                            p.shown,
                            p.service,
                            wait.as_secs_f64(),
                            crate::render::shown(&why),
                            attempt + 1
                        );
                        tokio::time::sleep(wait).await;
                        waited += wait;
                        attempt += 1;
                        continue;
                    }
                }
                Some((why, _)) if attempt > 1 => give_up(&why),
                _ => {}
            }
            return match outcome {
                Ok((status, body, _)) => Ok(Answer {
                    status,
                    body,
                    attempts: attempt,
                    took: started.elapsed(),
                }),
                Err((f, _)) => Err(f.into()),
            };
        }
    }

    /// One attempt: the status, the body and `Retry-After`; or the failure and whether it may
    /// be retried.
    async fn once(
        &self,
        client: &reqwest::Client,
        p: &Post<'_>,
        body: &[u8],
    ) -> std::result::Result<(u16, Vec<u8>, Option<Duration>), (Failure, Retry)> {
        let started = Instant::now();
        let call = async {
            let mut resp = client
                .post(p.url.clone())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/plain")
                .body(body.to_vec())
                .send()
                .await?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| crate::api::client::parse_retry_after(v, SystemTime::now()));
            let mut buf = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                if buf.len() + chunk.len() > MAX_BODY {
                    buf.extend_from_slice(&chunk[..MAX_BODY - buf.len()]);
                    break;
                }
                buf.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>((status, buf, retry_after))
        };
        let result = match tokio::time::timeout(self.timeout, call).await {
            Err(_) => Err((self.timed_out(p), Retry::IfIdempotent)),
            Ok(Err(e)) => Err(self.transport_failure(p, &e)),
            Ok(Ok(answer)) => Ok(answer),
        };
        if self.verbose {
            match &result {
                Ok((status, body, _)) => eprintln!(
                    "POST {} → {status} ({} ms, {} bytes)",
                    p.shown,
                    started.elapsed().as_millis(),
                    body.len()
                ),
                Err((f, _)) => eprintln!("POST {} → no answer: {}", p.shown, f.message),
            }
        }
        result
    }

    fn timed_out(&self, p: &Post<'_>) -> Failure {
        let mut f = Failure::new(
            Exit::Unreachable,
            format!(
                "POST {} ({}): no answer within {} (--timeout)",
                p.shown,
                p.service,
                crate::clock::human(self.timeout.as_secs_f64())
            ),
        );
        if !p.idempotent {
            f = f.hint("the message may or may not have been posted; it was not sent again (it could appear twice)");
        }
        f
    }

    /// A request that got no answer, and whether to try again.
    fn transport_failure(&self, p: &Post<'_>, e: &reqwest::Error) -> (Failure, Retry) {
        if e.is_timeout() {
            return (self.timed_out(p), Retry::IfIdempotent);
        }
        // reqwest's own text names the URL: only the causes below it are shown, scrubbed.
        let mut cause = String::new();
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = src {
            cause = s.to_string();
            src = s.source();
        }
        let cause = crate::render::shown(&scrub(&cause, &p.secrets)).into_owned();
        let host = p.url.host_str().unwrap_or("?");
        if let Some((plain, hint)) = crate::api::client::certificate_refusal(&cause) {
            return (
                Failure::new(
                    Exit::Unreachable,
                    format!(
                        "POST {} ({}): the TLS certificate of {host} was refused: {plain}",
                        p.shown, p.service
                    ),
                )
                .hint(hint),
                // An answer about the certificate: trying again cannot change it.
                Retry::Never,
            );
        }
        if e.is_connect() {
            return (
                Failure::new(
                    Exit::Unreachable,
                    format!(
                        "POST {} ({}): could not connect to {host}: {cause}",
                        p.shown, p.service
                    ),
                )
                .hint(format!(
                    "is this machine allowed to reach {host}? If {} cannot be reached, page by phone",
                    p.service
                )),
                // The connection never opened: nothing reached the service.
                Retry::Always,
            );
        }
        (
            Failure::new(
                Exit::Unreachable,
                format!(
                    "POST {} ({}): the request failed: {cause}",
                    p.shown, p.service
                ),
            ),
            Retry::IfIdempotent,
        )
    }
}

/// Whether a request that got no answer may be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retry {
    /// Nothing reached the service.
    Always,
    /// It may have reached the service: only an idempotent request goes again.
    IfIdempotent,
    /// Trying again cannot change the outcome.
    Never,
}

/// Full-jitter exponential backoff: up to 0.5 s, 1 s, 2 s.
fn backoff(attempt: u32) -> Duration {
    let cap_ms = 500u64 << attempt.min(4).saturating_sub(1);
    Duration::from_millis(fastrand::u64(cap_ms / 4..=cap_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_short_and_bounded() {
        for attempt in 1..10 {
            assert!(backoff(attempt) <= Duration::from_secs(4));
        }
    }
}
