//! The replay journal: every run's targets, and the intent and outcome of every POST, appended
//! as JSON lines and synced to disk before the next step, so a run killed at any point can be
//! resumed with the same idempotency keys and nothing is sent twice or lost.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::api::replay::EventKind;
use crate::error::Failure;

/// `$XDG_STATE_HOME/cleanops/replay`, else `~/.local/state/cleanops/replay`.
pub fn dir() -> Result<PathBuf> {
    let state = crate::paths::state_dir().ok_or_else(|| {
        Failure::usage("neither XDG_STATE_HOME nor HOME is set: nowhere to keep the replay journal")
    })?;
    Ok(state.join("replay"))
}

/// One event of a run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Target {
    pub id: String,
    pub kind: EventKind,
    #[serde(default)]
    pub event_type: Option<String>,
}

/// How one event ended.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// 202: reset (outbox) or delivered (export).
    Replayed,
    /// The stored 202 of an earlier POST of this run: it had gone through.
    AlreadyDone,
    /// 404: gone.
    Gone,
    /// Not dead when checked; not posted.
    NotDead,
    /// Export delivered and failed again, a conflict, a rejection, retries exhausted.
    Failed,
    /// 409 in flight on every retry: the server never recorded the replay.
    NotRecorded,
    /// Retries ran out on lost connections or server errors: the POST may or may not have
    /// landed. A resume posts again with the same key, which is safe.
    Unknown,
}

impl Disposition {
    /// Settled: a resumed run leaves it alone. The others are worth another try with the key.
    pub fn is_final(self) -> bool {
        !matches!(self, Disposition::NotRecorded | Disposition::Unknown)
    }

    pub fn is_success(self) -> bool {
        matches!(self, Disposition::Replayed | Disposition::AlreadyDone)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Run {
        run_id: String,
        started_at: String,
        api_url: String,
        correlation_id: String,
        rate_per_minute: u32,
        force: bool,
        targets: Vec<Target>,
        /// `db` for a run through the database (`replay --via db`); absent for the API.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
    },
    Intent {
        id: String,
        key: String,
        attempt: u32,
        at: String,
    },
    Outcome {
        id: String,
        key: String,
        result: Disposition,
        detail: String,
        at: String,
    },
    End {
        at: String,
        interrupted: bool,
    },
}

/// An open journal, appending.
pub struct Journal {
    file: File,
    pub path: PathBuf,
}

impl Journal {
    pub fn path_of(run_id: &str) -> Result<PathBuf> {
        if run_id.is_empty()
            || !run_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(Failure::usage(format!(
                "{run_id:?} is not a run id (see cleanops replay --list-runs)"
            ))
            .into());
        }
        Ok(dir()?.join(format!("{run_id}.jsonl")))
    }

    /// A new journal holding its first record, or none at all: written aside, synced, then
    /// renamed into place, so a crash never leaves a journal without its run.
    pub fn create(run_id: &str, first: &Record) -> Result<Journal> {
        let path = Journal::path_of(run_id)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Failure::local(format!(
                    "cannot create the journal directory {}: {e}",
                    parent.display()
                ))
            })?;
        }
        if path.exists() {
            return Err(
                Failure::usage(format!("a journal for run {run_id} exists already")).into(),
            );
        }
        let aside = path.with_extension("jsonl.new");
        let cannot = |e: std::io::Error| {
            Failure::local(format!("cannot create the journal {}: {e}", path.display()))
        };
        let mut line = serde_json::to_string(first)?;
        line.push('\n');
        File::create(&aside)
            .and_then(|mut f| f.write_all(line.as_bytes()).and_then(|_| f.sync_all()))
            .map_err(cannot)?;
        std::fs::rename(&aside, &path).map_err(cannot)?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(cannot)?;
        Ok(Journal { file, path })
    }

    /// Open a run's journal to append to it, first cutting off a torn last line (a kill or a
    /// full disk mid-write), so the next record starts on a line of its own.
    pub fn reopen(run_id: &str) -> Result<Journal> {
        let path = Journal::path_of(run_id)?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| {
                Failure::usage(format!(
                    "no journal for run {run_id} at {}: {e}",
                    path.display()
                ))
                .hint("cleanops replay --list-runs shows the runs")
            })?;
        repair_torn_tail(&file).map_err(|e| {
            Failure::local(format!(
                "cannot repair the torn last line of the journal {}: {e}",
                path.display()
            ))
        })?;
        Ok(Journal { file, path })
    }

    /// Append one record and make it durable before anything else happens.
    pub fn append(&mut self, record: &Record) -> Result<()> {
        let mut line = serde_json::to_string(record)?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|_| self.file.sync_data())
            .map_err(|e| {
                Failure::local(format!(
                    "cannot write the journal {}: {e}",
                    self.path.display()
                ))
                .into()
            })
    }
}

/// Truncate the file after its last newline when it does not end with one.
fn repair_torn_tail(file: &File) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let mut reader = file;
    // Look back in blocks for the last newline; records are small, the journal may not be.
    let mut end = len;
    let mut buf = vec![0u8; 4096];
    let mut first_block = true;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let block = &mut buf[..(end - start) as usize];
        reader.seek(SeekFrom::Start(start))?;
        reader.read_exact(block)?;
        if first_block && block.last() == Some(&b'\n') {
            return Ok(());
        }
        first_block = false;
        if let Some(i) = block.iter().rposition(|b| *b == b'\n') {
            return file.set_len(start + i as u64 + 1);
        }
        end = start;
    }
    file.set_len(0)
}

