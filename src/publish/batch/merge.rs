//! Merging PDFs into one print batch: lopdf reads, pdf-writer writes.
//!
//! A source PDF becomes a [`Piece`]: its pages and every object they reach (fonts, images,
//! content), renumbered 1..=n in a fixed order — nothing else (no catalog, outline, XMP or
//! document info of the source, so no source metadata reaches the batch). A [`BatchWriter`]
//! writes each piece's objects into a pdf-writer [`Chunk`] as it comes (object numbers
//! shifted), so a unit's documents are never all parsed in memory at once: the *documents
//! part*. [`BatchWriter::finish`] then makes a whole PDF of it: the documents part, then a
//! tail — optionally a cover piece, the bookmarks, the page tree (cover pages first),
//! catalog, document info, cross-reference table and trailer — without changing the
//! documents part, so one documents part can get several tails: the full and the delta batch
//! of a first run, and the documents part alone (for its checksum).
//! Everything is ordered and nothing reads the clock: same pieces, same bytes.

use std::collections::{HashMap, VecDeque};

use lopdf::{Dictionary, Document, Object, ObjectId};
use pdf_writer::types::PageMode;
use pdf_writer::{Chunk, Finish, Name, Null, Obj, Pdf, Ref, Settings, Str, TextStr};

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
const PAGES: Ref = Ref::new(1);
const CATALOG: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
const FIRST_FREE: u32 = 4;

/// Compact output: no indentation (a batch is tens of MB of the sources' objects).
const SETTINGS: Settings = Settings { pretty: false };

/// A finished batch.
pub struct Finished {
    /// The whole PDF. Its first [`BatchWriter::documents_len`] bytes are the documents part,
    /// the same in every batch finished from one writer.
    pub bytes: Vec<u8>,
    /// Pages in front of the documents part (the cover and its blank back).
    pub cover_pages: usize,
}

/// A batch's documents part, written as the pieces come; see the module documentation.
pub struct BatchWriter {
    /// The documents' objects, as pdf-writer serialised them.
    chunk: Chunk,
    /// The next free object number.
    next: u32,
    kids: Vec<u32>,
    marks: Vec<Mark>,
    /// The blank page's page dictionary (references as in its piece) and the number its
    /// piece's objects were shifted by; each blank page is written anew from it.
    blank: Option<(Dictionary, u32)>,
    version: (u32, u32),
}

impl Default for BatchWriter {
    fn default() -> BatchWriter {
        BatchWriter::new()
    }
}

impl BatchWriter {
    pub fn new() -> BatchWriter {
        BatchWriter {
            chunk: Chunk::with_settings(SETTINGS),
            next: FIRST_FREE,
            kids: Vec::new(),
            marks: Vec::new(),
            blank: None,
            version: (1, 7),
        }
    }

    /// Writes the objects of `piece` into `chunk`, numbered from `*next`; returns their
    /// base (what the piece's numbers are shifted by).
    fn import_into(chunk: &mut Chunk, next: &mut u32, piece: &Piece) -> u32 {
        let base = *next - 1;
        for (i, object) in piece.objects.iter().enumerate() {
            let number = i as u32 + 1;
            write_indirect(chunk, reference(base + number), object, base, piece.pages.contains(&number));
        }
        *next += piece.objects.len() as u32;
        base
    }

    /// Appends the pages of `piece`; returns their object numbers.
    pub fn append(&mut self, piece: &Piece) -> Vec<u32> {
        let base = Self::import_into(&mut self.chunk, &mut self.next, piece);
        self.version = self.version.max(version_num(&piece.version));
        let pages: Vec<u32> = piece.pages.iter().map(|p| p + base).collect();
        self.kids.extend(&pages);
        pages
    }

    /// Writes the blank page's objects once (before any [`BatchWriter::blank_page`]).
    pub fn prepare_blank(&mut self, blank: &Piece) {
        if self.blank.is_none() {
            let base = Self::import_into(&mut self.chunk, &mut self.next, blank);
            self.blank = Some((blank_page_dict(blank), base));
        }
    }

    /// Appends a blank page to the page list; returns its object number.
    pub fn blank_page(&mut self, blank: &Piece) -> u32 {
        self.prepare_blank(blank);
        let (page, base) = self.blank.as_ref().expect("prepared above");
        let number = self.next;
        write_page(self.chunk.indirect(reference(number)), page, *base);
        self.next += 1;
        self.kids.push(number);
        number
    }

    /// The page list so far (documents and blank backs).
    pub fn pages(&self) -> &[u32] {
        &self.kids
    }

    /// The length of the documents part: the first bytes of every finished batch.
    pub fn documents_len(&self) -> usize {
        Pdf::with_settings(SETTINGS).len() + self.chunk.len()
    }

