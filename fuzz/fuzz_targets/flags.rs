//! What people type into flags: durations, `--since`/`--until` times, database URLs.

use cleanops::clock::parse_duration;
use cleanops::commands::logs::parse_when;
use cleanops::envcheck::db_host;

fn main() {
    let now = cleanops::clock::parse_rfc3339("2026-04-05T20:30:00Z").expect("a time");
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = parse_duration(text);
        let _ = parse_when(text, now);
        if let Some(host) = db_host(text) {
            assert!(!host.is_empty() && !host.contains(['@', '/', '?']));
        }
    });
}
