//! Tables that fit: on a terminal, columns sized to its width with identifiers kept whole and
//! free text shortened with "…"; off a terminal, one record a line, tab-separated.

use std::fmt;

use comfy_table::{ContentArrangement, TableComponent, presets};

/// How a column gives way when the table is wider than the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Never shortened or broken: identifiers the user copies (event ids, run ids, container
    /// names), times, numbers, marks and commands. A table of such columns alone may be wider
    /// than the terminal; the terminal then wraps it, but each value stays whole.
    Keep,
    /// Free text (errors, readings, summaries): shortened with "…" to the room the `Keep`
    /// columns leave. The whole text stays in `--json` and `--markdown`.
    Shorten,
    /// Worth having, not worth breaking a line for (a count, a kind the type implies): whole
    /// when there is room, hidden first when there is not (a line under the table says so).
    Spare,
}

/// The narrowest a `Shorten` column is made (or its header, if wider): a few words still say
/// what the text is about.
const MIN_SHORTENED: usize = 12;

/// Spaces after each column (the last one's are trimmed).
const GAP: usize = 2;

/// A table of the tool's human output; built with [`crate::render::Ui::table`].
pub struct Table {
    /// The terminal's width, or `None` off a terminal.
    columns: Option<usize>,
    header: Vec<(String, Fit)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(super) fn new(columns: Option<usize>, header: &[(&str, Fit)]) -> Table {
        Table {
            columns,
            header: header.iter().map(|(h, f)| (h.to_string(), *f)).collect(),
            rows: Vec::new(),
        }
    }

    /// One record. A cell is one line: a line break or tab inside it (which
    /// [`crate::render::shown`] already escapes in outside text) is shown as a space.
    pub fn add_row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let row = cells
            .into_iter()
            .map(|c| {
                let c: String = c.into();
                if c.contains(['\n', '\r', '\t']) {
                    c.replace(['\n', '\r', '\t'], " ")
                } else {
                    c
                }
            })
            .collect();
        self.rows.push(row);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Off a terminal: a header line and one line a record, cells separated by a tab, so
    /// `cut -f1` takes the first column and `grep` finds a record on its own line.
    fn plain(&self) -> String {
        let mut lines = Vec::with_capacity(self.rows.len() + 1);
        lines.push(
            self.header
                .iter()
                .map(|(h, _)| h.as_str())
                .collect::<Vec<_>>()
                .join("\t"),
        );
        for row in &self.rows {
            lines.push(row.join("\t"));
        }
        lines.join("\n")
    }

