//! The QR code in every document's stamp: the document id and the first 8 hex digits of its
//! version, as `<publik_adress>/v/<id>/<v8>` (the web page's verify view) or, without a
//! public address, `reservpack:<id>:<v8>` — both forms `reservpack verify` accepts.
//!
//! Encoded with the `fast_qr` crate (error correction M, so a smudged or punched sheet still
//! reads; the mask with the lowest penalty, as ISO/IEC 18004 asks, found several times
//! faster than the `qrcode` crate did) and drawn as one SVG path, a row's dark run per
//! subpath, with the standard quiet zone of 4 modules. It is made at render time, from the stamp's id and version, so it is
//! never part of the version hash (FORMATS.md, "The stamp on every page").

use std::fmt::Write;

/// Module size on paper, in mm: at 0.42 mm a module is 3.3 pixels of a 200 dpi scan.
pub const MODULE_MM: f64 = 0.42;
/// The quiet zone around the code, in modules (the standard's minimum).
const QUIET: usize = 4;

/// What the stamp's QR code holds for a document.
pub fn text(public_address: Option<&str>, id: &str, short_version: &str) -> String {
    match public_address {
        Some(base) => format!("{}/v/{id}/{short_version}", base.trim_end_matches('/')),
        None => format!("reservpack:{id}:{short_version}"),
    }
}

/// The document id and version a QR code's text names: `reservpack:<id>:<v8>` or
/// `<any address>/v/<id>/<v8>` (any host and path before `/v/`, a trailing `/`, `?…` or `#…`
/// ignored). The version is hex, at least 8 digits (lower-cased); the id letters, digits and
/// `-`. `None` for anything else.
pub fn parse(s: &str) -> Option<(String, String)> {
    let s = s.trim();
    let (id, version) = if let Some(rest) = s.get(..11).filter(|p| p.eq_ignore_ascii_case("reservpack:")).and(s.get(11..)) {
        rest.split_once(':')?
    } else {
        let (scheme, rest) = s.split_once("://")?;
        if !(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")) {
            return None;
        }
        let path = rest.split(['?', '#']).next()?.trim_end_matches('/');
        let (before, tail) = path.rsplit_once("/v/")?;
        if before.is_empty() {
            return None;
        }
        tail.split_once('/')?
    };
    let id_ok = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let version_ok = (8..=64).contains(&version.len()) && version.chars().all(|c| c.is_ascii_hexdigit());
    (id_ok && version_ok).then(|| (id.to_string(), version.to_ascii_lowercase()))
}

/// A QR code as SVG: its source and its printed width in mm (quiet zone included).
pub struct Svg {
    pub svg: String,
    pub width_mm: f64,
}

