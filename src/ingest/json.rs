//! JSON exports: one array of objects per file, each object with the physical line where it
//! starts.
//!
//! The file must be UTF-8 (a BOM is allowed). The whole text is parsed with `serde_json`
//! first, as an array of [`RawValue`]s, so a syntax error is Fatal with the line and column
//! `serde_json` reports (the message is written in Swedish from the error's category and the
//! text around it; it never quotes the input). Each element is borrowed from the text, so
//! its place there gives the line it starts on; the elements wanted are then parsed.
//!
//! Keys are normalised with [`normalize_header`] and then mapped through the config
//! aliases — at every nesting level (so `insatser: [{ "Rubrik": … }]` gives `rubrik`).
//! Built-in CSV aliases are **not** applied: without a column spec they would be guesses.
//! Two keys of one object that end up with the same name make that element a Problem (it is
//! left out), as does an element that is not an object.

use crate::diag::Diagnostic;
use crate::ingest::table::normalize_header;
use serde_json::error::Category;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One object of a JSON array.
#[derive(Clone, PartialEq)]
pub struct JsonRecord {
    /// Physical line (1-based) where the object starts.
    pub line: u64,
    /// 0-based index in the array.
    pub index: usize,
    /// The object, keys normalised and aliased (also in nested objects).
    pub fields: Map<String, Value>,
}

impl std::fmt::Debug for JsonRecord {
    // Values are personal data: print only where the record is and its keys.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonRecord")
            .field("line", &self.line)
            .field("index", &self.index)
            .field("keys", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Swedish text for a `serde_json` error at `at` (a byte offset in `text`): made from the
/// error's category and the structure around that place, never from serde_json's English
/// text, and never quoting the input's letters or digits (they may be personal data).
fn syntax_message(text: &str, e: &serde_json::Error, at: usize) -> String {
    let bytes = text.as_bytes();
    let found = bytes.get(at).copied();
    let before = bytes[..at.min(bytes.len())].iter().rev().find(|b| !b" \t\r\n".contains(b)).copied();
    // A raw line break inside a string is reported at the character before it: a string is
    // open there if the line so far holds an odd number of unescaped quotes.
    let line_start = bytes[..at.min(bytes.len())].iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1);
    let in_string = |end: usize| {
        let mut quotes = 0;
        let mut escaped = false;
        for &b in &bytes[line_start..end.min(bytes.len())] {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => quotes += 1,
                _ => {}
            }
        }
        quotes % 2 == 1
    };
    let found = match bytes.get(at + 1) {
        Some(b'\n') if found != Some(b'"') && in_string(at + 1) => Some(b'\n'),
        _ => found,
    };
    let sv = match (e.classify(), before, found) {
        (Category::Eof, _, _) => "filen tar slut innan allt är avslutat (saknas ']', '}' eller '\"'?)".to_string(),
        (_, Some(b','), Some(b']' | b'}')) => "överflödigt kommatecken före ']' eller '}'".to_string(),
        (_, _, Some(c)) if c < 0x20 => "otillåtet kontrolltecken (t.ex. radbrytning eller tabb) inne i en sträng".to_string(),
        (_, Some(b'\\'), _) => "ogiltig escape-sekvens i en sträng".to_string(),
        (_, Some(b'"'), Some(_)) => "väntade ':' efter en nyckel, eller ',' eller slutet efter ett värde".to_string(),
        (_, _, Some(c)) if b"[]{},:\"".contains(&c) => format!("oväntat '{}' här", c as char),
        _ => "felaktig syntax här (väntade ett JSON-värde, ',' eller slutet)".to_string(),
    };
    format!("ogiltig JSON: {sv}")
}

/// The byte offset of serde_json's 1-based `line` and `column` in `text` (the byte the
/// error is about; the end of the text for an unexpected end).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map_or(text.len(), |(i, _)| i + 1) };
    (start + column.saturating_sub(1)).min(text.len())
}

/// Physical lines (1-based) in `bytes` before `offset`.
fn line_at(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes[..offset.min(bytes.len())].iter().filter(|&&b| b == b'\n').count() as u64
}

/// A top-level array element: its text (as serde_json found it), where it starts (byte
/// offset in the file's text), and the physical line there.
struct Element<'a> {
    raw: &'a RawValue,
    start: usize,
    line: u64,
}

