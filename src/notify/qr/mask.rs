//! The mask of a QR symbol, chosen as `qrcode` 0.14 chooses it, at a fraction of its cost.
//!
//! `qrcode`'s chooser clones the canvas for each of the eight masks and scores it a module
//! at a time (a boxed closure per module and position for the finder-like pattern); in a
//! profile of the flows level's drain that was three quarters of the server's CPU. Here the
//! symbol is placed straight into bit-packed lines, rows and columns both (a version 11
//! symbol, 61 modules wide, is one `u64` a line), from its version's [`Layout`], and each
//! mask is a XOR of the data modules with a precomputed pattern. ISO 18004's four
//! penalties, as `qrcode` counts them, are then a few word operations a line: runs of five
//! and the finder-like pattern as ANDs of shifted copies, 2×2 blocks as the agreement of
//! two adjacent rows, the dark share as a popcount.
//! The test in `qr` holds the choice equal to `qrcode`'s.

use super::layout::Layout;
use std::ops::{BitAnd, BitOr, BitXor, Not, Shl, Shr};

/// The widest symbol (version 40) is 177 modules: three words a line.
pub(super) const MAX_WORDS: usize = 3;

/// Mask patterns repeat every 12 modules across and down (they depend on `x` and `y`
/// modulo 2, 3 and 4, through `x / 3` and `y / 2`, and on `x * y` modulo 6).
const PERIOD: usize = 12;

/// The format information of error correction level M for masks 0 to 7 (ISO 18004 table
/// C.1, `qrcode`'s `FORMAT_INFOS_QR[0..8]`), drawn most significant bit first at
/// [`FORMAT_MAIN`] and at [`FORMAT_SIDE`].
const FORMAT_M: [u16; 8] = [
    0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0,
];
/// Where the format bits go around the top-left finder, as `(x, y)`.
const FORMAT_MAIN: [(i16, i16); 15] = [
    (0, 8),
    (1, 8),
    (2, 8),
    (3, 8),
    (4, 8),
    (5, 8),
    (7, 8),
    (8, 8),
    (8, 7),
    (8, 5),
    (8, 4),
    (8, 3),
    (8, 2),
    (8, 1),
    (8, 0),
];
/// Where their copy goes, below the top-right and right of the bottom-left finder;
/// negative coordinates count from the far edge.
const FORMAT_SIDE: [(i16, i16); 15] = [
    (8, -1),
    (8, -2),
    (8, -3),
    (8, -4),
    (8, -5),
    (8, -6),
    (8, -7),
    (-8, 8),
    (-7, 8),
    (-6, 8),
    (-5, 8),
    (-4, 8),
    (-3, 8),
    (-2, 8),
    (-1, 8),
];

/// Whether mask `mask` (0 to 7, in `qrcode`'s `MaskPattern` order) inverts module `(x, y)`.
const fn inverts(mask: usize, x: usize, y: usize) -> bool {
    match mask {
        0 => (x + y).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (x + y).is_multiple_of(3),
        4 => (y / 2 + x / 3).is_multiple_of(2),
        5 => (x * y) % 2 + (x * y) % 3 == 0,
        6 => ((x * y) % 2 + (x * y) % 3).is_multiple_of(2),
        _ => ((x + y) % 2 + (x * y) % 3).is_multiple_of(2),
    }
}

/// `[mask][line % PERIOD]`: the modules each mask inverts along a row (`across`) or down a
/// column, one bit per module.
const fn patterns(across: bool) -> [[[u64; MAX_WORDS]; PERIOD]; 8] {
    let mut table = [[[0; MAX_WORDS]; PERIOD]; 8];
    let mut mask = 0;
    while mask < 8 {
        let mut line = 0;
        while line < PERIOD {
            let mut i = 0;
            while i < MAX_WORDS * 64 {
                let (x, y) = if across { (i, line) } else { (line, i) };
                if inverts(mask, x, y) {
                    table[mask][line][i / 64] |= 1 << (i % 64);
                }
                i += 1;
            }
            line += 1;
        }
        mask += 1;
    }
    table
}

const ROW_PATTERNS: [[[u64; MAX_WORDS]; PERIOD]; 8] = patterns(true);
const COLUMN_PATTERNS: [[[u64; MAX_WORDS]; PERIOD]; 8] = patterns(false);

/// A symbol's modules after masking, a row of `stride` words per module row; bit `x % 64`
/// of word `x / 64` is module `x`, set when dark.
pub(super) struct Modules {
    pub(super) width: usize,
    stride: usize,
    words: Vec<u64>,
}

impl Modules {
    /// Whether module `(x, y)` is dark.
    #[cfg(test)]
    pub(super) fn is_dark(&self, x: usize, y: usize) -> bool {
        self.words[y * self.stride + x / 64] >> (x % 64) & 1 == 1
    }

    /// Row `y`: bit `x % 64` of word `x / 64` is module `x`, set when dark; bits past the
    /// width are clear.
    pub(super) fn row(&self, y: usize) -> &[u64] {
        &self.words[y * self.stride..(y + 1) * self.stride]
    }
}

