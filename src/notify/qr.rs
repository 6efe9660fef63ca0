//! QR images of ticket codes, as PNG, drawn from the QR matrix without an image library.
//!
//! A ticket's image is drawn once per confirmation email (and once per printed ticket at
//! the box office), so it is made cheap rather than cached: one bit per pixel (a QR code
//! is black and white; eight times fewer bytes to filter and deflate than 8-bit grey) and
//! the PNG encoder's fast deflate. Under a sales rush this was 7 % of the server's CPU at
//! 8 bits with the balanced deflate.

use crate::error::Error;
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per QR module, and the quiet zone in modules.
const SCALE: usize = 4;
const QUIET: usize = 4;

/// A black-on-white PNG of `data` as a QR code (error correction M).
pub fn png(data: &str) -> Result<Vec<u8>, Error> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| Error::internal(format!("qr: {e}")))?;
    let modules = code.width();
    let colors = code.to_colors();
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_code_renders_as_a_png() {
        let png = super::png("RZ1.payload.signature").expect("renders");
        assert_eq!(&png[1..4], b"PNG");
        assert!(png.len() > 100);
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
