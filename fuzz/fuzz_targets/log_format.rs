//! The app's log lines as cleanops reads them (src/logs): any bytes, split into lines, read in
//! their stream's context, tracebacks grouped, shown as text and as JSON. No panic, no line
//! lost (each is an entry or counted in a traceback's), and no control character shown but the
//! newlines between lines.

use cleanops::docker::logs::LogLine;
use cleanops::logs::Entry;
use cleanops::logs::group::summarize;
use cleanops::logs::show::{Style, json_entry, write_text};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let text = String::from_utf8_lossy(data);
        let lines: Vec<LogLine> = text
            .split('\n')
            .enumerate()
            .map(|(i, t)| LogLine {
                ts: None,
                stderr: i % 3 == 0,
                text: t.to_string(),
            })
            .collect();
        let entries = summarize(&lines);
        let counted: usize = entries
            .iter()
            .map(|e| match e {
                Entry::Line(..) => 1,
                Entry::Traceback(t) => t.lines,
            })
            .sum();
        assert_eq!(counted, lines.len(), "a line was lost");
        for full in [false, true] {
            let style = Style {
                full,
                escape: true,
                ..Style::default()
            };
            for e in &entries {
                let mut out = Vec::new();
                write_text(&mut out, "api | ", e, &style).unwrap();
                let shown = String::from_utf8(out).unwrap();
                assert!(!shown.chars().any(|c| c.is_control() && c != '\n'));
                let _ = json_entry("api", e);
            }
        }
    });
}
