//! Merging PDFs into one print batch: lopdf reads, a small writer of our own writes.
//!
//! A source PDF becomes a [`Piece`]: its pages and every object they reach (fonts, images,
//! content), renumbered 1..=n in a fixed order — nothing else (no catalog, outline, XMP or
//! document info of the source, so no source metadata reaches the batch). A [`BatchWriter`]
//! writes each piece's objects straight into the batch's bytes as it comes (object numbers
//! shifted), so a unit's documents are never all in memory at once: the *documents part*.
//! [`BatchWriter::finish`] then writes a tail — optionally a cover piece, the bookmarks, the
//! page tree (cover pages first), catalog, document info, cross-reference table and trailer
//! — without changing the documents part, so one documents part can get several tails: the
//! full and the delta batch of a first run, and the documents part alone (for its checksum).
//! Everything is ordered and nothing reads the clock: same pieces, same bytes.

use std::collections::{HashMap, VecDeque};
use std::io::Write;

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};

/// Page attributes a page may inherit from its parents in the page tree (PDF 32000 7.7.3.4).
const INHERITABLE: &[&[u8]] = &[b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("PDF-filen kan inte läsas: {0}")]
    Read(String),
    #[error("PDF-filen har inga sidor")]
    NoPages,
    #[error("bunten kunde inte skrivas: {0}")]
    Write(String),
}

/// One source PDF's pages and the objects they use, numbered 1..=n (`objects[i]` is number i+1).
pub struct Piece {
    objects: Vec<Object>,
    /// Object numbers (in `objects`) of the pages, in page order.
    pages: Vec<u32>,
    version: String,
}