    /// Adds a bookmark to `page`, under `parent` (a bookmark returned before) or at the top.
    pub fn bookmark(&mut self, title: &str, page: u32, parent: Option<usize>) -> usize {
        self.marks.push(Mark { title: title.to_string(), page, parent });
        self.marks.len() - 1
    }

    /// The whole PDF: the documents part, then a tail: `cover` (if any) in front, padded with
    /// `blank` to whole sheets, then bookmarks, page tree, catalog, `info`, and pdf-writer's
    /// cross-reference table and trailer (with `id` as the file identifier).
    pub fn finish(&self, cover: Option<&Piece>, blank: &Piece, info: &Info, id: Option<&[u8]>) -> Finished {
        let mut pdf = Pdf::with_settings_and_capacity(SETTINGS, self.chunk.len() + 64 * 1024);
        pdf.extend(&self.chunk);
        let mut next = self.next;
        let mut version = self.version;
        let mut front: Vec<u32> = Vec::new();
        if let Some(cover) = cover {
            let base = Self::import_into(&mut pdf, &mut next, cover);
            front.extend(cover.pages.iter().map(|p| p + base));
            version = version.max(version_num(&cover.version));
            if front.len() % 2 == 1 {
                let (page, base) = match &self.blank {
                    Some((page, base)) => (page.clone(), *base),
                    // No blank page in the documents part yet: its objects go here.
                    None => (blank_page_dict(blank), Self::import_into(&mut pdf, &mut next, blank)),
                };
                write_page(pdf.indirect(reference(next)), &page, base);
                front.push(next);
                next += 1;
            }
        }
        let cover_pages = front.len();
        let outline = self.write_outline(&mut pdf, next);

        // Page tree, catalog, document info.
        let kids: Vec<Ref> = front.iter().chain(&self.kids).map(|k| reference(*k)).collect();
        pdf.pages(PAGES).count(kids.len() as i32).kids(kids);
        let mut catalog = pdf.catalog(CATALOG);
        catalog.pages(PAGES);
        if let Some(o) = outline {
            catalog.outlines(o).page_mode(PageMode::UseOutlines);
        }
        if version > (1, 7) {
            catalog.version(version.0.min(9) as u8, version.1.min(9) as u8);
        }
        catalog.finish();
        let mut doc_info = pdf.document_info(INFO);
        doc_info.title(TextStr(info.title)).producer(TextStr("reservpack")).creator(TextStr("reservpack"));
        if let Some(m) = info.marker {
            doc_info.keywords(TextStr(m));
        }
        doc_info.finish();
        if let Some(id) = id {
            pdf.set_file_id((id.to_vec(), id.to_vec()));
        }
        Finished { bytes: pdf.finish(), cover_pages }
    }

    /// Writes the outline (bookmarks; a person's group closed), numbered from `root`; its root.
    fn write_outline(&self, pdf: &mut Pdf, root: u32) -> Option<Ref> {
        if self.marks.is_empty() {
            return None;
        }
        let number = |i: usize| reference(root + 1 + i as u32);
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
        let root = reference(root);
        pdf.outline(root).first(number(top[0])).last(number(*top.last().expect("not empty"))).count(top.len() as i32);
        for (i, m) in self.marks.iter().enumerate() {
            let (parent, list) = match m.parent {
                Some(p) => (number(p), &children[p]),
                None => (root, &top),
            };
            let (prev, next) = siblings(list, i);
            let mut item = pdf.outline_item(number(i));
            item.title(TextStr(&m.title)).parent(parent);
            item.dest().page(reference(m.page)).fit();
            if let Some(p) = prev {
                item.prev(number(p));
            }
            if let Some(n) = next {
                item.next(number(n));
            }
            if let (Some(f), Some(l)) = (children[i].first(), children[i].last()) {
                // Closed: a negative count of its (visible when opened) children.
                item.first(number(*f)).last(number(*l)).count(-(children[i].len() as i32));
            }
        }
        Some(root)
    }
}

/// The bytes by which a finished batch's trailer names `id` as its file identifier (as
/// [`BatchWriter::finish`] writes it), to find a batch's fingerprint without parsing it.
pub fn file_id_marker(id: &[u8]) -> Vec<u8> {
    let mut pdf = Pdf::with_settings(SETTINGS);
    pdf.set_file_id((id.to_vec(), id.to_vec()));
    let bytes = pdf.finish();
    let at = bytes.windows(3).position(|w| w == b"/ID").expect("the trailer names the file id");
    let end = at + bytes[at..].iter().position(|b| *b == b']').expect("an array") + 1;
    bytes[at..end].to_vec()
}

