//! One replay run per target at a time. Two runs over the same backlog would each post every
//! event under their own key, and the app resets any event it is told to, so each would be
//! delivered twice. The lock is an exclusive `flock` on a file per API URL, held for the whole
//! run: the kernel drops it when its process ends however it ends, so a lock left by a dead
//! run is simply free again. The file names the holder for the refusal message.
//!
//! The URL is the whole target: Basic and proxy-authenticated admin calls always act on the
//! app's one default org (`DEFAULT_ORG_ID`, docs/security.md), whoever the user is.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::error::{Exit, Failure};

/// Who holds a lock, as written into its file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Holder {
    pub run_id: String,
    pub pid: u32,
    pub host: String,
    pub since: String,
    pub api_url: String,
}

/// Held until dropped (or the process ends).
#[derive(Debug)]
pub struct ReplayLock {
    _file: File,
    pub path: PathBuf,
}

/// The API a URL reaches, however it is spelled: the parsed URL (scheme and host lowercased,
/// `127.1` read as `127.0.0.1`, the default port made explicit), with every loopback name one
/// host, so `http://localhost:8000` and `http://127.1:8000/` take the same lock. (One app
/// behind two different URLs, its proxy and its own port, is two targets: the last look before
/// each POST is what covers that.)
pub fn target_of(api_url: &str) -> String {
    let Ok(url) = reqwest::Url::parse(api_url) else {
        return api_url.to_string();
    };
    let host = if crate::api::client::is_loopback(&url) {
        "loopback".to_string()
    } else {
        url.host_str()
            .unwrap_or("")
            .trim_end_matches('.')
            .to_string()
    };
    format!(
        "{}://{host}:{}{}",
        url.scheme(),
        url.port_or_known_default().unwrap_or(0),
        url.path().trim_end_matches('/')
    )
}

/// The lock file of one API: `<dir>/locks/<sha256 of its target, 16 hex>.lock`.
fn path_in(dir: &Path, api_url: &str) -> PathBuf {
    let target = target_of(api_url);
    let digest = ring::digest::digest(&ring::digest::SHA256, target.as_bytes());
    let hex: String = digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    dir.join("locks").join(format!("{hex}.lock"))
}

impl ReplayLock {
    /// Take the lock for `api_url` beside the replay journals, or refuse (exit 6) naming who
    /// holds it.
    pub fn acquire(api_url: &str, run_id: &str, now: time::OffsetDateTime) -> Result<ReplayLock> {
        ReplayLock::acquire_in(&super::journal::dir()?, api_url, run_id, now)
    }

    fn acquire_in(
        dir: &Path,
        api_url: &str,
        run_id: &str,
        now: time::OffsetDateTime,
    ) -> Result<ReplayLock> {
        let path = path_in(dir, api_url);
        let local = |what: &str, e: std::io::Error| {
            Failure::local(format!(
                "cannot {what} the replay lock {}: {e}",
                path.display()
            ))
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| local("create the directory of", e))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| local("open", e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = (&file).take(64 * 1024).read_to_string(&mut text);
                let who = serde_json::from_str::<Holder>(&text)
                    .map(|h| {
                        format!(
                            "run {} (pid {} on {}, since {})",
                            crate::render::shown(&h.run_id),
                            h.pid,
                            crate::render::shown(&h.host),
                            crate::render::shown(&h.since)
                        )
                    })
                    .unwrap_or_else(|_| "another cleanops process (it is just starting)".into());
                return Err(Failure::new(
                    Exit::Refused,
                    format!("another replay against {api_url} is running: {who}"),
                )
                .hint("two runs over one backlog would send every event twice: wait for it to end (cleanops replay --list-runs), or stop it with Ctrl-C and resume it")
                .into());
            }
            Err(TryLockError::Error(e)) => return Err(local("take", e).into()),
        }
        let holder = Holder {
            run_id: run_id.to_string(),
            pid: std::process::id(),
            host: crate::audit::host(),
            since: crate::clock::rfc3339(now),
            api_url: api_url.to_string(),
        };
        let text = serde_json::to_string(&holder)?;
        file.set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(text.as_bytes()))
            .and_then(|_| file.sync_data())
            .map_err(|e| local("write", e))?;
        Ok(ReplayLock { _file: file, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let take = |url: &str, run: &str| {
            let now = crate::clock::parse_rfc3339("2026-04-05T20:30:00Z").unwrap();
            ReplayLock::acquire_in(dir.path(), url, run, now)
        };
        let first = take("http://127.0.0.1:1", "run-a").unwrap();
        let e = take("http://127.0.0.1:1", "run-b").unwrap_err();
        assert_eq!(crate::error::exit_of(&e), Exit::Refused);
        let said = format!("{e:#}");
        assert!(
            said.contains("run run-a") && said.contains(&std::process::id().to_string()),
            "{said}"
        );
        // Another API is another lock.
        let other = take("http://127.0.0.1:2", "run-c").unwrap();
        drop(first);
        take("http://127.0.0.1:1", "run-b").unwrap();
        drop(other);
    }

    #[test]
    fn one_api_however_spelled_is_one_lock() {
        let same = [
            "http://127.0.0.1:8000",
            "http://127.1:8000/",
            "HTTP://LOCALHOST:8000",
            "http://[::1]:8000",
            "http://[::ffff:127.0.0.1]:8000",
            "http://127.0.0.2:8000",
        ];
        for url in same {
            assert_eq!(target_of(url), "http://loopback:8000", "{url}");
        }
        assert_eq!(
            target_of("https://API.example.com"),
            target_of("https://api.example.com:443/")
        );
        assert_ne!(
            target_of("http://127.0.0.1:8000"),
            target_of("http://127.0.0.1:8001")
        );
    }
}