impl Piece {
    pub fn load(bytes: &[u8]) -> Result<Piece, MergeError> {
        let doc = Document::load_mem(bytes).map_err(|e| MergeError::Read(e.to_string()))?;
        let page_ids: Vec<ObjectId> = doc.page_iter().collect();
        if page_ids.is_empty() {
            return Err(MergeError::NoPages);
        }
        let page_set: std::collections::HashSet<ObjectId> = page_ids.iter().copied().collect();
        // Page attributes inherited from the source's page tree (which is left behind) are
        // copied onto each page.
        let mut inherited: HashMap<ObjectId, Dictionary> = HashMap::new();
        for id in &page_ids {
            if let Ok(page) = doc.get_dictionary(*id) {
                let mut extra = Dictionary::new();
                inherit(&doc, page, &mut extra);
                inherited.insert(*id, extra);
            }
        }
        // Number the objects in breadth-first order from the pages (page order first).
        let mut number: HashMap<ObjectId, u32> = HashMap::new();
        let mut order: Vec<ObjectId> = Vec::new();
        let mut queue: VecDeque<ObjectId> = VecDeque::new();
        let mut visit = |id: ObjectId, number: &mut HashMap<ObjectId, u32>, queue: &mut VecDeque<ObjectId>| {
            if !number.contains_key(&id) && doc.objects.contains_key(&id) {
                order.push(id);
                number.insert(id, order.len() as u32);
                queue.push_back(id);
            }
        };
        for &p in &page_ids {
            visit(p, &mut number, &mut queue);
        }
        while let Some(id) = queue.pop_front() {
            let object = &doc.objects[&id];
            let is_page = page_set.contains(&id);
            let mut refs = Vec::new();
            collect_refs(object, is_page, &mut refs);
            if let Some(extra) = inherited.get(&id) {
                collect_refs(&Object::Dictionary(extra.clone()), false, &mut refs);
            }
            for r in refs {
                visit(r, &mut number, &mut queue);
            }
        }
        // The objects are moved out of the parsed document (no copy).
        let mut doc = doc;
        let mut objects = Vec::with_capacity(order.len());
        for id in &order {
            let mut object = doc.objects.remove(id).unwrap_or(Object::Null);
            if let (Some(extra), Object::Dictionary(dict)) = (inherited.remove(id), &mut object) {
                for (k, v) in extra.iter() {
                    dict.set(k.clone(), v.clone());
                }
                dict.remove(b"Parent");
            }
            renumber(&mut object, &|r| number.get(&r).map(|n| (*n, 0)));
            objects.push(object);
        }
        let pages = page_ids.iter().map(|p| number[p]).collect();
        Ok(Piece { objects, pages, version: doc.version.clone() })
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
}

/// References held by `object`; for a page, not its `Parent` (the source's page tree).
fn collect_refs(object: &Object, is_page: bool, out: &mut Vec<ObjectId>) {
    match object {
        Object::Reference(r) => out.push(*r),
        Object::Array(items) => items.iter().for_each(|o| collect_refs(o, false, out)),
        Object::Dictionary(d) => {
            for (k, v) in d.iter() {
                if !(is_page && k.as_slice() == b"Parent") {
                    collect_refs(v, false, out);
                }
            }
        }
        Object::Stream(s) => s.dict.iter().for_each(|(_, v)| collect_refs(v, false, out)),
        _ => {}
    }
}

/// The page attributes `page` inherits from the page tree and does not set itself.
fn inherit(doc: &Document, page: &Dictionary, out: &mut Dictionary) {
    let mut parent = page.get(b"Parent").and_then(Object::as_reference).ok();
    let mut depth = 0;
    while let Some(pid) = parent {
        depth += 1;
        let Ok(node) = doc.get_dictionary(pid) else { break };
        for key in INHERITABLE {
            if !page.has(key)
                && !out.has(key)
                && let Ok(v) = node.get(key)
            {
                out.set(key.to_vec(), v.clone());
            }
        }
        parent = node.get(b"Parent").and_then(Object::as_reference).ok();
        if depth > 64 {
            break;
        }
    }
}

/// Rewrites every reference in `object` through `map`; unknown references become `null`.
fn renumber(object: &mut Object, map: &dyn Fn(ObjectId) -> Option<ObjectId>) {
    match object {
        Object::Reference(r) => {
            *object = match map(*r) {
                Some(n) => Object::Reference(n),
                None => Object::Null,
            }
        }
        Object::Array(items) => items.iter_mut().for_each(|o| renumber(o, map)),
        Object::Dictionary(d) => d.iter_mut().for_each(|(_, v)| renumber(v, map)),
        Object::Stream(s) => s.dict.iter_mut().for_each(|(_, v)| renumber(v, map)),
        _ => {}
    }
}

/// The document info of a finished batch.
pub struct Info<'a> {
    pub title: &'a str,
    /// Written as `/Keywords` (the batch's fingerprint).
    pub marker: Option<&'a str>,
}

/// A bookmark: title, page (object number), parent bookmark (index) if any.
struct Mark {
    title: String,
    page: u32,
    parent: Option<usize>,
}

/// Object numbers 1–3 are reserved for the page tree root, the catalog and the document info
/// (written in the tail); the documents' objects follow from 4.
const PAGES: u32 = 1;
const CATALOG: u32 = 2;
const INFO: u32 = 3;

/// A batch's documents part, written as the pieces come; see the module documentation.
pub struct BatchWriter {
    buf: Vec<u8>,
    /// Byte offset of each object written so far (index: object number; 0 = not yet written).
    offsets: Vec<usize>,
    kids: Vec<u32>,
    marks: Vec<Mark>,
    /// The blank page's page object, written once; later blank pages copy its dictionary.
    blank: Option<Vec<u8>>,
    version: (u32, u32),
}

impl BatchWriter {
    pub fn new() -> BatchWriter {
        let mut buf = Vec::new();
        buf.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
        BatchWriter { buf, offsets: vec![0; 4], kids: Vec::new(), marks: Vec::new(), blank: None, version: (1, 7) }
    }

    fn next_number(&self) -> u32 {
        self.offsets.len() as u32
    }

