//! Reading the pack's PDFs back (text with positions, ruled lines) and making fillable
//! copies of the blank forms: an AcroForm text field in every empty cell of a ruled table
//! and above every "Etikett: ____" line, so a form can be filled in and printed on any PC
//! with a PDF reader (Adobe Reader, Edge, Chrome, Firefox) without installing anything.
//!
//! The geometry comes from the page's own drawing operators (Typst draws a `grid`'s strokes
//! as `m … l … S` segments), so the templates need no markers.

use std::collections::HashMap;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, dictionary};

/// A piece of text on a page: where its run starts (PDF points, y up) and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub x: f32,
    pub y: f32,
    pub text: String,
}

/// A stroked straight segment, in page coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Segment {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

/// What one page holds for the form filler.
#[derive(Default, Debug)]
struct PageGeometry {
    texts: Vec<Text>,
    segments: Vec<Segment>,
}

type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn nums(ops: &[Object]) -> Vec<f32> {
    ops.iter().filter_map(|o| o.as_float().ok().or_else(|| o.as_i64().ok().map(|i| i as f32))).collect()
}

/// The horizontal rules (stroked segments longer than 20 pt) drawn on a PDF's first page:
/// their heights from the top of an A4 page in pt, top first, each once. For tests that
/// compare a table's row heights.
#[cfg(test)]
pub(crate) fn horizontal_rules(bytes: &[u8]) -> Vec<f64> {
    let doc = Document::load_mem(bytes).expect("a PDF");
    let page = doc.page_iter().next().expect("a page");
    let g = page_geometry(&doc, page).expect("a readable page");
    let mut ys: Vec<f64> = g
        .segments
        .iter()
        .filter(|s| (s.y0 - s.y1).abs() < 0.001 && (s.x1 - s.x0).abs() > 20.0)
        .map(|s| ((842.0 - f64::from(s.y0)) * 100.0).round() / 100.0)
        .collect();
    ys.sort_by(f64::total_cmp);
    ys.dedup();
    ys
}

/// The text runs and stroked segments of one page.
fn page_geometry(doc: &Document, page: ObjectId) -> Result<PageGeometry, lopdf::Error> {
    let fonts = doc.get_page_fonts(page)?;
    let encodings: HashMap<Vec<u8>, ToUnicode> = fonts.into_iter().map(|(name, font)| (name, ToUnicode::of(doc, font))).collect();
    let content = Content::decode(&doc.get_page_content(page)?)?;
    let mut g = PageGeometry::default();
    let mut ctm = IDENTITY;
    let mut stack: Vec<Matrix> = Vec::new();
    let (mut tm, mut line) = (IDENTITY, IDENTITY);
    let mut font: Option<&ToUnicode> = None;
    let mut path: Vec<Segment> = Vec::new();
    let mut at: Option<(f32, f32)> = None;
    let mut start: Option<(f32, f32)> = None;
    for op in &content.operations {
        let n = nums(&op.operands);
        match op.operator.as_str() {
            "q" => stack.push(ctm),
            "Q" => ctm = stack.pop().unwrap_or(IDENTITY),
            "cm" if n.len() == 6 => ctm = mul(&[n[0], n[1], n[2], n[3], n[4], n[5]], &ctm),
            "m" if n.len() == 2 => {
                at = Some(apply(&ctm, n[0], n[1]));
                start = at;
            }
            "l" if n.len() == 2 => {
                let p = apply(&ctm, n[0], n[1]);
                if let Some(a) = at {
                    path.push(Segment { x0: a.0, y0: a.1, x1: p.0, y1: p.1 });
                }
                at = Some(p);
            }
            "h" => {
                if let (Some(a), Some(s)) = (at, start) {
                    path.push(Segment { x0: a.0, y0: a.1, x1: s.0, y1: s.1 });
                }
            }
            "re" if n.len() == 4 => {
                let c = [(n[0], n[1]), (n[0] + n[2], n[1]), (n[0] + n[2], n[1] + n[3]), (n[0], n[1] + n[3])];
                for i in 0..4 {
                    let (a, b) = (apply(&ctm, c[i].0, c[i].1), apply(&ctm, c[(i + 1) % 4].0, c[(i + 1) % 4].1));
                    path.push(Segment { x0: a.0, y0: a.1, x1: b.0, y1: b.1 });
                }
            }
            "S" | "s" | "B" | "B*" | "b" | "b*" => {
                g.segments.append(&mut path);
                at = None;
            }
            "f" | "F" | "f*" | "n" => {
                path.clear();
                at = None;
            }
            "BT" => {
                tm = IDENTITY;
                line = IDENTITY;
            }
            "Tm" if n.len() == 6 => {
                tm = [n[0], n[1], n[2], n[3], n[4], n[5]];
                line = tm;
            }
            "Td" | "TD" if n.len() == 2 => {
                line = mul(&[1.0, 0.0, 0.0, 1.0, n[0], n[1]], &line);
                tm = line;
            }
            "Tf" => font = op.operands.first().and_then(|o| o.as_name().ok()).and_then(|name| encodings.get(name)),
            "Tj" | "TJ" => {
                let mut text = String::new();
                collect(font, &op.operands, &mut text);
                if !text.trim().is_empty() {
                    let (x, y) = apply(&mul(&tm, &ctm), 0.0, 0.0);
                    g.texts.push(Text { x, y, text });
                }
            }
            _ => {}
        }
    }
    Ok(g)
}

