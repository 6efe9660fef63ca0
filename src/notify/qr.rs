//! QR images of ticket codes, as PNG, drawn from the QR matrix without an image library.

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
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for dy in 0..SCALE {
            let row = (my * SCALE + dy) * side;
            pixels[row + mx * SCALE..row + mx * SCALE + SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
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
}
