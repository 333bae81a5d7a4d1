//! The runbook's escalation roles: who to page next, PagerDuty (Events API v2) and Slack
//! (incoming webhooks) as real clients, the payloads they get (pure functions), the incident as
//! the audit file records it, and the last diagnosis kept for them.
//!
//! `cleanops escalate` and `cleanops notify` (src/commands/) are thin over this module.

pub mod deliver;
pub mod http;
pub mod incident;
pub mod pagerduty;
pub mod roles;
pub mod slack;
pub mod snapshot;

use crate::checks::verdict::CauseId;
use serde::Serialize;

pub use incident::{Incident, Next, Suggestion};
pub use roles::Role;

/// What a cause needs a person for, and so which role fits it (`handles` in a profile).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// A step on the host that cleanops cannot do (an env file, re-creating a container).
    Manual,
    /// A defect in the app's own code (a runner that crashes, a job slower than the heartbeat).
    Upstream,
    /// The database or the host (a database that will not come back, the host's clock).
    Infrastructure,
}

impl Need {
    pub fn parse(s: &str) -> Option<Need> {
        match s.trim().to_ascii_lowercase().as_str() {
            "manual" => Some(Need::Manual),
            "upstream" => Some(Need::Upstream),
            "infrastructure" => Some(Need::Infrastructure),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Need::Manual => "manual",
            Need::Upstream => "upstream",
            Need::Infrastructure => "infrastructure",
        }
    }
}

/// The causes of the verdict that need a person, and why, in words. Every cause is named, so
/// a new one cannot slip past without a decision.
pub fn need_of(cause: CauseId) -> Option<(Need, &'static str)> {
    Some(match cause {
        CauseId::JobsContainerMissing => (
            Need::Manual,
            "a manual step on the host: the jobs container must be created",
        ),
        CauseId::JobsDisabled => (
            Need::Manual,
            "a manual step on the host: the env file must be fixed and the containers re-created",
        ),
        CauseId::EnvNotApplied => (
            Need::Manual,
            "a manual step on the host: the containers must be re-created to read the env file",
        ),
        CauseId::CrashLoop => (
            Need::Upstream,
            "an upstream defect: the runner crashes in its own code, and restarts will not fix it",
        ),
        CauseId::SlowLoop => (
            Need::Upstream,
            "an upstream defect or setting: a job takes longer than the heartbeat allows",
        ),
        CauseId::CrashLoopDatabase | CauseId::DatabaseUnreachable => (
            Need::Infrastructure,
            "a database that will not come back by itself (when `cleanops db-check --via db` fails)",
        ),
        CauseId::ClockDrift => (
            Need::Infrastructure,
            "the host's clock: NTP is off, and only the host's owner can fix it",
        ),
        CauseId::ProjectNotSeen
        | CauseId::DbContainerDown
        | CauseId::ApiContainerDown
        | CauseId::JobsContainerDown
        | CauseId::JustStarted
        | CauseId::RunnerDeadInContainer
        | CauseId::HeartbeatUnexplained
        | CauseId::DlqBacklog => return None,
    })
}

/// The deployment as the audit file names it (the target of diagnoses and escalations).
pub fn deployment(api_url: &str, project: &str) -> String {
    format!("{api_url} / project {project}")
}

/// Who is acting, as the audit file says it (`user@host`).
pub fn who() -> String {
    let user = ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into());
    format!("{user}@{}", crate::audit::host())
}

/// Longest `--note` accepted: a sentence or three, not a file.
pub const MAX_NOTE: usize = 1000;

/// `--note`, checked: bounded, and no terminal control characters (newlines and tabs are fine).
pub fn check_note(note: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_NOTE {
        return Err(crate::error::Failure::usage(format!(
            "--note is {} characters; at most {MAX_NOTE}",
            note.chars().count()
        ))
        .into());
    }
    Ok(Some(
        note.chars()
            .map(|c| {
                if c.is_control() && c != '\n' && c != '\t' {
                    ' '
                } else {
                    c
                }
            })
            .collect(),
    ))
}

/// Text that may hold what a service echoed back, with every secret part of `secrets` removed.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 6) {
        out = out.replace(s.as_str(), "********");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_are_named_for_the_causes_that_need_a_person() {
        assert_eq!(
            need_of(CauseId::DatabaseUnreachable).unwrap().0,
            Need::Infrastructure
        );
        assert_eq!(need_of(CauseId::CrashLoop).unwrap().0, Need::Upstream);
        assert_eq!(need_of(CauseId::JobsDisabled).unwrap().0, Need::Manual);
        assert!(need_of(CauseId::JobsContainerDown).is_none());
        assert!(need_of(CauseId::DlqBacklog).is_none());
        assert_eq!(Need::parse(" Infrastructure"), Some(Need::Infrastructure));
    }

    #[test]
    fn notes_are_bounded_and_inert() {
        assert_eq!(check_note(Some("  ")).unwrap(), None);
        assert_eq!(
            check_note(Some("db is \u{1b}[2Jdown\nsee #inc"))
                .unwrap()
                .unwrap(),
            "db is  [2Jdown\nsee #inc"
        );
        assert!(check_note(Some(&"x".repeat(MAX_NOTE + 1))).is_err());
    }

    #[test]
    fn scrub_removes_every_secret_part() {
        let s = scrub(
            "no_service for /services/T1/B2/abcdefgh",
            &["abcdefgh".into(), "x".into()],
        );
        assert_eq!(s, "no_service for /services/T1/B2/********");
    }
}