/// A font's map from character codes to text (its `/ToUnicode` CMap: `bfchar` and
/// `bfrange`), as Typst writes it; lopdf's own reader rejects Typst's CMaps.
#[derive(Debug, Default)]
struct ToUnicode {
    map: HashMap<u32, String>,
    /// Two bytes per code (Type0 fonts), else one.
    wide: bool,
}

fn hex_bytes(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits.chunks(2).filter_map(|c| u8::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok()).collect()
}

fn code_of(s: &str) -> u32 {
    hex_bytes(s).iter().fold(0u32, |acc, b| (acc << 8) | *b as u32)
}

fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
    String::from_utf16_lossy(&units)
}

impl ToUnicode {
    fn of(doc: &Document, font: &Dictionary) -> ToUnicode {
        let wide = font.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Type0");
        let cmap = font
            .get(b"ToUnicode")
            .and_then(Object::as_reference)
            .and_then(|r| doc.get_object(r))
            .and_then(Object::as_stream)
            .and_then(|s| s.decompressed_content().or_else(|_| Ok(s.content.clone())));
        let mut t = ToUnicode { map: HashMap::new(), wide };
        if let Ok(bytes) = cmap {
            t.parse(&String::from_utf8_lossy(&bytes));
        }
        t
    }

    fn parse(&mut self, cmap: &str) {
        let tokens: Vec<&str> = cmap.split_whitespace().collect();
        let mut i = 0;
        let mut mode = "";
        while i < tokens.len() {
            let t = tokens[i];
            match t {
                "beginbfchar" | "beginbfrange" => mode = t,
                "endbfchar" | "endbfrange" => mode = "",
                _ if mode == "beginbfchar" && t.starts_with('<') && i + 1 < tokens.len() => {
                    self.map.insert(code_of(t), utf16(&hex_bytes(tokens[i + 1])));
                    i += 1;
                }
                _ if mode == "beginbfrange" && t.starts_with('<') && i + 2 < tokens.len() => {
                    let (lo, hi) = (code_of(t), code_of(tokens[i + 1]));
                    if tokens[i + 2].starts_with('[') {
                        let mut j = i + 2;
                        let mut code = lo;
                        loop {
                            let item = tokens[j].trim_start_matches('[').trim_end_matches(']');
                            if !item.is_empty() && code <= hi {
                                self.map.insert(code, utf16(&hex_bytes(item)));
                                code += 1;
                            }
                            if tokens[j].ends_with(']') || j + 1 >= tokens.len() {
                                break;
                            }
                            j += 1;
                        }
                        i = j;
                    } else {
                        let base = hex_bytes(tokens[i + 2]);
                        for (k, code) in (lo..=hi.min(lo + 0xFFFF)).enumerate() {
                            let mut dst = base.clone();
                            if let Some(last) = dst.len().checked_sub(1) {
                                dst[last] = dst[last].wrapping_add(k as u8);
                            }
                            self.map.insert(code, utf16(&dst));
                        }
                        i += 2;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn decode(&self, bytes: &[u8], out: &mut String) {
        let step = if self.wide { 2 } else { 1 };
        for c in bytes.chunks(step) {
            let code = c.iter().fold(0u32, |acc, b| (acc << 8) | *b as u32);
            if let Some(s) = self.map.get(&code) {
                out.push_str(s);
            }
        }
    }
}

fn collect(font: Option<&ToUnicode>, operands: &[Object], out: &mut String) {
    for o in operands {
        match o {
            Object::String(bytes, _) => {
                if let Some(f) = font {
                    f.decode(bytes, out);
                }
            }
            Object::Array(a) => collect(font, a, out),
            _ => {}
        }
    }
}

/// A rectangle on a page for a text field (PDF points, y up), what it is called, and
/// whether it takes several lines.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldBox {
    pub rect: [f32; 4],
    pub tooltip: String,
    pub multiline: bool,
}

const EPS: f32 = 0.8;
/// An empty cell lower than this gets no field.
const MIN_HEIGHT: f32 = 11.0;
/// A cell with a label keeps at least this much height below it for a field (less: it is a
/// column header).
const MIN_HEIGHT_BELOW_LABEL: f32 = 14.0;
/// A lone ruled line ("Datum: ____") longer than this is a separator, not a field.
const MAX_FILL_LINE: f32 = 300.0;

/// Where the fields go on a page: the empty part of every cell of every ruled table, and
/// the space above every lone fill-in line.
fn field_boxes(g: &PageGeometry) -> Vec<FieldBox> {
    let horizontal: Vec<(f32, f32, f32)> = merge(
        g.segments
            .iter()
            .filter(|s| (s.y0 - s.y1).abs() < EPS && (s.x0 - s.x1).abs() > EPS)
            .map(|s| (s.y0, s.x0.min(s.x1), s.x0.max(s.x1)))
            .collect(),
    );
    let vertical: Vec<(f32, f32, f32)> = merge(
        g.segments
            .iter()
            .filter(|s| (s.x0 - s.x1).abs() < EPS && (s.y0 - s.y1).abs() > EPS)
            .map(|s| (s.x0, s.y0.min(s.y1), s.y0.max(s.y1)))
            .collect(),
    );
    let covers_h = |y: f32, a: f32, b: f32| horizontal.iter().any(|&(hy, x0, x1)| (hy - y).abs() < EPS && x0 <= a + EPS && x1 >= b - EPS);
    let mut levels: Vec<f32> = horizontal.iter().map(|h| h.0).collect();
    levels.sort_by(|a, b| b.total_cmp(a));
    levels.dedup_by(|a, b| (*a - *b).abs() < EPS);
    let mut out = Vec::new();
    let mut used_lines = vec![false; horizontal.len()];
    // Headers: the text of the top cell of each column, for the tooltips.
    let mut headers: Vec<(f32, f32, String)> = Vec::new();
    for pair in levels.windows(2) {
        let (top, bottom) = (pair[0], pair[1]);
        let mut xs: Vec<f32> = vertical.iter().filter(|&&(_, y0, y1)| y0 <= bottom + EPS && y1 >= top - EPS).map(|v| v.0).collect();
        xs.sort_by(f32::total_cmp);
        xs.dedup_by(|a, b| (*a - *b).abs() < EPS);
        for cell in xs.windows(2) {
            let (left, right) = (cell[0], cell[1]);
            if !(covers_h(top, left, right) && covers_h(bottom, left, right)) {
                continue;
            }
            for (i, h) in horizontal.iter().enumerate() {
                if ((h.0 - top).abs() < EPS || (h.0 - bottom).abs() < EPS) && h.1 < right && h.2 > left {
                    used_lines[i] = true;
                }
            }
            let inside: Vec<&Text> = g.texts.iter().filter(|t| t.x > left - EPS && t.x < right && t.y > bottom && t.y < top).collect();
            let label: String = inside.iter().map(|t| t.text.trim()).collect::<Vec<_>>().join(" ");
            let lowest = inside.iter().map(|t| t.y).fold(f32::INFINITY, f32::min);
            let field_top = if inside.is_empty() { top - 1.5 } else { lowest - 3.0 };
            let min = if inside.is_empty() { MIN_HEIGHT } else { MIN_HEIGHT_BELOW_LABEL };
            if field_top - bottom - 1.5 < min {
                if !label.is_empty() {
                    headers.push((left, right, label));
                }
                continue;
            }
            let header = headers.iter().rev().find(|(l, r, _)| (l - left).abs() < EPS && (r - right).abs() < EPS).map(|h| h.2.clone());
            let tooltip = if !label.is_empty() { label } else { header.unwrap_or_else(|| "Fält".into()) };
            let rect = [left + 1.5, bottom + 1.5, right - 1.5, field_top];
            out.push(FieldBox { multiline: rect[3] - rect[1] > 20.0, rect, tooltip });
        }
    }
    for (i, &(y, x0, x1)) in horizontal.iter().enumerate() {
        if used_lines[i] || x1 - x0 > MAX_FILL_LINE {
            continue;
        }
        // The label stands just left of the line, on its baseline.
        let label = g
            .texts
            .iter()
            .filter(|t| (t.y - y).abs() < 8.0 && t.x < x0)
            .max_by(|a, b| a.x.total_cmp(&b.x))
            .map(|t| t.text.trim().trim_end_matches(':').to_string());
        out.push(FieldBox {
            rect: [x0, y + 0.5, x1, y + 14.0],
            tooltip: label.filter(|l| !l.is_empty()).unwrap_or_else(|| "Fält".into()),
            multiline: false,
        });
    }
    out
}

/// Collinear segments that touch or overlap, joined: (position, from, to).
fn merge(mut segs: Vec<(f32, f32, f32)>) -> Vec<(f32, f32, f32)> {
    segs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut out: Vec<(f32, f32, f32)> = Vec::new();
    for s in segs {
        match out.last_mut() {
            Some(last) if (last.0 - s.0).abs() < EPS && s.1 <= last.2 + EPS => last.2 = last.2.max(s.2),
            _ => out.push(s),
        }
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum FillableError {
    #[error("PDF:en kan inte läsas: {0}")]
    Pdf(#[from] lopdf::Error),
    #[error("blanketten har inga linjerade fält att fylla i")]
    NoFields,
}

/// A copy of `bytes` (a blank form) with a fillable text field in every empty box.
/// Returns the new PDF and the number of fields.
pub fn fillable(bytes: &[u8]) -> Result<(Vec<u8>, usize), FillableError> {
    let mut doc = Document::load_mem(bytes)?;
    let pages: Vec<(u32, ObjectId)> = doc.get_pages().into_iter().collect();
    let mut placed: Vec<(ObjectId, Vec<FieldBox>)> = Vec::new();
    for (_, page) in &pages {
        let boxes = field_boxes(&page_geometry(&doc, *page)?);
        placed.push((*page, boxes));
    }
    let total: usize = placed.iter().map(|p| p.1.len()).sum();
    if total == 0 {
        return Err(FillableError::NoFields);
    }
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let da = Object::string_literal("/Helv 10 Tf 0 g");
    let mut fields = Vec::with_capacity(total);
    for (p, (page, boxes)) in placed.into_iter().enumerate() {
        let mut annots = Vec::with_capacity(boxes.len());
        for (i, b) in boxes.iter().enumerate() {
            let (w, h) = (b.rect[2] - b.rect[0], b.rect[3] - b.rect[1]);
            let appearance = doc.add_object(Stream::new(
                dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), w.into(), h.into()] },
                b"/Tx BMC EMC".to_vec(),
            ));
            let tooltip = format!("{} (sida {}, fält {})", b.tooltip, p + 1, i + 1);
            let mut widget = dictionary! {
                "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx",
                "T" => Object::string_literal(format!("s{}_f{:03}", p + 1, i + 1)),
                "TU" => Object::String(lopdf::encode_utf16_be(&tooltip), StringFormat::Hexadecimal),
                "Rect" => b.rect.iter().map(|v| Object::Real(*v)).collect::<Vec<_>>(),
                "F" => 4, "P" => page, "DA" => da.clone(),
                "AP" => dictionary! { "N" => appearance },
            };
            if b.multiline {
                widget.set("Ff", 4096);
            }
            let id = doc.add_object(widget);
            annots.push(Object::Reference(id));
            fields.push(Object::Reference(id));
        }
        add_annots(&mut doc, page, annots)?;
    }
    let form = doc.add_object(dictionary! {
        "Fields" => fields, "NeedAppearances" => true, "DA" => da,
        "DR" => dictionary! { "Font" => dictionary! { "Helv" => font } },
    });
    doc.catalog_mut()?.set("AcroForm", form);
    let mut out = Vec::with_capacity(bytes.len() + total * 200);
    doc.save_to(&mut out).map_err(|e| FillableError::Pdf(lopdf::Error::IO(e)))?;
    Ok((out, total))
}

fn add_annots(doc: &mut Document, page: ObjectId, mut new: Vec<Object>) -> Result<(), lopdf::Error> {
    let existing = match doc.get_dictionary(page)?.get(b"Annots") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(r)) => doc.get_object(*r)?.as_array()?.clone(),
        _ => Vec::new(),
    };
    let mut all = existing;
    all.append(&mut new);
    let dict: &mut Dictionary = doc.get_dictionary_mut(page)?;
    dict.set("Annots", all);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(x0: f32, y0: f32, x1: f32, y1: f32) -> Segment {
        Segment { x0, y0, x1, y1 }
    }

    /// A 2×3 table (header row and one blank row) and one "Datum: ____" line.
    fn table() -> PageGeometry {
        let mut segments = Vec::new();
        for y in [700.0, 680.0, 640.0] {
            segments.push(seg(100.0, y, 300.0, y));
        }
        for x in [100.0, 150.0, 300.0] {
            segments.push(seg(x, 700.0, x, 640.0));
        }
        segments.push(seg(100.0, 600.0, 200.0, 600.0));
        let texts = vec![
            Text { x: 102.0, y: 688.0, text: "Datum".into() },
            Text { x: 152.0, y: 688.0, text: "Anteckning".into() },
            Text { x: 60.0, y: 601.0, text: "Signatur:".into() },
        ];
        PageGeometry { texts, segments }
    }

    #[test]
    fn fields_go_in_empty_cells_under_the_header_and_on_fill_lines() {
        let boxes = field_boxes(&table());
        assert_eq!(boxes.len(), 3, "{boxes:?}");
        assert_eq!(boxes[0].tooltip, "Datum");
        assert_eq!(boxes[0].rect, [101.5, 641.5, 148.5, 678.5]);
        assert!(boxes[0].multiline);
        assert_eq!(boxes[1].tooltip, "Anteckning");
        assert_eq!(boxes[2].tooltip, "Signatur");
        assert_eq!(boxes[2].rect[1], 600.5);
    }

    #[test]
    fn a_cell_with_a_label_at_the_top_gets_a_field_below_it() {
        let mut g = table();
        g.texts = vec![Text { x: 102.0, y: 670.0, text: "Vad hände?".into() }];
        let boxes = field_boxes(&g);
        let first = boxes.iter().find(|b| b.rect[0] == 101.5 && b.rect[1] == 641.5).unwrap();
        assert_eq!(first.tooltip, "Vad hände?");
        assert_eq!(first.rect[3], 667.0);
    }

    #[test]
    fn to_unicode_cmaps_decode_bfchar_and_bfrange() {
        let mut t = ToUnicode { wide: true, ..Default::default() };
        t.parse("2 beginbfchar\n<0001> <0050>\n<000B> <2013>\nendbfchar\n2 beginbfrange\n<0010> <0012> <0061>\n<0020> <0021> [<00C5> <00F6>]\nendbfrange");
        let mut s = String::new();
        t.decode(&[0, 1, 0, 0x0b, 0, 0x10, 0, 0x12, 0, 0x20, 0, 0x21], &mut s);
        assert_eq!(s, "P–acÅö");
    }

    #[test]
    fn split_segments_merge_and_long_lone_lines_are_no_fields() {
        assert_eq!(merge(vec![(1.0, 0.0, 5.0), (1.0, 5.0, 9.0), (2.0, 0.0, 1.0)]), vec![(1.0, 0.0, 9.0), (2.0, 0.0, 1.0)]);
        let g = PageGeometry { texts: vec![], segments: vec![seg(30.0, 60.0, 560.0, 60.0)] };
        assert!(field_boxes(&g).is_empty());
    }
}
