//! The Typst world: one shared [`Fonts`] per process (fonts, Typst library), a [`Base`] per
//! run that adds `lib.typ` from the run's templates, and a cheap [`DocWorld`] per document that
//! adds that document's main source and the date it sees as today.
//!
//! Typst interns file ids globally, at most 65,535 per process and never freed, so every id
//! here is fixed and interned once: `/main.typ` (each document's own source, served by its
//! `DocWorld`), `/lib.typ`, and `/bilaga-N.pdf` for attached PDFs (supporting routines).

use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The fonts, embedded: Noto Sans for the body (legible, full Swedish coverage) and
/// fallbacks so Arabic, Hebrew, symbols and emoji print as themselves. Licence: fonts/OFL.txt.
/// Without TrueType hinting (`scripts/dehint-fonts.py`): every PDF embeds a subset of each
/// font it uses, and hinting (screen-only) made that subset a third larger and slower to write.
pub(super) const FONT_FILES: &[&[u8]] = &[
    include_bytes!("../../fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../fonts/NotoSans-Bold.ttf"),
    include_bytes!("../../fonts/NotoSans-Italic.ttf"),
    include_bytes!("../../fonts/NotoSans-BoldItalic.ttf"),
    include_bytes!("../../fonts/NotoSansArabic-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansArabic-Bold.ttf"),
    include_bytes!("../../fonts/NotoSansHebrew-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansHebrew-Bold.ttf"),
    include_bytes!("../../fonts/NotoSansSymbols-Regular.ttf"),
    include_bytes!("../../fonts/NotoSansSymbols2-Regular.ttf"),
    include_bytes!("../../fonts/NotoColorEmoji.ttf"),
];

/// How many attached PDFs one document may embed.
pub const MAX_ATTACHMENTS: usize = 32;

struct Ids {
    main: FileId,
    lib: FileId,
    attachments: Vec<FileId>,
}

fn intern(path: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("fixed path is valid")).intern()
}

static IDS: LazyLock<Ids> = LazyLock::new(|| Ids {
    main: intern("/main.typ"),
    lib: intern("/lib.typ"),
    attachments: (0..MAX_ATTACHMENTS).map(|i| intern(&format!("/bilaga-{i}.pdf"))).collect(),
});

/// What every document of every run shares: the fonts and the Typst library. Knows no date
/// and no template; built once per process (it parses every embedded font).
pub struct Fonts {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

impl Fonts {
    pub fn load() -> Fonts {
        let fonts: Vec<Font> = FONT_FILES.iter().flat_map(|data| Font::iter(Bytes::new(*data))).collect();
        let book = FontBook::from_fonts(&fonts);
        Fonts { library: LazyHash::new(Library::builder().build()), book: LazyHash::new(book), fonts }
    }
}

/// What every document of a run shares: the fonts and `lib.typ` of the run's templates.
/// `&Base` is handed to all worker threads.
pub struct Base {
    shared: Arc<Fonts>,
    lib: Source,
}

impl Base {
    pub fn new(shared: Arc<Fonts>, lib_source: &str) -> Base {
        Base { shared, lib: Source::new(IDS.lib, lib_source.to_string()) }
    }

