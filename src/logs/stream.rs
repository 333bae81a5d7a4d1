//! A container's log stream as entries, as the lines arrive. A traceback being summarized is
//! shown once it ends: at the next line of its stream, at the end of the log or, when
//! following, once the stream has been quiet for `hold` (Python writes a traceback at once;
//! a follow must not sit on one).

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;

use anyhow::Result;
use futures_util::{Stream, StreamExt};

use super::group::{Entry, Grouper, Reading};
use crate::docker::logs::LineStream;

pub type EntryStream = Pin<Box<dyn Stream<Item = Result<Entry>> + Send>>;

struct State {
    lines: LineStream,
    grouper: Grouper,
    ready: VecDeque<Entry>,
    hold: Option<Duration>,
    /// The error that ended the lines, handed on after what was held.
    error: Option<anyhow::Error>,
    done: bool,
}

/// The entries of `lines`, in their order (a traceback at its first line's place).
pub fn entries(lines: LineStream, reading: Reading, hold: Option<Duration>) -> EntryStream {
    let state = State {
        lines,
        grouper: Grouper::new(reading),
        ready: VecDeque::new(),
        hold,
        error: None,
        done: false,
    };
    Box::pin(futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(e) = st.ready.pop_front() {
                return Some((Ok(e), st));
            }
            if let Some(e) = st.error.take() {
                return Some((Err(e), st));
            }
            if st.done {
                return None;
            }
            let next = match st.hold {
                Some(hold) if st.grouper.holding() => {
                    match tokio::time::timeout(hold, st.lines.next()).await {
                        Ok(next) => next,
                        Err(_) => {
                            st.grouper.flush(&mut st.ready);
                            continue;
                        }
                    }
                }
                _ => st.lines.next().await,
            };
            match next {
                Some(Ok(line)) => st.grouper.push(line, &mut st.ready),
                Some(Err(e)) => {
                    st.grouper.flush(&mut st.ready);
                    st.error = Some(e);
                    st.done = true;
                }
                None => {
                    st.grouper.flush(&mut st.ready);
                    st.done = true;
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::logs::LogLine;

    fn line(text: &str) -> Result<LogLine> {
        Ok(LogLine {
            ts: None,
            stderr: true,
            text: text.to_string(),
        })
    }

    const SUMMARY: Reading = Reading {
        classify: true,
        summarize: true,
    };

    #[tokio::test]
    async fn a_traceback_at_the_end_or_before_an_error_is_still_shown() {
        let lines: LineStream = Box::pin(futures_util::stream::iter(vec![
            line("Traceback (most recent call last):"),
            line("  File \"x\""),
            line("E: y"),
            Err(anyhow::anyhow!("the engine went away")),
        ]));
        let got: Vec<Result<Entry>> = entries(lines, SUMMARY, None).collect().await;
        assert_eq!(got.len(), 2);
        assert!(
            matches!(&got[0], Ok(Entry::Traceback(t)) if t.exception.as_deref() == Some("E: y"))
        );
        assert!(got[1].is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_follow_shows_the_traceback_it_holds() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<LogLine>>(8);
        let lines: LineStream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|l| (l, rx))
        }));
        let mut s = entries(lines, SUMMARY, Some(Duration::from_millis(300)));
        for l in ["Traceback (most recent call last):", "  File \"x\"", "E: y"] {
            tx.send(line(l)).await.unwrap();
        }
        // The stream stays open (a follow); the entry comes once it has been quiet.
        let first = tokio::time::timeout(Duration::from_secs(5), s.next())
            .await
            .expect("shown after the hold")
            .unwrap()
            .unwrap();
        assert!(matches!(first, Entry::Traceback(t) if t.lines == 3));
        drop(tx);
        assert!(s.next().await.is_none());
    }
}
