//! The HTTP client of the app: bounded in time, retrying what is safe to retry, and turning every
//! answer outside the contract into a clear error with the right exit code.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use super::memory::Memory;
use super::types::Problem;
use crate::config::{Secret, Settings};
use crate::error::{Exit, Failure, Kind};

/// Larger answers are cut off: no endpoint of the contract sends more than a few hundred KiB.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// The longest wait a server's `Retry-After` gets: an incident tool does not go quiet for an hour
/// because a proxy said so.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs.min(MAX_RETRY_AFTER.as_secs())),
        Err(_) => httpdate::parse_http_date(value)
            .ok()?
            .duration_since(now)
            .unwrap_or(Duration::ZERO),
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Attempts for a GET (the first plus retries).
const GET_ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// What every call needs to know besides the settings.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// Print each request and answer on stderr (never credentials).
    pub verbose: bool,
    /// Stay silent about retries (for --json consumers that read stderr? no: retries are always
    /// worth saying; this is for the in-process demo, whose stderr is the report).
    pub quiet: bool,
    /// Keep the per-API record of `$XDG_STATE_HOME/cleanops/api-memory.json` (the calls the
    /// rate limit counts, how `kind=all` answers): every command does; the demo, which must
    /// write nothing outside its temp dir, does not.
    pub remember: bool,
}

