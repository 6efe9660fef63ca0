//! QR images of ticket codes, as PNG, drawn from the QR matrix without an image library.
//!
//! A ticket's image is drawn once per confirmation email (and once per printed ticket at
//! the box office), so it is made cheap rather than cached: one bit per pixel (a QR code
//! is black and white; eight times fewer bytes to filter and deflate than 8-bit grey) and
//! the fastest deflate (`fdeflate`, which the `png` crate's own fastest setting uses), the
//! PNG's few chunks written here. Under a sales rush this was 7 % of the server's CPU at
//! 8 bits with the balanced deflate.
//!
//! `qrcode` encodes the data and its error correction; the symbol is drawn and its mask
//! chosen here ([`layout`] and [`mask`] say why and how), module for module as `qrcode`
//! would draw and choose them; tests hold them equal.

mod layout;
mod mask;

use crate::error::Error;
use mask::Modules;
use qrcode::types::Version;
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
    // pixel at a time (that was a sixth of the image's time).
    const _: () = assert!(SCALE == 4 && (QUIET * SCALE).is_multiple_of(8));
    let stride = side.div_ceil(8);
    // The rows as PNG filters them, each after its filter type: a row that repeats the one
    // above (three in four, and the quiet zone) as `Up`, the difference from it, which is
    // all zeros and deflates to almost nothing; any other as `None`, itself.
    let mut filtered = Vec::with_capacity((stride + 1) * side);
    let (mut row, mut above) = (vec![0xffu8; stride], Vec::new());
    for y in 0..side {
        // A module row is drawn once, at its first pixel row; the quiet zone is white.
        let module_row = (y / SCALE)
            .checked_sub(QUIET)
            .filter(|&my| my < modules.width);
        match module_row {
            _ if y % SCALE != 0 => {}
            None => row.fill(0xff),
            Some(my) => {
                let words = modules.row(my);
                // Modules x and x + 1 (x even: both in one word; past the width they are
                // light).
                for (x, byte) in (0..modules.width)
                    .step_by(2)
                    .zip(&mut row[QUIET * SCALE / 8..])
                {
                    let pair = words[x / 64] >> (x % 64);
                    *byte = !(((pair & 1) as u8 * 0xf0) | (((pair >> 1) & 1) as u8 * 0x0f));
                }
            }
        }
        if row == above {
            filtered.push(FILTER_UP);
            filtered.resize(filtered.len() + stride, 0);
        } else {
            filtered.push(FILTER_NONE);
            filtered.extend_from_slice(&row);
            above.clone_from(&row);
        }
    }
    // The zlib stream in one call of the fastest deflate: its checksum and its runs of
    // zeros then cover the whole image, not a row at a time as the `png` crate's encoder
    // fed them (its checksum alone was 4 % of composing a confirmation).
    let zlib = fdeflate::compress_to_vec(&filtered);
    let side = u32::try_from(side).map_err(Error::internal)?;
    let mut header = [0; 13];
    header[..4].copy_from_slice(&side.to_be_bytes());
    header[4..8].copy_from_slice(&side.to_be_bytes());
    // Bit depth 1, greyscale; deflate, adaptive filtering, no interlace.
    header[8..].copy_from_slice(&[1, 0, 0, 0, 0]);
    let mut out = Vec::with_capacity(zlib.len() + 64);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    chunk(&mut out, b"IHDR", &header)?;
    chunk(&mut out, b"IDAT", &zlib)?;
    chunk(&mut out, b"IEND", &[])?;
    Ok(out)
}

/// PNG's filter types `None` and `Up`.
const FILTER_NONE: u8 = 0;
const FILTER_UP: u8 = 2;

/// Appends a PNG chunk: its length, type, data and the CRC of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Result<(), Error> {
    let length = u32::try_from(data.len()).map_err(Error::internal)?;
    out.extend_from_slice(&length.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(())
}

/// The QR symbol of `data` (error correction M), masked.
fn matrix(data: &str) -> Result<Modules, Error> {
    let (version, data, ec) = codewords(data)?;
    let layout =
        layout::of(version).ok_or_else(|| Error::internal(format!("qr: no {version:?}")))?;
    Ok(mask::best(layout, &data, &ec))
}

