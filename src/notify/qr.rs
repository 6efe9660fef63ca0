//! QR images of ticket codes, as PNG, drawn from the QR matrix without an image library.
//!
//! A ticket's image is drawn once per confirmation email (and once per printed ticket at
//! the box office), so it is made cheap rather than cached: one bit per pixel (a QR code
//! is black and white; eight times fewer bytes to filter and deflate than 8-bit grey) and
//! the PNG encoder's fast deflate. Under a sales rush this was 7 % of the server's CPU at
//! 8 bits with the balanced deflate.
//!
//! The mask is chosen here rather than by `qrcode`: its chooser scores the eight masks
//! with a boxed closure per module and position, and in a profile of the flows level's
//! drain (256 clients) choosing masks was three quarters of the server's CPU. [`best_mask`] scores
//! them by the same rules (ISO 18004's four penalties, as `qrcode` 0.14 computes them) on a
//! plain grid, so it picks the very mask `qrcode` picks; a test holds them equal.

use crate::error::Error;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::Color;
use qrcode::{EcLevel, bits, ec};

/// Pixels per QR module, and the quiet zone in modules.
const SCALE: usize = 4;
const QUIET: usize = 4;

/// A black-on-white PNG of `data` as a QR code (error correction M).
pub fn png(data: &str) -> Result<Vec<u8>, Error> {
    let (modules, colors) = matrix(data)?;
    let side = (modules + 2 * QUIET) * SCALE;
    // One bit per pixel, most significant first, rows padded to whole bytes; 1 is white.
    let stride = side.div_ceil(8);
    let mut pixels = vec![0xffu8; stride * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for dy in 0..SCALE {
            let row = (my * SCALE + dy) * stride;
            for x in mx * SCALE..mx * SCALE + SCALE {
                pixels[row + x / 8] &= !(0x80 >> (x % 8));
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::internal(format!("png: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| Error::internal(format!("png: {e}")))?;
    }
    Ok(out)
}

/// The QR matrix of `data` (error correction M): its width in modules and its colours,
/// row by row.
fn matrix(data: &str) -> Result<(usize, Vec<Color>), Error> {
    let qr = |e: qrcode::types::QrError| Error::internal(format!("qr: {e}"));
    let bits = bits::encode_auto(data.as_bytes(), EcLevel::M).map_err(qr)?;
    let version = bits.version();
    let (data, ec) =
        ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).map_err(qr)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = usize::try_from(version.width()).map_err(Error::internal)?;
    Ok((width, best_mask(&canvas, width)))
}

/// The eight masks in the order `qrcode` tries them: on equal scores the first wins.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The colours of `canvas` under the mask with the lowest penalty.
fn best_mask(canvas: &Canvas, width: usize) -> Vec<Color> {
    let mut best: Option<(i64, Vec<Color>)> = None;
    for mask in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let colors = masked.into_colors();
        let dark: Vec<bool> = colors.iter().map(|c| *c == Color::Dark).collect();
        let score = penalty(&dark, width);
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, colors));
        }
    }
    best.map(|(_, colors)| colors).unwrap_or_default()
}

/// ISO 18004's mask penalty of a `width`² grid (`true` is dark), as `qrcode` 0.14 counts it.
/// Every line is read as a contiguous slice (columns from a transposed copy), with the
/// finder-like pattern matched by a rolling 7-bit window.
fn penalty(dark: &[bool], width: usize) -> i64 {
    let columns: Vec<bool> = (0..width * width)
        .map(|i| dark[(i % width) * width + i / width])
        .collect();
    let mut score = 0i64;
    for grid in [dark, &columns] {
        for line in grid.chunks_exact(width) {
            score += line_penalty(line);
        }
        // The three real finder patterns, three lines each, score 360 per direction.
        score -= 360;
    }
    // N2: every 2×2 block of one colour scores 3.
    for rows in dark.chunks_exact(width).collect::<Vec<_>>().windows(2) {
        let (upper, lower) = (rows[0], rows[1]);
        for x in 0..width - 1 {
            let c = upper[x];
            if upper[x + 1] == c && lower[x] == c && lower[x + 1] == c {
                score += 3;
            }
        }
    }
    // N4: the dark share's distance from half, in percent.
    let ratio = (dark.iter().filter(|d| **d).count() * 200 / dark.len()) as i64;
    score + (ratio - 100).abs()
}

/// N1 and N3 of one row or column. N1: a run of five or more same-coloured modules scores
/// its length minus two. N3: dark-light-dark-dark-dark-light-dark scores 40 unless both
/// sides have a dark module within four (outside the grid counts as light).
fn line_penalty(line: &[bool]) -> i64 {
    const FINDER: u32 = 0b101_1101;
    let mut score = 0i64;
    let mut run = 1i64;
    for pair in line.windows(2) {
        if pair[0] == pair[1] {
            run += 1;
        } else {
            if run >= 5 {
                score += run - 2;
            }
            run = 1;
        }
    }
    if run >= 5 {
        score += run - 2;
    }
    let mut window = 0u32;
    for (end, dark) in line.iter().enumerate() {
        window = ((window << 1) | u32::from(*dark)) & 0x7f;
        if end < 6 || window != FINDER {
            continue;
        }
        let start = end - 6;
        let before = line[start.saturating_sub(4)..start].iter().any(|d| *d);
        let after = line[end + 1..(end + 5).min(line.len())].iter().any(|d| *d);
        if !before || !after {
            score += 40;
        }
    }
    score
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_code_renders_as_a_png() {
        let png = super::png("RZ1.payload.signature").expect("renders");
        assert_eq!(&png[1..4], b"PNG");
        assert!(png.len() > 100);
    }

    #[test]
    fn the_mask_chosen_is_the_one_qrcode_chooses() {
        // Ticket codes run to a few hundred characters: versions 1 to about 20.
        let mut data = String::new();
        for i in 0..400 {
            data.push(char::from(
                b"RZ1.eyJ0Ijoi-_abcXYZ0189"[(i * 7 + i / 3) % 24],
            ));
            if i % 9 != 0 {
                continue;
            }
            let (width, colors) = super::matrix(&data).expect("encodes");
            let code =
                qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
                    .expect("encodes");
            assert_eq!(width, code.width());
            assert!(colors == code.to_colors(), "{} characters", data.len());
        }
    }

    #[test]
    fn the_png_is_the_qr_code_of_the_data() {
        let data = "RZ1.eyJ0IjoidGt0X3NhbXBsZSJ9.c2lnbmF0dXJl";
        let png = super::png(data).expect("renders");
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut pixels).expect("a frame");
        let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
            .expect("encodes");
        let side = (code.width() + 2 * super::QUIET) * super::SCALE;
        assert_eq!((info.width as usize, info.height as usize), (side, side));
        // Every pixel is the colour of its module (white in the quiet zone).
        let colors = code.to_colors();
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (x / super::SCALE, y / super::SCALE);
                let inside = super::QUIET..super::QUIET + code.width();
                let dark = inside.contains(&mx)
                    && inside.contains(&my)
                    && colors[(my - super::QUIET) * code.width() + mx - super::QUIET]
                        == qrcode::Color::Dark;
                let pixel = pixels[y * info.line_size + x];
                assert_eq!(pixel, if dark { 0 } else { 255 }, "pixel ({x}, {y})");
            }
        }
    }
}