/// A run, as read back from its journal.
#[derive(Clone, Debug)]
pub struct RunState {
    pub run_id: String,
    pub started_at: String,
    pub api_url: String,
    pub correlation_id: String,
    pub rate_per_minute: u32,
    pub force: bool,
    pub targets: Vec<Target>,
    /// `Some("db")` for a run through the database.
    pub via: Option<String>,
    /// Per target id: the last outcome, if any.
    pub outcomes: std::collections::HashMap<String, (Disposition, String)>,
    /// Targets with an intent but no outcome after it: the POST may or may not have landed.
    pub in_doubt: std::collections::HashSet<String>,
    pub ended: bool,
    pub interrupted: bool,
}

/// Read a journal; a torn last line (a crash mid-write) is ignored, anything else malformed is
/// an error.
pub fn read(path: &Path) -> Result<RunState> {
    let file =
        File::open(path).with_context(|| format!("cannot open the journal {}", path.display()))?;
    let mut state: Option<RunState> = None;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<std::io::Result<_>>()?;
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(_) if i == last => break,
            Err(e) => {
                return Err(Failure::usage(format!(
                    "{}: line {} is not a journal record: {e}",
                    path.display(),
                    i + 1
                ))
                .into());
            }
        };
        match (record, &mut state) {
            (
                Record::Run {
                    run_id,
                    started_at,
                    api_url,
                    correlation_id,
                    rate_per_minute,
                    force,
                    targets,
                    via,
                },
                None,
            ) => {
                state = Some(RunState {
                    run_id,
                    started_at,
                    api_url,
                    correlation_id,
                    rate_per_minute,
                    force,
                    targets,
                    via,
                    outcomes: Default::default(),
                    in_doubt: Default::default(),
                    ended: false,
                    interrupted: false,
                })
            }
            (Record::Intent { id, .. }, Some(s)) => {
                s.in_doubt.insert(id);
            }
            (
                Record::Outcome {
                    id, result, detail, ..
                },
                Some(s),
            ) => {
                s.in_doubt.remove(&id);
                s.outcomes.insert(id, (result, detail));
            }
            (Record::End { interrupted, .. }, Some(s)) => {
                s.ended = true;
                s.interrupted = interrupted;
            }
            _ => {
                return Err(Failure::usage(format!(
                    "{}: line {} is out of order",
                    path.display(),
                    i + 1
                ))
                .into());
            }
        }
    }
    state.ok_or_else(|| Failure::usage(format!("{} holds no run", path.display())).into())
}

/// Every run in the journal directory, newest first.
pub fn list() -> Result<Vec<RunState>> {
    let dir = dir()?;
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut runs: Vec<RunState> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|p| read(&p).ok())
        .collect();
    runs.sort_by(|a, b| b.started_at.cmp(&a.started_at));
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_reads_back_with_doubt_where_the_outcome_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let mut j = Journal {
            file: OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap(),
            path: path.clone(),
        };
        let t = |id: &str| Target {
            id: id.into(),
            kind: EventKind::Outbox,
            event_type: None,
        };
        j.append(&Record::Run {
            run_id: "r".into(),
            started_at: "2026-04-05T20:00:00Z".into(),
            api_url: "http://x".into(),
            correlation_id: "c".into(),
            rate_per_minute: 5,
            force: false,
            targets: vec![t("a"), t("b"), t("c")],
            via: None,
        })
        .unwrap();
        for (id, done) in [("a", true), ("b", false)] {
            j.append(&Record::Intent {
                id: id.into(),
                key: format!("k-{id}"),
                attempt: 1,
                at: "t".into(),
            })
            .unwrap();
            if done {
                j.append(&Record::Outcome {
                    id: id.into(),
                    key: format!("k-{id}"),
                    result: Disposition::Replayed,
                    detail: String::new(),
                    at: "t".into(),
                })
                .unwrap();
            }
        }
        // A crash mid-write leaves a torn line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"type\":\"outc")
            .unwrap();
        let s = read(&path).unwrap();
        assert_eq!(s.targets.len(), 3);
        assert_eq!(s.outcomes["a"].0, Disposition::Replayed);
        assert!(s.in_doubt.contains("b") && !s.in_doubt.contains("a"));
        assert!(!s.ended);
        // Appending after the torn line first cuts it off: the next record reads back.
        let torn = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .unwrap();
        repair_torn_tail(&torn).unwrap();
        let mut j = Journal {
            file: OpenOptions::new().append(true).open(&path).unwrap(),
            path: path.clone(),
        };
        j.append(&Record::End {
            at: "t".into(),
            interrupted: true,
        })
        .unwrap();
        let s = read(&path).unwrap();
        assert!(
            s.ended && s.interrupted,
            "the record after a repaired tear is read"
        );
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .all(|l| serde_json::from_str::<Record>(l).is_ok())
        );
    }

    #[test]
    fn run_ids_are_checked() {
        assert!(Journal::path_of("../etc/passwd").is_err());
        assert!(Journal::path_of("").is_err());
    }
}
