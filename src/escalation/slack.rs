//! Slack incoming webhooks: a markdown note of cleanops (`diagnose --markdown`, `timeline
//! --markdown`) as a Slack message, and what Slack's answers mean.
//!
//! A message is `{"text": fallback, "blocks": [...]}` with `section` blocks of `mrkdwn` text
//! (at most 3000 characters each, at most 50 blocks, about 40,000 characters in all). Tables
//! become code blocks with aligned columns, headings and `**bold**` become `*bold*`, list dashes
//! become bullets; `&`, `<` and `>` are escaped as Slack asks, so no text from a server can
//! mention `<!channel>` or forge a link. Slack answers `200 ok` as text; errors are text too
//! (`invalid_payload`, `no_service`, `channel_not_found`, ...) with 400, 403, 404 or 410.

use serde_json::{Value, json};

use super::scrub;
use crate::error::{Exit, Failure};

/// Text of one section block (Slack's limit is 3000 characters; a margin for counting).
pub const MAX_SECTION: usize = 2900;
/// Blocks in one message.
pub const MAX_BLOCKS: usize = 50;
/// Characters of all the blocks together (Slack truncates past 40,000).
pub const MAX_TOTAL: usize = 36_000;
/// The `text` fallback (notifications, clients without blocks).
pub const MAX_FALLBACK: usize = 2900;

/// `&`, `<` and `>` as Slack's mrkdwn wants them.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A piece of the message: text lines, or a code block's lines.
#[derive(Clone, Debug, PartialEq)]
enum Chunk {
    Text(Vec<String>),
    Code(Vec<String>),
}

fn table_cells(line: &str) -> Vec<String> {
    let inner = line.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell).trim().to_string()),
            c => cell.push(c),
        }
    }
    cells.push(cell.trim().to_string());
    cells
}

fn is_separator(cells: &[String]) -> bool {
    cells.iter().all(|c| {
        let t = c.trim();
        !t.is_empty() && t.trim_matches(':').chars().all(|ch| ch == '-')
    })
}

/// A table's rows as aligned lines of a code block. Cells are cut at 300 characters, and a
/// run of three backticks cannot end the block early.
fn table_lines(rows: &[String]) -> Vec<String> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|l| table_cells(l))
        .filter(|cells| !is_separator(cells))
        .map(|cells| {
            cells
                .into_iter()
                .map(|c| {
                    let c = c.replace("```", "ˋˋˋ");
                    if c.chars().count() > 300 {
                        format!("{}…", c.chars().take(299).collect::<String>())
                    } else {
                        c
                    }
                })
                .collect()
        })
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
                .min(40)
        })
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                if i + 1 == r.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    let pad = widths[i].saturating_sub(cell.chars().count());
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// One markdown line as mrkdwn: headings and `**bold**` as `*bold*`, dashes as bullets.
fn text_line(line: &str) -> String {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let heading = trimmed.trim_start_matches('#');
    if heading.len() < trimmed.len() && heading.starts_with(' ') {
        let title = heading.trim().replace("**", "");
        return format!("*{}*", escape(&title));
    }
    let (bullet, rest) = match trimmed.strip_prefix("- ") {
        Some(rest) => ("• ", rest),
        None => ("", trimmed),
    };
    format!("{indent}{bullet}{}", escape(&rest.replace("**", "*")))
}

fn chunks(markdown: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut text: Vec<String> = Vec::new();
    let mut table: Vec<String> = Vec::new();
    let flush_text = |text: &mut Vec<String>, out: &mut Vec<Chunk>| {
        if !text.is_empty() {
            out.push(Chunk::Text(std::mem::take(text)));
        }
    };
    for line in markdown.lines() {
        if line.trim_start().starts_with('|') {
            flush_text(&mut text, &mut out);
            table.push(line.to_string());
            continue;
        }
        if !table.is_empty() {
            out.push(Chunk::Code(
                table_lines(&table).iter().map(|l| escape(l)).collect(),
            ));
            table.clear();
        }
        if line.trim().is_empty() {
            flush_text(&mut text, &mut out);
        } else {
            text.push(text_line(line));
        }
    }
    if !table.is_empty() {
        out.push(Chunk::Code(
            table_lines(&table).iter().map(|l| escape(l)).collect(),
        ));
    }
    flush_text(&mut text, &mut out);
    out
}

