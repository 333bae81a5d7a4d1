//! Output: human tables and marks, JSON documents, and the rules about terminals and colour.

use std::io::{IsTerminal, Write};
use std::path::Path;

use colored::Colorize;

pub mod glyphs;
mod table;
use serde::Serialize;
pub use table::{Fit, Table};
use time::OffsetDateTime;

use crate::clock;

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How this invocation prints, decided once and passed around.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    pub json: bool,
    pub color: bool,
    /// stdout is a terminal (or [`COLUMNS_VAR`] says to print as for one): relative times,
    /// and human output fitted to [`Ui::columns`].
    pub tty: bool,
    /// The terminal's width, when `tty`.
    pub columns: usize,
    /// stderr is a terminal: progress bars and spinners may be drawn.
    pub stderr_tty: bool,
}

/// Print as for a terminal this many columns wide, whatever stdout is: for tests (the snapshots
/// of the human output) and for a preview of the terminal layout in a pipe. Colour still
/// follows `--color` and stdout itself.
pub const COLUMNS_VAR: &str = "CLEANOPS_COLUMNS";

/// The narrowest layout cleanops fits to; a narrower terminal wraps what does not fit.
const MIN_COLUMNS: usize = 40;

/// The width assumed for a terminal that reports none.
const DEFAULT_COLUMNS: usize = 80;

/// Whether stdout is a terminal, and its width: [`COLUMNS_VAR`] first; then the size the
/// terminal reports; then `COLUMNS` (a pty without a size reports 0, and fitting to that
/// would stack letters vertically); then 80.
fn terminal() -> (bool, usize) {
    let number = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
    };
    if let Some(n) = number(COLUMNS_VAR) {
        return (true, n.max(MIN_COLUMNS));
    }
    if !std::io::stdout().is_terminal() {
        return (false, DEFAULT_COLUMNS);
    }
    let reported = comfy_table::Table::new().width().map(usize::from);
    let columns = reported
        .filter(|&w| w > 0)
        .or_else(|| number("COLUMNS"))
        .unwrap_or(DEFAULT_COLUMNS)
        .max(MIN_COLUMNS);
    (true, columns)
}