    /// Writes the objects of `piece`; returns its pages' object numbers (not yet in the page list).
    fn import(&mut self, piece: &Piece) -> Vec<u32> {
        let base = self.next_number() - 1;
        for (i, object) in piece.objects.iter().enumerate() {
            self.offsets.push(self.buf.len());
            let is_page = piece.pages.contains(&(i as u32 + 1));
            write_indirect(&mut self.buf, base + i as u32 + 1, object, base, is_page);
        }
        self.version = self.version.max(version_num(&piece.version));
        piece.pages.iter().map(|p| p + base).collect()
    }

    /// Appends the pages of `piece`; returns their object numbers.
    pub fn append(&mut self, piece: &Piece) -> Vec<u32> {
        let pages = self.import(piece);
        self.kids.extend(&pages);
        pages
    }

    /// Writes the blank page's objects once (before any [`BatchWriter::blank_page`]).
    pub fn prepare_blank(&mut self, blank: &Piece) {
        if self.blank.is_none() {
            let base = self.next_number() - 1;
            // Its content and resources are written as objects; its page dictionary is kept
            // as bytes and written anew for every blank page (so each is its own page object).
            let first_page = blank.pages[0];
            for (i, object) in blank.objects.iter().enumerate() {
                self.offsets.push(self.buf.len());
                write_indirect(&mut self.buf, base + i as u32 + 1, object, base, blank.pages.contains(&(i as u32 + 1)));
            }
            let mut page = Vec::new();
            write_page_dict(&mut page, &blank.objects[first_page as usize - 1], base);
            self.blank = Some(page);
        }
    }

    /// Appends a blank page to the page list; returns its object number.
    pub fn blank_page(&mut self, blank: &Piece) -> u32 {
        self.prepare_blank(blank);
        let number = self.next_number();
        self.offsets.push(self.buf.len());
        let page = self.blank.as_ref().expect("prepared above");
        writeln!(self.buf, "{number} 0 obj").expect("writing to memory");
        self.buf.extend_from_slice(page);
        self.buf.extend_from_slice(b"\nendobj\n");
        self.kids.push(number);
        number
    }

    /// The page list so far (documents and blank backs).
    pub fn pages(&self) -> &[u32] {
        &self.kids
    }

    /// The documents part's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Adds a bookmark to `page`, under `parent` (a bookmark returned before) or at the top.
    pub fn bookmark(&mut self, title: &str, page: u32, parent: Option<usize>) -> usize {
        self.marks.push(Mark { title: title.to_string(), page, parent });
        self.marks.len() - 1
    }

