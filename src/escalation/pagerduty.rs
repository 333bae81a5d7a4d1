//! PagerDuty's Events API v2: the events cleanops sends (pure functions of the diagnosis) and
//! what its answers mean. `POST https://events.pagerduty.com/v2/enqueue` with `routing_key`,
//! `event_action` (`trigger`, `acknowledge`, `resolve`), `dedup_key` and, for a trigger, a
//! `payload` of `summary` (at most 1024 characters), `source`, `severity` (`critical`, `error`,
//! `warning`, `info`), `timestamp`, `component`, `group`, `class` and `custom_details`. The
//! documented answer is `202 {"status":"success","message":"Event processed","dedup_key":...}`;
//! `400 {"status":"invalid event","message":...,"errors":[...]}`; `429` to retry later.

use serde::Serialize;
use serde_json::{Value, json};

use super::snapshot::Snapshot;
use super::{Role, scrub};
use crate::api::dlq::mask_emails;
use crate::checks::verdict::CauseId;
use crate::error::{Exit, Failure};

pub const MAX_SUMMARY: usize = 1024;
pub const MAX_DEDUP_KEY: usize = 255;
/// A string of `custom_details` is cut here: PagerDuty takes 512 KB an event, and a page is read
/// on a phone.
const MAX_DETAIL: usize = 1000;
const MAX_EVIDENCE: usize = 10;
const MAX_CAUSES: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Trigger,
    Acknowledge,
    Resolve,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Trigger => "trigger",
            Action::Acknowledge => "acknowledge",
            Action::Resolve => "resolve",
        }
    }
}

/// The host (and port, when not the scheme's) of the API URL.
fn api_host(api_url: &str) -> String {
    match reqwest::Url::parse(api_url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => api_url.to_string(),
        },
        Err(_) => api_url.to_string(),
    }
}

/// One alert per deployment's scheduler incident: the same key for every trigger, acknowledge
/// and resolve of this API and compose project, so repeated escalations update the open alert
/// (and after a resolve, PagerDuty opens a new one for the next trigger).
pub fn dedup_key(api_url: &str, project: &str) -> String {
    let key = format!(
        "cleanops/job-scheduler-stale/{project}@{}",
        api_host(api_url)
    );
    if key.chars().count() <= MAX_DEDUP_KEY && !key.chars().any(char::is_control) {
        key
    } else {
        let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!("cleanops/job-scheduler-stale/{hex}")
    }
}

/// The deployment, as `payload.source`: the API host and the compose project.
pub fn source(api_url: &str, project: &str) -> String {
    format!("{} (compose project {project})", api_host(api_url))
}

/// How bad it is, from the verdict: the jobs not running at all is critical; running badly is
/// an error; a backlog or a runner just started is a warning; nothing found is info.
pub fn severity(s: &Snapshot) -> Severity {
    // A kept diagnosis carries names; one this version does not know is an error.
    let of = |name: &str| match CauseId::parse(name) {
        Some(
            CauseId::CrashLoopDatabase
            | CauseId::CrashLoop
            | CauseId::JobsContainerDown
            | CauseId::JobsContainerMissing
            | CauseId::DatabaseUnreachable
            | CauseId::DbContainerDown
            | CauseId::ApiContainerDown
            | CauseId::RunnerDeadInContainer
            | CauseId::JobsDisabled,
        ) => Severity::Critical,
        Some(CauseId::JustStarted | CauseId::DlqBacklog) => Severity::Warning,
        Some(
            CauseId::ProjectNotSeen
            | CauseId::EnvNotApplied
            | CauseId::ClockDrift
            | CauseId::SlowLoop
            | CauseId::HeartbeatUnexplained,
        )
        | None => Severity::Error,
    };
    match s.causes.iter().map(|c| of(&c.id)).max() {
        Some(sev) => sev,
        // Neither the API nor the engine answered.
        None if s.exit_code == Exit::Unreachable.code() => Severity::Critical,
        None if s.exit_code == 0 => Severity::Info,
        None => Severity::Warning,
    }
}

/// One line, no control characters, e-mail addresses masked, at most `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let flat: String = mask_emails(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The verdict's headline: what an on-call phone shows.
pub fn headline(s: &Snapshot) -> String {
    let what = match s.causes.first() {
        Some(c) => c.title.clone(),
        None if s.exit_code == 0 => "all checks pass".to_string(),
        None => s.summary.clone(),
    };
    one_line(&format!("{} job scheduler: {what}", s.project), MAX_SUMMARY)
}

/// Who the trigger is for and from.
pub struct Context<'a> {
    pub role: &'a Role,
    pub who: &'a str,
    pub note: Option<&'a str>,
    /// The diagnosis was the one kept from a moment ago, not made for this page.
    pub reused: bool,
}

