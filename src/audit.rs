//! The incident record: every mutating action (restart, exec, replay, rollback, escalate,
//! notify) and every diagnosis, one JSON line each in `$XDG_STATE_HOME/cleanops/audit.jsonl` — written before the
//! action and after it, so a crash in between still leaves a trace.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::clock;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: String,
    /// `start`, `end`, or `event` for something that has no duration (a diagnosis).
    pub phase: String,
    pub id: String,
    pub user: String,
    pub host: String,
    /// The command line, secrets removed.
    pub command: String,
    pub action: String,
    pub target: String,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub duration_seconds: Option<f64>,
    /// The escalation role(s) an escalation, acknowledgement, resolve or notification was for
    /// (`secondary`; `primary, secondary`; `incident-channel`). Absent on other actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

pub fn path() -> Option<PathBuf> {
    Some(crate::paths::state_dir()?.join("audit.jsonl"))
}

fn user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The command line with anything secret-looking removed: credentials in URLs, and the value
/// after any flag that could carry one.
pub fn redacted_command() -> String {
    let mut out = Vec::new();
    let mut hide_next = false;
    for arg in std::env::args() {
        if hide_next {
            out.push("********".to_string());
            hide_next = false;
            continue;
        }
        let lower = arg.to_ascii_lowercase();
        if ["--password", "--token", "--secret"]
            .iter()
            .any(|f| lower == *f)
        {
            hide_next = true;
            out.push(arg);
            continue;
        }
        if lower.starts_with("--password=")
            || lower.starts_with("--token=")
            || lower.starts_with("--secret=")
        {
            let flag = arg.split('=').next().unwrap_or("");
            out.push(format!("{flag}=********"));
            continue;
        }
        match reqwest::Url::parse(&arg) {
            Ok(mut u) if u.password().is_some() || !u.username().is_empty() => {
                let _ = u.set_username("");
                let _ = u.set_password(None);
                out.push(u.to_string());
            }
            _ => out.push(arg),
        }
    }
    out.join(" ")
}

fn append(record: &AuditRecord) {
    let Some(path) = path() else {
        crate::render::warn("no XDG_STATE_HOME or HOME: this action is not in the audit file");
        return;
    };
    let result = (|| -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = OpenOptions::new().create(true).append(true).open(&path)?;
        let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        line.push('\n');
        f.write_all(line.as_bytes())?;
        f.sync_data()
    })();
    // The record must not stand between an engineer and the fix: say so, and go on.
    if let Err(e) = result {
        crate::render::warn(&format!(
            "cannot write the audit file {}: {e}",
            path.display()
        ));
    }
}

fn record(phase: &str, id: &str, action: &str, target: &str) -> AuditRecord {
    AuditRecord {
        at: clock::rfc3339(time::OffsetDateTime::now_utc()),
        phase: phase.into(),
        id: id.into(),
        user: user(),
        host: host(),
        command: redacted_command(),
        action: action.into(),
        target: target.into(),
        result: None,
        detail: None,
        duration_seconds: None,
        role: None,
    }
}

/// An action under way: its start is on disk; `end` writes how it went.
pub struct Action {
    id: String,
    action: String,
    target: String,
    role: Option<String>,
    started: Instant,
}

/// Record the start of a mutating action.
pub fn start(action: &str, target: &str) -> Action {
    start_for(action, target, None)
}

/// [`start`] of an action for an escalation role (escalate, acknowledge, resolve, notify).
pub fn start_for(action: &str, target: &str, role: Option<&str>) -> Action {
    let id = format!("{:016x}", fastrand::u64(..));
    let mut r = record("start", &id, action, target);
    r.role = role.map(str::to_string);
    append(&r);
    Action {
        id,
        action: action.into(),
        target: target.into(),
        role: role.map(str::to_string),
        started: Instant::now(),
    }
}

impl Action {
    pub fn end(self, result: &str, detail: impl Into<String>) {
        let mut r = record("end", &self.id, &self.action, &self.target);
        r.result = Some(result.into());
        r.detail = Some(detail.into());
        r.duration_seconds = Some(self.started.elapsed().as_secs_f64());
        r.role = self.role;
        append(&r);
    }
}

/// Something with no duration worth recording (a diagnosis and its verdict).
pub fn event(action: &str, target: &str, result: &str, detail: &str) {
    event_for(action, target, None, result, detail);
}

/// [`event`] for an escalation role (an escalation cleanops could only record).
pub fn event_for(action: &str, target: &str, role: Option<&str>, result: &str, detail: &str) {
    let mut r = record(
        "event",
        &format!("{:016x}", fastrand::u64(..)),
        action,
        target,
    );
    r.result = Some(result.into());
    r.detail = Some(detail.into());
    r.role = role.map(str::to_string);
    append(&r);
}

/// Every record, oldest first; unreadable lines are skipped (a torn last line after a crash).
pub fn read_all() -> Vec<AuditRecord> {
    let Some(path) = path() else {
        return Vec::new();
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