    /// The tail that makes the documents part a whole PDF: `cover` (if any) in front, padded
    /// with `blank` to whole sheets, then bookmarks, page tree, catalog, `info`, the
    /// cross-reference table and the trailer (with `id` as the file identifier). Returns the
    /// tail's bytes (to follow [`BatchWriter::bytes`]) and the number of cover pages.
    pub fn finish(&self, cover: Option<&Piece>, blank: &Piece, info: &Info, id: Option<&[u8]>) -> (Vec<u8>, usize) {
        let mut t = Tail { base_len: self.buf.len(), buf: Vec::new(), offsets: self.offsets.clone() };
        let mut version = self.version;
        let mut front: Vec<u32> = Vec::new();
        if let Some(cover) = cover {
            let base = t.next_number() - 1;
            for (i, object) in cover.objects.iter().enumerate() {
                let at = t.at();
                t.offsets.push(at);
                write_indirect(&mut t.buf, base + i as u32 + 1, object, base, cover.pages.contains(&(i as u32 + 1)));
            }
            front.extend(cover.pages.iter().map(|p| p + base));
            version = version.max(version_num(&cover.version));
            if front.len() % 2 == 1 {
                let page = match &self.blank {
                    Some(page) => page.clone(),
                    None => {
                        // No blank page in the documents part yet: write the blank's objects here.
                        let base = t.next_number() - 1;
                        for (i, object) in blank.objects.iter().enumerate() {
                            let at = t.at();
                            t.offsets.push(at);
                            write_indirect(&mut t.buf, base + i as u32 + 1, object, base, blank.pages.contains(&(i as u32 + 1)));
                        }
                        let mut page = Vec::new();
                        write_page_dict(&mut page, &blank.objects[blank.pages[0] as usize - 1], base);
                        page
                    }
                };
                let number = t.next_number();
                let at = t.at();
                t.offsets.push(at);
                writeln!(t.buf, "{number} 0 obj").expect("writing to memory");
                t.buf.extend_from_slice(&page);
                t.buf.extend_from_slice(b"\nendobj\n");
                front.push(number);
            }
        }
        let cover_pages = front.len();
        let outline = self.write_outline(&mut t);

        // Page tree, catalog, document info.
        let kids: Vec<String> = front.iter().chain(&self.kids).map(|k| format!("{k} 0 R")).collect();
        t.object(PAGES, format!("<</Type/Pages/Count {}/Kids[{}]>>", kids.len(), kids.join(" ")).as_bytes());
        let mut catalog = format!("<</Type/Catalog/Pages {PAGES} 0 R");
        if let Some(o) = outline {
            catalog.push_str(&format!("/Outlines {o} 0 R/PageMode/UseOutlines"));
        }
        if version > (1, 7) {
            catalog.push_str(&format!("/Version/{}.{}", version.0, version.1));
        }
        catalog.push_str(">>");
        t.object(CATALOG, catalog.as_bytes());
        let mut info_dict = b"<</Title".to_vec();
        write_text_string(&mut info_dict, info.title);
        info_dict.extend_from_slice(b"/Producer(reservpack)/Creator(reservpack)");
        if let Some(m) = info.marker {
            info_dict.extend_from_slice(b"/Keywords");
            write_text_string(&mut info_dict, m);
        }
        info_dict.extend_from_slice(b">>");
        t.object(INFO, &info_dict);

        // Cross-reference table and trailer.
        let xref_at = t.at();
        let size = t.offsets.len();
        write!(t.buf, "xref\n0 {size}\n0000000000 65535 f\r\n").expect("writing to memory");
        for offset in &t.offsets[1..] {
            write!(t.buf, "{offset:010} 00000 n\r\n").expect("writing to memory");
        }
        write!(t.buf, "trailer\n<</Size {size}/Root {CATALOG} 0 R/Info {INFO} 0 R").expect("writing to memory");
        if let Some(id) = id {
            let hex: String = id.iter().map(|b| format!("{b:02X}")).collect();
            write!(t.buf, "/ID[<{hex}><{hex}>]").expect("writing to memory");
        }
        write!(t.buf, ">>\nstartxref\n{xref_at}\n%%EOF\n").expect("writing to memory");
        (t.buf, cover_pages)
    }

