//! What cleanops remembers about each API between runs, in
//! `$XDG_STATE_HOME/cleanops/api-memory.json` (else `~/.local/state/cleanops/`), keyed by the API
//! URL:
//!
//! - the requests it sent in the last minute that the app's global rate limit counts (every
//!   path but the health ones, 401s included: 30 a minute per client IP, docs/app-contract.md §5.5), so that
//!   a 429 can say whether cleanops' own calls account for it, and `diagnose --watch` can pace
//!   itself around the calls of other cleanops runs on this machine;
//! - how `GET /v1/admin/queue/dlq?kind=all` answered last (on PostgreSQL it is always a 500,
//!   docs/app-contract.md §12), so later runs go straight to the listing that works.
//!
//! The file is a cache: unreadable, torn or missing means "nothing remembered", and a failure to
//! write it never fails a command. Times are the wall clock (the app's limiter runs on real
//! time), not `CLEANOPS_NOW`.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The app's `RATE_LIMIT_PER_MINUTE` (default 30), per client IP.
pub const RATE_LIMIT_PER_MINUTE: usize = 30;
/// The limiter's sliding window.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);
/// How long an answer of `kind=all` is remembered: a deploy (a fix, a rollback) may change it.
pub const DLQ_KIND_ALL_TTL: Duration = Duration::from_secs(6 * 3600);
/// The file's name under the state directory.
pub const FILE_NAME: &str = "api-memory.json";

/// APIs kept in the file; the least recently used go first.
const MAX_APIS: usize = 32;
/// Calls kept per API (more than the limit lets through in a window, by far).
const MAX_CALLS: usize = 512;
/// A larger file is not ours to parse: it starts again empty.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// How long to wait for another cleanops process to let go of the file.
const LOCK_PATIENCE: Duration = Duration::from_millis(500);

#[derive(Debug, Default, Serialize, Deserialize)]
struct Doc {
    #[serde(default)]
    apis: BTreeMap<String, ApiRecord>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct ApiRecord {
    /// When this entry was last written (seconds since the epoch), for eviction.
    #[serde(default)]
    seen: f64,
    /// Rate-limited requests sent, in the last window (seconds since the epoch).
    #[serde(default)]
    calls: Vec<f64>,
    #[serde(default)]
    dlq_kind_all: Option<KindAll>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct KindAll {
    /// The HTTP status it answered.
    status: u16,
    at: f64,
}

/// What is remembered about `kind=all`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KindAllAnswer {
    /// It answered 2xx (else a server error).
    pub ok: bool,
    pub status: u16,
    /// How long ago.
    pub age: Duration,
}

/// The record of one API.
#[derive(Clone, Debug)]
pub struct Memory {
    path: PathBuf,
    key: String,
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `$XDG_STATE_HOME/cleanops/api-memory.json`, else under `~/.local/state`; None without either.
pub fn default_path() -> Option<PathBuf> {
    Some(crate::paths::state_dir()?.join(FILE_NAME))
}

impl Memory {
    /// The record of the API at `key` (its URL, without credentials) in the default file.
    pub fn open(key: &str) -> Option<Memory> {
        default_path().map(|path| Memory::at(path, key))
    }