fn cut(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        line.to_string()
    } else {
        format!(
            "{}…",
            line.chars().take(max.saturating_sub(1)).collect::<String>()
        )
    }
}

/// Pieces of at most `max` characters each: text split at lines, code blocks re-fenced.
fn pieces(chunk: &Chunk, max: usize) -> Vec<String> {
    let (lines, fence) = match chunk {
        Chunk::Text(l) => (l, false),
        Chunk::Code(l) => (l, true),
    };
    let overhead = if fence { 8 } else { 0 };
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut len = 0;
    let close = |cur: &mut Vec<String>, out: &mut Vec<String>| {
        if cur.is_empty() {
            return;
        }
        let body = std::mem::take(cur).join("\n");
        out.push(if fence {
            format!("```\n{body}\n```")
        } else {
            body
        });
    };
    for line in lines {
        let line = cut(line, max - overhead);
        let n = line.chars().count() + 1;
        if len + n + overhead > max {
            close(&mut cur, &mut out);
            len = 0;
        }
        len += n;
        cur.push(line);
    }
    close(&mut cur, &mut out);
    out
}

/// The sections of a markdown note: each at most [`MAX_SECTION`] characters, together at most
/// `budget`; when the note is longer, the last section says what was cut.
pub fn sections(markdown: &str, max_sections: usize, budget: usize) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    let mut cur = String::new();
    for chunk in chunks(markdown) {
        for piece in pieces(&chunk, MAX_SECTION) {
            if !cur.is_empty() && cur.chars().count() + 2 + piece.chars().count() > MAX_SECTION {
                all.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push_str("\n\n");
            }
            cur.push_str(&piece);
        }
    }
    if !cur.is_empty() {
        all.push(cur);
    }
    let total = all.len();
    let size: usize = all.iter().map(|s| s.chars().count()).sum();
    let max_sections = max_sections.max(1);
    if total <= max_sections && size <= budget {
        return all;
    }
    // Keep what fits with room for the notice of the cut.
    let mut kept = Vec::new();
    let mut used = 0;
    for s in all {
        let n = s.chars().count();
        if kept.len() + 1 >= max_sections || used + n + 300 > budget {
            break;
        }
        used += n;
        kept.push(s);
    }
    kept.push(format!(
        "_… cut here: the note is longer than one Slack message ({} of its {total} parts shown). The whole of it: `cleanops diagnose --markdown` or `cleanops timeline --markdown`._",
        kept.len()
    ));
    kept
}

fn section(text: String) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

/// A whole message: `fallback` as `text` (what a notification shows), the note as sections,
/// the engineer's note, and a context line saying who sent it.
pub fn message(fallback: &str, markdown: &str, note: Option<&str>, footer: &str) -> Value {
    let mut blocks: Vec<Value> = Vec::new();
    let note_block = note.map(|n| section(cut(&format!("*Note:* {}", escape(n)), MAX_SECTION)));
    // Room for the note and the context line.
    let reserved = 1 + usize::from(note_block.is_some());
    let budget = MAX_TOTAL.saturating_sub(fallback.chars().count().min(MAX_FALLBACK) + 3500);
    for s in sections(markdown, MAX_BLOCKS - reserved, budget) {
        blocks.push(section(s));
    }
    blocks.extend(note_block);
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut(&escape(footer), 300)}],
    }));
    json!({"text": cut(&escape(fallback), MAX_FALLBACK), "blocks": blocks})
}

/// A short message (an acknowledgement, a resolve): one section and the context line.
pub fn short(text: &str, note: Option<&str>, footer: &str) -> Value {
    let mut blocks = vec![section(cut(&escape(text), MAX_SECTION))];
    if let Some(n) = note {
        blocks.push(section(cut(&format!("*Note:* {}", escape(n)), MAX_SECTION)));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut(&escape(footer), 300)}],
    }));
    json!({"text": cut(&escape(text), MAX_FALLBACK), "blocks": blocks})
}

