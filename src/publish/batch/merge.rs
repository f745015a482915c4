//! Merging PDFs into one print batch with lopdf.
//!
//! A source PDF becomes a [`Piece`]: its pages and every object they reach (fonts, images,
//! content), renumbered 1..=n in a fixed order — nothing else (no catalog, outline, XMP or
//! document info of the source, so no source metadata reaches the batch). A [`Builder`]
//! appends pieces by shifting their object numbers, keeps one flat page list, adds bookmarks,
//! and writes the batch. Everything is ordered (BTreeMap objects, visit order, insertion-ordered
//! dictionaries), and nothing reads the clock: the same pieces in the same order give the
//! same bytes.

use std::collections::{HashMap, VecDeque};

use lopdf::{Bookmark, Dictionary, Document, Object, ObjectId, StringFormat, dictionary};

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

/// The document info of a saved batch.
pub struct Info<'a> {
    pub title: &'a str,
    /// Written as `/Keywords` (the batch's fingerprint, found again by reading the file's start).
    pub marker: Option<&'a str>,
}

/// A batch being assembled: pages in order, bookmarks, then written with [`Builder::save_to`].
/// Objects 1–3 are the document info, the page tree root and the catalog, so the info (with
/// the fingerprint) is the first object in the file.
pub struct Builder {
    doc: Document,
    info_id: ObjectId,
    pages_id: ObjectId,
    catalog_id: ObjectId,
    kids: Vec<ObjectId>,
    /// The page dictionary of the blank page; later blanks reuse its objects.
    blank: Option<ObjectId>,
    outline: Option<ObjectId>,
    version: String,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    pub fn new() -> Builder {
        let mut doc = Document::with_version("1.7");
        let info_id = doc.new_object_id();
        let pages_id = doc.new_object_id();
        let catalog_id = doc.new_object_id();
        doc.trailer.set("Root", catalog_id);
        doc.trailer.set("Info", info_id);
        Builder { doc, info_id, pages_id, catalog_id, kids: Vec::new(), blank: None, outline: None, version: "1.7".into() }
    }

    /// Appends the objects of `piece`; returns its pages' new ids (not yet in the page list).
    pub fn import(&mut self, piece: &Piece) -> Vec<ObjectId> {
        let base = self.doc.max_id;
        let shift = |r: ObjectId| Some((r.0 + base, 0));
        for (i, object) in piece.objects.iter().enumerate() {
            let mut o = object.clone();
            renumber(&mut o, &shift);
            self.doc.objects.insert((base + i as u32 + 1, 0), o);
        }
        for p in &piece.pages {
            if let Some(Object::Dictionary(d)) = self.doc.objects.get_mut(&(p + base, 0)) {
                d.set("Parent", self.pages_id);
            }
        }
        self.doc.max_id = base + piece.objects.len() as u32;
        if version_num(&piece.version) > version_num(&self.version) {
            self.version = piece.version.clone();
        }
        piece.pages.iter().map(|p| (p + base, 0)).collect()
    }

    /// Like [`Builder::import`], moving the objects instead of copying them.
    pub fn import_owned(&mut self, piece: Piece) -> Vec<ObjectId> {
        let base = self.doc.max_id;
        let shift = |r: ObjectId| Some((r.0 + base, 0));
        let count = piece.objects.len() as u32;
        for (i, mut o) in piece.objects.into_iter().enumerate() {
            renumber(&mut o, &shift);
            self.doc.objects.insert((base + i as u32 + 1, 0), o);
        }
        for p in &piece.pages {
            if let Some(Object::Dictionary(d)) = self.doc.objects.get_mut(&(p + base, 0)) {
                d.set("Parent", self.pages_id);
            }
        }
        self.doc.max_id = base + count;
        if version_num(&piece.version) > version_num(&self.version) {
            self.version = piece.version;
        }
        piece.pages.iter().map(|p| (p + base, 0)).collect()
    }

    /// Appends the pages of `piece` (moved in) to the page list; returns their ids.
    pub fn append_owned(&mut self, piece: Piece) -> Vec<ObjectId> {
        let pages = self.import_owned(piece);
        self.kids.extend(&pages);
        pages
    }

    /// Appends the pages of `piece` to the page list; returns their ids.
    pub fn append(&mut self, piece: &Piece) -> Vec<ObjectId> {
        let pages = self.import(piece);
        self.kids.extend(&pages);
        pages
    }

    /// Imports the blank page's objects once (before [`Builder::blank_page`]).
    pub fn prepare_blank(&mut self, blank: &Piece) {
        if self.blank.is_none() {
            self.blank = Some(self.import(blank)[0]);
        }
    }

    /// A new blank page (sharing the blank's content and resources); not yet in the page list.
    pub fn blank_page(&mut self, blank: &Piece) -> ObjectId {
        self.prepare_blank(blank);
        let template = self.blank.expect("prepared above");
        let page = self.doc.objects[&template].clone();
        self.doc.add_object(page)
    }

    pub fn push_page(&mut self, page: ObjectId) {
        self.kids.push(page);
    }

    pub fn pages(&self) -> &[ObjectId] {
        &self.kids
    }