impl Ui {
    pub fn new(json: bool, color: ColorChoice) -> Ui {
        let (tty, columns) = terminal();
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let color = !json
            && match color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    if env("NO_COLOR").is_some() {
                        false
                    } else if env("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                        true
                    } else if env("CLICOLOR").is_some_and(|v| v == "0") {
                        false
                    } else {
                        std::io::stdout().is_terminal()
                    }
                }
            };
        // `colored` keeps its switch in a global; set it from this one decision.
        colored::control::set_override(color);
        Ui {
            json,
            color,
            tty,
            columns,
            stderr_tty: std::io::stderr().is_terminal() && !json,
        }
    }

    /// A plain UI for in-process use (the demo renders into its own terminal).
    pub fn plain() -> Ui {
        Ui {
            json: false,
            color: false,
            tty: false,
            columns: DEFAULT_COLUMNS,
            stderr_tty: false,
        }
    }

    /// A table with these columns: fitted to the terminal, or one tab-separated record a line
    /// off a terminal ([`table::Table`]).
    pub fn table(&self, columns: &[(&str, Fit)]) -> Table {
        Table::new(self.tty.then_some(self.columns), columns)
    }

    /// A line of free text (a cause, a piece of evidence, a note), shortened with "…" to the
    /// terminal's width; whole off a terminal. The whole text is in `--json` and `--markdown`.
    pub fn fit(&self, line: &str) -> String {
        if self.tty {
            shorten(line, self.columns).into_owned()
        } else {
            line.to_string()
        }
    }

    /// The exact next command ([`next_command`]), fitted like [`Ui::fit_command`].
    pub fn next_command(&self, cmd: &str) -> String {
        self.fit_command(&next_command(cmd))
    }

    /// One of cleanops' own sentences (guidance, not data), wrapped at spaces to the terminal's
    /// width, each line after `indent`; one line off a terminal. A word longer than the line
    /// (a path, a command) is never broken.
    pub fn wrap(&self, indent: &str, text: &str) -> String {
        let room = self
            .columns
            .saturating_sub(console::measure_text_width(indent))
            .max(MIN_COLUMNS / 2);
        if !self.tty || console::measure_text_width(text) <= room {
            return format!("{indent}{text}");
        }
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split(' ') {
            let wide = console::measure_text_width(&line);
            if !line.is_empty() && wide + 1 + console::measure_text_width(word) > room {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
        lines
            .iter()
            .map(|l| format!("{indent}{l}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A line that holds a command, maybe with a comment after `   # `: the command is never
    /// shortened (it is what the user copies); the comment is, or dropped when no words of
    /// it would fit.
    pub fn fit_command(&self, line: &str) -> String {
        if !self.tty || console::measure_text_width(line) <= self.columns {
            return line.to_string();
        }
        let Some(at) = line.find(COMMENT) else {
            return line.to_string();
        };
        let (command, comment) = line.split_at(at);
        let room = self
            .columns
            .saturating_sub(console::measure_text_width(command));
        if room < COMMENT.len() + MIN_COMMENT {
            // A colour opened before the comment is closed by the reset the comment carried.
            let reset = if comment.contains('\u{1b}') {
                "\u{1b}[0m"
            } else {
                ""
            };
            return format!("{command}{reset}");
        }
        format!("{command}{}", shorten(comment, room))
    }

    /// A time as a person at a terminal reads it ("4m12s ago"), RFC 3339 otherwise.
    pub fn when(&self, t: OffsetDateTime, now: OffsetDateTime) -> String {
        if self.tty {
            let secs = (now - t).as_seconds_f64();
            if secs >= 0.0 {
                format!("{} ago", clock::human(secs))
            } else {
                format!("in {} (future)", clock::human(-secs))
            }
        } else {
            clock::rfc3339(t)
        }
    }
}

/// The status marks of the whole tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Ok,
    Warning,
    Failed,
    /// Not checked: what the rule needs could not be asked (the reason is in the reading).
    Skipped,
}

impl Mark {
    /// Its glyph and colours, from the one table ([`glyphs`]).
    pub fn glyph(self) -> glyphs::Glyph {
        match self {
            Mark::Ok => glyphs::OK,
            Mark::Warning => glyphs::WARNING,
            Mark::Failed => glyphs::FAILED,
            Mark::Skipped => glyphs::SKIPPED,
        }
    }

    pub fn symbol(self) -> String {
        self.glyph().symbol()
    }

    pub fn paint(self, text: &str) -> String {
        self.glyph().paint(text)
    }
}

/// Where a printed command's comment starts (`cleanops restart db   # start the database`).
const COMMENT: &str = "   # ";

/// The fewest characters of a comment worth showing shortened.
const MIN_COMMENT: usize = 8;

/// `text` cut to `max` columns with "…" (colour codes kept and not counted).
pub fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    console::truncate_str(text, max, "…")
}

/// The exact next command, as every finding that needs action ends.
pub fn next_command(cmd: &str) -> String {
    format!("  → {}", cmd.bold())
}

/// Write to stdout. When its reader has gone (`cleanops ... | head`), nothing more is written
/// and the run ends quietly with 0 at the top ([`reader_gone`]), as it does for every
/// well-behaved Unix tool; any other failure to write ends it with 7 ([`output_failure`]).
pub fn out(text: &str) {
    if reader_gone() {
        return;
    }
    if STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        // Rust's stdout swallows writes to a closed descriptor; and the number may since have
        // been reused by a socket, so write nothing at all.
        output_failed("stdout is closed: nothing could be printed".into());
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let result = stdout
        .write_all(text.as_bytes())
        .and_then(|_| {
            if !text.ends_with('\n') {
                stdout.write_all(b"\n")?;
            }
            Ok(())
        })
        .and_then(|_| stdout.flush());
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => the_reader_went_away(),
        Err(e) => output_failed(format!("cannot write to stdout: {e}")),
        Ok(()) => {}
    }
}

/// stdout's reader closed the pipe.
static READER_GONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Note that stdout's reader has gone: what is left to print goes nowhere, and loops that
/// print (a watch, a log follow) stop at their next line.
pub fn the_reader_went_away() {
    READER_GONE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether stdout's reader has gone (a broken pipe): the run then ends with 0, its output
/// having been all the reader wanted.
pub fn reader_gone() -> bool {
    READER_GONE.load(std::sync::atomic::Ordering::Relaxed)
}

static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Look whether stdout was closed when cleanops started (`cleanops status >&-`). Rust's runtime
/// puts /dev/null, opened read-write, on a closed standard descriptor before `main`, so every
/// write would "succeed"; that read-write /dev/null is how the closed stdout is recognised
/// (a shell's `> /dev/null` opens it write-only). Linux only; elsewhere nothing is flagged.
pub fn check_stdout_open() {
    let on_null = std::fs::read_link("/proc/self/fd/1").is_ok_and(|p| p == Path::new("/dev/null"));
    let read_write = std::fs::read_to_string("/proc/self/fdinfo/1").is_ok_and(|info| {
        info.lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            .is_some_and(|flags| flags & 0o3 == 0o2)
    });
    STDOUT_CLOSED.store(on_null && read_write, std::sync::atomic::Ordering::Relaxed);
}

/// The first output failure of this run (a full disk, a closed stdout, JSON that would not
/// encode): the run then ends with exit 7 however its command ended, never a silent 0.
static OUTPUT_FAILURE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn output_failed(why: String) {
    let _ = OUTPUT_FAILURE.set(why);
}

/// What went wrong with the output, if anything (read once, at the top, before exiting).
pub fn output_failure() -> Option<&'static str> {
    OUTPUT_FAILURE.get().map(String::as_str)
}

/// One JSON document on stdout.
pub fn json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => out(&s),
        Err(e) => output_failed(format!("cannot encode the JSON output: {e}")),
    }
}

