//! JSON exports: one array of objects per file, each object with the physical line where it
//! starts.
//!
//! The file must be UTF-8 (a BOM is allowed). The whole text is parsed with `serde_json`
//! first, so a syntax error is Fatal with the line and column `serde_json` reports (the
//! message is translated to Swedish; it never quotes the input). Element start lines are
//! found by a small scanner over the (already valid) text that tracks strings, escapes and
//! bracket depth.
//!
//! Keys are normalised with [`normalize_header`] and then mapped through the config
//! aliases — at every nesting level (so `insatser: [{ "Rubrik": … }]` gives `rubrik`).
//! Built-in CSV aliases are **not** applied: without a column spec they would be guesses.
//! Two keys of one object that end up with the same name make that element a Problem (it is
//! left out), as does an element that is not an object.

use crate::diag::Diagnostic;
use crate::ingest::table::normalize_header;
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

/// Swedish text for a `serde_json` syntax error (its English text without the location).
fn swedish_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let what = text.split(" at line ").next().unwrap_or("");
    let sv = match what {
        "EOF while parsing a list" => "filen tar slut innan listan är avslutad (saknas ']'?)",
        "EOF while parsing an object" => "filen tar slut innan objektet är avslutat (saknas '}'?)",
        "EOF while parsing a string" => "filen tar slut inne i en sträng (saknas '\"'?)",
        "EOF while parsing a value" => "filen tar slut där ett värde väntades",
        "expected `:`" => "väntade ':' efter nyckeln",
        "expected `,` or `]`" => "väntade ',' eller ']'",
        "expected `,` or `}`" => "väntade ',' eller '}'",
        "expected ident" => "väntade true, false eller null",
        "expected value" => "väntade ett JSON-värde",
        "expected `\"`" => "väntade '\"'",
        "invalid escape" => "ogiltig escape-sekvens i en sträng",
        "invalid number" => "ogiltigt tal",
        "number out of range" => "talet är för stort",
        "invalid unicode code point" => "ogiltig Unicode-kodpunkt",
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "otillåtet kontrolltecken (t.ex. radbrytning eller tabb) inne i en sträng"
        }
        "key must be a string" => "väntade en nyckel inom citattecken",
        "lone leading surrogate in hex escape" => "ogiltig \\u-escape (ensamt surrogat)",
        "trailing comma" => "överflödigt kommatecken före ']' eller '}'",
        "trailing characters" => "tecken efter slutet av JSON-innehållet",
        "unexpected end of hex escape" => "ofullständig \\u-escape",
        "recursion limit exceeded" => "för djupt nästlad JSON",
        _ => "felaktig syntax",
    };
    format!("ogiltig JSON: {sv}")
}

/// Where the top-level array's elements are: the line each starts on and its byte range;
/// also the offset and line of the first non-whitespace byte. `text` must be valid JSON.
struct Scan {
    first: Option<(usize, u64)>,
    elements: Vec<Element>,
}

struct Element {
    line: u64,
    /// Byte range of the element's text (without the separating comma).
    start: usize,
    end: usize,
}

fn scan(text: &str) -> Scan {
    let mut first = None;
    let mut elements: Vec<Element> = Vec::new();
    let mut line = 1u64;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut expect_element = false;
    // The end of the current element: the last non-whitespace byte seen at depth ≥ 1.
    let mut last = 0usize;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                last = i + 1;
            }
            continue;
        }
        match b {
            b'\n' => {
                line += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => continue,
            _ => {}
        }
        if first.is_none() {
            first = Some((i, line));
        }
        if depth == 1 && expect_element {
            if b != b']' {
                elements.push(Element { line, start: i, end: i });
            }
            expect_element = false;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth == 1 && b == b'[' {
                    expect_element = true;
                }
            }
            b']' | b'}' => {
                if depth == 1
                    && let Some(e) = elements.last_mut()
                    && e.end == e.start
                {
                    e.end = last;
                }
                depth = depth.saturating_sub(1);
            }
            b',' if depth == 1 => {
                if let Some(e) = elements.last_mut() {
                    e.end = last;
                }
                expect_element = true;
            }
            _ => {}
        }
        if b != b',' || depth != 1 {
            last = i + 1;
        }
    }
    Scan { first, elements }
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
pub fn parse_array(
    file: &str,
    bytes: &[u8],
    aliases: &BTreeMap<String, String>,
) -> Result<(Vec<JsonRecord>, Vec<Diagnostic>), Diagnostic> {
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
    let syntax = |e: serde_json::Error| Diagnostic::fatal(file, e.line() as u64, e.column(), swedish_json_error(&e));
    let not_array = |scanned: &Scan| {
        let line = scanned.first.map_or(0, |f| f.1);
        Diagnostic::fatal(file, line, 0, "väntade en JSON-array [ … ] med ett objekt per post, men filen innehåller något annat")
    };
    let items: Vec<(usize, u64, Value)> = match needle {
        None => {
            let value: Value = serde_json::from_str(text).map_err(syntax)?;
            let scanned = scan(text);
            let Value::Array(items) = value else { return Err(not_array(&scanned)) };
            items.into_iter().enumerate().map(|(i, v)| (i, scanned.elements.get(i).map_or(0, |e| e.line), v)).collect()
        }
        Some(needle) => {
            serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(syntax)?;
            let scanned = scan(text);
            if scanned.first.is_none_or(|(at, _)| text.as_bytes()[at] != b'[') {
                return Err(not_array(&scanned));
            }
            let mut items = Vec::new();
            for (i, e) in scanned.elements.iter().enumerate() {
                let element = &text[e.start..e.end];
                if element.contains(needle) || element.contains("\\u") {
                    items.push((i, e.line, serde_json::from_str(element).map_err(syntax)?));
                }
            }
            items
        }
    };
    let norm_aliases: BTreeMap<String, String> =
        aliases.iter().map(|(k, v)| (normalize_header(k), normalize_header(v))).collect();
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
        assert_eq!(e.message, "ogiltig JSON: väntade ':' efter nyckeln");
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
        assert_eq!((e.line, e.message.as_str()), (2, "ogiltig JSON: väntade ':' efter nyckeln"));
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
                proptest::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
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
            let scanned = scan(&text);
            prop_assert_eq!(scanned.elements.len(), items.len());
            for (e, v) in scanned.elements.iter().zip(&items) {
                prop_assert_eq!(&serde_json::from_str::<Value>(&text[e.start..e.end]).unwrap(), v);
            }
            let compact = serde_json::to_string(&Value::Array(items.clone())).unwrap();
            let scanned = scan(&compact);
            for (e, v) in scanned.elements.iter().zip(&items) {
                prop_assert_eq!(&serde_json::from_str::<Value>(&compact[e.start..e.end]).unwrap(), v);
            }
            // Filtering by a needle found everywhere keeps every element.
            let (all, _) = parse_array_mentioning("t.json", text.as_bytes(), &BTreeMap::new(), Some("")).unwrap();
            prop_assert_eq!(all, recs);
        }
    }
}
