//! What every QR symbol of one version shares: its function patterns (finders, timing,
//! alignment, version information; the format modules left light) and the order in which
//! codeword bits fill the other modules.
//!
//! `qrcode` draws both into a fresh canvas for every symbol, a module at a time, and the
//! mask chooser then read that canvas back a module at a time: in a profile of composing a
//! confirmation that was a quarter of its time. Here a version's layout is drawn once, by
//! `qrcode`'s own canvas (so the function patterns are exactly its), and kept for the
//! process's life (about 12 KiB for a ticket's version 12; a process meets few versions).
//! A symbol then starts as a copy of the layout's lines with its data bits set in them.

use super::mask::{Line, MAX_WORDS, transpose};
use qrcode::EcLevel;
use qrcode::canvas::{Canvas, Module};
use qrcode::types::{Color, Version};
use std::sync::OnceLock;

/// The function patterns and data placement of a version, as rows and as columns.
pub(super) struct Layout {
    pub(super) width: usize,
    /// The function patterns: bit `x` of row `y` set where module `(x, y)` is dark.
    pub(super) rows: Vec<Line<MAX_WORDS>>,
    pub(super) columns: Vec<Line<MAX_WORDS>>,
    /// The modules a mask inverts: data, error correction and remainder bits.
    pub(super) free_rows: Vec<Line<MAX_WORDS>>,
    pub(super) free_columns: Vec<Line<MAX_WORDS>>,
    /// The free modules as `(x, y)`, in the order the codewords' bits fill them (most
    /// significant bit first); modules past the last codeword stay light.
    pub(super) order: Vec<(u8, u8)>,
}

/// Versions 1 to 40, each drawn the first time a symbol needs it.
static LAYOUTS: [OnceLock<Layout>; 40] = [const { OnceLock::new() }; 40];

/// The layout of `version` (a normal QR version, 1 to 40).
pub(super) fn of(version: Version) -> Option<&'static Layout> {
    let Version::Normal(number) = version else {
        return None;
    };
    let slot = LAYOUTS.get(usize::try_from(number).ok()?.checked_sub(1)?)?;
    Some(slot.get_or_init(|| Layout::draw(version)))
}

impl Layout {
    fn draw(version: Version) -> Layout {
        // The error correction level changes only the format modules, drawn light here.
        let mut canvas = Canvas::new(version, EcLevel::M);
        canvas.draw_all_functional_patterns();
        // A version's width is 21 to 177: it fits a `usize` and a `u8`.
        let width = usize::try_from(version.width()).unwrap_or_default();
        let mut rows = vec![Line::EMPTY; width];
        let mut free_rows = vec![Line::EMPTY; width];
        for (y, cy) in (0..width).zip(0i16..) {
            for (x, cx) in (0..width).zip(0i16..) {
                match canvas.get(cx, cy) {
                    Module::Empty => free_rows[y].set(x),
                    Module::Masked(Color::Dark) | Module::Unmasked(Color::Dark) => {
                        rows[y].set(x);
                    }
                    Module::Masked(Color::Light) | Module::Unmasked(Color::Light) => {}
                }
            }
        }
        let is_free = |x: usize, y: usize| free_rows[y].0[x / 64] >> (x % 64) & 1 == 1;
        Layout {
            width,
            columns: transpose(&rows),
            free_columns: transpose(&free_rows),
            order: placement(width, is_free),
            rows,
            free_rows,
        }
    }
}

/// ISO 18004's placement (7.7.3): two columns at a time from the right edge, upwards then
/// downwards in turn, the right module of a pair before the left; the vertical timing
/// pattern's column (6) is skipped whole, and modules that are not free are passed over.
fn placement(width: usize, is_free: impl Fn(usize, usize) -> bool) -> Vec<(u8, u8)> {
    let mut order = Vec::new();
    let mut upward = true;
    let mut right = width - 1;
    loop {
        for step in 0..width {
            let y = if upward { width - 1 - step } else { step };
            for x in [right, right - 1] {
                if is_free(x, y) {
                    // Coordinates below 177.
                    order.push((x as u8, y as u8));
                }
            }
        }
        upward = !upward;
        right = match right {
            0..=2 => break,
            8 => 5,
            _ => right - 2,
        };
    }
    order
}