/// The smallest version that holds `data` at error correction M, and its data and error
/// correction codewords, interleaved as they are placed.
fn codewords(data: &str) -> Result<(Version, Vec<u8>, Vec<u8>), Error> {
    let qr = |e: qrcode::types::QrError| Error::internal(format!("qr: {e}"));
    let bits = bits::encode_auto(data.as_bytes(), EcLevel::M).map_err(qr)?;
    let version = bits.version();
    let (data, ec) =
        ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).map_err(qr)?;
    Ok((version, data, ec))
}

/// The QR symbol of `data` (error correction M) before masking, as `qrcode` draws it, and
/// its width: the tests' reference.
#[cfg(test)]
fn canvas(data: &str) -> Result<(qrcode::canvas::Canvas, usize), Error> {
    let (version, data, ec) = codewords(data)?;
    let mut canvas = qrcode::canvas::Canvas::new(version, EcLevel::M);
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
            assert!(
                colors(&modules) == code.to_colors(),
                "{} characters",
                data.len()
            );
        }
    }

    /// `symbol`'s modules, row by row, as `qrcode` gives its colours.
    fn colors(symbol: &super::Modules) -> Vec<qrcode::Color> {
        let width = symbol.width;
        (0..width * width)
            .map(|i| match symbol.is_dark(i % width, i / width) {
                true => qrcode::Color::Dark,
                false => qrcode::Color::Light,
            })
            .collect()
    }

    /// A pseudo-random number generator (xorshift64), so a failure can be replayed.
    fn randoms(seed: u64) -> impl Iterator<Item = u64> {
        std::iter::successors(Some(seed), |&x| {
            let x = x ^ (x << 13);
            let x = x ^ (x >> 7);
            Some(x ^ (x << 17))
        })
        .skip(1)
    }

    #[test]
    fn random_ticket_codes_draw_the_symbol_qrcode_draws() {
        // Codes as the server signs them: `RZ1.`, base64url claims, `.`, a base64url
        // signature; 150 to 450 characters (versions 9 to 19).
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut random = randoms(0x5eed_71c4_0e75);
        for _ in 0..200 {
            let mut next = |below: u64| usize::try_from(random.next().unwrap_or(0) % below);
            let (claims, signature) = (next(300).unwrap_or(0) + 64, 86);
            let mut code = String::from("RZ1.");
            for i in 0..claims + 1 + signature {
                match i == claims {
                    true => code.push('.'),
                    false => code.push(char::from(ALPHABET[next(64).unwrap_or(0)])),
                }
            }
            let symbol = super::matrix(&code).expect("encodes");
            let expected =
                qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M)
                    .expect("encodes");
            assert_eq!(symbol.width, expected.width());
            assert!(colors(&symbol) == expected.to_colors(), "{code}");
        }
    }

    #[test]
    fn every_version_draws_the_symbol_qrcode_draws() {
        use qrcode::bits::Bits;
        use qrcode::types::Version;
        let mut random = randoms(40);
        for number in 1..=40 {
            let bits = || Bits::new(Version::Normal(number));
            // Bytes that fill the version (mode and length take at most 20 bits), and half.
            let capacity = (bits().max_len(qrcode::EcLevel::M).expect("a version") - 20) / 8;
            for len in [capacity, capacity / 2] {
                let data: Vec<u8> = random.by_ref().take(len).map(|x| x as u8).collect();
                let encoded = || {
                    let mut encoded = bits();
                    encoded.push_byte_data(&data).expect("fits");
                    encoded.push_terminator(qrcode::EcLevel::M).expect("fits");
                    encoded
                };
                let version = Version::Normal(number);
                let (codewords, ec) = qrcode::ec::construct_codewords(
                    &encoded().into_bytes(),
                    version,
                    qrcode::EcLevel::M,
                )
                .expect("constructs");
                let layout = super::layout::of(version).expect("a normal version");
                let symbol = super::mask::best(layout, &codewords, &ec);
                let expected =
                    qrcode::QrCode::with_bits(encoded(), qrcode::EcLevel::M).expect("encodes");
                assert_eq!(symbol.width, expected.width());
                assert!(
                    colors(&symbol) == expected.to_colors(),
                    "version {number}, {len} bytes"
                );
            }
        }
    }

    #[test]
    fn the_png_is_the_qr_code_of_the_data() {
        // One, two and three words a line (versions 3, 12 and 33).
        for data in codes([42, 261, 1500].into_iter()) {
            let png = super::png(&data).expect("renders");
            let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
            decoder.set_transformations(png::Transformations::EXPAND);
            let mut reader = decoder.read_info().expect("a PNG");
            let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
            let info = reader.next_frame(&mut pixels).expect("a frame");
            let code =
                qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
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
}