    pub fn at(path: PathBuf, key: &str) -> Memory {
        Memory {
            path,
            key: key.to_string(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One rate-limited request is about to be sent.
    pub fn record_call(&self) {
        let now = now_secs();
        self.update(|r| {
            r.calls.push(now);
        });
    }

    /// The times (seconds ago, oldest first) of the requests recorded in the last window.
    pub fn recent_calls(&self) -> Vec<Duration> {
        let now = now_secs();
        let Some(record) = self.read() else {
            return Vec::new();
        };
        let mut ages: Vec<Duration> = record
            .calls
            .iter()
            .filter_map(|&t| {
                let age = now - t;
                (age >= 0.0 && age < RATE_WINDOW.as_secs_f64())
                    .then(|| Duration::from_secs_f64(age))
            })
            .collect();
        ages.sort_by(|a, b| b.cmp(a));
        ages
    }

    /// `kind=all` answered `status` just now.
    pub fn note_dlq_kind_all(&self, status: u16) {
        let now = now_secs();
        self.update(|r| r.dlq_kind_all = Some(KindAll { status, at: now }));
    }

    /// How `kind=all` answered, when that is recent enough to go by.
    pub fn dlq_kind_all(&self) -> Option<KindAllAnswer> {
        let k = self.read()?.dlq_kind_all?;
        let age = now_secs() - k.at;
        if !(0.0..DLQ_KIND_ALL_TTL.as_secs_f64()).contains(&age) {
            return None;
        }
        Some(KindAllAnswer {
            ok: (200..300).contains(&k.status),
            status: k.status,
            age: Duration::from_secs_f64(age),
        })
    }

    fn read(&self) -> Option<ApiRecord> {
        // The lock goes with the file when it is closed.
        let file = File::open(&self.path).ok()?;
        lock(&file, false)?;
        load(&file).apis.get(&self.key).cloned()
    }

    /// Read, change and write back this API's record under an exclusive lock; failures are
    /// silent (a cache).
    fn update(&self, change: impl FnOnce(&mut ApiRecord)) {
        let _ = (|| -> Option<()> {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir).ok()?;
            }
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&self.path)
                .ok()?;
            lock(&file, true)?;
            let mut doc = load(&file);
            let now = now_secs();
            let record = doc.apis.entry(self.key.clone()).or_default();
            change(record);
            record.seen = now;
            // Only the last window matters; the bound keeps the file small whatever happens.
            record
                .calls
                .retain(|&t| now - t < RATE_WINDOW.as_secs_f64() && t <= now + 1.0);
            if record.calls.len() > MAX_CALLS {
                let extra = record.calls.len() - MAX_CALLS;
                record.calls.drain(..extra);
            }
            while doc.apis.len() > MAX_APIS {
                let oldest = doc
                    .apis
                    .iter()
                    .min_by(|a, b| a.1.seen.total_cmp(&b.1.seen))
                    .map(|(k, _)| k.clone())?;
                doc.apis.remove(&oldest);
            }
            let text = serde_json::to_vec(&doc).ok()?;
            (&file).seek(SeekFrom::Start(0)).ok()?;
            file.set_len(0).ok()?;
            (&file).write_all(&text).ok()?;
            Some(())
        })();
    }
}

/// The document in `file`, or an empty one when it is missing, torn, too large or not ours.
fn load(mut file: &File) -> Doc {
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(0)).is_err()
        || file
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .is_err()
        || bytes.len() as u64 > MAX_FILE_BYTES
    {
        return Doc::default();
    }
    serde_json::from_slice(&bytes).unwrap_or_default()
}

/// A lock on the file, shared or exclusive, within [`LOCK_PATIENCE`] (it goes when the file is
/// closed); None when another process holds it longer: then the cache is skipped this time.
fn lock(file: &File, exclusive: bool) -> Option<()> {
    let deadline = std::time::Instant::now() + LOCK_PATIENCE;
    loop {
        let attempt = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match attempt {
            Ok(()) => return Some(()),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return None,
        }
    }
}

/// How long to wait before `need` more calls fit under `cap` in the window, given the ages of
/// the calls already made (any order). Zero when they fit now.
pub fn wait_for_room(ages: &[Duration], need: usize, cap: usize) -> Duration {
    let mut recent: Vec<Duration> = ages.iter().copied().filter(|a| *a < RATE_WINDOW).collect();
    if recent.len() + need <= cap {
        return Duration::ZERO;
    }
    if need > cap {
        // Never fits: wait for the whole window to clear.
        return recent
            .iter()
            .max()
            .map(|oldest| RATE_WINDOW.saturating_sub(*oldest))
            .unwrap_or(Duration::ZERO);
    }
    // Oldest first: the first `excess` of them have to leave the window.
    recent.sort_by(|a, b| b.cmp(a));
    let excess = recent.len() + need - cap;
    RATE_WINDOW.saturating_sub(recent[excess - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(dir: &tempfile::TempDir, key: &str) -> Memory {
        Memory::at(dir.path().join("state").join(FILE_NAME), key)
    }

    #[test]
    fn calls_are_counted_per_api_and_only_within_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let a = memory(&dir, "http://a/");
        let b = memory(&dir, "http://b/");
        assert!(a.recent_calls().is_empty(), "nothing before the first call");
        for _ in 0..3 {
            a.record_call();
        }
        b.record_call();
        assert_eq!(a.recent_calls().len(), 3);
        assert_eq!(b.recent_calls().len(), 1);
        // Calls older than the window are gone at the next write.
        let mut doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(a.path()).unwrap()).unwrap();
        let old = now_secs() - 61.0;
        doc["apis"]["http://a/"]["calls"] = serde_json::json!([old, old, now_secs()]);
        std::fs::write(a.path(), doc.to_string()).unwrap();
        assert_eq!(a.recent_calls().len(), 1);
        a.record_call();
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(a.path()).unwrap()).unwrap();
        assert_eq!(
            doc["apis"]["http://a/"]["calls"].as_array().unwrap().len(),
            2
        );
    }