    /// Writes the outline (bookmarks; a person's group closed) into the tail; its root's number.
    fn write_outline(&self, t: &mut Tail) -> Option<u32> {
        if self.marks.is_empty() {
            return None;
        }
        let root = t.next_number();
        let first = root + 1;
        let number = |i: usize| first + i as u32;
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); self.marks.len()];
        let mut top: Vec<usize> = Vec::new();
        for (i, m) in self.marks.iter().enumerate() {
            match m.parent {
                Some(p) => children[p].push(i),
                None => top.push(i),
            }
        }
        let siblings = |list: &[usize], i: usize| -> (Option<usize>, Option<usize>) {
            let pos = list.iter().position(|x| *x == i).expect("listed");
            (pos.checked_sub(1).map(|p| list[p]), list.get(pos + 1).copied())
        };
        t.object(root, format!("<</Type/Outlines/First {} 0 R/Last {} 0 R/Count {}>>", number(top[0]), number(*top.last().expect("not empty")), top.len()).as_bytes());
        for (i, m) in self.marks.iter().enumerate() {
            let (parent, list) = match m.parent {
                Some(p) => (number(p), &children[p]),
                None => (root, &top),
            };
            let (prev, next) = siblings(list, i);
            let mut d = b"<</Title".to_vec();
            write_text_string(&mut d, &m.title);
            write!(d, "/Parent {parent} 0 R/Dest[{} 0 R/Fit]", m.page).expect("writing to memory");
            if let Some(p) = prev {
                write!(d, "/Prev {} 0 R", number(p)).expect("writing to memory");
            }
            if let Some(n) = next {
                write!(d, "/Next {} 0 R", number(n)).expect("writing to memory");
            }
            if let (Some(f), Some(l)) = (children[i].first(), children[i].last()) {
                // Closed: a negative count of its (visible when opened) children.
                write!(d, "/First {} 0 R/Last {} 0 R/Count -{}", number(*f), number(*l), children[i].len()).expect("writing to memory");
            }
            d.extend_from_slice(b">>");
            t.object(number(i), &d);
        }
        Some(root)
    }
}

/// The tail being written after a documents part.
struct Tail {
    base_len: usize,
    buf: Vec<u8>,
    offsets: Vec<usize>,
}

impl Tail {
    fn at(&self) -> usize {
        self.base_len + self.buf.len()
    }
    fn next_number(&self) -> u32 {
        self.offsets.len() as u32
    }
    /// Writes object `number` (a reserved one, or the next) with the serialized `body`.
    fn object(&mut self, number: u32, body: &[u8]) {
        let at = self.at();
        if number as usize == self.offsets.len() {
            self.offsets.push(at);
        } else {
            self.offsets[number as usize] = at;
        }
        writeln!(self.buf, "{number} 0 obj").expect("writing to memory");
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\nendobj\n");
    }
}

/// `N 0 obj … endobj`, references shifted by `base`; a page gets `/Parent` (the page tree).
fn write_indirect(out: &mut Vec<u8>, number: u32, object: &Object, base: u32, is_page: bool) {
    writeln!(out, "{number} 0 obj").expect("writing to memory");
    if is_page {
        write_page_dict(out, object, base);
    } else {
        write_object(out, object, base);
    }
    out.extend_from_slice(b"\nendobj\n");
}

/// A page dictionary with its references shifted and `/Parent` set to the batch's page tree.
fn write_page_dict(out: &mut Vec<u8>, page: &Object, base: u32) {
    match page {
        Object::Dictionary(d) => {
            out.extend_from_slice(b"<<");
            // A landscape page is turned to portrait (top towards the binding edge), so a
            // whole batch prints right with one duplex setting: long edge.
            let turn = landscape(d) && !d.has(b"Rotate");
            for (k, v) in d.iter().filter(|(k, _)| k.as_slice() != b"Parent") {
                write_name(out, k);
                write_value(out, v, base);
            }
            if turn {
                out.extend_from_slice(b"/Rotate 270");
            }
            write!(out, "/Parent {PAGES} 0 R>>").expect("writing to memory");
        }
        other => write_object(out, other, base),
    }
}

/// Whether a page's MediaBox is wider than high.
fn landscape(page: &Dictionary) -> bool {
    let Ok(Object::Array(b)) = page.get(b"MediaBox") else { return false };
    let n: Vec<f32> = b.iter().filter_map(|o| o.as_float().ok()).collect();
    n.len() == 4 && (n[2] - n[0]).abs() > (n[3] - n[1]).abs()
}

/// A value after a name in a dictionary or array: a separating space where PDF needs one.
fn write_value(out: &mut Vec<u8>, v: &Object, base: u32) {
    if matches!(v, Object::Null | Object::Boolean(_) | Object::Integer(_) | Object::Real(_) | Object::Reference(_)) {
        out.push(b' ');
    }
    write_object(out, v, base);
}