    /// The width each column gets on a terminal `total` columns wide, `None` for a column
    /// hidden for want of room. Everything at its natural width when that fits. Otherwise
    /// `Spare` columns are hidden (the rightmost first) and then `Shorten` ones, until the
    /// rest fits with each `Shorten` column at its floor; the `Shorten` columns then share
    /// the room left, the narrow ones whole where they fit. `Keep` columns are never touched.
    fn layout(&self, total: usize) -> Vec<Option<usize>> {
        let n = self.header.len();
        let fit = |i: usize| self.header[i].1;
        let natural: Vec<usize> = (0..n)
            .map(|i| {
                std::iter::once(self.header[i].0.as_str())
                    .chain(
                        self.rows
                            .iter()
                            .filter_map(|r| r.get(i).map(String::as_str)),
                    )
                    .map(console::measure_text_width)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        if natural.iter().map(|w| w + GAP).sum::<usize>() <= total {
            return natural.into_iter().map(Some).collect();
        }
        let floor: Vec<usize> = (0..n)
            .map(|i| match fit(i) {
                Fit::Shorten => console::measure_text_width(&self.header[i].0)
                    .max(MIN_SHORTENED)
                    .min(natural[i]),
                Fit::Keep | Fit::Spare => natural[i],
            })
            .collect();
        let mut shown = vec![true; n];
        let need = |shown: &[bool]| -> usize {
            (0..n).filter(|&i| shown[i]).map(|i| floor[i] + GAP).sum()
        };
        let hide_order = (0..n)
            .rev()
            .filter(|&i| fit(i) == Fit::Spare)
            .chain((0..n).rev().filter(|&i| fit(i) == Fit::Shorten));
        for i in hide_order {
            if need(&shown) <= total {
                break;
            }
            shown[i] = false;
        }
        let fixed: usize = (0..n)
            .filter(|&i| shown[i])
            .map(|i| {
                GAP + if fit(i) == Fit::Shorten {
                    0
                } else {
                    natural[i]
                }
            })
            .sum();
        let mut room = total.saturating_sub(fixed);
        let mut flexible: Vec<usize> = (0..n)
            .filter(|&i| shown[i] && fit(i) == Fit::Shorten)
            .collect();
        flexible.sort_by_key(|&i| natural[i]);
        let mut widths: Vec<Option<usize>> =
            (0..n).map(|i| shown[i].then_some(natural[i])).collect();
        let mut left = flexible.len();
        for i in flexible {
            let share = room / left.max(1);
            let w = natural[i].min(share).max(floor[i]);
            widths[i] = Some(w);
            room = room.saturating_sub(w);
            left -= 1;
        }
        widths
    }

    fn fitted(&self, total: usize) -> String {
        let widths = self.layout(total);
        let shown: Vec<usize> = (0..self.header.len())
            .filter(|&i| widths[i].is_some())
            .collect();
        let cell = |i: usize, text: &str| -> String {
            match (self.header[i].1, widths[i]) {
                (Fit::Shorten, Some(w)) => super::shorten(text, w).into_owned(),
                _ => text.to_string(),
            }
        };
        let mut t = comfy_table::Table::new();
        // Columns two spaces apart and one rule under the header: rows stay one line each,
        // start at the left edge like the lines around the table, and are easy to scan.
        t.load_preset(presets::NOTHING)
            .remove_style(TableComponent::LeftBorder)
            .remove_style(TableComponent::RightBorder)
            .remove_style(TableComponent::VerticalLines)
            .remove_style(TableComponent::LeftHeaderIntersection)
            .remove_style(TableComponent::RightHeaderIntersection)
            .remove_style(TableComponent::MiddleHeaderIntersections)
            .set_style(TableComponent::HeaderLines, '─')
            // The cells are cut to size here, so comfy-table never wraps one.
            .set_content_arrangement(ContentArrangement::Disabled);
        t.set_header(shown.iter().map(|&i| self.header[i].0.as_str()));
        for row in &self.rows {
            t.add_row(
                shown
                    .iter()
                    .map(|&i| cell(i, row.get(i).map_or("", String::as_str))),
            );
        }
        for column in t.column_iter_mut() {
            column.set_padding((0, GAP as u16));
        }
        // No line ends in spaces, and the rule under the header is as wide as the widest line
        // (comfy-table draws it through the last column's padding too).
        let text = t.trim_fmt();
        const RULE: usize = 1;
        let widest = text
            .lines()
            .enumerate()
            .filter(|(n, _)| *n != RULE)
            .map(|(_, l)| console::measure_text_width(l))
            .max()
            .unwrap_or(0);
        let mut out: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(n, l)| {
                if n == RULE {
                    "─".repeat(widest)
                } else {
                    l.to_string()
                }
            })
            .collect();
        let hidden: Vec<&str> = (0..self.header.len())
            .filter(|&i| widths[i].is_none())
            .map(|i| self.header[i].0.as_str())
            .collect();
        if !hidden.is_empty() {
            let note = format!("  (not shown at this width: {})", hidden.join(", "));
            out.push(super::shorten(&note, total).into_owned());
        }
        out.join("\n")
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.columns {
            Some(total) => f.write_str(&self.fitted(total)),
            None => f.write_str(&self.plain()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(columns: Option<usize>) -> Table {
        let mut t = Table::new(
            columns,
            &[
                ("EVENT ID", Fit::Keep),
                ("CREATED", Fit::Keep),
                ("LAST ERROR", Fit::Shorten),
                ("SUMMARY", Fit::Shorten),
            ],
        );
        t.add_row([
            "3f2b9c1e-7a44-4d2e-9c1b-5e8f0a6d2c71",
            "2026-04-05T20:10:00Z",
            "SMTP 451 4.7.1 try again later: the relay refused the message after three tries",
            "welcome e-mail to a***@example.com",
        ]);
        t.add_row(["short", "-", "-", "x"]);
        t
    }

    #[test]
    fn on_a_terminal_every_line_fits_and_identifiers_stay_whole() {
        for width in [80, 100, 120] {
            let text = sample(Some(width)).to_string();
            for line in text.lines() {
                assert!(
                    console::measure_text_width(line) <= width,
                    "{width}: {line:?} is {} wide\n{text}",
                    console::measure_text_width(line)
                );
            }
            let records: Vec<&str> = text.lines().skip(2).take(2).collect();
            assert!(
                records[0]
                    .starts_with("3f2b9c1e-7a44-4d2e-9c1b-5e8f0a6d2c71  2026-04-05T20:10:00Z  "),
                "{text}"
            );
            assert!(records[1].starts_with("short  "), "{text}");
        }
        // 80: the summary would get less than its floor, so it is hidden, and that is said.
        let narrow = sample(Some(80)).to_string();
        assert!(
            narrow.contains("SMTP 451") && narrow.contains('…'),
            "{narrow}"
        );
        assert!(!narrow.contains("welcome"), "{narrow}");
        assert!(
            narrow.ends_with("(not shown at this width: SUMMARY)"),
            "{narrow}"
        );
        // 120: both texts shortened, nothing hidden.
        let mid = sample(Some(120)).to_string();
        assert!(
            mid.contains("SMTP 451") && mid.contains("welcome") && mid.contains('…'),
            "{mid}"
        );
        assert_eq!(mid.lines().count(), 4, "{mid}");
        let wide = sample(Some(200)).to_string();
        assert!(!wide.contains('…'), "{wide}");
        assert!(wide.contains("after three tries"));
        // The rule under the header is as wide as the widest line.
        let lines: Vec<&str> = wide.lines().collect();
        assert_eq!(
            console::measure_text_width(lines[1]),
            lines
                .iter()
                .map(|l| console::measure_text_width(l))
                .max()
                .unwrap()
        );
    }

    #[test]
    fn spare_columns_give_way_before_text_is_hidden() {
        let mut t = Table::new(
            Some(60),
            &[
                ("ID", Fit::Keep),
                ("KIND", Fit::Spare),
                ("TRIES", Fit::Spare),
                ("ERROR", Fit::Shorten),
            ],
        );
        t.add_row([
            "0123456789012345678901234567890123",
            "outbox",
            "5",
            "connection refused by the relay",
        ]);
        let text = t.to_string();
        assert!(text.starts_with("ID "), "{text}");
        let header = text.lines().next().unwrap();
        assert!(
            header.contains("KIND") && !header.contains("TRIES"),
            "{text}"
        );
        assert!(text.contains("connection"), "{text}");
        assert!(text.ends_with("(not shown at this width: TRIES)"), "{text}");
    }

    #[test]
    fn a_table_of_identifiers_is_never_cut() {
        let mut t = Table::new(Some(20), &[("RUN", Fit::Keep), ("STATE", Fit::Keep)]);
        t.add_row(["replay-20260405T201000Z-1a2b3c", "resumable"]);
        let text = t.to_string();
        assert!(
            text.contains("replay-20260405T201000Z-1a2b3c  resumable"),
            "{text}"
        );
    }

    #[test]
    fn off_a_terminal_one_record_a_line_tab_separated() {
        let mut t = sample(None);
        t.add_row(["a\tb", "c\nd", "e", "f"]);
        let text = t.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "EVENT ID\tCREATED\tLAST ERROR\tSUMMARY");
        assert!(lines[1].ends_with("\twelcome e-mail to a***@example.com"));
        assert!(!text.contains('…'));
        assert_eq!(lines[3], "a b\tc d\te\tf");
        assert!(lines.iter().all(|l| l.split('\t').count() == 4));
    }

    #[test]
    fn colour_is_measured_as_the_text_it_paints() {
        // Painted by hand: `colored`'s switch is global, and other tests run beside this one.
        let mut t = Table::new(Some(40), &[("", Fit::Keep), ("READING", Fit::Shorten)]);
        t.add_row([
            "\u{1b}[31m✗\u{1b}[0m",
            "\u{1b}[31ma long reading that cannot fit in forty columns at all\u{1b}[0m",
        ]);
        let text = t.to_string();
        for line in text.lines() {
            assert!(console::measure_text_width(line) <= 40, "{line:?}");
        }
        assert!(text.contains('…'));
        // The colour's reset survives the cut: what follows is not painted red.
        assert!(text.trim_end().ends_with("\u{1b}[0m"), "{text:?}");
    }
}
