//! `cleanops logs [SERVICE...]`: the services' logs, merged in time order, filtered, followed
//! across restarts and re-creations of their containers. What the lines say (records, levels,
//! tracebacks) is read and shown by `crate::logs`; this file gathers and prints.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::StreamExt;
use regex::{Regex, RegexBuilder};
use serde_json::json;
use time::OffsetDateTime;

use super::Ctx;
use crate::cli::LogsArgs;
use crate::clock;
use crate::docker::Engine;
use crate::docker::compose::{self, Container};
use crate::docker::logs::{LineStream, LogQuery, container_lines};
use crate::error::{Exit, Failure};
use crate::logs::show::{Style, json_entry, write_text};
use crate::logs::stream::{EntryStream, entries};
use crate::logs::{Entry, Level, Reading};

const DEFAULT_TAIL: u64 = 500;
/// How long `-f` keeps trying when the engine stops answering.
const ENGINE_GONE_LIMIT: Duration = Duration::from_secs(30);
/// How often `-f` looks for a restarted or re-created container.
const FOLLOW_POLL: Duration = Duration::from_millis(500);
/// How long `-f` waits for more of a traceback before it shows what it has.
const TRACEBACK_HOLD: Duration = Duration::from_millis(300);

/// A point in time from a flag: RFC 3339, or a duration ago (`15m`).
pub fn parse_when(s: &str, now: OffsetDateTime) -> Result<i64> {
    if let Ok(t) = clock::parse_rfc3339(s) {
        return Ok(t.unix_timestamp());
    }
    match clock::parse_duration(s) {
        Ok(d) => now
            .checked_sub(time::Duration::try_from(d).unwrap_or(time::Duration::MAX))
            .map(|t| t.unix_timestamp())
            .ok_or_else(|| Failure::usage(format!("{s:?} reaches too far back")).into()),
        Err(_) => Err(Failure::usage(format!(
            "{s:?} is neither an RFC 3339 time (2026-04-05T20:00:00Z) nor a duration ago (15m, 2h)"
        ))
        .into()),
    }
}

/// Case-insensitive patterns, any of which selects a line.
pub fn build_filter(patterns: &[String]) -> Result<Option<Regex>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let joined = patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    RegexBuilder::new(&joined)
        .case_insensitive(true)
        .size_limit(8 << 20)
        .build()
        .map(Some)
        .map_err(|e| Failure::usage(format!("--grep: {e}")).into())
}

/// Where entries go: text or JSON, buffered, flushed per entry when following.
struct Printer {
    out: std::io::BufWriter<std::io::Stdout>,
    json: bool,
    follow: bool,
    style: Style,
    prefix_width: usize,
    /// `--grep`: matched against each line as stored.
    filter: Option<Regex>,
    /// `--level`: entries below it go (entries without a level stay).
    level: Option<Level>,
    first_json: bool,
    printed: u64,
}

impl Printer {
    fn entry(&mut self, service: &str, entry: &Entry) -> std::io::Result<()> {
        if let (Some(min), Some(level)) = (self.level, entry.level())
            && level < min
        {
            return Ok(());
        }
        if let Some(f) = &self.filter {
            let hit = match entry {
                Entry::Line(line, _) => f.is_match(&line.text),
                // Not summarized under --grep; kept if its exception matches.
                Entry::Traceback(t) => t.exception.as_deref().is_some_and(|e| f.is_match(e)),
            };
            if !hit {
                return Ok(());
            }
        }
        self.printed += 1;
        if self.json {
            let doc = json_entry(service, entry);
            if self.follow {
                writeln!(self.out, "{doc}")?;
            } else {
                let sep = if self.first_json { "" } else { "," };
                self.first_json = false;
                write!(self.out, "{sep}\n    {doc}")?;
            }
        } else {
            let prefix = if self.prefix_width > 0 {
                format!("{service:<w$} | ", w = self.prefix_width)
            } else {
                String::new()
            };
            write_text(&mut self.out, &prefix, entry, &self.style)?;
        }
        if self.follow {
            self.out.flush()?;
        }
        Ok(())
    }

    fn marker(&mut self, prefix: &str, text: &str) -> std::io::Result<()> {
        if self.json {
            if self.follow {
                writeln!(self.out, "{}", json!({"service": prefix, "event": text}))?;
            }
        } else {
            // The marker names containers as the engine does: escaped like any outside string.
            writeln!(self.out, "── {prefix}: {} ──", crate::render::shown(text))?;
        }
        self.out.flush()
    }
}

/// A broken pipe (`| head`) ends the run quietly (the error goes up to the one exit, which
/// makes it 0); other write errors are errors.
fn written(r: std::io::Result<()>) -> Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            crate::render::the_reader_went_away();
            Err(crate::error::ReaderGone.into())
        }
        Err(e) => Err(anyhow::anyhow!("cannot write the logs: {e}")),
        Ok(()) => Ok(()),
    }
}

fn label(service: &str, c: &Container, replicas: usize) -> String {
    if replicas > 1 {
        format!("{service}-{}", c.number.unwrap_or(0))
    } else {
        service.to_string()
    }
}