/// The symbol of `layout` with the codewords `data` then `ec` placed (as `qrcode`'s
/// `Canvas::draw_data` places them), under the mask with the lowest penalty; on equal
/// penalties the first mask in `qrcode`'s order wins.
pub(super) fn best(layout: &Layout, data: &[u8], ec: &[u8]) -> Modules {
    match layout.width.div_ceil(64) {
        1 => Symbol::<1>::place(layout, data, ec).best(),
        2 => Symbol::<2>::place(layout, data, ec).best(),
        _ => Symbol::<3>::place(layout, data, ec).best(),
    }
}

/// One row or column of up to `64 * N` modules, bit `i` module `i`, set when dark. Shifts
/// move modules along the line: `line << k` puts module `i` at `i + k`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Line<const N: usize>(pub(super) [u64; N]);

impl<const N: usize> Line<N> {
    pub(super) const EMPTY: Self = Line([0; N]);

    /// Modules `0..end` set.
    fn first(end: usize) -> Self {
        let mut line = Self::EMPTY;
        for (i, word) in line.0.iter_mut().enumerate() {
            let bits = end.saturating_sub(i * 64).min(64);
            *word = if bits == 64 {
                u64::MAX
            } else {
                (1 << bits) - 1
            };
        }
        line
    }

    pub(super) fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    /// The first `N` words of a line of the widest symbol.
    fn pattern(words: &[u64; MAX_WORDS]) -> Self {
        let mut line = Self::EMPTY;
        line.0.copy_from_slice(&words[..N]);
        line
    }

    fn count(self) -> i64 {
        self.0.iter().map(|w| i64::from(w.count_ones())).sum()
    }
}

impl<const N: usize> Shl<u32> for Line<N> {
    type Output = Self;
    fn shl(self, k: u32) -> Self {
        // k is 1 to 10 here: a module moves at most into the next word.
        let mut out = Self::EMPTY;
        for i in 0..N {
            out.0[i] = self.0[i] << k;
            if i > 0 {
                out.0[i] |= self.0[i - 1] >> (64 - k);
            }
        }
        out
    }
}

impl<const N: usize> Shr<u32> for Line<N> {
    type Output = Self;
    fn shr(self, k: u32) -> Self {
        let mut out = Self::EMPTY;
        for i in 0..N {
            out.0[i] = self.0[i] >> k;
            if i + 1 < N {
                out.0[i] |= self.0[i + 1] << (64 - k);
            }
        }
        out
    }
}

macro_rules! bitwise {
    ($trait:ident, $method:ident, $op:tt) => {
        impl<const N: usize> $trait for Line<N> {
            type Output = Self;
            fn $method(self, other: Self) -> Self {
                let mut out = self;
                for (a, b) in out.0.iter_mut().zip(other.0) {
                    *a $op b;
                }
                out
            }
        }
    };
}
bitwise!(BitAnd, bitand, &=);
bitwise!(BitOr, bitor, |=);
bitwise!(BitXor, bitxor, ^=);

impl<const N: usize> Not for Line<N> {
    type Output = Self;
    fn not(self) -> Self {
        Line(self.0.map(|w| !w))
    }
}

/// A symbol before masking, as lines both ways: what each module is without a mask and
/// which modules a mask inverts (data and error correction, not the function patterns).
struct Symbol<const N: usize> {
    width: usize,
    rows: Vec<Line<N>>,
    free_rows: Vec<Line<N>>,
    columns: Vec<Line<N>>,
    free_columns: Vec<Line<N>>,
}

impl<const N: usize> Symbol<N> {
    /// The layout's lines with the codewords' bits set in them, most significant bit first,
    /// without a branch per bit (a data bit is 0 or 1 at random, so branching on it
    /// mispredicts about half the time).
    fn place(layout: &Layout, data: &[u8], ec: &[u8]) -> Self {
        let lines = |lines: &[Line<MAX_WORDS>]| -> Vec<Line<N>> {
            lines.iter().map(|line| Line::pattern(&line.0)).collect()
        };
        let (mut rows, mut columns) = (lines(&layout.rows), lines(&layout.columns));
        let bits = data
            .iter()
            .chain(ec)
            .flat_map(|&byte| (0..8).rev().map(move |bit| u64::from(byte >> bit & 1)));
        for (&(x, y), dark) in layout.order.iter().zip(bits) {
            let (x, y) = (usize::from(x), usize::from(y));
            rows[y].0[x / 64] |= dark << (x % 64);
            columns[x].0[y / 64] |= dark << (y % 64);
        }
        Symbol {
            width: layout.width,
            rows,
            columns,
            free_rows: lines(&layout.free_rows),
            free_columns: lines(&layout.free_columns),
        }
    }