/// Serializes `object` (PDF 32000 7.3), references shifted by `base`.
fn write_object(out: &mut Vec<u8>, object: &Object, base: u32) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => write!(out, "{i}").expect("writing to memory"),
        Object::Real(f) => {
            let f = if f.is_finite() { *f } else { 0.0 };
            write!(out, "{f}").expect("writing to memory")
        }
        Object::Name(n) => write_name(out, n),
        Object::String(s, StringFormat::Hexadecimal) => {
            out.push(b'<');
            for b in s {
                write!(out, "{b:02X}").expect("writing to memory");
            }
            out.push(b'>');
        }
        Object::String(s, StringFormat::Literal) => write_literal(out, s),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item, base);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => write_dict(out, d, base, None),
        Object::Stream(s) => {
            write_dict(out, &s.dict, base, Some(s.content.len()));
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((n, g)) => write!(out, "{} {g} R", n + base).expect("writing to memory"),
    }
}

/// A dictionary; a stream's gets its real `/Length`.
fn write_dict(out: &mut Vec<u8>, d: &Dictionary, base: u32, length: Option<usize>) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        if length.is_some() && k.as_slice() == b"Length" {
            continue;
        }
        write_name(out, k);
        write_value(out, v, base);
    }
    if let Some(len) = length {
        write!(out, "/Length {len}").expect("writing to memory");
    }
    out.extend_from_slice(b">>");
}

fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        let regular = (0x21..=0x7e).contains(&b) && !b"#/()<>[]{}%".contains(&b);
        if regular {
            out.push(b);
        } else {
            write!(out, "#{b:02X}").expect("writing to memory");
        }
    }
}