    /// A world for one document whose main source is `main`, seeing `today` as the date.
    pub fn world<'a>(&'a self, main: String, attachments: &'a [Arc<Vec<u8>>], today: NaiveDate) -> DocWorld<'a> {
        let today = Datetime::from_ymd(today.year(), today.month() as u8, today.day() as u8).expect("a valid calendar date");
        DocWorld { base: self, main: Source::new(IDS.main, main), attachments, today }
    }
}

/// One document's world: the shared base plus its own main source, attachments and date.
pub struct DocWorld<'a> {
    base: &'a Base,
    main: Source,
    attachments: &'a [Arc<Vec<u8>>],
    today: Datetime,
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.base.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.base.shared.book
    }

    fn main(&self) -> FileId {
        IDS.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == IDS.main {
            Ok(self.main.clone())
        } else if id == IDS.lib {
            Ok(self.base.lib.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == IDS.main {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        if id == IDS.lib {
            return Ok(Bytes::from_string(self.base.lib.clone()));
        }
        match IDS.attachments.iter().position(|a| *a == id) {
            Some(i) if i < self.attachments.len() => Ok(Bytes::new(self.attachments[i].as_ref().clone())),
            _ => Err(not_found(id)),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.base.shared.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_without_slash().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table<'a>(face: &ttf_parser::RawFace<'a>, t: &[u8; 4]) -> Option<&'a [u8]> {
        face.table(ttf_parser::Tag::from_bytes(t))
    }

    /// `scripts/dehint-fonts.py` was run on every bundled TrueType font: no hinting programs
    /// (which every PDF's font subset would carry), no glyph with instructions (counted glyph
    /// by glyph, and `maxp` declares none), and the outlines and shaping tables are all still
    /// there.
    #[test]
    fn the_bundled_fonts_carry_no_hinting_and_all_their_outlines() {
        let mut glyf_fonts = 0;
        for (i, data) in FONT_FILES.iter().enumerate() {
            let face = ttf_parser::RawFace::parse(data, 0).unwrap_or_else(|e| panic!("font {i}: {e}"));
            let Some(glyf) = table(&face, b"glyf") else {
                continue; // the colour emoji font: bitmaps, never hinted
            };
            glyf_fonts += 1;
            for t in [b"fpgm", b"prep", b"cvt "] {
                assert!(table(&face, t).is_none(), "font {i} has {}", String::from_utf8_lossy(t));
            }
            let [head, maxp, loca] = [b"head", b"maxp", b"loca"].map(|t| table(&face, t).expect("a TrueType table"));
            assert_eq!(u16::from_be_bytes([maxp[26], maxp[27]]), 0, "font {i}: maxp declares glyph instructions");
            assert_eq!(simple_glyphs_with_instructions(head, maxp, loca, glyf), 0, "font {i}: glyph instructions left");
            for t in [b"cmap", b"hmtx", b"GSUB"] {
                assert!(table(&face, t).is_some(), "font {i} lost {}", String::from_utf8_lossy(t));
            }
            if i < 4 {
                // Noto Sans, the body font: Swedish letters still have their outlines.
                let parsed = ttf_parser::Face::parse(data, 0).expect("parses as a face");
                for c in ['å', 'Ä', 'ö'] {
                    let g = parsed.glyph_index(c).expect("mapped");
                    assert!(parsed.glyph_bounding_box(g).is_some(), "font {i}: {c} has no outline");
                }
            }
        }
        assert_eq!(glyf_fonts, FONT_FILES.len() - 1);
    }

    /// How many simple glyphs of a TrueType font have instructions (`instructionLength` after
    /// the contour end points; `loca` gives each glyph's bytes in `glyf`).
    fn simple_glyphs_with_instructions(head: &[u8], maxp: &[u8], loca: &[u8], glyf: &[u8]) -> usize {
        let u16_at = |d: &[u8], o: usize| u16::from_be_bytes([d[o], d[o + 1]]) as usize;
        let long = u16_at(head, 50) == 1;
        let offset = |g: usize| {
            if long {
                u32::from_be_bytes([loca[4 * g], loca[4 * g + 1], loca[4 * g + 2], loca[4 * g + 3]]) as usize
            } else {
                2 * u16_at(loca, 2 * g)
            }
        };
        (0..u16_at(maxp, 4))
            .filter(|&g| {
                let glyph = &glyf[offset(g)..offset(g + 1)];
                let contours = if glyph.len() >= 10 { i16::from_be_bytes([glyph[0], glyph[1]]) } else { 0 };
                contours > 0 && u16_at(glyph, 10 + 2 * contours as usize) > 0
            })
            .count()
    }

    /// The count above sees hinting: of two one-contour glyphs, the one with 3 bytes of
    /// instructions counts, the one without does not (short `loca`).
    #[test]
    fn the_instruction_count_sees_hinting() {
        let glyph = |instructions: &[u8]| {
            let mut g = Vec::new();
            g.extend(1i16.to_be_bytes()); // one contour
            g.extend([0u8; 8]); // bounding box
            g.extend(2u16.to_be_bytes()); // end point of the contour
            g.extend((instructions.len() as u16).to_be_bytes());
            g.extend(instructions);
            g.extend([1u8; 3]); // flags: on curve
            g.extend([0u8; 12]); // coordinates
            g.resize(g.len().next_multiple_of(2), 0);
            g
        };
        let (plain, hinted) = (glyph(&[]), glyph(&[0xb0, 0x00, 0x2b]));
        let glyf = [plain.as_slice(), hinted.as_slice()].concat();
        let loca: Vec<u8> = [0, plain.len(), glyf.len()].iter().flat_map(|&o| ((o / 2) as u16).to_be_bytes()).collect();
        let head = [0u8; 54]; // indexToLocFormat 0: short offsets
        let mut maxp = [0u8; 32];
        maxp[4..6].copy_from_slice(&2u16.to_be_bytes());
        assert_eq!(simple_glyphs_with_instructions(&head, &maxp, &loca, &glyf), 1);
    }
}
