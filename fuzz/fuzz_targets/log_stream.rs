//! The engine's log stream: the first byte chooses the framing, the rest is the stream. Lines
//! come out the same however the stream is framed (for lines shorter than MAX_LINE), and no
//! line is longer than MAX_LINE plus one frame. The same stream as entries with timestamps
//! (frames, or a TTY's raw bytes): no panic, no line over MAX_LINE plus one frame, no byte made
//! up.

use cleanops::docker::logs::{EntryJoiner, LineSplitter, MAX_LINE, split_timestamp, to_line};

fn split(bytes: &[u8], frame: usize) -> Vec<Vec<u8>> {
    let mut s = LineSplitter::default();
    let mut out = Vec::new();
    for chunk in bytes.chunks(frame.max(1)) {
        s.push(chunk, &mut |l| out.push(l.to_vec()));
    }
    s.finish(&mut |l| out.push(l.to_vec()));
    out
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((&first, stream)) = data.split_first() else {
            return;
        };
        let frame = usize::from(first) + 1;
        let framed = split(stream, frame);
        let whole = split(stream, stream.len().max(1));
        assert!(framed.iter().all(|l| l.len() <= MAX_LINE + frame));
        if whole.iter().all(|l| l.len() + 1 < MAX_LINE) {
            assert_eq!(framed, whole, "the framing changed the lines");
        }
        for raw in [false, true] {
            let mut j = EntryJoiner::default();
            let mut joined: Vec<Vec<u8>> = Vec::new();
            let mut emit = |_: Option<time::OffsetDateTime>, l: &[u8]| joined.push(l.to_vec());
            for chunk in stream.chunks(frame) {
                if raw {
                    j.raw(chunk, &mut emit);
                } else {
                    j.frame(chunk, &mut emit);
                }
            }
            j.finish(&mut emit);
            assert!(joined.iter().all(|l| l.len() <= MAX_LINE + frame));
            assert!(joined.iter().map(Vec::len).sum::<usize>() <= stream.len());
        }
        for line in &framed {
            let (ts, rest) = split_timestamp(line);
            if ts.is_none() {
                assert_eq!(rest, &line[..]);
            }
            let _ = to_line(line, first % 2 == 0);
        }
    });
}