/// An answer, whatever its status.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub latency: Duration,
    /// The server's `Date` header, for clock-drift checks.
    pub date: Option<SystemTime>,
    pub method: Method,
    pub path: String,
    /// On a 429: how many rate-limited requests cleanops itself sent to this API in the last
    /// minute, from its record (None when there is no record).
    pub own_recent_calls: Option<usize>,
    /// A 401 to `X-Auth-MFA: true` after which the same request without the header was
    /// refused too (the original refusal is this one).
    pub refused_without_mfa: bool,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Retry-After`, in seconds or as an HTTP date, within [`MAX_RETRY_AFTER`]; a value that is
    /// neither is ignored (None), as is one in the past (zero).
    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(self.header("retry-after")?, SystemTime::now())
    }

    fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    fn is_json(&self) -> bool {
        let ct = self.content_type();
        ct.starts_with("application/json") || ct.starts_with("application/problem+json")
    }

    /// Decode a 2xx JSON body, or fail with exit 5 and an excerpt of what came instead.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        self.check_utf8()?;
        match serde_json::from_slice::<T>(&self.body) {
            Ok(v) => Ok(v),
            Err(e) => Err(self
                .unexpected(&format!("not the JSON the app sends ({e})"))
                .into()),
        }
    }

    /// JSON is UTF-8; serde_json does not check the strings it skips, so check the whole body.
    pub fn check_utf8(&self) -> Result<()> {
        match std::str::from_utf8(&self.body) {
            Ok(_) => Ok(()),
            Err(e) => Err(self
                .unexpected(&format!(
                    "invalid UTF-8 at byte {} of a JSON body",
                    e.valid_up_to()
                ))
                .into()),
        }
    }

    /// A failure for an answer outside the contract.
    pub fn unexpected(&self, why: &str) -> Failure {
        let ct = if self.content_type().is_empty() {
            "no content type".to_string()
        } else {
            self.content_type().to_string()
        };
        let mut f = Failure::new(
            Exit::Unexpected,
            format!(
                "unexpected answer to {} {}: HTTP {}, {ct}: {why}; body starts: {}",
                self.method,
                self.path,
                self.status.as_u16(),
                excerpt(&self.body, 160)
            ),
        );
        f.kind = Kind::Status(self.status.as_u16());
        if self.content_type().starts_with("text/html") {
            f = f.hint("an HTML page usually comes from a proxy (Caddy, a load balancer) in front of the app: is the app up behind it, and is the API URL right?");
        }
        f
    }

    /// Turn a non-2xx answer into the error an engineer can act on.
    pub fn error_for_status(&self) -> Failure {
        let status = self.status.as_u16();
        let problem = Problem::parse(&self.body);
        let detail = problem.as_ref().map(Problem::summary);
        let mut f = match status {
            401 => auth_failure(self, detail.as_deref()),
            403 => forbidden(self, detail.as_deref()),
            429 => rate_limited(self, detail.as_deref()),
            _ => match &detail {
                Some(d) => Failure::new(
                    Exit::Unexpected,
                    format!("{} {} failed: HTTP {status}: {d}", self.method, self.path),
                ),
                None if self.body.is_empty() => Failure::new(
                    Exit::Unexpected,
                    format!(
                        "{} {} failed: HTTP {status} with an empty body",
                        self.method, self.path
                    ),
                ),
                None => self.unexpected("an error outside the app's formats"),
            },
        };
        f.kind = Kind::Status(status);
        f
    }
}

/// A 429, and whose calls it was: cleanops' own (its record of this API says so) or others'.
fn rate_limited(resp: &Response, detail: Option<&str>) -> Failure {
    use super::memory::RATE_LIMIT_PER_MINUTE as LIMIT;
    let said = crate::render::shown(detail.unwrap_or("Too Many Requests"));
    let per_action = said.contains("for this action");
    let whose = match resp.own_recent_calls {
        _ if per_action => String::new(),
        Some(own) if own >= LIMIT => format!(
            ": our own budget — cleanops itself sent {own} rate-limited requests to this API in the last minute, and the app allows {LIMIT} per client IP"
        ),
        Some(own) => format!(
            ": not cleanops alone — it sent {own} of the {LIMIT} requests a minute the app allows per client IP; the rest came from elsewhere behind the same address"
        ),
        None => String::new(),
    };
    let mut f = Failure::new(
        Exit::Unreachable,
        format!(
            "{} {} was rate limited (HTTP 429: {said}) and retries did not get through{whose}",
            resp.method, resp.path,
        ),
    );
    f = match resp.own_recent_calls {
        _ if per_action => f.hint("the app allows 5 replays a minute per org and action; wait a minute"),
        Some(own) if own >= LIMIT => f
            .hint("wait a minute; to keep watching, use `cleanops diagnose --watch 30s`, which paces itself under the limit (2 admin calls a round)"),
        Some(_) => f
            .hint("other users, scripts or monitoring share this client IP (a NAT, a proxy, Caddy's own address): wait a minute, or find who polls the admin API")
            .hint("/readyz is exempt: `cleanops status --api-only` still works"),
        None => f.hint("the app allows 30 requests a minute per client IP (admin GETs and 401s included) and 5 replays a minute per org; wait a minute"),
    };
    f.hint("the app sends no Retry-After, so cleanops cannot know how long exactly")
}

/// Whether a 401 is the trusted-proxy gate refusing `X-Auth-MFA: true` (docs/app-contract.md §5.2 5:
/// `proxy_untrusted` in the code; the running app was seen answering `untrusted_proxy`, §13).
fn refuses_mfa_header(resp: &Response) -> bool {
    resp.status == StatusCode::UNAUTHORIZED
        && matches!(
            resp.header("x-admin-auth-fail-reason").map(str::trim),
            Some("proxy_untrusted" | "untrusted_proxy")
        )
}

/// The plain sentence behind `X-Admin-Auth-Fail-Reason` (docs/app-contract.md §5.3).
fn auth_failure(resp: &Response, detail: Option<&str>) -> Failure {
    let reason = resp.header("x-admin-auth-fail-reason");
    let www = resp.header("www-authenticate").unwrap_or("");
    let said = detail.unwrap_or("no detail");
    let (sentence, hints): (String, Vec<&str>) = match reason {
        Some("invalid_credentials") => (
            format!("the server refused the credentials ({said})"),
            vec![
                "check ADMIN_BASIC_USERNAME / ADMIN_BASIC_PASSWORD (or the profile's username and password_file)",
                "legacy Basic auth is off by default when APP_ENV is prod or staging: there, go through Caddy with Caddy's users (owner, admin, ...)",
            ],
        ),
        Some("proxy_untrusted" | "untrusted_proxy") => (
            format!("the server wants a trusted proxy and MFA ({said})"),
            vec![
                "go through Caddy (the public https:// URL), or call from an address listed in TRUSTED_PROXY_IPS / TRUSTED_PROXY_CIDRS",
                if resp.refused_without_mfa {
                    "cleanops also tried once without X-Auth-MFA (which a test, ci or e2e instance reached directly accepts) and was refused again: outside test, ci and e2e, direct Basic auth does not work at all"
                } else {
                    "without X-Auth-MFA too: outside test, ci and e2e, direct Basic auth does not work at all"
                },
            ],
        ),
        Some("mfa_required") => (
            format!("the server wants MFA ({said})"),
            vec![
                "send X-Auth-MFA: true: drop --no-mfa-header (or mfa_header = false in the profile)",
            ],
        ),
        Some("missing_authorization") => (
            format!(
                "the server is in proxy-auth mode and wants identity headers from its proxy ({said})"
            ),
            vec!["call it through Caddy with Caddy's credentials, not the backend directly"],
        ),
        Some("proxy_invalid_signature") => (
            format!("the proxy's signature was refused ({said})"),
            vec!["the proxy secret (ADMIN_PROXY_AUTH_SECRET) of the proxy and the app differ"],
        ),
        Some(other) => (format!("authentication refused ({other}: {said})"), vec![]),
        None if www.contains("restricted") => (
            "Caddy refused the credentials (HTTP 401 from the proxy)".into(),
            vec![
                "Caddy's usernames are literally owner, admin, dispatcher, accountant or viewer, with the passwords behind ADMIN_PROXY_AUTH_HASH_*",
            ],
        ),
        None => (format!("authentication refused ({said})"), vec![]),
    };
    let mut f = Failure::new(
        Exit::Auth,
        format!("{} {}: HTTP 401: {sentence}", resp.method, resp.path),
    );
    for h in hints {
        f = f.hint(h);
    }
    f
}

fn forbidden(resp: &Response, detail: Option<&str>) -> Failure {
    let reason = resp.header("x-admin-auth-fail-reason");
    let text = detail
        .map(str::to_string)
        .unwrap_or_else(|| excerpt(&resp.body, 120));
    let mut f = Failure::new(
        Exit::Auth,
        format!("{} {}: HTTP 403: {text}", resp.method, resp.path),
    );
    if reason == Some("forbidden_permission") {
        f = f
            .hint("this account's role may not do this: the DLQ listing and every replay need the admin (or owner) role")
            .hint("an ADMIN_BASIC_USERNAME literally named viewer, dispatcher, accountant or finance is silently given that role");
    } else if text.contains("allowlist") || text.contains("from this IP") {
        f = f.hint("this address is not on the admin IP allow-list (ADMIN_IP_ALLOWLIST_CIDRS / ADMIN_ALLOWED_IPS)");
    }
    f
}

/// A short, single-line, printable excerpt of a body (invalid UTF-8 replaced, controls escaped).
pub fn excerpt(body: &[u8], max_chars: usize) -> String {
    if body.is_empty() {
        return "(empty)".into();
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(max_chars * 4)]);
    let mut out = String::new();
    let mut last_space = false;
    for c in text.chars() {
        if out.chars().count() >= max_chars {
            out.push('…');
            break;
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    format!("{:?}", out.trim())
}

/// How the HTTP clients of one [`Client`] are built: the pooled one for every call, and the
/// one that never reuses a connection, for the retry after the server closed a pooled one.
#[derive(Clone)]
struct HttpConfig {
    connect_timeout: Duration,
    roots: Vec<reqwest::Certificate>,
    direct: bool,
}

impl HttpConfig {
    fn build(&self, pooled: bool) -> Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("cleanops/", env!("CARGO_PKG_VERSION")))
            // A proxy answering for the app must not be followed elsewhere with our credentials.
            .redirect(reqwest::redirect::Policy::none());
        if !pooled {
            builder = builder.pool_max_idle_per_host(0);
        }
        for cert in &self.roots {
            builder = builder.add_root_certificate(cert.clone());
        }
        if self.direct {
            // Loopback never goes through a proxy, and plain http goes direct or not at all.
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
}

/// What the clones of one [`Client`] share for the whole run.
struct RunState {
    /// Send `X-Auth-MFA: true` on admin calls: on unless turned off, or until a test, ci or e2e
    /// instance reached directly refused it (then off for the rest of the run).
    mfa_header: AtomicBool,
    /// Requests sent that the app's global rate limit counts (not the health paths).
    rate_limited_calls: AtomicU64,
    /// Built on first need: a client whose every request gets a new connection.
    fresh: OnceLock<reqwest::Client>,
    /// The run's first admin call goes alone while it finds out whether this instance takes
    /// `X-Auth-MFA`: concurrent calls (the diagnosis' checks) then do not each spend a refused
    /// request first (the rate limit counts 401s).
    mfa_probe: tokio::sync::Mutex<()>,
    mfa_settled: AtomicBool,
    memory: Option<Memory>,
}

/// The client of one invocation.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: HttpConfig,
    run: Arc<RunState>,
    base: Url,
    credentials: Option<(String, Secret)>,
    allow_insecure_http: bool,
    proxy: ProxyRoute,
    request_id: String,
    timeout: Duration,
    options: ClientOptions,
}

impl Client {
    pub fn new(settings: &Settings, options: ClientOptions) -> Result<Client> {
        crate::tls::install_crypto_provider();
        let mut roots = Vec::new();
        if let Some(cacert) = &settings.cacert {
            let pem = crate::files::read(&cacert.value).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the CA certificate {}: {e}",
                    cacert.value.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Failure::usage(format!(
                    "{} is not a PEM certificate: {e}",
                    cacert.value.display()
                ))
            })?;
            roots.extend(certs);
        }
        let base = Url::parse(&settings.api_url.value)
            .map_err(|e| Failure::usage(format!("API URL {:?}: {e}", settings.api_url.value)))?;
        let proxy = proxy_route(&base, &|name| std::env::var(name).ok());
        let config = HttpConfig {
            connect_timeout: CONNECT_TIMEOUT.min(settings.timeout.value),
            roots,
            direct: !matches!(proxy, ProxyRoute::Environment),
        };
        let http = config.build(true)?;
        let memory = if options.remember {
            Memory::open(&redact_url(&base))
        } else {
            None
        };
        Ok(Client {
            http,
            config,
            run: Arc::new(RunState {
                mfa_header: AtomicBool::new(settings.mfa_header.value),
                rate_limited_calls: AtomicU64::new(0),
                fresh: OnceLock::new(),
                mfa_probe: tokio::sync::Mutex::new(()),
                mfa_settled: AtomicBool::new(!settings.mfa_header.value),
                memory,
            }),
            base,
            credentials: settings.credentials(),
            allow_insecure_http: settings.allow_insecure_http.value,
            proxy,
            request_id: new_request_id(),
            timeout: settings.timeout.value,
            options,
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// Requests this client (and its clones) sent that the app's rate limit counts: every path
    /// but the health ones, each attempt, 401s included.
    pub fn rate_limited_calls(&self) -> u64 {
        self.run.rate_limited_calls.load(Ordering::Relaxed)
    }

    /// Whether admin calls still carry `X-Auth-MFA: true`.
    pub fn sends_mfa_header(&self) -> bool {
        self.run.mfa_header.load(Ordering::Relaxed)
    }

    /// This API's record between runs (None for the demo, or without a state directory).
    pub fn memory(&self) -> Option<&Memory> {
        self.run.memory.as_ref()
    }

    /// A client whose calls each get `timeout` (a wait loop polls with its own budget per call).
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client {
            timeout,
            ..self.clone()
        }
    }

    fn url(&self, path_and_query: &str) -> Result<Url> {
        self.base
            .join(path_and_query.trim_start_matches('/'))
            .map_err(|e| Failure::usage(format!("bad request path {path_and_query:?}: {e}")).into())
    }

    /// Refuse, before any byte is sent, to put the password on plain HTTP to another host, or
    /// through a proxy that would read it.
    fn guard_credentials(&self, url: &Url) -> Result<()> {
        if url.scheme() != "http" || is_loopback(url) {
            return Ok(());
        }
        if let ProxyRoute::Refused(var) = &self.proxy {
            return Err(Failure::usage(format!(
                "refusing to send the admin password over plain http:// to {} through the proxy in {var}: the proxy would read it",
                url.host_str().unwrap_or("?")
            ))
            .hint("use the https:// URL, or exempt the host in NO_PROXY to reach it directly")
            .into());
        }
        if self.allow_insecure_http {
            return Ok(());
        }
        Err(Failure::usage(format!(
            "refusing to send the admin password over plain http:// to {}",
            url.host_str().unwrap_or("?")
        ))
        .hint("use the https:// URL, or pass --allow-insecure-http when the network in between is trusted")
        .into())
    }

    /// A GET, retried with jittered backoff on connect errors and 429/502/503/504 (a 503 carrying
    /// JSON is the app's own answer, e.g. a not-ready `/readyz`, and is returned as is).
    /// Every attempt together stays within the client's timeout.
    pub async fn get(&self, path: &str, admin: bool) -> Result<Response> {
        let deadline = Instant::now() + self.timeout;
        let mut attempt = 1;
        loop {
            let outcome = self.send(Method::GET, path, admin, None, deadline).await;
            let retry_reason = match &outcome {
                Ok(r) if is_retryable_status(r) => Some(format!("HTTP {}", r.status.as_u16())),
                Err(e) if is_connect_error(e) => Some(format!("{e:#}")),
                _ => None,
            };
            let Some(reason) = retry_reason else {
                return outcome;
            };
            let backoff = outcome
                .as_ref()
                .ok()
                .and_then(Response::retry_after)
                .unwrap_or_else(|| backoff(attempt));
            if attempt >= GET_ATTEMPTS || Instant::now() + backoff >= deadline {
                return outcome;
            }
            if !self.options.quiet {
                eprintln!(
                    "retrying GET {path} in {:.1}s ({reason}; attempt {} of {GET_ATTEMPTS})",
                    backoff.as_secs_f64(),
                    attempt + 1
                );
            }
            tokio::time::sleep(backoff).await;
            attempt += 1;
        }
    }

    /// A POST, sent once: retrying is the caller's decision, and only with an idempotency key.
    pub async fn post(&self, path: &str, headers: &[(&str, String)]) -> Result<Response> {
        let deadline = Instant::now() + self.timeout;
        self.send(Method::POST, path, true, Some(headers), deadline)
            .await
    }

    /// One request, with the fallback for an instance that refuses `X-Auth-MFA`: a test, ci or
    /// e2e instance reached directly answers it with 401 `proxy_untrusted` (or
    /// `untrusted_proxy`) and accepts the same request without it. A 401 did nothing on the
    /// server, so the request is sent once more without the header (a POST too); when that gets
    /// through, the rest of the run sends no header. When it is refused again (prod, staging),
    /// the first refusal stands and the header stays.
    async fn send(
        &self,
        method: Method,
        path: &str,
        admin: bool,
        extra: Option<&[(&str, String)]>,
        deadline: Instant,
    ) -> Result<Response> {
        let url = self.url(path)?;
        if admin {
            if self.credentials.is_none() {
                return Err(Failure::usage(format!("{method} {path} needs admin credentials, and none are set"))
                    .hint("set ADMIN_BASIC_USERNAME and ADMIN_BASIC_PASSWORD, or username and password_file in a profile (cleanops config show)")
                    .into());
            }
            self.guard_credentials(&url)?;
        }
        let _probe = if admin && !self.run.mfa_settled.load(Ordering::Acquire) {
            // Bounded by this call's own deadline; past it, go on without waiting.
            tokio::time::timeout_at(deadline.into(), self.run.mfa_probe.lock())
                .await
                .ok()
        } else {
            None
        };
        let mfa = admin && self.sends_mfa_header();
        let outcome = self
            .send_mfa(method, path, &url, admin, mfa, extra, deadline)
            .await;
        if admin && outcome.is_ok() {
            self.run.mfa_settled.store(true, Ordering::Release);
        }
        outcome
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_mfa(
        &self,
        method: Method,
        path: &str,
        url: &Url,
        admin: bool,
        mfa: bool,
        extra: Option<&[(&str, String)]>,
        deadline: Instant,
    ) -> Result<Response> {
        let url = url.clone();
        let mut first = self
            .transmit(&method, path, &url, admin, mfa, extra, deadline)
            .await?;
        if !(mfa && refuses_mfa_header(&first)) {
            return Ok(first);
        }
        if self.options.verbose {
            eprintln!(
                "{method} {path}: HTTP 401 {}: the trusted-proxy gate refused X-Auth-MFA: true; trying once without it (a test, ci or e2e instance reached directly accepts Basic auth without MFA)",
                crate::render::shown(first.header("x-admin-auth-fail-reason").unwrap_or("?"))
            );
        }
        match self
            .transmit(&method, path, &url, admin, false, extra, deadline)
            .await
        {
            Ok(second) if second.status != StatusCode::UNAUTHORIZED => {
                let was_on = self.run.mfa_header.swap(false, Ordering::Relaxed);
                if self.options.verbose && was_on {
                    eprintln!(
                        "{method} {path}: without X-Auth-MFA it got through (HTTP {}): no X-Auth-MFA for the rest of this run",
                        second.status.as_u16()
                    );
                }
                Ok(second)
            }
            other => {
                if self.options.verbose {
                    let how = match &other {
                        Ok(r) => format!("HTTP {}", r.status.as_u16()),
                        Err(e) => format!("{e:#}"),
                    };
                    eprintln!(
                        "{method} {path}: refused without X-Auth-MFA too ({how}): the first refusal stands, and X-Auth-MFA: true stays"
                    );
                }
                first.refused_without_mfa = true;
                Ok(first)
            }
        }
    }

    /// One request on the pooled connections; a GET whose reused connection the server closed
    /// under it (uvicorn closes one after every 500, unannounced: docs/app-contract.md §13) goes once more
    /// on a new connection. A POST never does: it may have been read.
    #[allow(clippy::too_many_arguments)]
    async fn transmit(
        &self,
        method: &Method,
        path: &str,
        url: &Url,
        admin: bool,
        mfa: bool,
        extra: Option<&[(&str, String)]>,
        deadline: Instant,
    ) -> Result<Response> {
        let first = self
            .exchange(&self.http, method, path, url, admin, mfa, extra, deadline)
            .await;
        let err = match first {
            Ok(resp) => return Ok(resp),
            Err(Exchange::Failed(e)) => return Err(e),
            Err(Exchange::Transport(e)) => e,
        };
        if *method != Method::GET || !closed_under_us(&err) {
            return Err(transport_failure(method, url, &err, self.timeout).into());
        }
        if self.options.verbose {
            eprintln!(
                "{method} {}: the server closed the connection under the request ({}); once more on a new connection",
                redact_url(url),
                innermost_cause(&err)
            );
        }
        let fresh = match self.run.fresh.get() {
            Some(c) => c.clone(),
            None => {
                let c = self.config.build(false)?;
                let _ = self.run.fresh.set(c.clone());
                c
            }
        };
        match self
            .exchange(&fresh, method, path, url, admin, mfa, extra, deadline)
            .await
        {
            Ok(resp) => Ok(resp),
            Err(Exchange::Failed(e)) => Err(e),
            Err(Exchange::Transport(e)) => {
                Err(transport_failure(method, url, &e, self.timeout).into())
            }
        }
    }

    /// Send one request on `http` and read its whole answer, within the deadline.
    #[allow(clippy::too_many_arguments)]
    async fn exchange(
        &self,
        http: &reqwest::Client,
        method: &Method,
        path: &str,
        url: &Url,
        admin: bool,
        mfa: bool,
        extra: Option<&[(&str, String)]>,
        deadline: Instant,
    ) -> Result<Response, Exchange> {
        let mut req = http
            .request(method.clone(), url.clone())
            .header("X-Request-ID", &self.request_id)
            .header("Accept", "application/json");
        if admin && let Some((user, password)) = &self.credentials {
            req = req.basic_auth(user, Some(password.expose()));
            if mfa {
                req = req.header("X-Auth-MFA", HeaderValue::from_static("true"));
            }
        }
        for (name, value) in extra.unwrap_or(&[]) {
            req = req.header(*name, value);
        }
        let started = Instant::now();
        let remaining = deadline.saturating_duration_since(started);
        if remaining.is_zero() {
            return Err(Exchange::Failed(
                timed_out(method, url, self.timeout).into(),
            ));
        }
        let counted = is_rate_limited_path(path);
        // The app's limiter counts a request it read, before it authenticates it: count every
        // request that may have been read (an answer, a timeout, a body cut off), but not one
        // that never reached it (no connection) or that a closing connection never read.
        let count = |reached: bool| {
            if counted && reached {
                self.run.rate_limited_calls.fetch_add(1, Ordering::Relaxed);
                if let Some(m) = &self.run.memory {
                    m.record_call();
                }
            }
        };
        let call = async {
            let mut resp = req.send().await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Ok(Err((status, headers)));
                }
                body.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>(Ok((status, headers, body)))
        };
        let outcome = match tokio::time::timeout(remaining, call).await {
            Err(_) => {
                count(true);
                return Err(Exchange::Failed(
                    timed_out(method, url, self.timeout).into(),
                ));
            }
            Ok(Err(e)) => {
                count(!e.is_connect() && !closed_under_us(&e));
                return Err(Exchange::Transport(e));
            }
            Ok(Ok(outcome)) => outcome,
        };
        // A request the limiter refused is not one it counts (its window keeps accepted ones).
        let refused =
            matches!(&outcome, Ok((status, _, _)) if *status == StatusCode::TOO_MANY_REQUESTS);
        count(!refused);
        let latency = started.elapsed();
        let (status, headers, body) = match outcome {
            Ok(parts) => parts,
            Err((status, headers)) => {
                let mut f = Failure::new(
                    Exit::Unexpected,
                    format!(
                        "{method} {path}: HTTP {}, {}: the body is larger than {} MiB, which no answer of the app is; stopped reading",
                        status.as_u16(),
                        headers
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("no content type"),
                        MAX_BODY_BYTES / 1024 / 1024
                    ),
                );
                f.kind = Kind::Status(status.as_u16());
                return Err(Exchange::Failed(f.into()));
            }
        };
        if self.options.verbose {
            eprintln!(
                "{method} {url} → {} ({} ms, {} bytes, X-Request-ID {}{})",
                status.as_u16(),
                latency.as_millis(),
                body.len(),
                self.request_id,
                if mfa { ", X-Auth-MFA: true" } else { "" }
            );
        }
        let own_recent_calls = (status == StatusCode::TOO_MANY_REQUESTS && counted)
            .then(|| self.run.memory.as_ref().map(|m| m.recent_calls().len()))
            .flatten();
        let date = headers
            .get("date")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok());
        Ok(Response {
            status,
            headers,
            body,
            latency,
            date,
            method: method.clone(),
            path: path.to_string(),
            own_recent_calls,
            refused_without_mfa: false,
        })
    }

    /// GET and decode a 2xx JSON answer; any other status becomes its error.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        admin: bool,
    ) -> Result<(T, Response)> {
        let resp = self.get(path, admin).await?;
        if !resp.status.is_success() {
            return Err(resp.error_for_status().into());
        }
        if !resp.is_json() {
            return Err(resp.unexpected("not JSON").into());
        }
        let value = resp.json::<T>()?;
        Ok((value, resp))
    }
}

/// How requests to the API URL travel with respect to the environment's proxies.
#[derive(Clone, Debug, PartialEq)]
enum ProxyRoute {
    /// https: as the environment says (a proxy sees only TLS).
    Environment,
    /// Straight to the host: loopback, or plain http with no proxy or one exempted by NO_PROXY.
    Direct,
    /// Plain http to a host the proxy in this variable would carry: admin calls are refused.
    Refused(String),
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        // `::1`, and `::ffff:127.x.y.z`, the same host written as IPv6.
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        // The URL parser lowercases names; a trailing dot is the same name.
        Some(url::Host::Domain(d)) => matches!(d, "localhost" | "localhost."),
        None => false,
    }
}

/// Decide the route up front. NO_PROXY is read conservatively (`*`, or a name equal to the host
/// or a dot-suffix of it): a form we do not read counts as no exemption, so the worst case is a
/// refusal, never a password through a proxy.
fn proxy_route(base: &Url, env: &dyn Fn(&str) -> Option<String>) -> ProxyRoute {
    if is_loopback(base) {
        return ProxyRoute::Direct;
    }
    if base.scheme() != "http" {
        return ProxyRoute::Environment;
    }
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let Some(var) = ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
        .into_iter()
        .find(|v| set(v).is_some())
    else {
        return ProxyRoute::Direct;
    };
    let host = base.host_str().unwrap_or("").trim_end_matches('.');
    let exempt = set("no_proxy")
        .or_else(|| set("NO_PROXY"))
        .is_some_and(|list| {
            list.split(',').map(str::trim).any(|entry| {
                let entry = entry.trim_start_matches('.').trim_end_matches('.');
                entry == "*"
                    || (!entry.is_empty()
                        && (host.eq_ignore_ascii_case(entry)
                            || host
                                .to_ascii_lowercase()
                                .ends_with(&format!(".{}", entry.to_ascii_lowercase()))))
            })
        });
    if exempt {
        ProxyRoute::Direct
    } else {
        ProxyRoute::Refused(var.to_string())
    }
}

fn is_retryable_status(r: &Response) -> bool {
    match r.status.as_u16() {
        429 | 502 | 504 => true,
        503 => !r.is_json(),
        _ => false,
    }
}

fn is_connect_error(e: &anyhow::Error) -> bool {
    crate::error::kind_of(e) == Kind::NotConnected
}

/// Why one exchange did not produce an answer.
enum Exchange {
    /// The transport failed: whether to try again depends on how.
    Transport(reqwest::Error),
    /// Already explained (no answer in time, a body too large).
    Failed(anyhow::Error),
}

/// The paths the app's global rate limit does not count (`RateLimitMiddleware.exempt_paths`).
const RATE_EXEMPT: [&str; 3] = ["/healthz", "/readyz", "/healthz/backup"];

fn is_rate_limited_path(path_and_query: &str) -> bool {
    let path = path_and_query.split('?').next().unwrap_or("");
    !RATE_EXEMPT.contains(&path)
}

/// The connection ended before an answer came, in the way a server closing a pooled connection
/// ends it: "connection closed before message completed", a reset, a broken pipe. Not a refused
/// connection (retried as such) and not a timeout.
fn closed_under_us(e: &reqwest::Error) -> bool {
    if e.is_connect() || e.is_timeout() {
        return false;
    }
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        if s.to_string()
            .contains("connection closed before message completed")
        {
            return true;
        }
        src = s.source();
    }
    false
}

fn innermost_cause(e: &reqwest::Error) -> String {
    let mut cause = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    cause
}

/// Full-jitter exponential backoff: 0..250 ms, 0..500 ms, ...
fn backoff(attempt: u32) -> Duration {
    let cap_ms = 250u64 << attempt.min(5);
    Duration::from_millis(fastrand::u64(cap_ms / 4..=cap_ms))
}

fn timed_out(method: &Method, url: &Url, timeout: Duration) -> Failure {
    Failure::new(
        Exit::Unreachable,
        format!(
            "{method} {}: no answer within {} (--timeout)",
            redact_url(url),
            crate::clock::human(timeout.as_secs_f64())
        ),
    )
    .hint("the API accepts connections but does not answer: is the app stuck, or is a proxy waiting on it?")
}

fn transport_failure(method: &Method, url: &Url, e: &reqwest::Error, timeout: Duration) -> Failure {
    if e.is_timeout() {
        return timed_out(method, url, timeout);
    }
    // reqwest's Display is "error sending request"; the cause chain says what really happened.
    let mut cause = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    let host = url.host_str().unwrap_or("?");
    // A certificate refusal is an answer, not a lost connection: retrying cannot change it.
    if let Some((plain, hint)) = certificate_refusal(&cause) {
        return Failure::new(
            Exit::Unreachable,
            format!(
                "{method} {}: the TLS certificate of {host} was refused: {plain}",
                redact_url(url)
            ),
        )
        .hint(hint);
    }
    if e.is_connect() {
        let mut f = Failure::new(
            Exit::Unreachable,
            format!(
                "{method} {}: could not connect to {host}: {cause}",
                redact_url(url)
            ),
        );
        f.kind = Kind::NotConnected;
        if cause.contains("dns") || cause.contains("resolve") || cause.contains("lookup") {
            f = f.hint(format!(
                "the name {host} does not resolve: check the API URL (cleanops config show)"
            ));
        } else if cause.contains("certificate") || cause.contains("Certificate") {
            f = f.hint("the TLS certificate was not trusted: pass the CA with --cacert (or cacert in the profile)");
        } else {
            f = f.hint("is the API up, and is the URL right? (cleanops config show)");
        }
        return f;
    }
    if e.is_body() || e.is_decode() {
        return Failure::new(
            Exit::Unexpected,
            format!(
                "{method} {}: the answer broke off mid-body: {cause}",
                redact_url(url)
            ),
        );
    }
    Failure::new(
        Exit::Unreachable,
        format!("{method} {}: {e}: {cause}", redact_url(url)),
    )
}

/// rustls' verdict on the server's certificate (`invalid peer certificate: UnknownIssuer`), in
/// plain words with what to do about it; None when the failure was not about the certificate.
pub(crate) fn certificate_refusal(cause: &str) -> Option<(&'static str, &'static str)> {
    const CACERT: &str =
        "pass the CA that signed the server's certificate with --cacert (or cacert in the profile)";
    let said = |name: &str| cause.contains(name);
    Some(if said("CaUsedAsEndEntity") {
        (
            "it is a CA certificate (basicConstraints CA:TRUE) used as the server's own certificate, which TLS does not allow",
            "give the server a certificate of its own signed by that CA (CA:FALSE, its host name or IP in subjectAltName), keep the CA for --cacert; e.g. `openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj /CN=ops-ca`, then `openssl req -newkey rsa:2048 -nodes -keyout srv.key -subj /CN=HOST | openssl x509 -req -CA ca.pem -CAkey ca.key -CAcreateserial -extfile <(printf 'subjectAltName=DNS:HOST') -out srv.pem`",
        )
    } else if said("UnknownIssuer") {
        ("it is signed by a CA this machine does not trust", CACERT)
    } else if said("NotValidForName") {
        (
            "it is not made out to this host name",
            "use the name the certificate was issued for in the API URL, or reissue it with this name in subjectAltName",
        )
    } else if said("Expired") {
        (
            "it has expired",
            "renew the server's certificate (and check this machine's clock)",
        )
    } else if said("NotValidYet") {
        (
            "it is not valid yet",
            "check the clocks of this machine and the server",
        )
    } else if said("Revoked") {
        ("it has been revoked", "the server needs a new certificate")
    } else if said("invalid peer certificate") {
        ("it did not verify", CACERT)
    } else {
        return None;
    })
}

/// URLs never carry credentials in cleanops, but a user may have typed some into --api-url.
fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    if !u.username().is_empty() || u.password().is_some() {
        let _ = u.set_username("");
        let _ = u.set_password(None);
    }
    u.to_string()
}

fn new_request_id() -> String {
    format!("cleanops-{:016x}", fastrand::u64(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt(b"", 10), "(empty)");
        assert_eq!(
            excerpt(b"<html>\n  <body>  502 </body>", 100),
            "\"<html> <body> 502 </body>\""
        );
        let long = excerpt(&[b'a'; 1000], 10);
        assert!(long.ends_with("…\""), "{long}");
        let bad = excerpt(&[0xff, 0xfe, b'x', 0x07], 10);
        assert!(bad.contains('x') && !bad.contains('\u{7}'), "{bad}");
    }

    #[test]
    fn the_password_never_rides_a_proxy_in_clear() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let url = |u: &str| Url::parse(u).unwrap();
        let proxied = env(&[("HTTP_PROXY", "http://127.0.0.1:3128")]);
        for loopback in [
            "http://127.0.0.1:8000",
            "http://127.1:8000",
            "http://LOCALHOST:8000",
            "http://[::1]:8000",
        ] {
            assert_eq!(
                proxy_route(&url(loopback), &proxied),
                ProxyRoute::Direct,
                "{loopback}"
            );
        }
        assert_eq!(
            proxy_route(&url("http://api.internal"), &proxied),
            ProxyRoute::Refused("HTTP_PROXY".into())
        );
        assert_eq!(
            proxy_route(
                &url("http://api.internal"),
                &env(&[("all_proxy", "socks5://p"), ("NO_PROXY", "foo, .internal")])
            ),
            ProxyRoute::Direct
        );
        assert_eq!(
            proxy_route(
                &url("http://api.internal"),
                &env(&[("http_proxy", "http://p"), ("NO_PROXY", "ternal")])
            ),
            ProxyRoute::Refused("http_proxy".into())
        );
        assert_eq!(
            proxy_route(&url("http://api.internal"), &env(&[])),
            ProxyRoute::Direct
        );
        assert_eq!(
            proxy_route(&url("https://api.example"), &proxied),
            ProxyRoute::Environment
        );
    }

    #[test]
    fn retry_after_is_read_within_bounds() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 99999999999 ", now),
            Some(MAX_RETRY_AFTER)
        );
        let in_30s = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&in_30s, now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        for garbage in ["", "soon", "-5", "1.5", "\u{1b}[2J"] {
            assert_eq!(parse_retry_after(garbage, now), None, "{garbage:?}");
        }
    }

    /// A client of a simulator on loopback, as the admin, with nothing from this machine.
    #[cfg(feature = "sim")]
    async fn sim_client(control: serde_json::Value) -> (cleanops_sim::Sim, Client) {
        let sim = cleanops_sim::Sim::start(
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            cleanops_sim::SimOptions {
                scenario: cleanops_sim::Scenario::DlqBacklog,
                ..cleanops_sim::SimOptions::default()
            },
        )
        .await
        .unwrap();
        sim.control(serde_json::from_value(control).unwrap())
            .unwrap();
        let overrides = crate::config::Overrides {
            api_url: Some(sim.url()),
            user: Some("admin".into()),
            project_dir: Some(std::env::temp_dir().join("cleanops-unit-none")),
            ..crate::config::Overrides::default()
        };
        let settings = Settings::resolve_with(&overrides, &|name| {
            (name == "ADMIN_BASIC_PASSWORD").then(|| "sim-admin-password".to_string())
        })
        .unwrap();
        let client = Client::new(&settings, ClientOptions::default()).unwrap();
        (sim, client)
    }

    #[cfg(feature = "sim")]
    #[tokio::test]
    async fn a_post_refused_for_its_mfa_header_goes_once_more_without_it() {
        // A ci instance reached directly: the header is refused, Basic alone is accepted.
        let (sim, client) = sim_client(serde_json::json!({"trusted_proxies": []})).await;
        let export = client
            .get_json::<serde_json::Value>("/v1/admin/export-dead-letter?limit=1", true)
            .await;
        // The GET got through on its second try, and the header is off for the run...
        assert!(export.is_ok(), "{export:?}");
        assert!(!client.sends_mfa_header());
        // ...also on a clone (a wait loop's client) and for a POST: one request, no header.
        let clone = client.with_timeout(Duration::from_secs(5));
        let resp = clone
            .post(
                "/v1/admin/queue/dlq/replay?confirm=true",
                &[("Idempotency-Key", "unit-1".to_string())],
            )
            .await
            .unwrap();
        assert_eq!(resp.status.as_u16(), 202);
        let requests = sim.state()["requests"].as_array().unwrap().clone();
        let seen: Vec<(u64, bool)> = requests
            .iter()
            .map(|r| (r["status"].as_u64().unwrap(), r["mfa"].as_bool().unwrap()))
            .collect();
        assert_eq!(seen, vec![(401, true), (200, false), (202, false)]);
        assert_eq!(
            client.rate_limited_calls(),
            3,
            "the refused call counts too"
        );
        sim.shutdown().await;

        // Where the first admin call is the POST: it too goes once more, without the header.
        let (sim, client) = sim_client(serde_json::json!({"trusted_proxies": []})).await;
        let resp = client
            .post(
                "/v1/admin/queue/dlq/replay?confirm=true",
                &[("Idempotency-Key", "unit-2".to_string())],
            )
            .await
            .unwrap();
        assert_eq!(resp.status.as_u16(), 202);
        let replays = sim.state()["replays"].as_array().unwrap().len();
        assert_eq!(replays, 1, "the 401 never reached the handler");
        sim.shutdown().await;

        // In prod it fails either way: the first refusal stands and the header stays.
        let (sim, client) = sim_client(
            serde_json::json!({"trusted_proxies": [], "app_env": "prod", "legacy_basic_enabled": true}),
        )
        .await;
        let resp = client
            .post(
                "/v1/admin/queue/dlq/replay?confirm=true",
                &[("Idempotency-Key", "unit-3".to_string())],
            )
            .await
            .unwrap();
        assert_eq!(resp.status.as_u16(), 401);
        assert!(resp.refused_without_mfa);
        assert!(client.sends_mfa_header());
        let msg = resp.error_for_status().to_string();
        assert!(msg.contains("trusted proxy"), "{msg}");
        sim.shutdown().await;
    }

    #[test]
    fn a_429_says_whose_calls_they_were() {
        let resp = |own: Option<usize>, detail: &str| {
            Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            headers: HeaderMap::new(),
            body: format!(r#"{{"type":"https://example.com/problems/rate-limit","title":"Too Many Requests","status":429,"detail":"{detail}"}}"#).into_bytes(),
            latency: Duration::ZERO,
            date: None,
            method: Method::GET,
            path: "/v1/admin/jobs/status".into(),
            own_recent_calls: own,
            refused_without_mfa: false,
        }
        };
        let mine = resp(Some(31), "Rate limit exceeded").error_for_status();
        assert!(mine.message.contains("our own budget"), "{}", mine.message);
        assert!(mine.message.contains("31"), "{}", mine.message);
        assert_eq!(mine.exit, Exit::Unreachable);
        let others = resp(Some(4), "Rate limit exceeded").error_for_status();
        assert!(
            others.message.contains("not cleanops alone"),
            "{}",
            others.message
        );
        assert!(
            others.message.contains("it sent 4 of the 30"),
            "{}",
            others.message
        );
        let unknown = resp(None, "Rate limit exceeded").error_for_status();
        assert!(!unknown.message.contains("cleanops"), "{}", unknown.message);
        // The per-action limit of replays is another budget: not counted by the record.
        let action = resp(Some(31), "Rate limit exceeded for this action").error_for_status();
        assert!(!action.message.contains("own budget"), "{}", action.message);
    }

    #[test]
    fn the_health_paths_are_not_rate_limited() {
        assert!(!is_rate_limited_path("/readyz"));
        assert!(!is_rate_limited_path("/healthz?x=1"));
        assert!(is_rate_limited_path("/v1/admin/jobs/status"));
        assert!(is_rate_limited_path("/metrics"));
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 1..10 {
            let b = backoff(attempt);
            assert!(b <= Duration::from_millis(250 << 5));
        }
    }
}

/// A heartbeat older than this is no reading but a broken answer (the app is younger).
const MAX_AGE_SECONDS: f64 = 10.0 * 365.0 * 86_400.0;
/// A heartbeat further in the future than this is not clock drift but a broken answer.
const MAX_FUTURE_SECONDS: f64 = 3_600.0;
/// `JOB_HEARTBEAT_TTL_SECONDS` is minutes in practice; a month is already absurd.
const MAX_THRESHOLD_SECONDS: f64 = 30.0 * 86_400.0;

/// The jobs check's numbers must be readings before anything classifies them: a non-finite,
/// absurd or (beyond clock drift) negative age, or a threshold that is not a positive span of
/// at most a month, names the field instead of becoming "fresh" or "late".
fn sane_heartbeat_numbers(
    detail: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), String> {
    let number = |key: &str| -> Result<Option<f64>, String> {
        match detail.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(format!(
                    "the jobs check's {key} is not a finite number: {v}"
                )),
            },
        }
    };
    if let Some(age) = number("age_seconds")?
        && !(-MAX_FUTURE_SECONDS..=MAX_AGE_SECONDS).contains(&age)
    {
        return Err(format!(
            "the jobs check's age_seconds {age} is outside any sane range (from -{MAX_FUTURE_SECONDS} s, clock drift, to ten years)"
        ));
    }
    if let Some(threshold) = number("threshold_seconds")?
        && !(threshold > 0.0 && threshold <= MAX_THRESHOLD_SECONDS)
    {
        return Err(format!(
            "the jobs check's threshold_seconds {threshold} is not a positive span of at most 30 days"
        ));
    }
    Ok(())
}

/// `/readyz` as read: the checks plus what the answer itself says (status, latency, server clock).
#[derive(Debug)]
pub struct ReadySnapshot {
    pub readiness: super::types::Readiness,
    pub http_status: u16,
    pub latency: Duration,
    pub server_date: Option<SystemTime>,
}

impl Client {
    /// `GET /readyz`, read on 200 **and** 503 (the runbook's `curl -f` throws the 503 body away).
    pub async fn readiness(&self) -> Result<ReadySnapshot> {
        let resp = self.get("/readyz", false).await?;
        if !matches!(resp.status.as_u16(), 200 | 503) {
            return Err(resp.error_for_status().into());
        }
        resp.check_utf8()?;
        let Some(readiness) = super::types::Readiness::parse(&resp.body) else {
            return Err(resp
                .unexpected("neither the current {ok, checks} shape nor the older {status, database, jobs} one")
                .into());
        };
        if let Some(jobs) = readiness.check("jobs")
            && let Err(why) = sane_heartbeat_numbers(&jobs.detail)
        {
            return Err(resp.unexpected(&why).into());
        }
        Ok(ReadySnapshot {
            readiness,
            http_status: resp.status.as_u16(),
            latency: resp.latency,
            server_date: resp.date,
        })
    }

    /// `GET /v1/admin/jobs/status`: a bare array of every heartbeat row.
    pub async fn jobs_status(&self) -> Result<Vec<super::types::JobRow>> {
        Ok(self.get_json("/v1/admin/jobs/status", true).await?.0)
    }

    /// One page of `GET /v1/admin/queue/dlq`.
    pub async fn dlq_page(
        &self,
        kind: &str,
        limit: u64,
        offset: u64,
    ) -> Result<super::types::DlqPage> {
        let path = format!("/v1/admin/queue/dlq?kind={kind}&limit={limit}&offset={offset}");
        Ok(self.get_json(&path, true).await?.0)
    }
}