/// Why the file's text is not an array of elements.
enum NotElements {
    Syntax(serde_json::Error),
    /// Valid JSON, but not an array: the line of its first character.
    NotArray(u64),
}

/// The elements of the top-level array of `text`, checked for syntax by serde_json (each
/// borrowed as a [`RawValue`], so its place in `text` gives its line).
fn elements(text: &str) -> Result<Vec<Element<'_>>, NotElements> {
    let raws: Vec<&RawValue> = match serde_json::from_str(text) {
        Ok(r) => r,
        // Not a sequence: a syntax error anywhere still comes first.
        Err(e) if e.classify() == Category::Data => {
            serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(NotElements::Syntax)?;
            return Err(NotElements::NotArray(line_at(text.as_bytes(), text.len() - text.trim_start().len())));
        }
        Err(e) => return Err(NotElements::Syntax(e)),
    };
    let base = text.as_ptr() as usize;
    let (mut line, mut at) = (1u64, 0usize);
    let mut out = Vec::with_capacity(raws.len());
    for raw in raws {
        // Borrowed from `text` (zero-copy), so the slice's address is its offset in the file.
        let start = (raw.get().as_ptr() as usize).checked_sub(base).filter(|s| *s <= text.len() && *s >= at).unwrap_or(at);
        line += text.as_bytes()[at..start].iter().filter(|&&b| b == b'\n').count() as u64;
        at = start;
        out.push(Element { raw, start, line });
    }
    Ok(out)
}

/// Normalises and aliases the keys of an object, recursively. `Err(name)` on a collision.
fn normalize_object(obj: Map<String, Value>, aliases: &BTreeMap<String, String>) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (k, v) in obj {
        let n = normalize_header(&k);
        let key = aliases.get(&n).cloned().unwrap_or(n);
        let v = normalize_value(v, aliases)?;
        if out.insert(key.clone(), v).is_some() {
            return Err(key);
        }
    }
    Ok(out)
}

fn normalize_value(v: Value, aliases: &BTreeMap<String, String>) -> Result<Value, String> {
    Ok(match v {
        Value::Object(o) => Value::Object(normalize_object(o, aliases)?),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| normalize_value(x, aliases)).collect::<Result<_, _>>()?),
        other => other,
    })
}

/// Reads a UTF-8 file (BOM allowed) holding one array of objects. Returns each object with
/// the physical line where it starts, and the Problems found (non-object elements, key
/// collisions after normalisation; those elements are left out).
///
/// `aliases`: config aliases (alias → canonical), normalised here again.
///
/// Fatal: not UTF-8, empty, invalid JSON (with `serde_json`'s line and column), or not an
/// array.
pub fn parse_array(file: &str, bytes: &[u8], aliases: &BTreeMap<String, String>) -> Result<(Vec<JsonRecord>, Vec<Diagnostic>), Diagnostic> {
    parse_array_mentioning(file, bytes, aliases, None)
}

