//! The two pieces of request bookkeeping the app keeps outside its tables: sliding-window rate
//! limits and the idempotency store of the replay endpoints.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The window of both limiters (`RATE_LIMIT_PER_MINUTE`, `ADMIN_ACTION_RATE_LIMIT_PER_MINUTE`).
pub(crate) const WINDOW: Duration = Duration::from_secs(60);

/// Sliding-window limiters keyed by a string (client IP, or `org:<org>:action:<action>`).
///
/// Windows run on the monotonic clock, not on the simulated one: with a frozen sim clock a
/// window would otherwise never expire, and the app's in-memory limiter uses monotonic time too.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    hits: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    /// Records a hit for `key` and says whether it is allowed. A refused hit is not recorded,
    /// so a client that backs off gets through again 60 s after its oldest accepted request.
    pub(crate) fn allow(&mut self, key: &str, limit: u32, now: Instant) -> bool {
        let hits = self.hits.entry(key.to_owned()).or_default();
        while let Some(&oldest) = hits.front() {
            if now.saturating_duration_since(oldest) >= WINDOW {
                hits.pop_front();
            } else {
                break;
            }
        }
        if hits.len() >= limit as usize {
            return false;
        }
        hits.push_back(now);
        true
    }

    /// Counts `n` earlier hits for `key` at `at`, as if they had been let through then (a test
    /// starting with part of a window already spent).
    pub(crate) fn seed(&mut self, key: &str, n: usize, at: Instant) {
        let hits = self.hits.entry(key.to_owned()).or_default();
        hits.extend(std::iter::repeat_n(at, n));
        hits.make_contiguous().sort();
    }
}

/// A completed idempotent request: what to answer when the same key comes back.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StoredResponse {
    pub status: u16,
    /// The JSON body exactly as first sent, so a replay is byte-identical.
    pub body: String,
}

#[derive(Clone, Debug)]
struct Record {
    fingerprint: String,
    response: StoredResponse,
}

/// What the store says about an incoming key.
#[derive(Debug, PartialEq)]
pub(crate) enum Lookup {
    /// Never seen (or its earlier request was rolled back): process the request.
    Fresh,
    /// Seen with the same fingerprint: answer the stored response again.
    Replay(StoredResponse),
    /// Seen with another method, path or body: 409 "Idempotency conflict".
    Conflict,
}

/// The `admin_idempotency` table: keyed by (org, key, endpoint), never expiring.
#[derive(Debug, Default)]
pub(crate) struct IdempotencyStore {
    records: HashMap<(String, String, String), Record>,
}

impl IdempotencyStore {
    pub(crate) fn lookup(&self, org: &str, key: &str, endpoint: &str, fingerprint: &str) -> Lookup {
        match self
            .records
            .get(&(org.to_owned(), key.to_owned(), endpoint.to_owned()))
        {
            None => Lookup::Fresh,
            Some(r) if r.fingerprint == fingerprint => Lookup::Replay(r.response.clone()),
            Some(_) => Lookup::Conflict,
        }
    }

    /// Saves the response of a completed request. Requests that failed (404, 500, ...) are
    /// not saved: the app rolls the claim back, so the key can be used again.
    pub(crate) fn save(
        &mut self,
        org: &str,
        key: &str,
        endpoint: &str,
        fingerprint: &str,
        response: StoredResponse,
    ) {
        self.records.insert(
            (org.to_owned(), key.to_owned(), endpoint.to_owned()),
            Record {
                fingerprint: fingerprint.to_owned(),
                response,
            },
        );
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }
}