/// A warning on stderr, never on stdout (so `--json` stays clean).
pub fn warn(text: &str) {
    eprintln!("{} {text}", "warning:".yellow().bold());
}

/// A note on stderr.
pub fn note(text: &str) {
    eprintln!("{} {text}", "note:".cyan());
}

/// The most characters of one outside string (an event id, an error, a reason) shown to a person.
pub const MAX_SHOWN: usize = 200;

/// A string that came from outside (the app, the engine, a file) made safe to print for a
/// person: control characters (ESC, CR, backspace, newlines, C1) and bidirectional overrides are
/// shown escaped (`\u{1b}`), so no server can clear the screen, forge a line or retitle the
/// window, and it is cut at [`MAX_SHOWN`] characters with "…". JSON output keeps exact values.
pub fn shown(s: &str) -> std::borrow::Cow<'_, str> {
    shown_max(s, MAX_SHOWN)
}

/// [`shown`] with its own length bound.
pub fn shown_max(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || is_bidi_control(c);
    if s.chars().count() <= max && !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Unicode's bidirectional embedding, override and isolate controls: they reorder what follows
/// on the screen ("Trojan source"), so they are shown escaped like control characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_strings_cannot_drive_the_terminal() {
        assert_eq!(shown("plain-id_42"), "plain-id_42");
        let forged = shown("a\n\u{1b}[2J\r✓ replayed 40 of 40\u{8}\u{9b}31m\u{202e}x");
        assert!(!forged.chars().any(|c| c.is_control() || is_bidi_control(c)));
        assert!(
            forged.contains("\\u{a}") && forged.contains("\\u{1b}"),
            "{forged}"
        );
        let huge = "x".repeat(200_000);
        let long = shown(&huge);
        assert_eq!(long.chars().count(), MAX_SHOWN + 1);
        assert!(long.ends_with('…'));
    }
}