/// [`parse_array`], keeping only the elements whose text contains `needle` (when given):
/// the whole file is still checked for syntax, but the other elements are neither built
/// nor checked. An element holding a `\u` escape is always kept (its text may spell the
/// needle in escapes), so an element that holds the needle's value is never skipped.
pub fn parse_array_mentioning(
    file: &str,
    bytes: &[u8],
    aliases: &BTreeMap<String, String>,
    needle: Option<&str>,
) -> Result<(Vec<JsonRecord>, Vec<Diagnostic>), Diagnostic> {
    let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
        Diagnostic::fatal(file, line, 0, "filen är inte giltig UTF-8; väntade JSON i UTF-8")
    })?;
    if text.trim().is_empty() {
        return Err(Diagnostic::fatal(file, 0, 0, "filen är tom; väntade en JSON-array [ … ] med ett objekt per post"));
    }
    let syntax = |e: serde_json::Error| {
        let at = offset_of(text, e.line(), e.column());
        Diagnostic::fatal(file, e.line() as u64, e.column(), syntax_message(text, &e, at))
    };
    let elements = elements(text).map_err(|e| match e {
        NotElements::Syntax(e) => syntax(e),
        NotElements::NotArray(line) => {
            Diagnostic::fatal(file, line, 0, "väntade en JSON-array [ … ] med ett objekt per post, men filen innehåller något annat")
        }
    })?;
    let mut items: Vec<(usize, u64, Value)> = Vec::with_capacity(if needle.is_none() { elements.len() } else { 0 });
    for (i, e) in elements.iter().enumerate() {
        let element = e.raw.get();
        if needle.is_none_or(|n| element.contains(n) || element.contains("\\u")) {
            // Valid JSON already: what can still fail is serde_json's nesting limit.
            let value = serde_json::from_str(element).map_err(|err| {
                let at = e.start + offset_of(element, err.line(), err.column());
                let line = line_at(text.as_bytes(), at);
                let col = at - text.as_bytes()[..at].iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1) + 1;
                Diagnostic::fatal(file, line, col, "ogiltig JSON: för djupt nästlad")
            })?;
            items.push((i, e.line, value));
        }
    }
    drop(elements);
    let norm_aliases: BTreeMap<String, String> = aliases.iter().map(|(k, v)| (normalize_header(k), normalize_header(v))).collect();
    let mut records = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (index, line, item) in items {
        match item {
            Value::Object(obj) => match normalize_object(obj, &norm_aliases) {
                Ok(fields) => records.push(JsonRecord { line, index, fields }),
                Err(key) => problems.push(Diagnostic::problem(
                    file,
                    line,
                    0,
                    format!("post nr {}: fältet \"{key}\" förekommer flera gånger (efter normalisering av namnen); väntade det en gång — posten hoppas över", index + 1),
                )),
            },
            _ => problems.push(Diagnostic::problem(
                file,
                line,
                0,
                format!("post nr {}: väntade ett JSON-objekt {{ … }} — posten hoppas över", index + 1),
            )),
        }
    }
    Ok((records, problems))
}