pub async fn run(ctx: &Ctx, args: &LogsArgs) -> Result<Exit> {
    let now = clock::now()?;
    let query = LogQuery {
        // With --since, everything since; otherwise the last 500 lines unless told.
        tail: args.tail.or(if args.since.is_some() {
            None
        } else {
            Some(DEFAULT_TAIL)
        }),
        since: args
            .since
            .as_deref()
            .map(|s| parse_when(s, now))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| parse_when(s, now))
            .transpose()?,
        follow: args.follow,
    };
    let filter = build_filter(&args.grep)?;
    let services: Vec<String> = if args.services.is_empty() {
        vec!["jobs".into()]
    } else {
        args.services.clone()
    };
    let engine = ctx.engine().await?;
    let project = ctx.settings.project_name.value.clone();
    let mut found = Vec::new();
    for s in &services {
        found.push((
            s.clone(),
            compose::require_service(&engine, &project, s).await?,
        ));
    }
    let labels: Vec<String> = found
        .iter()
        .flat_map(|(s, cs)| cs.iter().map(|c| label(s, c, cs.len())))
        .collect();
    let multi = labels.len() > 1;
    let json = ctx.ui.json;
    let reading = Reading {
        // --raw prints lines as stored; it reads them only to go by --level.
        classify: json || !args.raw || args.level.is_some(),
        // Matching lines are shown one by one: a --grep hit inside a traceback is not hidden.
        summarize: !json && !args.raw && !args.full && args.grep.is_empty(),
    };
    let mut printer = Printer {
        out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
        json,
        follow: args.follow,
        style: Style {
            timestamps: args.timestamps,
            full: args.full,
            raw: args.raw,
            // A log line is the container's output, and ESC, CR or backspace in it would drive
            // the terminal: escaped on a terminal, unless --raw.
            escape: ctx.ui.tty && !args.raw,
            color: ctx.ui.color,
        },
        prefix_width: if multi {
            labels.iter().map(String::len).max().unwrap_or(0)
        } else {
            0
        },
        filter,
        level: args.level,
        first_json: true,
        printed: 0,
    };
    if printer.json && !printer.follow {
        written(write!(
            printer.out,
            "{{\n  \"project\": {},\n  \"lines\": [",
            json!(project)
        ))?;
    }
    if args.follow {
        follow(&engine, &project, found, &query, reading, &mut printer).await?;
    } else {
        let mut streams: Vec<(String, EntryStream)> = found
            .iter()
            .flat_map(|(s, cs)| {
                cs.iter()
                    .map(|c| {
                        let lines = container_lines(&engine, &c.id, &query);
                        (label(s, c, cs.len()), entries(lines, reading, None))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        merge_in_time_order(&mut streams, &mut printer).await?;
    }
    if printer.json && !printer.follow {
        written(write!(
            printer.out,
            "\n  ],\n  \"printed\": {}\n}}\n",
            printer.printed
        ))?;
    }
    written(printer.out.flush())?;
    Ok(Exit::Ok)
}

/// A k-way merge: one entry of look-ahead per stream, so memory stays constant whatever the
/// number of lines. Each stream is already in time order.
async fn merge_in_time_order(
    streams: &mut [(String, EntryStream)],
    printer: &mut Printer,
) -> Result<()> {
    let mut heads: Vec<Option<Entry>> = Vec::with_capacity(streams.len());
    for (_, s) in streams.iter_mut() {
        heads.push(s.next().await.transpose()?);
    }
    loop {
        let next = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|e| (i, e.ts())))
            .min_by_key(|(_, ts)| *ts)
            .map(|(i, _)| i);
        let Some(i) = next else { break };
        if let Some(entry) = heads[i].take() {
            written(printer.entry(&streams[i].0, &entry))?;
        }
        heads[i] = streams[i].1.next().await.transpose()?;
    }
    Ok(())
}

/// What a follower tells the printer.
enum Event {
    Entry(String, Entry),
    Marker(String, String),
}

/// Follow every container of the services; when one stops, keep watching the service and
/// resume (same container restarted, or a new one after a re-creation) from the last line
/// printed, never printing a line twice.
async fn follow(
    engine: &Engine,
    project: &str,
    found: Vec<(String, Vec<Container>)>,
    query: &LogQuery,
    reading: Reading,
    printer: &mut Printer,
) -> Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Event>(1024);
    let (err_tx, mut err_rx) = tokio::sync::mpsc::channel::<anyhow::Error>(1);
    let multi = printer.prefix_width > 0;
    for (service, containers) in found {
        let replicas = containers.len();
        tokio::spawn(watch_service(
            engine.clone(),
            project.to_string(),
            service,
            containers,
            query.clone(),
            reading,
            tx.clone(),
            err_tx.clone(),
            multi || replicas > 1,
        ));
    }
    drop(tx);
    loop {
        tokio::select! {
            // An error first: when a watcher gives up, its line channel closes at the same time.
            biased;
            Some(e) = err_rx.recv() => return Err(e),
            event = rx.recv() => match event {
                Some(Event::Entry(prefix, entry)) => written(printer.entry(&prefix, &entry))?,
                Some(Event::Marker(prefix, text)) => written(printer.marker(&prefix, &text))?,
                None => return Ok(()),
            },
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn watch_service(
    engine: Engine,
    project: String,
    service: String,
    initial: Vec<Container>,
    query: LogQuery,
    reading: Reading,
    tx: tokio::sync::mpsc::Sender<Event>,
    err_tx: tokio::sync::mpsc::Sender<anyhow::Error>,
    prefixed: bool,
) {
    // Per replica number: the container followed, the last line's time, and whether its
    // stream is still open.
    let last_ts: Arc<Mutex<HashMap<u32, OffsetDateTime>>> = Arc::default();
    let mut ids: HashMap<u32, String> = HashMap::new();
    let mut open: HashMap<u32, tokio::task::JoinHandle<()>> = HashMap::new();
    let mut containers = initial;
    let mut first_round = true;
    let mut unreachable_since: Option<Instant> = None;
    loop {
        let replicas = containers.len().max(1);
        for c in &containers {
            let n = c.number.unwrap_or(0);
            let prefix = if prefixed {
                label(&service, c, replicas)
            } else {
                service.clone()
            };
            let still_open = open.get(&n).is_some_and(|h| !h.is_finished());
            let same = ids.get(&n) == Some(&c.id);
            if still_open && same {
                continue;
            }
            if !first_round && !c.running && same {
                continue; // stopped; wait for it to come back
            }
            if !first_round {
                let text = match ids.get(&n) {
                    Some(old) if *old != c.id => format!(
                        "container re-created: {} → {} ({})",
                        old.chars().take(12).collect::<String>(),
                        c.short_id,
                        c.name
                    ),
                    _ => format!("container {} restarted", c.name),
                };
                if !c.running {
                    // A new container that is not running yet: note it once it runs.
                    continue;
                }
                if tx.send(Event::Marker(prefix.clone(), text)).await.is_err() {
                    return;
                }
            }
            if let Some(h) = open.remove(&n) {
                h.abort();
            }
            ids.insert(n, c.id.clone());
            let resume_from = last_ts.lock().ok().and_then(|m| m.get(&n).copied());
            let mut q = query.clone();
            if let Some(ts) = resume_from {
                q.tail = None;
                q.since = Some(ts.unix_timestamp());
            }
            // A stopped container has nothing to follow: print its tail and wait for it.
            q.follow = c.running;
            let lines = container_lines(&engine, &c.id, &q);
            let seen = last_ts.clone();
            // Seconds resolution of `since` can repeat lines already printed: skip them, and
            // note each new line's time, before the lines are read into entries.
            let lines: LineStream = Box::pin(lines.filter(move |item| {
                let fresh = match item {
                    Ok(line) => {
                        let repeat =
                            matches!((line.ts, resume_from), (Some(ts), Some(prev)) if ts <= prev);
                        if !repeat && let (Some(ts), Ok(mut m)) = (line.ts, seen.lock()) {
                            m.insert(n, ts);
                        }
                        !repeat
                    }
                    Err(_) => true,
                };
                std::future::ready(fresh)
            }));
            let mut items = entries(lines, reading, Some(TRACEBACK_HOLD));
            let tx = tx.clone();
            open.insert(
                n,
                tokio::spawn(async move {
                    while let Some(item) = items.next().await {
                        let Ok(entry) = item else { break };
                        if tx.send(Event::Entry(prefix.clone(), entry)).await.is_err() {
                            return;
                        }
                    }
                }),
            );
        }
        first_round = false;
        // Act only on a fresh list: while the engine is gone, the last one is stale (its
        // containers still read as running) and would raise false "restarted" markers.
        loop {
            tokio::time::sleep(FOLLOW_POLL).await;
            match compose::service_containers(&engine, &project, &service).await {
                Ok(found) if found.is_empty() => unreachable_since = None,
                Ok(found) => {
                    unreachable_since = None;
                    containers = found;
                    break;
                }
                Err(e) => {
                    let since = *unreachable_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > ENGINE_GONE_LIMIT {
                        let _ = err_tx
                            .send(e.context(format!(
                                "following the logs of {service}: the engine stopped answering for {}",
                                clock::human(ENGINE_GONE_LIMIT.as_secs_f64())
                            )))
                            .await;
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_from_flags() {
        let now = clock::parse_rfc3339("2026-04-05T20:30:00Z").unwrap();
        assert_eq!(parse_when("15m", now).unwrap(), now.unix_timestamp() - 900);
        assert_eq!(
            parse_when("2026-04-05T20:00:00Z", now).unwrap(),
            now.unix_timestamp() - 1800
        );
        assert!(parse_when("yesterday", now).is_err());
    }

    #[test]
    fn filters_are_case_insensitive_and_any_of() {
        let f = build_filter(&["job".into(), "HEART".into()])
            .unwrap()
            .unwrap();
        assert!(f.is_match("INFO:app.jobs.run:JOB_complete"));
        assert!(f.is_match("heartbeat"));
        assert!(!f.is_match("httpx"));
        assert!(build_filter(&["(".into()]).is_err());
        assert!(build_filter(&[]).unwrap().is_none());
    }
}
