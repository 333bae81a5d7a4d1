//! The status marks of the whole tool and their colours, in one table: what a command found
//! ([`super::Mark`]), what a check of the diagnosis ended as ([`crate::checks::Status`]) and the
//! diagnosis's headline all print these. The plain glyph is what markdown, JSON evidence and
//! output without colour show; the colours are for a terminal (`colored` decides whether they
//! are printed, from `--color`).

use colored::{ColoredString, Colorize};

/// One mark: its glyph, the glyph's colour, and the colour of the text it heads.
#[derive(Clone, Copy)]
pub struct Glyph {
    plain: &'static str,
    colour: fn(&str) -> ColoredString,
    /// None: the text keeps the terminal's own colour.
    text: Option<fn(&str) -> ColoredString>,
}

/// Healthy, or done and verified.
pub const OK: Glyph = Glyph {
    plain: "✓",
    colour: |s| s.green(),
    text: None,
};

/// Needs a look, but not unhealthy by itself.
pub const WARNING: Glyph = Glyph {
    plain: "!",
    colour: |s| s.yellow().bold(),
    text: Some(|s| s.yellow()),
};

/// Unhealthy, or the action failed.
pub const FAILED: Glyph = Glyph {
    plain: "✗",
    colour: |s| s.red().bold(),
    text: Some(|s| s.red()),
};

/// A check that errored instead of finishing.
pub const CRASHED: Glyph = Glyph {
    plain: "☠",
    colour: |s| s.red().bold(),
    text: Some(|s| s.red()),
};

/// A check that did not finish in time.
pub const TIMED_OUT: Glyph = Glyph {
    plain: "⧗",
    colour: |s| s.red(),
    text: Some(|s| s.red()),
};

/// Not checked, or not applicable here.
pub const SKIPPED: Glyph = Glyph {
    plain: "-",
    colour: |s| s.dimmed(),
    text: Some(|s| s.dimmed()),
};

impl Glyph {
    /// The glyph in its colour (when colour is on).
    pub fn symbol(self) -> String {
        (self.colour)(self.plain).to_string()
    }

    /// The glyph alone, for markdown and text that must not carry colour codes.
    pub fn plain(self) -> &'static str {
        self.plain
    }

    /// `text` in the colour of this mark (when colour is on).
    pub fn paint(self, text: &str) -> String {
        match self.text {
            Some(colour) => colour(text).to_string(),
            None => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mark has a glyph of its own, so it reads without colour (markdown, pipes,
    /// `NO_COLOR`).
    #[test]
    fn marks_are_told_apart_without_colour() {
        let all = [OK, WARNING, FAILED, CRASHED, TIMED_OUT, SKIPPED];
        let mut plain: Vec<&str> = all.iter().map(|g| g.plain()).collect();
        assert_eq!(plain, ["✓", "!", "✗", "☠", "⧗", "-"]);
        plain.sort_unstable();
        plain.dedup();
        assert_eq!(plain.len(), all.len());
    }
}