/// The request fingerprint of `backend/app/api/idempotency.py`: `METHOD:path:body`, where the
/// body is re-serialized with sorted keys when it is JSON and taken verbatim otherwise. The
/// query string is not part of it. (The app hashes this with sha256; comparing the text
/// directly is equivalent.)
pub(crate) fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let normalized = match serde_json::from_slice::<serde_json::Value>(body) {
        // serde_json's default map is ordered by key, like `json.dumps(sort_keys=True)`.
        Ok(value) => value.to_string(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    format!("{method}:{path}:{normalized}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window_refuses_over_limit_and_recovers() {
        let mut rl = RateLimiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            assert!(rl.allow("org:a", 5, t0 + Duration::from_secs(i)), "hit {i}");
        }
        assert!(!rl.allow("org:a", 5, t0 + Duration::from_secs(10)));
        // Another key has its own window.
        assert!(rl.allow("org:b", 5, t0 + Duration::from_secs(10)));
        // The window slides: the first hit expires at t0+60, the second at t0+61.
        assert!(!rl.allow("org:a", 5, t0 + Duration::from_millis(59_999)));
        assert!(rl.allow("org:a", 5, t0 + Duration::from_secs(60)));
        assert!(!rl.allow("org:a", 5, t0 + Duration::from_millis(60_500)));
        assert!(rl.allow("org:a", 5, t0 + Duration::from_secs(61)));
    }

    #[test]
    fn refused_hits_do_not_extend_the_window() {
        let mut rl = RateLimiter::default();
        let t0 = Instant::now();
        assert!(rl.allow("ip", 1, t0));
        for s in 1..60 {
            assert!(!rl.allow("ip", 1, t0 + Duration::from_secs(s)));
        }
        assert!(rl.allow("ip", 1, t0 + Duration::from_secs(60)));
    }

    #[test]
    fn a_seeded_window_ages_out_with_its_hits() {
        let mut rl = RateLimiter::default();
        let t0 = Instant::now();
        assert!(rl.allow("ip", 3, t0 + Duration::from_secs(1)));
        rl.seed("ip", 2, t0);
        assert!(
            !rl.allow("ip", 3, t0 + Duration::from_secs(2)),
            "3 within the window"
        );
        // The seeded hits, the older ones, leave first.
        assert!(rl.allow("ip", 3, t0 + Duration::from_secs(60)));
        assert!(rl.allow("ip", 3, t0 + Duration::from_secs(60)));
        assert!(!rl.allow("ip", 3, t0 + Duration::from_secs(60)));
    }

    #[test]
    fn zero_limit_refuses_everything() {
        let mut rl = RateLimiter::default();
        assert!(!rl.allow("ip", 0, Instant::now()));
    }

    #[test]
    fn idempotency_replay_conflict_and_scoping() {
        let mut store = IdempotencyStore::default();
        let fp1 = fingerprint("POST", "/v1/admin/outbox/a/replay", b"");
        let fp2 = fingerprint("POST", "/v1/admin/outbox/b/replay", b"");
        assert_eq!(
            store.lookup("org", "k", "outbox_replay", &fp1),
            Lookup::Fresh
        );
        let stored = StoredResponse {
            status: 202,
            body: "{\"event_id\":\"a\"}".into(),
        };
        store.save("org", "k", "outbox_replay", &fp1, stored.clone());
        assert_eq!(
            store.lookup("org", "k", "outbox_replay", &fp1),
            Lookup::Replay(stored)
        );
        // Same key, another event: the key is per endpoint, not per event.
        assert_eq!(
            store.lookup("org", "k", "outbox_replay", &fp2),
            Lookup::Conflict
        );
        // Another endpoint or another org does not see the key.
        assert_eq!(
            store.lookup("org", "k", "export_replay", &fp2),
            Lookup::Fresh
        );
        assert_eq!(
            store.lookup("org2", "k", "outbox_replay", &fp2),
            Lookup::Fresh
        );
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn fingerprint_normalizes_json_bodies_only() {
        assert_eq!(
            fingerprint("POST", "/p", br#"{"b":1, "a":2}"#),
            fingerprint("POST", "/p", br#"{"a":2,"b":1}"#)
        );
        assert_eq!(fingerprint("POST", "/p", b""), "POST:/p:");
        assert_eq!(fingerprint("POST", "/p", b"not json "), "POST:/p:not json ");
        assert_ne!(
            fingerprint("POST", "/p", b"{}"),
            fingerprint("POST", "/p", b"")
        );
    }
}