fn detail(text: &str) -> String {
    // Multi-line evidence keeps its lines; each string is bounded and PII-masked.
    let masked = mask_emails(text);
    let clean: String = masked
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    if clean.chars().count() <= MAX_DETAIL {
        clean
    } else {
        let mut cut: String = clean.chars().take(MAX_DETAIL - 1).collect();
        cut.push('…');
        cut
    }
}

/// The `trigger` event for `s`, sent with `routing_key` (the only place the key goes).
pub fn trigger(routing_key: &str, s: &Snapshot, ctx: &Context<'_>) -> Value {
    let causes: Vec<Value> = s
        .causes
        .iter()
        .take(MAX_CAUSES)
        .map(|c| {
            json!({
                "id": c.id,
                "title": detail(&c.title),
                "evidence": c.evidence.iter().take(MAX_EVIDENCE).map(|e| detail(e.trim())).collect::<Vec<_>>(),
                "next": detail(&c.next),
            })
        })
        .collect();
    let checks: Vec<String> = s
        .checks
        .iter()
        .map(|c| detail(&format!("{} {}: {}", c.status, c.id, c.summary)))
        .collect();
    let mut details = json!({
        "verdict": detail(&s.summary),
        "causes": causes,
        "next_command": s.causes.first().map(|c| detail(&c.next)),
        "checks": checks,
        "remediation_plan": s.steps.iter().map(|x| detail(x)).collect::<Vec<_>>(),
        "escalated_to": ctx.role.label(),
        "escalated_by": ctx.who,
        "diagnosed_at": s.at,
        "diagnosis": if ctx.reused { "the last one, kept from a moment ago" } else { "made for this escalation" },
        "api_url": s.api_url,
        "compose_project": s.project,
        "docker_engine": s.engine,
        "runbook": "Job Scheduler Stale/Failing",
    });
    if let Some(note) = ctx.note {
        details["note"] = Value::String(detail(note));
    }
    json!({
        "routing_key": routing_key,
        "event_action": Action::Trigger.as_str(),
        "dedup_key": dedup_key(&s.api_url, &s.project),
        "payload": {
            "summary": headline(s),
            "source": source(&s.api_url, &s.project),
            "severity": severity(s).as_str(),
            "timestamp": s.at,
            "component": "jobs",
            "group": s.project,
            "class": s.causes.first().map(|c| c.id.as_str()).unwrap_or("job-scheduler-stale"),
            "custom_details": details,
        },
        "links": [{"href": format!("{}/readyz", s.api_url), "text": "readiness (/readyz)"}],
        "client": "cleanops",
    })
}

/// An `acknowledge` or `resolve` for the deployment's alert: only the key, the action and the
/// dedup key, as the documentation shows them.
pub fn follow_up(routing_key: &str, dedup_key: &str, action: Action) -> Value {
    json!({
        "routing_key": routing_key,
        "event_action": action.as_str(),
        "dedup_key": dedup_key,
    })
}

/// The event as shown (dry runs, `--verbose`): the routing key masked.
pub fn shown(event: &Value) -> Value {
    let mut v = event.clone();
    if v.get("routing_key").is_some() {
        v["routing_key"] = Value::String("********".into());
    }
    v
}

/// What PagerDuty took.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Accepted {
    pub message: String,
    pub dedup_key: Option<String>,
}

