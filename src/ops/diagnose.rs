//! The quick diagnosis: every read-only check of the runbook at once, within a deadline, and
//! the verdict over their reports. Rendering it is `commands::diagnose`'s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::checks::verdict::{self, Verdict};
use crate::checks::{self, CheckReport, Sources, Status};
use crate::clock;
use crate::config::Settings;
use crate::error::{Exit, Failure};
use crate::escalation::{Incident, Suggestion};

/// How to run one pass.
#[derive(Clone, Copy, Debug)]
pub struct PassOptions {
    pub deadline: Duration,
    /// Also run checks inside containers (`--deep`).
    pub deep: bool,
    /// Say nothing about retries on stderr (the demo).
    pub quiet: bool,
    /// Trace each request on stderr (`--verbose`).
    pub verbose: bool,
    /// Keep this API's record in the state directory (not the demo).
    pub remember: bool,
}

/// A finished diagnosis.
pub struct Diagnosis {
    pub reports: Vec<CheckReport>,
    pub verdict: Verdict,
    pub exit: Exit,
    pub took: Duration,
    pub api_url: String,
    pub project: String,
    pub engine: String,
    pub at: time::OffsetDateTime,
    /// Requests of the pass that the app's rate limit counts (admin calls, 401s included).
    pub admin_calls: u64,
    /// Who to escalate to, when a cause needs a person.
    pub escalation: Option<Suggestion>,
}

/// Which checks: all, or `--check` ones, minus `--skip` ones; unknown names are a usage error.
pub fn select(only: &[String], skip: &[String]) -> Result<Vec<checks::Check>> {
    let all = checks::all();
    let known: Vec<&str> = all.iter().map(|c| c.id).collect();
    for name in only.iter().chain(skip) {
        if !known.contains(&name.as_str()) {
            return Err(Failure::usage(format!(
                "no check named {name:?} (checks: {})",
                known.join(", ")
            ))
            .into());
        }
    }
    Ok(all
        .into_iter()
        .filter(|c| only.is_empty() || only.iter().any(|o| o == c.id))
        .filter(|c| !skip.iter().any(|s| s == c.id))
        .collect())
}

/// Run the pass against `settings`; used by `diagnose` and by `demo`.
pub async fn diagnose(
    settings: Settings,
    checks: &[checks::Check],
    opts: PassOptions,
) -> Result<Diagnosis> {
    let client = pass_client(&settings, opts)?;
    diagnose_with(settings, checks, opts, client).await
}

/// The API client of a pass: no single call may outlive it.
pub fn pass_client(settings: &Settings, opts: PassOptions) -> Result<crate::api::Client> {
    let mut settings = settings.clone();
    settings.timeout.value = settings.timeout.value.min(opts.deadline);
    crate::api::Client::new(
        &settings,
        crate::api::ClientOptions {
            verbose: opts.verbose,
            quiet: opts.quiet,
            remember: opts.remember,
        },
    )
}

/// A pass with a client of the caller's: `--watch` keeps one for the whole run, so what a
/// round learned (no `X-Auth-MFA` here) holds for the next.
pub async fn diagnose_with(
    settings: Settings,
    checks: &[checks::Check],
    opts: PassOptions,
    client: crate::api::Client,
) -> Result<Diagnosis> {
    let started = Instant::now();
    let at = clock::now()?;
    let deadline = opts.deadline;
    let deep = opts.deep;
    let mut settings = settings;
    // No single API call may outlive the pass.
    settings.timeout.value = settings.timeout.value.min(deadline);
    let calls_before = client.rate_limited_calls();
    let api_url = settings.api_url.value.clone();
    let project = settings.project_name.value.clone();
    // Named as every other output names it: the endpoint, and the context that chose it.
    let engine = crate::docker::engine::label(&settings);
    let chain = settings.escalation.value.clone();
    let sources = Arc::new(Sources::new(settings, client.clone(), at, deep));
    let reports = checks::run(checks, sources.clone(), started + deadline).await;
    let admin_calls = client.rate_limited_calls().saturating_sub(calls_before);
    let verdict = verdict::decide(&sources, &reports);
    let exit = match sources.reached() {
        (Some(false), Some(false)) => Exit::Unreachable,
        // Warnings alone (a backlog to drain) are not unhealthy (docs/exit-codes.md).
        _ if verdict
            .causes
            .iter()
            .any(|c| c.severity == verdict::Severity::Failure)
            || reports.iter().any(|r| {
                matches!(
                    r.status,
                    Status::Failed | Status::Crashed | Status::TimedOut
                )
            }) =>
        {
            Exit::Unhealthy
        }
        _ => Exit::Ok,
    };
    let incident = Incident::current(&crate::escalation::deployment(&api_url, &project));
    let escalation = crate::escalation::incident::suggest(
        verdict.causes.iter().map(|c| c.id),
        &chain,
        &incident,
    );
    Ok(Diagnosis {
        reports,
        verdict,
        exit,
        took: started.elapsed(),
        api_url,
        project,
        engine,
        at,
        admin_calls,
        escalation,
    })
}