/// A field as text: strings trimmed (empty → `None`); numbers rendered as text (`12`,
/// `1.5`); booleans as `true`/`false`; null, arrays and objects → `None`. `key` is the
/// canonical name (other spellings are normalised first).
pub fn field_str(rec: &JsonRecord, key: &str) -> Option<String> {
    let v = rec.fields.get(key).or_else(|| rec.fields.get(&normalize_header(key)))?;
    match v {
        Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<(Vec<JsonRecord>, Vec<Diagnostic>), Diagnostic> {
        parse_array("t.json", text.as_bytes(), &BTreeMap::new())
    }

    #[test]
    fn lines_of_elements() {
        let text = "[\n  {\"Person ID\": \"P1\", \"Mål\": \"a [b] {c} \\\" ,\"},\n  {\n    \"person_id\": 2,\n    \"insatser\": [{\"Rubrik\": \"x\"}, \"y\"]\n  },\n\n  {\"person_id\": null, \"x\": \"  \"}, {\"x\": true}\n]\n";
        let (recs, problems) = parse(text).unwrap();
        assert!(problems.is_empty());
        assert_eq!(recs.iter().map(|r| (r.line, r.index)).collect::<Vec<_>>(), [(2, 0), (3, 1), (8, 2), (8, 3)]);
        assert_eq!(field_str(&recs[0], "person_id").as_deref(), Some("P1"));
        assert_eq!(field_str(&recs[0], "mal").as_deref(), Some("a [b] {c} \" ,"));
        assert_eq!(field_str(&recs[0], "Mål").as_deref(), Some("a [b] {c} \" ,"));
        assert_eq!(field_str(&recs[1], "person_id").as_deref(), Some("2"));
        assert_eq!(recs[1].fields["insatser"][0]["rubrik"], "x");
        assert_eq!(field_str(&recs[1], "insatser"), None);
        assert_eq!(field_str(&recs[2], "person_id"), None);
        assert_eq!(field_str(&recs[2], "x"), None);
        assert_eq!(field_str(&recs[2], "saknas"), None);
        assert_eq!(field_str(&recs[3], "x").as_deref(), Some("true"));
        assert_eq!(format!("{:?}", recs[0]), "JsonRecord { line: 2, index: 0, keys: [\"mal\", \"person_id\"] }");
    }

    #[test]
    fn bom_single_line_and_empty_array() {
        let (recs, _) = parse_array("t.json", "\u{feff}[{\"a\":1},{\"a\":1.5}]".as_bytes(), &BTreeMap::new()).unwrap();
        assert_eq!(recs.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 1]);
        assert_eq!(field_str(&recs[1], "a").as_deref(), Some("1.5"));
        let (recs, problems) = parse("  [ ]  ").unwrap();
        assert!(recs.is_empty() && problems.is_empty());
        let (recs, _) = parse("\r\n\r\n[\r\n{}\r\n]").unwrap();
        assert_eq!(recs[0].line, 4);
    }

    #[test]
    fn aliases_apply_after_normalisation() {
        let mut aliases = BTreeMap::new();
        aliases.insert("Mottagen datum".to_string(), "mottagen".to_string());
        aliases.insert("titel".to_string(), "rubrik".to_string());
        let text = "[{\"MOTTAGEN-DATUM\": \"2026-11-23\", \"insatser\": [{\"Titel\": \"t\"}]}]";
        let (recs, _) = parse_array("t.json", text.as_bytes(), &aliases).unwrap();
        assert_eq!(field_str(&recs[0], "mottagen").as_deref(), Some("2026-11-23"));
        assert_eq!(recs[0].fields["insatser"][0]["rubrik"], "t");
    }

    #[test]
    fn non_objects_and_collisions_are_problems() {
        let text = "[\n{\"a\": 1},\n2,\n\"s\",\n{\"Förnamn\": \"x\", \"fornamn\": \"y\"},\n{\"b\": 2}\n]";
        let (recs, problems) = parse(text).unwrap();
        assert_eq!(recs.iter().map(|r| (r.line, r.index)).collect::<Vec<_>>(), [(2, 0), (6, 4)]);
        assert_eq!(problems.len(), 3);
        assert!(problems.iter().all(|p| p.severity == Severity::Problem));
        assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), [3, 4, 5]);
        assert!(problems[0].message.contains("post nr 2"));
        assert!(problems[2].message.contains("\"fornamn\" förekommer flera gånger"));
        assert!(!problems[2].message.contains("\"y\""));
    }

    #[test]
    fn fatal_errors() {
        let e = parse("[\n{\"a\": 1},\n{\"a\" 2}\n]").unwrap_err();
        assert_eq!(e.severity, Severity::Fatal);
        assert_eq!(e.line, 3);
        assert!(e.col > 0);
        assert_eq!((e.line, e.col), (3, 6));
        assert!(e.message.starts_with("ogiltig JSON: väntade ':' efter en nyckel"), "{}", e.message);
        let e = parse("[{\"a\": 1},]").unwrap_err();
        assert!(e.message.contains("kommatecken"), "{}", e.message);
        let e = parse("[{\"a\": 1}").unwrap_err();
        assert!(e.message.contains("tar slut"), "{}", e.message);
        let e = parse("\n\n{\"a\": [1]}").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("JSON-array"));
        assert!(parse("").unwrap_err().message.contains("tom"));
        assert!(parse_array("t.json", b"[\"\xff\"]", &BTreeMap::new()).unwrap_err().message.contains("UTF-8"));
        // Messages never quote the input.
        let e = parse("[{\"namn\": \"Hemlig Person\"} {\"namn\": \"x\"}]").unwrap_err();
        assert!(!e.message.contains("Hemlig"));
    }

    #[test]
    fn syntax_messages_are_swedish_and_placed() {
        let m = |t: &str| {
            let e = parse(t).unwrap_err();
            (e.line, e.col, e.message)
        };
        let (line, col, msg) = m("[\n{\"namn\": \"Anna\nSvensson\"}]");
        assert_eq!(
            (line, col, msg.as_str()),
            (2, 14, "ogiltig JSON: otillåtet kontrolltecken (t.ex. radbrytning eller tabb) inne i en sträng")
        );
        assert!(col > 0);
        assert!(m("[{\"a\": \"x\\qy\"}]").2.contains("escape"));
        assert!(m("[{\"a\": 1}\n,\n]").2.contains("överflödigt kommatecken"));
        assert_eq!(m("[{\"a\": 1}] ]").2, "ogiltig JSON: oväntat ']' här");
        assert_eq!(m("[{\"a\": 1}] Hemlig").2, "ogiltig JSON: felaktig syntax här (väntade ett JSON-värde, ',' eller slutet)");
        let (line, _, msg) = m("[{\"a\":\n  [1, 2");
        assert_eq!(line, 2);
        assert!(msg.contains("tar slut"), "{msg}");
        // Deeper than serde_json's nesting limit, inside a valid element: placed at its line.
        let deep = format!("[\n{{}},\n{}{}]", "[".repeat(200), "]".repeat(200));
        let (line, col, msg) = m(&deep);
        assert_eq!((line, msg.as_str()), (3, "ogiltig JSON: för djupt nästlad"));
        assert!(col > 100, "{col}");
    }

    #[test]
    fn mentioning_keeps_exactly_the_elements_holding_the_needle() {
        let text = "[\n{\"person_id\": \"P1\", \"mal\": \"a, ] }\"},\n{\"person_id\": \"P2\"},\n {\"person_id\":\"P1\",\"x\":[1,{\"y\":\"P1\"}]} ,\n{\"person_id\": \"\\u0050\\u0031\"}, 7\n]";
        let m = |n| parse_array_mentioning("t.json", text.as_bytes(), &BTreeMap::new(), Some(n)).unwrap();
        let (recs, problems) = m("P1");
        assert!(problems.is_empty());
        assert_eq!(recs.iter().map(|r| (r.line, r.index)).collect::<Vec<_>>(), [(2, 0), (4, 2), (5, 3)]);
        assert_eq!(field_str(&recs[0], "mal").as_deref(), Some("a, ] }"));
        assert_eq!(field_str(&recs[2], "person_id").as_deref(), Some("P1"), "an escaped spelling is kept");
        let (recs, _) = m("P2");
        assert_eq!(recs.iter().map(|r| r.index).collect::<Vec<_>>(), [1, 3]);
        let (recs, problems) = m("7");
        assert!(recs.iter().all(|r| r.index == 3) && problems.len() == 1 && problems[0].line == 5);
        // The whole file is still checked.
        let e = parse_array_mentioning("t.json", b"[{\"a\": 1},\n{\"b\" 2}]", &BTreeMap::new(), Some("zz")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.starts_with("ogiltig JSON: väntade ':' efter en nyckel"), "{}", e.message);
        let e = parse_array_mentioning("t.json", b"\n{\"a\": [1]}", &BTreeMap::new(), Some("a")).unwrap_err();
        assert!(e.message.contains("JSON-array"));
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            "\\PC{0,6}|[\\[\\]{}\",\\\\\n]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{1,4}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_array("p.json", &bytes, &BTreeMap::new());
        }

        #[test]
        fn lines_match_pretty_printing(items in proptest::collection::vec(json_value(), 0..6)) {
            // Pretty-printed: each top-level element starts on its own line; find them by
            // re-serialising each element and locating it.
            let text = serde_json::to_string_pretty(&Value::Array(items.clone())).unwrap();
            let (recs, problems) = parse(&text).unwrap();
            let objects = items.iter().filter(|v| v.is_object()).count();
            prop_assert_eq!(recs.len() + problems.len(), items.len());
            prop_assert_eq!(recs.len(), objects);
            // In pretty output, element i starts on the line after the end of element i-1.
            let mut line = 2u64;
            let mut lines = Vec::new();
            for v in &items {
                lines.push(line);
                let pretty = serde_json::to_string_pretty(v).unwrap();
                line += pretty.matches('\n').count() as u64 + 1;
            }
            for r in &recs {
                prop_assert_eq!(r.line, lines[r.index]);
            }
            for p in &problems {
                prop_assert!(lines.contains(&p.line));
            }
            // Every element's byte range holds exactly that element.
            for t in [text.clone(), serde_json::to_string(&Value::Array(items.clone())).unwrap()] {
                let Ok(found) = elements(&t) else { panic!("an array") };
                prop_assert_eq!(found.len(), items.len());
                for (e, v) in found.iter().zip(&items) {
                    prop_assert_eq!(&serde_json::from_str::<Value>(&t[e.start..e.start + e.raw.get().len()]).unwrap(), v);
                }
            }
            // Filtering by a needle found everywhere keeps every element.
            let (all, _) = parse_array_mentioning("t.json", text.as_bytes(), &BTreeMap::new(), Some("")).unwrap();
            prop_assert_eq!(all, recs);
        }
    }
}
