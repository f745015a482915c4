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
            for r in refs {
                visit(r, &mut number, &mut queue);
            }
        }
        let mut objects = Vec::with_capacity(order.len());
        for id in &order {
            let mut object = doc.objects[id].clone();
            if page_set.contains(id) {
                if let Object::Dictionary(dict) = &mut object {
                    inherit(&doc, dict);
                    dict.remove(b"Parent");
                }
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

/// Copies inherited page attributes from the page tree onto the page itself.
fn inherit(doc: &Document, page: &mut Dictionary) {
    let mut parent = page.get(b"Parent").and_then(Object::as_reference).ok();
    let mut depth = 0;
    while let Some(pid) = parent {
        depth += 1;
        let Ok(node) = doc.get_dictionary(pid) else { break };
        for key in INHERITABLE {
            if !page.has(key) {
                if let Ok(v) = node.get(key) {
                    page.set(key.to_vec(), v.clone());
                }
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

/// A batch being assembled: pages in order, bookmarks, then written with [`Builder::save`].
pub struct Builder {
    doc: Document,
    pages_id: ObjectId,
    catalog_id: ObjectId,
    kids: Vec<ObjectId>,
    /// The page dictionary of the first blank page added; later blanks reuse its objects.
    blank: Option<ObjectId>,
    outline: Option<ObjectId>,
    version: String,
}

impl Builder {
    /// `marker` goes into the document info, which is written first (object 1), so it can
    /// be found by reading the start of the file.
    pub fn new(title: &str, marker: &str) -> Builder {
        let mut doc = Document::with_version("1.7");
        let info_id = doc.add_object(dictionary! {
            "Title" => text_string(title),
            "Producer" => Object::string_literal("reservpack"),
            "Creator" => Object::string_literal("reservpack"),
            "Keywords" => Object::string_literal(marker),
        });
        let pages_id = doc.new_object_id();
        let catalog_id = doc.new_object_id();
        doc.trailer.set("Root", catalog_id);
        doc.trailer.set("Info", info_id);
        Builder { doc, pages_id, catalog_id, kids: Vec::new(), blank: None, outline: None, version: "1.7".into() }
    }

    /// Appends the objects of `piece` and returns its pages' new ids (not yet in the page list).
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

    /// Appends the pages of `piece` to the page list; returns their ids.
    pub fn append(&mut self, piece: &Piece) -> Vec<ObjectId> {
        let pages = self.import(piece);
        self.kids.extend(&pages);
        pages
    }

    /// A blank page (the first page of `blank`); the objects are imported once and shared.
    pub fn blank_page(&mut self, blank: &Piece) -> ObjectId {
        match self.blank {
            None => {
                let first = self.import(blank)[0];
                self.blank = Some(first);
                first
            }
            Some(template) => {
                let page = self.doc.objects[&template].clone();
                self.doc.add_object(page)
            }
        }
    }

    pub fn push_page(&mut self, page: ObjectId) {
        self.kids.push(page);
    }

    pub fn pages(&self) -> &[ObjectId] {
        &self.kids
    }

    /// Adds a bookmark to `page`, under `parent` (a bookmark id) or at the top level.
    pub fn bookmark(&mut self, title: &str, page: ObjectId, parent: Option<u32>) -> u32 {
        self.doc.add_bookmark(Bookmark::new(title.to_string(), [0.0, 0.0, 0.0], 0, page), parent)
    }

    /// Builds the outline from the bookmarks (call once, after the last bookmark).
    pub fn finish_outline(&mut self) {
        self.outline = self.doc.build_outline();
    }

    /// Writes the batch with `pages` as its page list (in this order) and `id` as the
    /// trailer's file identifier.
    pub fn save(&mut self, pages: &[ObjectId], id: Option<&[u8]>) -> Result<Vec<u8>, MergeError> {
        self.doc.version = self.version.clone();
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
        match id {
            Some(id) => {
                let s = Object::String(id.to_vec(), StringFormat::Hexadecimal);
                self.doc.trailer.set("ID", vec![s.clone(), s]);
            }
            None => {
                self.doc.trailer.remove(b"ID");
            }
        }
        let mut out = Vec::new();
        // The writer adds its own trailer keys (Size, xref stream fields); start clean each time.
        let trailer = self.doc.trailer.clone();
        let max_id = self.doc.max_id;
        let result = self.doc.save_to(&mut out).map_err(|e| MergeError::Write(e.to_string()));
        self.doc.trailer = trailer;
        self.doc.max_id = max_id;
        result.map(|_| out)
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
