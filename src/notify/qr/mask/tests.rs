use super::Line;

/// A line from a picture of it: `#` dark, anything else light.
fn line<const N: usize>(picture: &str) -> Line<N> {
    let mut line = Line::EMPTY;
    for (i, c) in picture.chars().enumerate() {
        if c == '#' {
            line.set(i);
        }
    }
    line
}

fn score<const N: usize>(picture: &str) -> i64 {
    super::line_penalty(line::<N>(picture), Line::first(picture.len()))
}

#[test]
fn runs_of_five_or_more_score_their_length_less_two() {
    assert_eq!(score::<1>("#.#.#.#.#.#"), 0);
    assert_eq!(score::<1>("####.#.#.#."), 0);
    assert_eq!(score::<1>("#####.#.#.#"), 3);
    assert_eq!(score::<1>("#.#......#.#"), 4);
    // A run ends at the edge and the next starts at once.
    assert_eq!(score::<1>("#######.....#"), 5 + 3);
    // Across a word boundary.
    let long = format!("#.{}.#", "#".repeat(70));
    assert_eq!(score::<2>(&long), 68);
}

#[test]
fn a_finder_like_pattern_scores_unless_dark_lies_near_on_both_sides() {
    // Light on both sides, on one side, at the edges: 40 each time (and 3 for each
    // run of five light modules).
    assert_eq!(score::<1>(".....#.###.#....."), 40 + 3 + 3);
    assert_eq!(score::<1>("#....#.###.#....."), 40 + 3);
    assert_eq!(score::<1>("#.###.#"), 40);
    // Dark within four modules on both sides (before at the edge, after four away).
    assert_eq!(score::<1>("#.#.###.#...#."), 0);
    // Dark just out of reach after.
    assert_eq!(score::<1>("#.#.###.#....#"), 40);
    // Across a word boundary, with dark near on both sides.
    let long = format!("{}#.#.#.###.#.#", ".#".repeat(30));
    assert_eq!(score::<2>(&long), 0);
    let long = format!("{}.....#.###.#.....", ".#".repeat(30));
    assert_eq!(score::<2>(&long), 40 + 3 + 3);
}

/// Every mask, format information included, darkens the modules `qrcode`'s does, on
/// symbols of one, two and three words a line.
#[test]
fn each_mask_is_the_one_qrcode_applies() {
    use qrcode::canvas::MaskPattern;
    const PATTERNS: [MaskPattern; 8] = [
        MaskPattern::Checkerboard,
        MaskPattern::HorizontalLines,
        MaskPattern::VerticalLines,
        MaskPattern::DiagonalLines,
        MaskPattern::LargeCheckerboard,
        MaskPattern::Fields,
        MaskPattern::Diamonds,
        MaskPattern::Meadow,
    ];
    for n in [0, 20, 30, 150] {
        let data = format!("RZ1{}", ".eyJ0Ijoi".repeat(n));
        let (canvas, width) = super::super::canvas(&data).expect("encodes");
        let expected = |mask: MaskPattern| {
            let mut masked = canvas.clone();
            masked.apply_mask(mask);
            masked.into_colors()
        };
        let check = |symbol_colors: Vec<bool>, mask: usize| {
            let expected: Vec<bool> = expected(PATTERNS[mask])
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            assert!(symbol_colors == expected, "mask {mask}, width {width}");
        };
        for mask in 0..8 {
            match width.div_ceil(64) {
                1 => check(masked::<1>(&data, mask), mask),
                2 => check(masked::<2>(&data, mask), mask),
                _ => check(masked::<3>(&data, mask), mask),
            }
        }
    }
}

/// The symbol of `data` under `mask`, as placed here, module by module, row by row, read
/// from its rows and checked against its columns.
fn masked<const N: usize>(data: &str, mask: usize) -> Vec<bool> {
    let (version, data, ec) = super::super::codewords(data).expect("encodes");
    let layout = super::super::layout::of(version).expect("a normal version");
    let width = layout.width;
    let symbol = super::Symbol::<N>::place(layout, &data, &ec);
    let (mut rows, mut columns) = (vec![Line::EMPTY; width], vec![Line::EMPTY; width]);
    symbol.mask(mask, &mut rows, &mut columns);
    let bit = |line: Line<N>, i: usize| line.0[i / 64] >> (i % 64) & 1 == 1;
    (0..width * width)
        .map(|i| {
            let (x, y) = (i % width, i / width);
            assert_eq!(bit(rows[y], x), bit(columns[x], y), "({x}, {y})");
            bit(rows[y], x)
        })
        .collect()
}

#[test]
fn shifts_carry_modules_across_words() {
    let mut one = Line::<3>::EMPTY;
    one.set(63);
    let mut next = Line::<3>::EMPTY;
    next.set(64 + 9);
    assert_eq!(one << 10, next);
    assert_eq!(next >> 10, one);
    assert_eq!(Line::<3>::first(130).count(), 130);
}