    /// The highest object number so far (see [`Builder::truncate`]).
    pub fn mark(&self) -> u32 {
        self.doc.max_id
    }

    /// Removes every object numbered above `mark` (to replace a cover with another).
    pub fn truncate(&mut self, mark: u32) {
        let _ = self.doc.objects.split_off(&(mark + 1, 0));
        self.doc.max_id = mark;
    }

    /// Adds a bookmark to `page`, under `parent` (a bookmark id) or at the top level.
    pub fn bookmark(&mut self, title: &str, page: ObjectId, parent: Option<u32>) -> u32 {
        self.doc.add_bookmark(Bookmark::new(title.to_string(), [0.0, 0.0, 0.0], 0, page), parent)
    }

    /// Builds the outline from the bookmarks (call once, after the last bookmark).
    pub fn finish_outline(&mut self) {
        self.outline = self.doc.build_outline();
    }

    /// Writes the batch with `pages` as its page list (in this order), `info` as its document
    /// info and `id` as the trailer's file identifier.
    pub fn save_to<W: std::io::Write>(&mut self, pages: &[ObjectId], info: &Info, id: Option<&[u8]>, out: &mut W) -> Result<(), MergeError> {
        self.doc.version = self.version.clone();
        let mut info_dict = dictionary! {
            "Title" => text_string(info.title),
            "Producer" => Object::string_literal("reservpack"),
            "Creator" => Object::string_literal("reservpack"),
        };
        if let Some(marker) = info.marker {
            info_dict.set("Keywords", Object::string_literal(marker));
        }
        self.doc.objects.insert(self.info_id, Object::Dictionary(info_dict));
        let kids: Vec<Object> = pages.iter().map(|p| Object::Reference(*p)).collect();
        self.doc.objects.insert(
            self.pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Count" => pages.len() as i64,
                "Kids" => kids,
            }),
        );
        let mut catalog = dictionary! {
            "Type" => "Catalog",
            "Pages" => self.pages_id,
        };
        if let Some(outline) = self.outline {
            catalog.set("Outlines", outline);
            catalog.set("PageMode", "UseOutlines");
        }
        self.doc.objects.insert(self.catalog_id, Object::Dictionary(catalog));
        // The writer adds its own trailer keys (Size, xref stream fields); start clean each time.
        let trailer = self.doc.trailer.clone();
        let max_id = self.doc.max_id;
        match id {
            Some(id) => {
                let s = Object::String(id.to_vec(), StringFormat::Hexadecimal);
                self.doc.trailer.set("ID", vec![s.clone(), s]);
            }
            None => {
                self.doc.trailer.remove(b"ID");
            }
        }
        let result = self.doc.save_to(out).map_err(|e| MergeError::Write(e.to_string()));
        self.doc.trailer = trailer;
        self.doc.max_id = max_id;
        result
    }
}

/// A PDF text string: ASCII as is, anything else as UTF-16BE with a byte-order mark.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::string_literal(s)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(bytes, StringFormat::Literal)
    }
}

fn version_num(v: &str) -> (u32, u32) {
    let mut it = v.split('.').map(|p| p.trim().parse::<u32>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn pieces_keep_inherited_attributes_and_merge_in_order() {
        let a = Piece::load(&pdf(3, "a")).unwrap();
        let b = Piece::load(&pdf(1, "b")).unwrap();
        let blank = Piece::load(&pdf(1, "blank")).unwrap();
        assert_eq!((a.page_count(), b.page_count()), (3, 1));
        let mut m = Builder::new();
        let pa = m.append(&a);
        m.bookmark("A", pa[0], None);
        let p = m.blank_page(&blank);
        m.push_page(p);
        let pb = m.append(&b);
        m.bookmark("B – Åsa", pb[0], None);
        let p = m.blank_page(&blank);
        m.push_page(p);
        m.finish_outline();
        let list = m.pages().to_vec();
        let mut bytes = Vec::new();
        m.save_to(&list, &Info { title: "Test", marker: Some("m") }, Some(&[1, 2, 3]), &mut bytes).unwrap();
        let mut again = Vec::new();
        m.save_to(&list, &Info { title: "Test", marker: Some("m") }, Some(&[1, 2, 3]), &mut again).unwrap();
        assert_eq!(bytes, again, "saving is deterministic");

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
    }

    #[test]
    fn a_cover_can_be_replaced() {
        let a = Piece::load(&pdf(2, "a")).unwrap();
        let c1 = Piece::load(&pdf(1, "cover one")).unwrap();
        let c2 = Piece::load(&pdf(1, "cover two")).unwrap();
        let mut m = Builder::new();
        m.append(&a);
        let list = m.pages().to_vec();
        let mut sizes = Vec::new();
        for cover in [&c1, &c2] {
            let mark = m.mark();
            let mut all = m.import(cover);
            all.extend(&list);
            let mut bytes = Vec::new();
            m.save_to(&all, &Info { title: "T", marker: None }, None, &mut bytes).unwrap();
            m.truncate(mark);
            let doc = Document::load_mem(&bytes).unwrap();
            assert_eq!(doc.page_iter().count(), 3);
            sizes.push(doc.objects.len());
        }
        assert_eq!(sizes[0], sizes[1], "the first cover's objects are gone from the second file");
    }
}