fn write_literal(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'(');
    for &b in s {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

/// A PDF text string: ASCII as a literal, anything else as UTF-16BE with a byte-order mark (hex).
fn write_text_string(out: &mut Vec<u8>, s: &str) {
    if s.is_ascii() {
        write_literal(out, s.as_bytes());
    } else {
        out.extend_from_slice(b"<FEFF");
        for u in s.encode_utf16() {
            write!(out, "{u:04X}").expect("writing to memory");
        }
        out.push(b'>');
    }
}

fn version_num(v: &str) -> (u32, u32) {
    let mut it = v.split('.').map(|p| p.trim().parse::<u32>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    #[test]
    fn landscape_pages_are_turned_to_portrait() {
        let page = |w: i64, h: i64| Object::Dictionary(dictionary! { "Type" => "Page", "MediaBox" => vec![0.into(), 0.into(), w.into(), h.into()] });
        let written = |o: &Object| {
            let mut out = Vec::new();
            write_page_dict(&mut out, o, 0);
            String::from_utf8(out).unwrap()
        };
        assert!(written(&page(842, 595)).contains("/Rotate 270"));
        assert!(!written(&page(595, 842)).contains("/Rotate"));
    }

    /// A PDF with `pages` pages whose Resources and MediaBox sit on the page tree (inherited).
    fn pdf(pages: usize, text: &str) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
        let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
        let kids: Vec<Object> = (0..pages)
            .map(|i| {
                let content = format!("BT /F1 12 Tf 72 720 Td ({text} {i}) Tj ET");
                let c = doc.add_object(lopdf::Stream::new(dictionary! {}, content.into_bytes()));
                doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => c }).into()
            })
            .collect();
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => kids, "Count" => pages as i64,
                "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn whole(w: &BatchWriter, cover: Option<&Piece>, blank: &Piece) -> Vec<u8> {
        let (tail, _) = w.finish(cover, blank, &Info { title: "Test – Åsa", marker: Some("m") }, Some(&[1, 2, 3]));
        let mut bytes = w.bytes().to_vec();
        bytes.extend(tail);
        bytes
    }

    #[test]
    fn pieces_keep_inherited_attributes_and_merge_in_order() {
        let a = Piece::load(&pdf(3, "a")).unwrap();
        let b = Piece::load(&pdf(1, "b")).unwrap();
        let blank = Piece::load(&pdf(1, "blank")).unwrap();
        assert_eq!((a.page_count(), b.page_count()), (3, 1));
        let mut w = BatchWriter::new();
        w.prepare_blank(&blank);
        let pa = w.append(&a);
        w.bookmark("A", pa[0], None);
        w.blank_page(&blank);
        let group = w.bookmark("Person", 0, None);
        let pb = w.append(&b);
        w.marks[group].page = pb[0];
        w.bookmark("B – Åsa", pb[0], Some(group));
        w.blank_page(&blank);
        let bytes = whole(&w, None, &blank);
        assert_eq!(bytes, whole(&w, None, &blank), "writing is deterministic");

        let doc = Document::load_mem(&bytes).unwrap();
        let pages: Vec<ObjectId> = doc.page_iter().collect();
        assert_eq!(pages.len(), 6);
        for (i, id) in pages.iter().enumerate() {
            let page = doc.get_dictionary(*id).unwrap();
            assert!(page.get(b"MediaBox").is_ok(), "page {i} has its inherited MediaBox");
            let res = page.get(b"Resources").unwrap().as_reference().unwrap();
            assert!(doc.get_dictionary(res).unwrap().get(b"Font").is_ok(), "page {i} has its inherited resources");
            let text = String::from_utf8_lossy(&doc.get_page_content(*id).unwrap()).into_owned();
            let want = ["a 0", "a 1", "a 2", "blank 0", "b 0", "blank 0"][i];
            assert!(text.contains(want), "page {i}: {text}");
        }
        // The two blanks share one content stream.
        assert_eq!(doc.get_page_contents(pages[3]), doc.get_page_contents(pages[5]));
        let outline = doc.catalog().unwrap().get(b"Outlines").unwrap().as_reference().unwrap();
        assert_eq!(doc.get_dictionary(outline).unwrap().get(b"Count").unwrap().as_i64().unwrap(), 2);
        let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let title = doc.get_dictionary(info).unwrap().get(b"Title").unwrap().as_str().unwrap().to_vec();
        assert_eq!(lopdf::decode_text_string(&Object::String(title, StringFormat::Hexadecimal)).unwrap(), "Test – Åsa");
        let qpdf = std::process::Command::new("qpdf").arg("--check").arg("-").output();
        if qpdf.is_ok() {
            let dir = tempfile::tempdir().unwrap();
            let f = dir.path().join("t.pdf");
            std::fs::write(&f, &bytes).unwrap();
            let o = std::process::Command::new("qpdf").arg("--check").arg(&f).output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
        }
    }

    #[test]
    fn one_documents_part_gets_several_covers() {
        let a = Piece::load(&pdf(2, "a")).unwrap();
        let blank = Piece::load(&pdf(1, "blank")).unwrap();
        let c1 = Piece::load(&pdf(1, "cover one")).unwrap();
        let c2 = Piece::load(&pdf(1, "cover two")).unwrap();
        let mut w = BatchWriter::new();
        w.prepare_blank(&blank);
        w.append(&a);
        for (cover, text) in [(&c1, "cover one"), (&c2, "cover two")] {
            let bytes = whole(&w, Some(cover), &blank);
            let doc = Document::load_mem(&bytes).unwrap();
            let pages: Vec<ObjectId> = doc.page_iter().collect();
            assert_eq!(pages.len(), 4, "cover, its blank back, two pages");
            assert!(String::from_utf8_lossy(&doc.get_page_content(pages[0]).unwrap()).contains(text));
            assert!(String::from_utf8_lossy(&doc.get_page_content(pages[1]).unwrap()).contains("blank"));
            assert!(String::from_utf8_lossy(&doc.get_page_content(pages[2]).unwrap()).contains("a 0"));
        }
        let without = Document::load_mem(&whole(&w, None, &blank)).unwrap();
        assert_eq!(without.page_iter().count(), 2);
    }
}