    #[test]
    fn kind_all_is_remembered_for_a_while() {
        let dir = tempfile::tempdir().unwrap();
        let m = memory(&dir, "http://a/");
        assert_eq!(m.dlq_kind_all(), None);
        m.note_dlq_kind_all(500);
        let k = m.dlq_kind_all().unwrap();
        assert!(!k.ok);
        assert_eq!(k.status, 500);
        m.note_dlq_kind_all(200);
        assert!(m.dlq_kind_all().unwrap().ok);
        // Too old to go by.
        let mut doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(m.path()).unwrap()).unwrap();
        doc["apis"]["http://a/"]["dlq_kind_all"]["at"] =
            serde_json::json!(now_secs() - DLQ_KIND_ALL_TTL.as_secs_f64() - 1.0);
        std::fs::write(m.path(), doc.to_string()).unwrap();
        assert_eq!(m.dlq_kind_all(), None);
    }

    #[test]
    fn a_broken_file_is_an_empty_memory() {
        let dir = tempfile::tempdir().unwrap();
        let m = memory(&dir, "http://a/");
        std::fs::create_dir_all(m.path().parent().unwrap()).unwrap();
        for junk in [&b"{\"apis\": 7"[..], b"\xff\xfe", b"[]", b""] {
            std::fs::write(m.path(), junk).unwrap();
            assert!(m.recent_calls().is_empty());
            m.record_call();
            assert_eq!(m.recent_calls().len(), 1, "{junk:?}");
        }
        // A directory where the file should be: nothing remembered, nothing fails.
        let d = memory(&dir, "http://a/");
        std::fs::remove_file(d.path()).unwrap();
        std::fs::create_dir(d.path()).unwrap();
        d.record_call();
        assert!(d.recent_calls().is_empty());
    }

    #[test]
    fn the_file_stays_small() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..(MAX_APIS + 5) {
            memory(&dir, &format!("http://api-{i}/")).record_call();
        }
        let m = memory(&dir, "http://a/");
        for _ in 0..(MAX_CALLS + 20) {
            m.record_call();
        }
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(m.path()).unwrap()).unwrap();
        assert_eq!(doc["apis"].as_object().unwrap().len(), MAX_APIS);
        assert_eq!(m.recent_calls().len(), MAX_CALLS);
    }

    #[test]
    fn room_in_the_window() {
        let s = Duration::from_secs;
        assert_eq!(wait_for_room(&[], 2, 26), Duration::ZERO);
        let ages: Vec<Duration> = (0..24).map(|i| s(i + 1)).collect();
        assert_eq!(wait_for_room(&ages, 2, 26), Duration::ZERO);
        // 25 made: one has to leave, the oldest (58 s ago) in 2 s.
        let mut ages: Vec<Duration> = (0..24).map(|i| s(i + 1)).collect();
        ages.push(s(58));
        assert_eq!(wait_for_room(&ages, 2, 26), s(2));
        // Three have to leave: the third oldest decides.
        let mut ages: Vec<Duration> = (0..24).map(|_| s(1)).collect();
        ages.extend([s(50), s(40), s(30)]);
        assert_eq!(wait_for_room(&ages, 2, 26), s(30));
        assert_eq!(wait_for_room(&[s(10), s(20)], 3, 2), s(40));
        // Ages outside the window do not count.
        assert_eq!(wait_for_room(&[s(61); 40], 2, 26), Duration::ZERO);
    }
}