/// Read an answer (after retries): only the documented 202 counts as processed. `secrets` are
/// scrubbed from anything PagerDuty says before it is shown.
pub fn interpret(
    status: u16,
    body: &[u8],
    role: &Role,
    key_file: &std::path::Path,
    secrets: &[String],
) -> Result<Accepted, Failure> {
    let said = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let text = |s: &str| crate::render::shown(&scrub(s, secrets)).into_owned();
    let excerpt = || scrub(&crate::api::client::excerpt(body, 160), secrets);
    let who = role.label();
    let mut f = match status {
        202 => match &parsed {
            Some(v) if said(v, "status").as_deref() == Some("success") => {
                return Ok(Accepted {
                    message: text(&said(v, "message").unwrap_or_else(|| "Event processed".into())),
                    dedup_key: said(v, "dedup_key").map(|d| text(&d)),
                });
            }
            _ => Failure::new(
                Exit::Unexpected,
                format!(
                    "PagerDuty answered 202 for {who} without the documented {{\"status\":\"success\"}} body ({}): the event may or may not have been taken",
                    excerpt()
                ),
            )
            .hint("look for the alert in PagerDuty; escalating again updates the same alert (same dedup_key)"),
        },
        400 => {
            let (message, errors) = match &parsed {
                Some(v) => (
                    said(v, "message").unwrap_or_default(),
                    v.get("errors")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect::<Vec<_>>())
                        .unwrap_or_default(),
                ),
                None => (String::new(), vec![]),
            };
            let status_word = parsed
                .as_ref()
                .and_then(|v| said(v, "status"))
                .unwrap_or_else(|| "bad request".into());
            let mut said_all = vec![message.clone()];
            said_all.extend(errors.iter().cloned());
            let said_all: Vec<String> = said_all.into_iter().filter(|s| !s.is_empty()).collect();
            let words = if said_all.is_empty() {
                excerpt()
            } else {
                text(&said_all.join("; "))
            };
            let about_key = said_all
                .iter()
                .any(|s| s.to_ascii_lowercase().contains("routing"));
            if about_key {
                Failure::new(
                    Exit::Auth,
                    format!(
                        "PagerDuty refused the routing key of {who} (HTTP 400, {}): {words}",
                        text(&status_word)
                    ),
                )
                .hint(format!(
                    "the first line of {} must be the 32-character integration key of an Events API v2 integration of the role's PagerDuty service",
                    key_file.display()
                ))
            } else {
                Failure::new(
                    Exit::Unexpected,
                    format!(
                        "PagerDuty refused the event for {who} (HTTP 400, {}): {words}",
                        text(&status_word)
                    ),
                )
                .hint("`cleanops escalate --dry-run` shows the event cleanops built; this is a defect of cleanops, please report it")
            }
        }
        401 | 403 => Failure::new(
            Exit::Auth,
            format!(
                "PagerDuty refused the event for {who} (HTTP {status}): {}",
                excerpt()
            ),
        )
        .hint(format!("check the routing key in {}", key_file.display())),
        429 => Failure::new(
            Exit::Unreachable,
            format!(
                "PagerDuty rate-limited the event for {who} (HTTP 429) and the retries did not get through"
            ),
        )
        .hint("PagerDuty allows about 120 events a minute per routing key; page by phone if it is urgent, and try again in a minute"),
        300..=399 => Failure::new(
            Exit::Unexpected,
            format!(
                "the PagerDuty URL of {who} answered with a redirect (HTTP {status}), which cleanops does not follow"
            ),
        )
        .hint("pagerduty_url must be the Events API endpoint itself (default https://events.pagerduty.com/v2/enqueue)"),
        404 | 405 => Failure::new(
            Exit::Unexpected,
            format!(
                "no Events API v2 at the PagerDuty URL of {who} (HTTP {status}): {}",
                excerpt()
            ),
        )
        .hint("pagerduty_url must be the Events API endpoint itself (default https://events.pagerduty.com/v2/enqueue)"),
        _ => Failure::new(
            Exit::Unexpected,
            format!(
                "PagerDuty failed the event for {who} (HTTP {status}): {}",
                excerpt()
            ),
        )
        .hint("PagerDuty may be having trouble (status.pagerduty.com); page by phone if it is urgent"),
    };
    f.kind = crate::error::Kind::Status(status);
    Err(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escalation::roles::runbook_chain;
    use crate::escalation::snapshot::{CauseLine, CheckLine};

    const KEY: &str = "R0UT1NGKEY0123456789abcdefABCDEF";

    fn snap(causes: &[&str], exit_code: i32) -> Snapshot {
        Snapshot {
            at: "2026-04-05T20:30:00Z".into(),
            api_url: "https://api.panidobro.com".into(),
            project: "cleaning".into(),
            engine: "the local Docker engine".into(),
            exit_code,
            summary: "summary line".into(),
            checks: vec![CheckLine {
                id: "heartbeat".into(),
                status: "failed".into(),
                summary: "stale: 21m old".into(),
            }],
            causes: causes
                .iter()
                .map(|id| CauseLine {
                    id: (*id).into(),
                    title: format!("title of {id}, mail jane.doe@example.com"),
                    evidence: vec!["  line\u{1b}[2J".into()],
                    next: "cleanops restart jobs --wait-heartbeat".into(),
                })
                .collect(),
            steps: vec!["cleanops status".into()],
            markdown: String::new(),
        }
    }

    #[test]
    fn a_trigger_has_the_documented_shape() {
        let chain = runbook_chain();
        let s = snap(&["jobs-container-down", "dlq-backlog"], 1);
        let ctx = Context {
            role: &chain[1],
            who: "ops@host",
            note: Some("db team looped in"),
            reused: false,
        };
        let e = trigger(KEY, &s, &ctx);
        assert_eq!(e["routing_key"], KEY);
        assert_eq!(e["event_action"], "trigger");
        assert_eq!(
            e["dedup_key"],
            "cleanops/job-scheduler-stale/cleaning@api.panidobro.com"
        );
        let p = &e["payload"];
        for k in [
            "summary",
            "source",
            "severity",
            "timestamp",
            "component",
            "group",
            "class",
        ] {
            assert!(p[k].as_str().is_some_and(|v| !v.is_empty()), "{k}");
        }
        assert_eq!(p["severity"], "critical");
        assert_eq!(p["source"], "api.panidobro.com (compose project cleaning)");
        assert_eq!(p["class"], "jobs-container-down");
        assert!(
            p["summary"]
                .as_str()
                .unwrap()
                .starts_with("cleaning job scheduler: title of jobs-container-down")
        );
        let details = &p["custom_details"];
        assert_eq!(details["note"], "db team looped in");
        assert_eq!(details["escalated_to"], "Backend lead (secondary)");
        assert_eq!(
            details["next_command"],
            "cleanops restart jobs --wait-heartbeat"
        );
        // PII masked, control characters gone, the key nowhere else.
        let text = e.to_string();
        assert!(!text.contains("jane.doe@"), "{text}");
        assert!(text.contains("j***@example.com"));
        assert!(!text.contains('\u{1b}'));
        assert_eq!(text.matches(KEY).count(), 1);
        assert_eq!(shown(&e)["routing_key"], "********");
        assert!(!shown(&e).to_string().contains(KEY));
    }

    #[test]
    fn follow_ups_carry_only_key_action_and_dedup_key() {
        let e = follow_up(KEY, "d", Action::Resolve);
        let obj = e.as_object().unwrap();
        assert_eq!(obj.len(), 3);
        assert_eq!(e["event_action"], "resolve");
        assert_eq!(
            follow_up(KEY, "d", Action::Acknowledge)["event_action"],
            "acknowledge"
        );
    }

    #[test]
    fn severity_follows_the_verdict() {
        assert_eq!(
            severity(&snap(&["crash-loop-database"], 1)),
            Severity::Critical
        );
        assert_eq!(
            severity(&snap(&["slow-loop", "dlq-backlog"], 1)),
            Severity::Error
        );
        assert_eq!(severity(&snap(&["dlq-backlog"], 1)), Severity::Warning);
        assert_eq!(severity(&snap(&[], 0)), Severity::Info);
        assert_eq!(severity(&snap(&[], 3)), Severity::Critical);
        assert_eq!(severity(&snap(&[], 1)), Severity::Warning);
    }

    #[test]
    fn summaries_and_keys_stay_within_the_limits() {
        let mut s = snap(&["crash-loop"], 1);
        s.causes[0].title = "é".repeat(5000);
        let h = headline(&s);
        assert_eq!(h.chars().count(), MAX_SUMMARY);
        assert!(h.ends_with('…'));
        let long = "p".repeat(300);
        let k = dedup_key("https://api.example:8443", &long);
        assert!(k.chars().count() <= MAX_DEDUP_KEY);
        assert_eq!(k, dedup_key("https://api.example:8443", &long));
        assert_eq!(
            dedup_key("http://127.0.0.1:8000", "cleaning"),
            "cleanops/job-scheduler-stale/cleaning@127.0.0.1:8000"
        );
        assert_ne!(
            dedup_key("https://a.example", "x"),
            dedup_key("https://b.example", "x")
        );
    }

    #[test]
    fn answers_are_read_as_documented() {
        let chain = runbook_chain();
        let role = &chain[0];
        let file = std::path::Path::new("/k");
        let ok = interpret(
            202,
            br#"{"status":"success","message":"Event processed","dedup_key":"d"}"#,
            role,
            file,
            &[],
        )
        .unwrap();
        assert_eq!(ok.message, "Event processed");
        assert_eq!(ok.dedup_key.as_deref(), Some("d"));
        let f = interpret(202, b"", role, file, &[]).unwrap_err();
        assert_eq!(f.exit, Exit::Unexpected);
        let f = interpret(
            400,
            br#"{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]}"#,
            role,
            file,
            &[],
        )
        .unwrap_err();
        assert_eq!(f.exit, Exit::Auth);
        assert!(
            f.message.contains("invalid event") && f.message.contains("routing_key"),
            "{}",
            f.message
        );
        let f = interpret(
            400,
            br#"{"status":"invalid event","message":"Event object is invalid","errors":["'payload.severity' is invalid"]}"#,
            role,
            file,
            &[],
        )
        .unwrap_err();
        assert_eq!(f.exit, Exit::Unexpected);
        let f = interpret(
            500,
            format!("echo {KEY}").as_bytes(),
            role,
            file,
            &[KEY.into()],
        )
        .unwrap_err();
        assert!(!f.message.contains(KEY), "{}", f.message);
        assert_eq!(
            interpret(429, b"", role, file, &[]).unwrap_err().exit,
            Exit::Unreachable
        );
        assert_eq!(
            interpret(302, b"", role, file, &[]).unwrap_err().exit,
            Exit::Unexpected
        );
    }
}