fn reference(number: u32) -> Ref {
    Ref::new(i32::try_from(number).expect("fewer than 2^31 objects"))
}

/// The first page dictionary of the blank piece.
fn blank_page_dict(blank: &Piece) -> Dictionary {
    match &blank.objects[blank.pages[0] as usize - 1] {
        Object::Dictionary(d) => d.clone(),
        _ => Dictionary::new(),
    }
}

/// Object `id`, references shifted by `base`; a page gets `/Parent` (the page tree).
fn write_indirect(chunk: &mut Chunk, id: Ref, object: &Object, base: u32, is_page: bool) {
    match object {
        Object::Stream(s) => {
            // pdf-writer writes the real `/Length`.
            let mut stream = chunk.stream(id, &s.content);
            for (k, v) in s.dict.iter().filter(|(k, _)| k.as_slice() != b"Length") {
                write_obj(stream.insert(Name(k)), v, base);
            }
        }
        Object::Dictionary(d) if is_page => write_page(chunk.indirect(id), d, base),
        other => write_obj(chunk.indirect(id), other, base),
    }
}

/// A page dictionary with its references shifted and `/Parent` set to the batch's page tree.
fn write_page(obj: Obj, page: &Dictionary, base: u32) {
    // A landscape page is turned to portrait (top towards the binding edge), so a whole
    // batch prints right with one duplex setting: long edge.
    let turn = landscape(page) && !page.has(b"Rotate");
    let mut dict = obj.dict();
    for (k, v) in page.iter().filter(|(k, _)| k.as_slice() != b"Parent") {
        write_obj(dict.insert(Name(k)), v, base);
    }
    if turn {
        dict.pair(Name(b"Rotate"), 270);
    }
    dict.pair(Name(b"Parent"), PAGES);
}

/// Whether a page's MediaBox is wider than high.
fn landscape(page: &Dictionary) -> bool {
    let Ok(Object::Array(b)) = page.get(b"MediaBox") else { return false };
    let n: Vec<f32> = b.iter().filter_map(|o| o.as_float().ok()).collect();
    n.len() == 4 && (n[2] - n[0]).abs() > (n[3] - n[1]).abs()
}

/// Writes a lopdf value through pdf-writer, references shifted by `base`.
fn write_obj(obj: Obj, object: &Object, base: u32) {
    match object {
        Object::Null => obj.primitive(Null),
        Object::Boolean(b) => obj.primitive(*b),
        Object::Integer(i) => match i32::try_from(*i) {
            Ok(i) => obj.primitive(i),
            Err(_) => obj.primitive(*i as f32),
        },
        Object::Real(f) => obj.primitive(if f.is_finite() { *f } else { 0.0 }),
        Object::Name(n) => obj.primitive(Name(n)),
        Object::String(s, _) => obj.primitive(Str(s)),
        Object::Array(items) => {
            let mut array = obj.array();
            for item in items {
                write_obj(array.push(), item, base);
            }
        }
        Object::Dictionary(d) => write_dict(obj, d, base),
        // A stream is only ever an indirect object (written by `write_indirect`); one nested
        // in another object is not valid PDF, and only its dictionary is kept.
        Object::Stream(s) => write_dict(obj, &s.dict, base),
        Object::Reference((n, _)) => obj.primitive(reference(n + base)),
    }
}

fn write_dict(obj: Obj, d: &Dictionary, base: u32) {
    let mut dict = obj.dict();
    for (k, v) in d.iter() {
        write_obj(dict.insert(Name(k)), v, base);
    }
}

fn version_num(v: &str) -> (u32, u32) {
    let mut it = v.split('.').map(|p| p.trim().parse::<u32>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{StringFormat, dictionary};

    #[test]
    fn landscape_pages_are_turned_to_portrait() {
        let page = |w: i64, h: i64| dictionary! { "Type" => "Page", "MediaBox" => vec![0.into(), 0.into(), w.into(), h.into()] };
        let written = |d: &Dictionary| {
            let mut chunk = Chunk::new();
            write_page(chunk.indirect(Ref::new(9)), d, 0);
            String::from_utf8(chunk.as_bytes().to_vec()).unwrap()
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
        let bytes = w.finish(cover, blank, &Info { title: "Test – Åsa", marker: Some("m") }, Some(&[1, 2, 3])).bytes;
        assert_eq!(
            bytes[..w.documents_len()],
            w.finish(None, blank, &Info { title: "", marker: None }, None).bytes[..w.documents_len()],
            "every batch starts with the documents part"
        );
        let marker = file_id_marker(&[1, 2, 3]);
        assert!(bytes[bytes.len() - 300..].windows(marker.len()).any(|m| m == marker), "the file id is found at the end");
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