/// Read Slack's answer (after retries): `200 ok` is posted; every other answer is said in
/// plain words. The webhook is refused (exit 4) when Slack says the webhook, its channel or its
/// workspace is gone or not allowed; the message is refused (exit 5) when Slack could not read
/// it. `secrets` are scrubbed from what Slack says.
pub fn interpret(status: u16, body: &[u8], to: &str, secrets: &[String]) -> Result<(), Failure> {
    let raw = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let said = scrub(raw.trim(), secrets);
    if status == 200 && said == "ok" {
        return Ok(());
    }
    let code: String = said
        .chars()
        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
        .collect();
    let shown = crate::render::shown(&said).into_owned();
    let (exit, sentence, hint): (Exit, String, &str) = match (status, code.as_str()) {
        (200, _) => (
            Exit::Unexpected,
            format!(
                "Slack answered 200 for {to} without the documented \"ok\" ({shown}): the message may not have been posted"
            ),
            "look in the channel; posting again may post it twice",
        ),
        (_, "no_service" | "no_service_id") => (
            Exit::Auth,
            format!(
                "Slack refused the webhook of {to} ({code}, HTTP {status}): the webhook was disabled, removed, or is mistyped"
            ),
            "create a new incoming webhook for the channel and put its URL in the file (first line)",
        ),
        (_, "no_team" | "team_disabled" | "invalid_token") => (
            Exit::Auth,
            format!(
                "Slack refused the webhook of {to} ({code}, HTTP {status}): its workspace or token is no longer valid"
            ),
            "create a new incoming webhook and put its URL in the file",
        ),
        (_, "channel_not_found") => (
            Exit::Auth,
            format!(
                "Slack refused the webhook of {to} ({code}, HTTP {status}): its channel no longer exists"
            ),
            "create a webhook for the channel in use now",
        ),
        (_, "channel_is_archived") => (
            Exit::Auth,
            format!(
                "Slack refused the webhook of {to} ({code}, HTTP {status}): its channel was archived"
            ),
            "unarchive the channel, or create a webhook for the one in use now",
        ),
        (_, "action_prohibited" | "posting_to_general_channel_denied" | "user_not_found") => (
            Exit::Auth,
            format!(
                "Slack refused the webhook of {to} ({code}, HTTP {status}): the workspace does not let this webhook post there"
            ),
            "ask a workspace admin, or use another channel's webhook",
        ),
        (
            _,
            "invalid_payload"
            | "no_text"
            | "missing_text_or_fallback_or_attachments"
            | "invalid_blocks"
            | "invalid_blocks_format"
            | "too_many_attachments",
        ) => (
            Exit::Unexpected,
            format!(
                "Slack could not read the message cleanops sent to {to} ({code}, HTTP {status})"
            ),
            "`--dry-run` shows the message; this is a defect of cleanops, please report it",
        ),
        (429, _) => (
            Exit::Unreachable,
            format!(
                "Slack rate-limited the message to {to} (HTTP 429) and the retries did not get through"
            ),
            "Slack allows about one message a second per webhook; try again in a minute",
        ),
        (300..=399, _) => (
            Exit::Unexpected,
            format!(
                "the Slack webhook of {to} answered with a redirect (HTTP {status}), which cleanops does not follow"
            ),
            "the file must hold the incoming-webhook URL itself (https://hooks.slack.com/services/...)",
        ),
        (500..=599, _) => (
            Exit::Unexpected,
            format!(
                "Slack failed the message to {to} (HTTP {status}: {shown}): it may or may not have been posted, so it was not sent again"
            ),
            "look in the channel before posting again",
        ),
        _ => (
            Exit::Unexpected,
            format!("Slack did not take the message to {to} (HTTP {status}): {shown}"),
            "the file must hold the incoming-webhook URL itself (https://hooks.slack.com/services/...)",
        ),
    };
    let mut f = Failure::new(exit, sentence).hint(hint);
    f.kind = crate::error::Kind::Status(status);
    Err(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "### cleanops diagnose — 2026-04-05 20:30:00 UTC\n\n- API: `https://api.example`\n- result: **The jobs container is not running** <!channel>\n\n| | check | finding |\n| --- | --- | --- |\n| ✓ | api | answers in 12 ms |\n| ✗ | heartbeat | stale: 21m old \\| threshold 3m ``` |\n\n**Likely causes**\n\n1. The jobs container is not running\n   - jobs container x: exited 137\n   - next: `cleanops restart jobs --wait-heartbeat`\n";

    #[test]
    fn markdown_becomes_slack_text_with_tables_as_code() {
        let m = message(
            "fallback & more",
            NOTE,
            Some("on it <@U123>"),
            "sent by ops@host",
        );
        let blocks = m["blocks"].as_array().unwrap();
        let text: Vec<&str> = blocks
            .iter()
            .filter_map(|b| b["text"]["text"].as_str())
            .collect();
        let all = text.join("\n");
        assert!(
            all.starts_with("*cleanops diagnose — 2026-04-05 20:30:00 UTC*"),
            "{all}"
        );
        assert!(all.contains("• API: `https://api.example`"), "{all}");
        assert!(all.contains("• result: *The jobs container is not running* &lt;!channel&gt;"));
        assert!(all.contains("```\n   check      finding\n✓  api        answers in 12 ms\n✗  heartbeat  stale: 21m old | threshold 3m ˋˋˋ\n```"), "{all}");
        assert!(all.contains("*Likely causes*"));
        assert!(all.contains("   • next: `cleanops restart jobs --wait-heartbeat`"));
        assert!(all.contains("*Note:* on it &lt;@U123&gt;"));
        assert_eq!(m["text"], "fallback &amp; more");
        assert_eq!(blocks.last().unwrap()["type"], "context");
        assert!(!m.to_string().contains("<!channel>"));
    }

    #[test]
    fn long_notes_stay_within_slack_limits() {
        let mut md = String::from("| a | b |\n| --- | --- |\n");
        for i in 0..5000 {
            md.push_str(&format!("| {i} | {} |\n", "x".repeat(i % 500)));
        }
        md.push_str("\nlast line\n");
        md.push_str(&"y".repeat(10_000));
        let m = message(&"f".repeat(10_000), &md, Some(&"n".repeat(5000)), "footer");
        let blocks = m["blocks"].as_array().unwrap();
        assert!(blocks.len() <= MAX_BLOCKS, "{}", blocks.len());
        let mut total = m["text"].as_str().unwrap().chars().count();
        assert!(total <= 3000);
        for b in blocks {
            let t = b["text"]["text"]
                .as_str()
                .or(b["elements"][0]["text"].as_str())
                .unwrap();
            assert!(t.chars().count() <= 3000, "{}", t.chars().count());
            total += t.chars().count();
            if t.starts_with("```") {
                assert!(t.ends_with("```"), "a split code block is re-fenced");
            }
        }
        assert!(total <= 40_000, "{total}");
        let all = m.to_string();
        assert!(all.contains("cut here"), "a cut is said");
    }

    #[test]
    fn answers_are_said_in_plain_words() {
        assert!(interpret(200, b"ok", "x", &[]).is_ok());
        assert!(interpret(200, b"ok\n", "x", &[]).is_ok());
        let f = interpret(404, b"no_service", "the incident channel", &[]).unwrap_err();
        assert_eq!(f.exit, Exit::Auth);
        assert!(f.message.contains("no_service") && f.message.contains("disabled, removed"));
        let f = interpret(400, b"invalid_payload", "x", &[]).unwrap_err();
        assert_eq!(f.exit, Exit::Unexpected);
        assert!(f.message.contains("could not read the message"));
        assert_eq!(
            interpret(410, b"channel_is_archived", "x", &[])
                .unwrap_err()
                .exit,
            Exit::Auth
        );
        assert_eq!(
            interpret(403, b"action_prohibited", "x", &[])
                .unwrap_err()
                .exit,
            Exit::Auth
        );
        assert_eq!(
            interpret(429, b"rate_limited", "x", &[]).unwrap_err().exit,
            Exit::Unreachable
        );
        assert_eq!(
            interpret(200, b"nope", "x", &[]).unwrap_err().exit,
            Exit::Unexpected
        );
        let f = interpret(
            500,
            b"rollup_error for T0/B0/sekretsekret",
            "x",
            &["sekretsekret".into()],
        )
        .unwrap_err();
        assert!(!f.message.contains("sekretsekret"), "{}", f.message);
        let f = interpret(400, "\u{1b}[2Jboom".as_bytes(), "x", &[]).unwrap_err();
        assert!(!f.message.contains('\u{1b}'));
    }
}