/// `content` as a QR code in SVG, one path; `None` if it is too long for a QR code.
pub fn svg(content: &str) -> Option<Svg> {
    let code = fast_qr::QRBuilder::new(content).ecl(fast_qr::ECL::M).build().ok()?;
    let n = code.size;
    let size = n + 2 * QUIET;
    let mut path = String::with_capacity(n * n);
    for y in 0..n {
        let row = &code[y];
        let mut x = 0;
        while x < n {
            if row[x].value() {
                let start = x;
                while x < n && row[x].value() {
                    x += 1;
                }
                let _ = write!(path, "M{} {}h{}v1h-{}z", start + QUIET, y + QUIET, x - start, x - start);
            } else {
                x += 1;
            }
        }
    }
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
    );
    Some(Svg { svg, width_mm: (size as f64 * MODULE_MM * 100.0).round() / 100.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_both_forms_from_any_host_and_nothing_else() {
        let ok = |s: &str| parse(s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(ok("reservpack:GP-1:0123ABCD"), ("GP-1".into(), "0123abcd".into()));
        assert_eq!(ok(" RESERVPACK:GP-1:0123abcd\n"), ("GP-1".into(), "0123abcd".into()));
        assert_eq!(ok("http://localhost:8080/v/GP-1/0123abcd/"), ("GP-1".into(), "0123abcd".into()));
        assert_eq!(ok("https://x.se/v/GP-1/0123abcd?utm=1"), ("GP-1".into(), "0123abcd".into()));
        for bad in [
            "",
            "GP-1",
            "reservpack:GP-1",
            "reservpack:GP-1:0123abc",
            "reservpack:GP-1:0123abcg",
            "reservpack::0123abcd",
            "reservpack:GP 1:0123abcd",
            "reservpack:GP-1:0123abcd:x",
            "ftp://x.se/v/GP-1/0123abcd",
            "https://x.se/w/GP-1/0123abcd",
            "https://x.se/v/GP-1",
            "https://x.se/v/GP-1/0123abcd/extra",
            "https://x.se/v/../0123abcd",
            "/v/GP-1/0123abcd",
            "reservpackå:GP-1:0123abcd",
            "åååååååååå:x",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn both_forms_and_the_printed_size() {
        assert_eq!(text(None, "GP-1A2B3C4D5E", "0123abcd"), "reservpack:GP-1A2B3C4D5E:0123abcd");
        assert_eq!(text(Some("https://rp.kommun.se/"), "GP-1", "0123abcd"), "https://rp.kommun.se/v/GP-1/0123abcd");
        for (id, v) in [("GP-1A2B3C4D5E", "0123abcd"), ("SCH-X", "0123456789abcdef")] {
            assert_eq!(parse(&text(None, id, v)), Some((id.into(), v.into())));
            assert_eq!(parse(&text(Some("https://a.b/reservpack"), id, v)), Some((id.into(), v.into())));
        }
        let q = svg("https://reservpack.exempelkommun.se/v/SCH-0123456789AB/0123abcd").unwrap();
        assert_eq!(q.svg.matches("<path").count(), 1);
        assert_eq!(q.svg.matches("<rect").count(), 1, "the quiet zone's white background only");
        // 63 bytes: one more than version 4 holds at level M, so version 5 (37 modules) plus
        // the quiet zone: 45 × 0.42 mm.
        assert!((q.width_mm - 18.9).abs() < 0.01, "{}", q.width_mm);
        // The usual text, `reservpack:<id>:<v8>`: version 3 (29 modules), 37 × 0.42 mm.
        let q = svg("reservpack:SCH-0123456789AB:0123abcd").unwrap();
        assert!((q.width_mm - 15.54).abs() < 0.01, "{}", q.width_mm);
        // Deterministic.
        assert_eq!(svg("reservpack:X:0123abcd").unwrap().svg, svg("reservpack:X:0123abcd").unwrap().svg);
    }

    /// The path is the code: drawn as pixels (a module per pixel, a subpath's runs filled),
    /// the quiet zone is white, the three finder patterns are where the standard puts them,
    /// and, scaled up as a scan would see it, it decodes to the text.
    #[test]
    fn the_path_holds_the_code_and_reads_back() {
        let text = "reservpack:GP-1A2B3C4D5E:0123abcd";
        let q = svg(text).unwrap();
        let size: u32 = q.svg.split("viewBox=\"0 0 ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
        let mut image = image::GrayImage::from_pixel(size, size, image::Luma([255]));
        let d = q.svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap();
        for run in d.split('M').filter(|r| !r.is_empty()) {
            // "x yhWv1h-Wz": a run of W dark modules from (x, y).
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let w: u32 = rest.split('v').next().unwrap().parse().unwrap();
            let (x, y): (u32, u32) = (x.parse().unwrap(), y.parse().unwrap());
            for i in 0..w {
                image.put_pixel(x + i, y, image::Luma([0]));
            }
        }
        let n = size as usize - 2 * QUIET;
        assert_eq!((n - 17) % 4, 0, "a QR code is 17 + 4·version modules wide: {n}");
        let dark = |x: usize, y: usize| image.get_pixel(x as u32, y as u32).0[0] == 0;
        for (x, y, _) in image.enumerate_pixels() {
            let (x, y) = (x as usize, y as usize);
            if x < QUIET || y < QUIET || x >= QUIET + n || y >= QUIET + n {
                assert!(!dark(x, y), "quiet zone at {x},{y}");
            }
        }
        // A finder pattern's dark outer ring and centre, light ring between, at three corners.
        for (ox, oy) in [(QUIET, QUIET), (QUIET + n - 7, QUIET), (QUIET, QUIET + n - 7)] {
            for i in 0..7 {
                for j in 0..7 {
                    let ring = i == 0 || j == 0 || i == 6 || j == 6;
                    let centre = (2..=4).contains(&i) && (2..=4).contains(&j);
                    assert_eq!(dark(ox + i, oy + j), ring || centre, "finder at {ox},{oy} + {i},{j}");
                }
            }
        }
        let big = image::imageops::resize(&image, size * 4, size * 4, image::imageops::FilterType::Nearest);
        let mut prepared = rqrr::PreparedImage::prepare(big);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].decode().unwrap().1, text);
    }
}
