//! Columns of text for the table output: each column as wide as its widest
//! line, one space of padding on each side, no borders, multi-line cells
//! kept line by line. Given a width (a terminal's), the widest columns give
//! way first and their text wraps at spaces.
//!
//! k8snet's own because comfy-table spent about 600,000 instructions, 43 %
//! of a whole `k8snet check`, laying out its 25-row table (README, Design
//! notes).

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns never shrink below this many cells, so wrapped words stay
/// readable on a narrow terminal; the table overflows instead.
const NARROWEST_COLUMN: usize = 12;

/// A header row and the rows under it.
pub struct Grid {
    rows: Vec<Vec<String>>,
}

impl Grid {
    /// A grid whose first row is `header`.
    pub fn new(header: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Grid {
            rows: vec![header.into_iter().map(Into::into).collect()],
        }
    }

    /// Add a row; missing trailing cells are blank.
    pub fn push(&mut self, row: impl IntoIterator<Item = impl Into<String>>) {
        self.rows.push(row.into_iter().map(Into::into).collect());
    }

    /// The laid-out text, lines joined by `\n`, without trailing blanks on
    /// any line and without a final newline.
    pub fn render(&self, width: Option<u16>) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut natural = vec![0; columns];
        for row in &self.rows {
            for (column, cell) in row.iter().enumerate() {
                let widest = cell.lines().map(visible_width).max().unwrap_or(0);
                natural[column] = natural[column].max(widest);
            }
        }
        let widths = fit(&natural, width.map(usize::from));
        let mut text = String::new();
        for row in &self.rows {
            let wrapped: Vec<Vec<Cow<str>>> = widths
                .iter()
                .enumerate()
                .map(|(column, &width)| {
                    let cell = row.get(column).map_or("", String::as_str);
                    wrap_cell(cell, width)
                })
                .collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(0).max(1);
            for line in 0..height {
                let start = text.len();
                for (cell, &width) in wrapped.iter().zip(&widths) {
                    let part = cell.get(line).map_or("", |part| part.as_ref());
                    text.push(' ');
                    text.push_str(part);
                    pad(&mut text, width.saturating_sub(visible_width(part)) + 1);
                }
                let kept = text[start..].trim_end().len();
                text.truncate(start + kept);
                text.push('\n');
            }
        }
        text.pop();
        text
    }
}

fn pad(text: &mut String, mut blanks: usize) {
    const BLANKS: &str = "                                ";
    while blanks > 0 {
        let chunk = blanks.min(BLANKS.len());
        text.push_str(&BLANKS[..chunk]);
        blanks -= chunk;
    }
}

/// Column widths that fit `total` (with two cells of padding per column):
/// every column wider than a common cap is cut to it, the cap as large as
/// the width allows and never below [`NARROWEST_COLUMN`].
fn fit(natural: &[usize], total: Option<usize>) -> Vec<usize> {
    let Some(total) = total else {
        return natural.to_vec();
    };
    let padding = 2 * natural.len();
    let fits = |cap: usize| natural.iter().map(|&w| w.min(cap)).sum::<usize>() + padding <= total;
    let widest = natural.iter().copied().max().unwrap_or(0);
    if fits(widest) {
        return natural.to_vec();
    }
    let (mut low, mut high) = (NARROWEST_COLUMN, widest);
    while low < high {
        let middle = (low + high).div_ceil(2);
        if fits(middle) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    natural.iter().map(|&w| w.min(low)).collect()
}

fn wrap_cell(cell: &str, width: usize) -> Vec<Cow<'_, str>> {
    let mut out = Vec::new();
    for line in cell.lines() {
        // Lines with color codes are k8snet's own short status words.
        if visible_width(line) <= width || line.contains('\x1b') {
            out.push(Cow::Borrowed(line));
        } else {
            out.extend(wrap_line(line, width).into_iter().map(Cow::Owned));
        }
    }
    out
}

/// Greedy wrap at spaces; a word longer than the column is cut.
fn wrap_line(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut current_width = 0;
    for word in line.split(' ') {
        let word_width = word.width();
        let joined = if current.is_empty() {
            word_width
        } else {
            current_width + 1 + word_width
        };
        if joined <= width {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
            current_width = joined;
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current_width = 0;
        for ch in word.chars() {
            let ch_width = ch.width().unwrap_or(0);
            if current_width + ch_width > width && !current.is_empty() {
                out.push(std::mem::take(&mut current));
                current_width = 0;
            }
            current.push(ch);
            current_width += ch_width;
        }
    }
    out.push(current);
    out
}

/// Terminal cells `text` takes, not counting ANSI SGR color codes.
fn visible_width(text: &str) -> usize {
    if text.is_ascii() && !text.contains('\x1b') {
        return text.len();
    }
    if !text.contains('\x1b') {
        return text.width();
    }
    let mut width = 0;
    let mut rest = text;
    while let Some(escape) = rest.find('\x1b') {
        width += rest[..escape].width();
        rest = &rest[escape..];
        let end = rest.find('m').map_or(rest.len(), |m| m + 1);
        rest = &rest[end..];
    }
    width + rest.width()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        let mut grid = Grid::new(["STATUS", "CHECK", "FINDING"]);
        grid.push(["", "[sysctl]", ""]);
        grid.push([
            "FAIL",
            "sysctl.net.ipv4.ip_forward",
            "is 0, profile wants 1\nhint: run `k8snet tune --apply` to fix it",
        ]);
        grid
    }

    #[test]
    fn columns_as_wide_as_their_widest_line_without_trailing_blanks() {
        assert_eq!(
            grid().render(None),
            " STATUS  CHECK                       FINDING\n\
             \x20        [sysctl]\n\
             \x20FAIL    sysctl.net.ipv4.ip_forward  is 0, profile wants 1\n\
             \x20                                    hint: run `k8snet tune --apply` to fix it"
        );
    }

    #[test]
    fn the_widest_column_wraps_at_spaces_to_fit_a_width() {
        let text = grid().render(Some(70));
        assert!(text.lines().all(|l| l.width() <= 70), "{text}");
        assert_eq!(
            text.lines().skip(3).collect::<Vec<_>>(),
            [
                "                                     hint: run `k8snet tune --apply`",
                "                                     to fix it",
            ]
        );
    }

    #[test]
    fn a_word_longer_than_its_column_is_cut_and_nothing_is_lost() {
        assert_eq!(
            wrap_line("abcdefghijklmnop qr", 6),
            ["abcdef", "ghijkl", "mnop", "qr"]
        );
    }

    #[test]
    fn too_narrow_a_width_keeps_columns_readable_and_overflows() {
        let text = grid().render(Some(10));
        assert!(
            text.lines()
                .any(|l| l.contains("sysctl.net.i") && !l.contains("ip_forward")),
            "{text}"
        );
    }

    #[test]
    fn color_codes_take_no_width() {
        assert_eq!(visible_width("\x1b[1;31mFAIL\x1b[0m"), 4);
        assert_eq!(visible_width("naïve 日本"), 10);
        let mut grid = Grid::new(["A", "B"]);
        grid.push(["\x1b[32mOK\x1b[0m", "x"]);
        assert_eq!(grid.render(None), " A   B\n \x1b[32mOK\x1b[0m  x");
    }
}