    /// The symbol under `mask`, as rows and columns, into `rows` and `columns`.
    fn mask(&self, mask: usize, rows: &mut [Line<N>], columns: &mut [Line<N>]) {
        for (y, row) in rows.iter_mut().enumerate() {
            let inverted = Line::pattern(&ROW_PATTERNS[mask][y % PERIOD]);
            *row = self.rows[y] ^ (self.free_rows[y] & inverted);
        }
        for (x, column) in columns.iter_mut().enumerate() {
            let inverted = Line::pattern(&COLUMN_PATTERNS[mask][x % PERIOD]);
            *column = self.columns[x] ^ (self.free_columns[x] & inverted);
        }
        // The format modules were drawn light; the mask's format information darkens some.
        let format = FORMAT_M[mask];
        for coords in [&FORMAT_MAIN, &FORMAT_SIDE] {
            for (bit, &(x, y)) in coords.iter().enumerate() {
                if format >> (14 - bit) & 1 == 1 {
                    let (x, y) = (self.wrap(x), self.wrap(y));
                    rows[y].set(x);
                    columns[x].set(y);
                }
            }
        }
    }

    fn wrap(&self, coordinate: i16) -> usize {
        let width = i16::try_from(self.width).unwrap_or(i16::MAX);
        usize::try_from(coordinate.rem_euclid(width)).unwrap_or(0)
    }

    fn best(&self) -> Modules {
        let (mut rows, mut columns) =
            (vec![Line::EMPTY; self.width], vec![Line::EMPTY; self.width]);
        let mut best: Option<(i64, usize)> = None;
        for mask in 0..8 {
            self.mask(mask, &mut rows, &mut columns);
            let score = penalty(&rows, &columns, self.width);
            if best.is_none_or(|(lowest, _)| score < lowest) {
                best = Some((score, mask));
            }
        }
        let (_, mask) = best.unwrap_or_default();
        self.mask(mask, &mut rows, &mut columns);
        Modules {
            width: self.width,
            stride: N,
            words: rows.iter().flat_map(|row| row.0).collect(),
        }
    }
}

/// The columns of a square of `lines.len()` rows: bit `y` of column `x` is bit `x` of row `y`.
pub(super) fn transpose<const N: usize>(lines: &[Line<N>]) -> Vec<Line<N>> {
    let mut columns = vec![Line::EMPTY; lines.len()];
    for (y, line) in lines.iter().enumerate() {
        for (i, &word) in line.0.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                columns[i * 64 + rest.trailing_zeros() as usize].set(y);
                rest &= rest - 1;
            }
        }
    }
    columns
}

/// ISO 18004's mask penalty of a `width`² symbol, as `qrcode` 0.14 counts it, from its rows
/// and its columns.
fn penalty<const N: usize>(rows: &[Line<N>], columns: &[Line<N>], width: usize) -> i64 {
    let inside = Line::first(width);
    let mut score = 0i64;
    for line in rows.iter().chain(columns) {
        score += line_penalty(*line, inside);
    }
    // The three real finder patterns, three lines each, score 360 per direction.
    score -= 2 * 360;
    // N2: every 2×2 block of one colour scores 3. Bit x of `level` is set where module x
    // has the colour of module x + 1 in the upper row; of `agree`, where the two rows agree.
    let pairs = Line::first(width - 1);
    for two in rows.windows(2) {
        let (upper, lower) = (two[0], two[1]);
        let level = !(upper ^ (upper >> 1));
        let agree = !(upper ^ lower);
        score += 3 * (level & agree & (agree >> 1) & pairs).count();
    }
    // N4: the dark share's distance from half, in percent (rounded down as `qrcode` does).
    let dark = rows.iter().map(|row| row.count()).sum::<i64>();
    let all = i64::try_from(width * width).unwrap_or(i64::MAX);
    score + (dark * 200 / all - 100).abs()
}

/// N1 and N3 of one row or column; `inside` marks its modules. N1: a run of five or more
/// same-coloured modules scores its length minus two. N3: dark-light-dark-dark-dark-light-
/// dark scores 40 unless both sides have a dark module within four (outside the symbol
/// counts as light).
fn line_penalty<const N: usize>(line: Line<N>, inside: Line<N>) -> i64 {
    // Bit i of `same`: module i has the colour of module i - 1; of `run`: modules i - 4 to
    // i have one colour, which a run of length n ≥ 5 sets n - 4 times, starting once.
    let same = !(line ^ (line << 1)) & inside & !Line::first(1);
    let run = same & (same << 1) & (same << 2) & (same << 3);
    let runs = run.count() + 2 * (run & !(run << 1)).count();
    // Bit i of `finder`: the pattern starts at module i (its last, dark module lies inside).
    let light = !line;
    let finder =
        line & (light >> 1) & (line >> 2) & (line >> 3) & (line >> 4) & (light >> 5) & (line >> 6);
    let dark_before = (line << 1) | (line << 2) | (line << 3) | (line << 4);
    let dark_after = (line >> 7) | (line >> 8) | (line >> 9) | (line >> 10);
    runs + 40 * (finder & !(dark_before & dark_after)).count()
}

#[cfg(test)]
mod tests;
