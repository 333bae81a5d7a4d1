//! A diagnosis as escalations and notifications carry it: the checks, the causes, the plan and
//! the markdown note, kept after each diagnosis in `$XDG_STATE_HOME/cleanops/last-diagnosis.json`
//! so that `escalate` and `notify` right after a `diagnose` send what the engineer just read
//! instead of diagnosing again. Holds only what `diagnose --json` prints (no secret).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::checks::Status;
use crate::clock;
use crate::ops::diagnose::Diagnosis;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckLine {
    pub id: String,
    /// `ok`, `warning`, `failed`, `crashed`, `timed_out`, `skipped`.
    pub status: String,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CauseLine {
    pub id: String,
    pub title: String,
    pub evidence: Vec<String>,
    pub next: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub at: String,
    pub api_url: String,
    pub project: String,
    pub engine: String,
    /// What `diagnose` exited with.
    pub exit_code: i32,
    /// The one line a person reads last.
    pub summary: String,
    pub checks: Vec<CheckLine>,
    pub causes: Vec<CauseLine>,
    pub steps: Vec<String>,
    /// The `diagnose --markdown` note.
    pub markdown: String,
}

pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Warning => "warning",
        Status::Failed => "failed",
        Status::Crashed => "crashed",
        Status::TimedOut => "timed_out",
        Status::Skipped => "skipped",
    }
}

impl Snapshot {
    /// The diagnosis kept, with its summary line and Markdown note as the caller renders them.
    pub fn of(d: &Diagnosis, summary: String, markdown: String) -> Snapshot {
        Snapshot {
            at: clock::rfc3339(d.at),
            api_url: d.api_url.clone(),
            project: d.project.clone(),
            engine: d.engine.clone(),
            exit_code: d.exit.code(),
            summary,
            checks: d
                .reports
                .iter()
                .map(|r| CheckLine {
                    id: r.id.to_string(),
                    status: status_word(r.status).into(),
                    summary: r.summary.clone(),
                })
                .collect(),
            causes: d
                .verdict
                .causes
                .iter()
                .map(|c| CauseLine {
                    id: c.id.to_string(),
                    title: c.title.clone(),
                    evidence: c.evidence.clone(),
                    next: c.next.clone(),
                })
                .collect(),
            steps: d.verdict.steps.clone(),
            markdown,
        }
    }

    pub fn deployment(&self) -> String {
        super::deployment(&self.api_url, &self.project)
    }

    /// Seconds between the diagnosis and `now` (negative when the diagnosis is in the future).
    pub fn age(&self, now: OffsetDateTime) -> Option<f64> {
        clock::parse_rfc3339(&self.at)
            .ok()
            .map(|at| (now - at).as_seconds_f64())
    }
}

pub fn path() -> Option<PathBuf> {
    crate::audit::path().map(|p| p.with_file_name("last-diagnosis.json"))
}

/// Keep the diagnosis for the next `escalate` or `notify` (a failure is a warning: the
/// diagnosis itself was printed).
pub fn save(s: &Snapshot) {
    let Some(path) = path() else { return };
    let result = (|| -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        let text = serde_json::to_vec_pretty(s).map_err(std::io::Error::other)?;
        {
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&text)?;
            f.sync_data()?;
        }
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = result {
        crate::render::warn(&format!(
            "cannot keep the diagnosis in {}: {e}",
            path.display()
        ));
    }
}

/// The kept diagnosis of `deployment`, when it is at most `max_age` old.
pub fn load_recent(deployment: &str, max_age: Duration, now: OffsetDateTime) -> Option<Snapshot> {
    if max_age.is_zero() {
        return None;
    }
    let text = crate::files::read_text(&path()?).ok()?;
    let s: Snapshot = serde_json::from_str(&text).ok()?;
    let age = s.age(now)?;
    (s.deployment() == deployment && (-60.0..=max_age.as_secs_f64()).contains(&age)).then_some(s)
}
