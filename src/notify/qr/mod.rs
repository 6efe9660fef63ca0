//! QR images of ticket codes, as PNG, drawn from the QR matrix without an image library.
//!
//! A ticket's image is drawn once per confirmation email (and once per printed ticket at
//! the box office), so it is made cheap rather than cached: one bit per pixel (a QR code
//! is black and white; eight times fewer bytes to filter and deflate than 8-bit grey) and
//! the PNG encoder's fastest deflate. Under a sales rush this was 7 % of the server's CPU at
//! 8 bits with the balanced deflate.
//!
//! The mask is chosen here rather than by `qrcode` ([`mask`] says why and how), as
//! `qrcode` would choose it; a test holds them equal.

mod mask;

use crate::error::Error;
use mask::Modules;
use qrcode::canvas::Canvas;
use qrcode::{EcLevel, bits, ec};

/// Pixels per QR module, and the quiet zone in modules.
const SCALE: usize = 4;
const QUIET: usize = 4;

/// A black-on-white PNG of `data` as a QR code (error correction M).
pub fn png(data: &str) -> Result<Vec<u8>, Error> {
    let modules = matrix(data)?;
    let side = (modules.width + 2 * QUIET) * SCALE;
    // One bit per pixel, most significant first, rows padded to whole bytes; 1 is white.
    // At 4 pixels a module a module is a nibble and two modules a byte, and the quiet zone
    // is whole bytes: a pixel row is drawn a byte at a time from its modules' bits, not a
    // pixel at a time (that was a sixth of the image's time). Each module row is drawn
    // once and copied to the pixel rows below it.
    const _: () = assert!(SCALE == 4 && (QUIET * SCALE).is_multiple_of(8));
    let stride = side.div_ceil(8);
    let mut pixels = vec![0xffu8; stride * side];
    for y in 0..modules.width {
        let first = (y + QUIET) * SCALE * stride;
        let row = &mut pixels[first..first + stride];
        let words = modules.row(y);
        // Modules x and x + 1 (x even: both in one word; past the width they are light).
        for (x, byte) in (0..modules.width)
            .step_by(2)
            .zip(&mut row[QUIET * SCALE / 8..])
        {
            let pair = words[x / 64] >> (x % 64);
            *byte = !(((pair & 1) as u8 * 0xf0) | (((pair >> 1) & 1) as u8 * 0x0f));
        }
        for copy in 1..SCALE {
            pixels.copy_within(first..first + stride, first + copy * stride);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        // Fast deflate, every row filtered as the difference from the row above: three
        // pixel rows in four repeat the one above and filter to zeros. The adaptive filter
        // (`Compression::Fast`) tried all five filters on every row for much the same bytes.
        encoder.set_compression(png::Compression::Fastest);
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::internal(format!("png: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| Error::internal(format!("png: {e}")))?;
    }
    Ok(out)
}

/// The QR symbol of `data` (error correction M), masked.
fn matrix(data: &str) -> Result<Modules, Error> {
    let (canvas, width) = canvas(data)?;
    Ok(mask::best(&canvas, width))
}

/// The QR symbol of `data` (error correction M) before masking, and its width.
fn canvas(data: &str) -> Result<(Canvas, usize), Error> {
    let qr = |e: qrcode::types::QrError| Error::internal(format!("qr: {e}"));
    let bits = bits::encode_auto(data.as_bytes(), EcLevel::M).map_err(qr)?;
    let version = bits.version();
    let (data, ec) =
        ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).map_err(qr)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = usize::try_from(version.width()).map_err(Error::internal)?;
    Ok((canvas, width))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_code_renders_as_a_png() {
        let png = super::png("RZ1.payload.signature").expect("renders");
        assert_eq!(&png[1..4], b"PNG");
        assert!(png.len() > 100);
    }

    /// Codes of `lengths` characters drawn from a ticket code's alphabet.
    fn codes(lengths: impl Iterator<Item = usize>) -> impl Iterator<Item = String> {
        lengths.map(|n| {
            (0..n)
                .map(|i| char::from(b"RZ1.eyJ0Ijoi-_abcXYZ0189"[(i * 7 + i / 3) % 24]))
                .collect()
        })
    }

    #[test]
    fn the_mask_chosen_is_the_one_qrcode_chooses() {
        // Ticket codes run to a few hundred characters: versions 1 to about 20, one or two
        // words a line; a few longer ones take three (versions 29 to 40).
        for data in codes((1..400).step_by(9).chain([1300, 1800, 2300])) {
            let modules = super::matrix(&data).expect("encodes");
            let code =
                qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
                    .expect("encodes");
            assert_eq!(modules.width, code.width());
            let colors: Vec<qrcode::Color> = (0..modules.width * modules.width)
                .map(
                    |i| match modules.is_dark(i % modules.width, i / modules.width) {
                        true => qrcode::Color::Dark,
                        false => qrcode::Color::Light,
                    },
                )
                .collect();
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
