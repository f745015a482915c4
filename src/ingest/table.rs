//! CSV exports: decoding, delimiter sniffing, header matching and rows with physical line
//! numbers.
//!
//! Rules (see `FORMATS.md`, "Input" and "Reading rules"):
//! - **Encoding**: UTF-8 with or without BOM; a file that is not valid UTF-8 is read as
//!   Windows-1252. UTF-16 (recognised by its BOM) and files holding NUL bytes are Fatal.
//! - **Delimiter**: `;`, `,` or tab, sniffed from the header line (outside quotes): the one
//!   that splits it into most fields, `;` winning ties (then `,`). An Excel hint line
//!   `sep=X` as the first line is honoured and skipped.
//! - **Quoting**: `"` quotes; `""` inside quotes is a quote; quoted fields may hold
//!   delimiters and newlines. CRLF or LF.
//! - **Lines**: [`RowRef::line`] is the physical line where the record starts (the header is
//!   normally line 1), right also after quoted fields that span lines. Empty lines, and
//!   lines whose fields are all empty or blank (`;;;`), are skipped.
//! - **Short rows**: missing trailing fields are empty ([`RowRef::get`] gives `None`; the
//!   caller reports a missing required value).
//! - **Long rows**: extra *empty* fields after the header's last column are ignored. A row
//!   with an extra *non-empty* field is **left out** and reported as a Problem
//!   (see [`Table::diagnostics`]), since its fields cannot be trusted to be in the right
//!   columns.
//! - **Headers** are matched after [`normalize_header`]. Each header resolves to one column,
//!   by this precedence: a config alias (explicit, so it wins), the canonical name, then a
//!   built-in alias ([`BUILTIN_ALIASES`], only towards a column of this file's spec). When
//!   two headers resolve to the same column, the one with higher precedence wins and the
//!   other is kept as an unknown column under its own normalised name; two headers at the
//!   same precedence for a column of the spec are Fatal. Duplicate *unknown* columns are
//!   not an error (the first one counts): a column nobody reads must not stop a run.
//! - A missing required column is Fatal: one message listing every missing column, the
//!   columns found and the closest match for each missing one. If no known column was found
//!   at all, the found "headers" are not listed (the first line may be a data row, and
//!   could belong to a protected person).

use crate::diag::Diagnostic;
use std::collections::{BTreeMap, HashMap};

/// One column a reader expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Canonical (normalised) name, e.g. `fornamn`.
    pub name: &'static str,
    pub required: bool,
}

/// Built-in alternative header spellings, already normalised: `(alias, canonical)`.
/// An entry applies only when the canonical column is in the file's spec and the header is
/// not itself a column of the spec; config aliases and canonical names take precedence.
pub const BUILTIN_ALIASES: &[(&str, &str)] = &[
    // besok.csv / timecare.csv
    ("besoksdatum", "datum"),
    ("besok_datum", "datum"),
    ("passdatum", "datum"),
    ("starttid", "start"),
    ("start_tid", "start"),
    ("fran_tid", "start"),
    ("tid_fran", "start"),
    ("sluttid", "slut"),
    ("slut_tid", "slut"),
    ("till_tid", "slut"),
    ("tid_till", "slut"),
    ("sign", "signatur"),
    ("medarbetare", "signatur"),
    ("medarbetarsignatur", "signatur"),
    ("nyckelnr", "nyckelnummer"),
    ("nyckel_nr", "nyckelnummer"),
    ("nyckel", "nyckelnummer"),
    ("dubbelbemannad", "dubbelbemanning"),
    ("dubbel_bemanning", "dubbelbemanning"),
    ("insats", "insatser"),
    ("anteckning", "notering"),
    ("kommentar", "notering"),
    ("periodstart", "period_start"),
    ("periodslut", "period_slut"),
    // personer.csv and others
    ("personnr", "personnummer"),
    ("person_nr", "personnummer"),
    ("pnr", "personnummer"),
    ("personid", "person_id"),
    ("brukar_id", "person_id"),
    ("brukarid", "person_id"),
    ("arendenr", "arendenummer"),
    ("arende_nr", "arendenummer"),
    ("uppdragsnr", "uppdragsnummer"),
    ("postnummer", "postnr"),
    ("postort", "ort"),
    ("telefonnummer", "telefon"),
    ("telefonnr", "telefon"),
    ("tel", "telefon"),
    ("privattelefon", "privat_telefon"),
    ("arbetstel", "arbetstelefon"),
    ("varning", "varningar"),
    ("varningstext", "varningar"),
    ("allergier", "varningar"),
    ("allergi_och_varningar", "varningar"),
    ("nyckel_plats", "nyckelplats"),
    ("nyckelforvaring", "nyckelplats"),
    ("nyckelskap", "nyckelplats"),
    ("rumsnummer", "rum"),
    ("rumsnr", "rum"),
    ("rum_nr", "rum"),
    // enheter.csv uses `enhet_id`, the other files `enhet`.
    ("enhet_id", "enhet"),
    ("enhetsid", "enhet"),
    ("enhets_id", "enhet"),
    ("enhet", "enhet_id"),
    ("enhetsid", "enhet_id"),
    ("enhets_id", "enhet_id"),
];

/// Normalises a header (or JSON key) for matching: strips BOMs and zero-width spaces,
/// trims, lowercases, folds å/ä/à/á/â → a, ö/ø/ó/ò/ô → o, é/è/ê/ë → e, ü → u (also in
/// decomposed form), and turns each run of spaces, `-` and `_` into one `_`.
pub fn normalize_header(h: &str) -> String {
    let cleaned: String = h.chars().filter(|c| !matches!(c, '\u{feff}' | '\u{200b}')).collect();
    let mut out = String::with_capacity(cleaned.len());
    let mut in_sep = false;
    for c in cleaned.trim().chars().flat_map(char::to_lowercase) {
        let c = match c {
            '\u{0300}'..='\u{036f}' => continue, // combining marks (decomposed å, ä, ö, é)
            'å' | 'ä' | 'à' | 'á' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' => 'u',
            c if c.is_whitespace() || c == '-' || c == '_' => {
                if !in_sep {
                    out.push('_');
                }
                in_sep = true;
                continue;
            }
            c => c,
        };
        in_sep = false;
        out.push(c);
    }
    out
}

/// Decodes a text export: UTF-8 (BOM stripped), else Windows-1252, else (a file mixing
/// both) line by line, with a warning for each line read as Windows-1252.
pub(crate) fn decode_text(file: &str, bytes: &[u8]) -> Result<(String, Vec<Diagnostic>), Diagnostic> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(Diagnostic::fatal(file, 0, 0, "filen är kodad som UTF-16, som inte stöds; spara den som UTF-8 eller Windows-1252"));
    }
    let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
        return Err(Diagnostic::fatal(
            file,
            line,
            0,
            "filen innehåller NUL-tecken och kan inte läsas som text; väntade en CSV-fil i UTF-8 eller Windows-1252",
        ));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), Vec::new()));
    }
    // Not UTF-8 throughout. A plain Windows-1252 export has no line that is UTF-8 with
    // non-ASCII characters; a file that has both kinds of line (an export edited by hand, a
    // stray byte) is decoded line by line, each line in the encoding it decodes in, and
    // every line read as Windows-1252 is named — never one garble for the whole file.
    let lines = || bytes.split_inclusive(|&b| b == b'\n');
    let mixed = lines().any(|l| !l.is_ascii() && std::str::from_utf8(l).is_ok());
    if !mixed {
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
        return Ok((text.into_owned(), Vec::new()));
    }
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    let mut warnings = Vec::new();
    for (i, line) in lines().enumerate() {
        match std::str::from_utf8(line) {
            Ok(s) => text.push_str(s),
            Err(e) => {
                let (decoded, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(line);
                text.push_str(&decoded);
                let col = 1 + line[..e.valid_up_to()].iter().filter(|&&b| b == b';' || b == b',' || b == b'\t').count();
                warnings.push(Diagnostic::warning(
                    file,
                    i as u64 + 1,
                    col,
                    "raden är inte giltig UTF-8 som resten av filen och lästes som Windows-1252; kontrollera tecknen (å, ä, ö) på raden och spara filen i en enda teckenkodning",
                ));
            }
        }
    }
    Ok((text, warnings))
}

/// `sep=X` on the first line (an Excel convention): the delimiter and the byte offset after
/// that line.
fn sep_hint(text: &str) -> Option<(u8, usize)> {
    let end = text.find('\n').map_or(text.len(), |i| i + 1);
    let line = text[..end].trim_end_matches(['\r', '\n']);
    let rest = line.strip_prefix("sep=").or_else(|| line.strip_prefix("SEP="))?;
    match rest.as_bytes() {
        [d @ (b';' | b',' | b'\t' | b'|')] => Some((*d, end)),
        _ => None,
    }
}

/// Picks the delimiter from the first line with a letter or digit (the header line),
/// counting candidates outside quotes up to the first newline outside quotes.
fn sniff_delimiter(text: &str) -> u8 {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.chars().any(char::is_alphanumeric) {
            break;
        }
        start += line.len();
    }
    let mut counts = [0usize; 3]; // ; , tab
    let mut in_quotes = false;
    for &b in text.as_bytes()[start..].iter() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            b';' if !in_quotes => counts[0] += 1,
            b',' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    [b';', b',', b'\t'][best]
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The header (index into `candidates`) closest to `missing`, if any is reasonably close:
/// one containing the other (`sign` for `signatur`) or an edit distance of at most half the
/// missing name's length (at least 2).
fn closest<'a>(missing: &str, candidates: &[(&'a str, String)]) -> Option<&'a str> {
    let limit = (missing.chars().count() / 2).max(2);
    candidates
        .iter()
        .filter(|(_, norm)| !norm.is_empty())
        .map(|(orig, norm)| {
            let contains = norm.len() >= 3 && (missing.contains(norm.as_str()) || norm.contains(missing));
            let d = edit_distance(missing, norm);
            (!contains, d, *orig, contains || d <= limit)
        })
        .filter(|c| c.3)
        .min_by_key(|c| (c.0, c.1))
        .map(|c| c.2)
}

struct Row {
    line: u64,
    fields: Vec<String>,
}

/// One decoded and parsed CSV export.
#[derive(Debug)]
pub struct Table {
    file: String,
    /// Header texts as written (trimmed).
    headers: Vec<String>,
    /// Column name (canonical, or normalised for unknown columns) -> field index.
    index: HashMap<String, usize>,
    rows: Vec<Row>,
    diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Debug for Row {
    // Rows hold personal data: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Row(line {}, {} fields)", self.line, self.fields.len())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Level {
    Config,
    Canonical,
    Builtin,
    Unknown,
}

impl Table {
    /// Decodes and parses one CSV export. `file` is the name used in messages
    /// (e.g. `besok.csv`). `aliases`: extra header spellings from config
    /// (alias → canonical name; both are normalised here again, so either form works).
    ///
    /// Fatal errors: undecodable (UTF-16, NUL bytes), empty or no header, a duplicate header
    /// for a spec column, required column(s) missing. Rows with extra non-empty fields are
    /// left out and reported in [`Table::diagnostics`].
    pub fn parse(file: &str, bytes: &[u8], columns: &[ColumnSpec], aliases: &BTreeMap<String, String>) -> Result<Table, Diagnostic> {
        let (text, encoding_warnings) = decode_text(file, bytes)?;
        if text.trim().is_empty() {
            return Err(Diagnostic::fatal(file, 0, 0, "filen är tom; väntade en rubrikrad och rader med data"));
        }
        let (delimiter, start) = sep_hint(&text).unwrap_or_else(|| (sniff_delimiter(&text), 0));
        // Byte offsets of every '\n', to turn a byte offset into a physical line.
        let newlines: Vec<usize> = text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i).collect();
        let bytes_all = text.as_bytes();
        let line_at = |offset: usize| -> u64 {
            // The csv reader reports the byte where it started reading a record, which may be
            // before the '\n' of the previous record's CRLF or before skipped empty lines. Its
            // `Position::line()` is wrong in exactly those cases (csv 1.4: the second record
            // of "h\r\na\r\n" is "line 1"; a record after two blank lines is two lines early),
            // so lines are counted here from the byte offset.
            let mut at = offset;
            while at < bytes_all.len() && matches!(bytes_all[at], b'\r' | b'\n') {
                at += 1;
            }
            1 + newlines.partition_point(|&nl| nl < at) as u64
        };

        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .quoting(true)
            .double_quote(true)
            .from_reader(&bytes_all[start..]);

        let mut record = csv::StringRecord::new();
        let mut header: Option<(u64, Vec<String>)> = None;
        let mut raw_rows: Vec<(u64, Vec<String>)> = Vec::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(0, |p| line_at(start + p.byte() as usize));
                    return Err(Diagnostic::fatal(file, line, 0, "kunde inte läsa raden som CSV"));
                }
            }
            let fields: Vec<String> = record.iter().map(|f| f.trim().to_string()).collect();
            if fields.iter().all(String::is_empty) {
                continue;
            }
            let offset = start + record.position().map_or(0, |p| p.byte() as usize);
            let line = line_at(offset);
            if header.is_none() {
                header = Some((line, fields));
            } else {
                raw_rows.push((line, fields));
            }
        }
        let Some((header_line, headers)) = header else {
            return Err(Diagnostic::fatal(file, 0, 0, "filen saknar rubrikrad; väntade kolumnnamn på första raden"));
        };

        let index = Self::match_headers(file, header_line, &headers, columns, aliases)?;

        let width = headers.len();
        let mut rows = Vec::with_capacity(raw_rows.len());
        let mut diagnostics = encoding_warnings;
        for (line, mut fields) in raw_rows {
            if let Some(extra) = fields.iter().skip(width).position(|f| !f.is_empty()) {
                diagnostics.push(Diagnostic::problem(
                    file,
                    line,
                    width + extra + 1,
                    format!(
                        "raden har {} fält men rubrikraden bara {}; väntade inga värden efter sista kolumnen (citattecken eller avgränsare fel?) — raden hoppas över",
                        fields.len(),
                        width
                    ),
                ));
                continue;
            }
            fields.truncate(width);
            rows.push(Row { line, fields });
        }

        Ok(Table { file: file.to_string(), headers, index, rows, diagnostics })
    }

    /// Resolves the header to column indexes (see the module documentation for precedence).
    fn match_headers(
        file: &str,
        header_line: u64,
        headers: &[String],
        columns: &[ColumnSpec],
        aliases: &BTreeMap<String, String>,
    ) -> Result<HashMap<String, usize>, Diagnostic> {
        let spec: Vec<String> = columns.iter().map(|c| normalize_header(c.name)).collect();
        let config: HashMap<String, String> = aliases.iter().map(|(k, v)| (normalize_header(k), normalize_header(v))).collect();
        let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();

        // Each header's target and precedence.
        let mut claims: Vec<(String, Level, usize)> = Vec::new();
        for (i, n) in normalized.iter().enumerate() {
            if n.is_empty() {
                continue;
            }
            let (target, level) = if let Some(c) = config.get(n) {
                (c.clone(), Level::Config)
            } else if spec.contains(n) {
                (n.clone(), Level::Canonical)
            } else if let Some((_, c)) = BUILTIN_ALIASES.iter().find(|(a, c)| a == n && spec.iter().any(|s| s == c)) {
                (c.to_string(), Level::Builtin)
            } else {
                (n.clone(), Level::Unknown)
            };
            claims.push((target, level, i));
        }

        let mut index: HashMap<String, usize> = HashMap::new();
        let mut losers: Vec<usize> = Vec::new();
        let mut by_target: BTreeMap<&str, Vec<(Level, usize)>> = BTreeMap::new();
        for (t, l, i) in &claims {
            by_target.entry(t.as_str()).or_default().push((*l, *i));
        }
        for (target, mut cands) in by_target {
            cands.sort();
            let (best_level, best_i) = cands[0];
            let in_spec = spec.iter().any(|s| s == target);
            if let Some(&(_, second)) = cands.get(1).filter(|c| c.0 == best_level)
                && (in_spec || best_level != Level::Unknown)
            {
                return Err(Diagnostic::fatal(
                    file,
                    header_line,
                    second + 1,
                    format!(
                        "kolumnen \"{target}\" finns flera gånger (rubrikerna \"{}\" i fält {} och \"{}\" i fält {}); väntade den en gång",
                        headers[best_i],
                        best_i + 1,
                        headers[second],
                        second + 1
                    ),
                ));
            }
            index.insert(target.to_string(), best_i);
            losers.extend(cands[1..].iter().map(|c| c.1));
        }
        // A header that lost to another keeps its own normalised name if that is free.
        for i in losers {
            index.entry(normalized[i].clone()).or_insert(i);
        }

        let missing: Vec<&str> =
            columns.iter().zip(&spec).filter(|(c, s)| c.required && !index.contains_key(s.as_str())).map(|(_, s)| s.as_str()).collect();
        if missing.is_empty() {
            return Ok(index);
        }
        let quoted: Vec<String> = missing.iter().map(|m| format!("\"{m}\"")).collect();
        let mut message = if missing.len() == 1 {
            format!("obligatorisk kolumn {} saknas", quoted[0])
        } else {
            format!("obligatoriska kolumner {} saknas", quoted.join(", "))
        };
        let any_known = spec.iter().any(|s| index.contains_key(s));
        if !any_known {
            message.push_str(&format!(
                "; ingen känd kolumn hittades på rad {header_line} — saknar filen rubrikrad, eller behövs ett alias i konfigurationen?"
            ));
            return Err(Diagnostic::fatal(file, header_line, 0, message));
        }
        let shown: Vec<String> = headers
            .iter()
            .filter(|h| !h.is_empty())
            .map(|h| if h.chars().count() > 40 { format!("{}…", h.chars().take(40).collect::<String>()) } else { h.clone() })
            .collect();
        message.push_str(&format!("; hittade: {}", shown.join(", ")));
        // Candidates for "closest": headers that are not already a column of the spec.
        let used: Vec<usize> = spec.iter().filter_map(|s| index.get(s).copied()).collect();
        let candidates: Vec<(&str, String)> = headers
            .iter()
            .zip(&normalized)
            .enumerate()
            .filter(|(i, _)| !used.contains(i))
            .map(|(_, (h, n))| (h.as_str(), n.clone()))
            .collect();
        let near: Vec<String> = missing
            .iter()
            .filter_map(|m| {
                closest(m, &candidates).map(|c| if missing.len() == 1 { format!("\"{c}\"") } else { format!("\"{c}\" för \"{m}\"") })
            })
            .collect();
        if !near.is_empty() {
            message.push_str(&format!("; närmast: {}", near.join(", ")));
        }
        Err(Diagnostic::fatal(file, header_line, 0, message))
    }

    /// The file name used in messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The header texts as written (trimmed), in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Whether the file has this column (canonical name, or the normalised name of an
    /// unknown column).
    pub fn has_column(&self, column: &str) -> bool {
        self.column_index(column).is_some()
    }

    fn column_index(&self, column: &str) -> Option<usize> {
        self.index.get(column).or_else(|| self.index.get(&normalize_header(column))).copied()
    }

    /// The data rows that were kept, in file order.
    pub fn rows(&self) -> impl Iterator<Item = RowRef<'_>> {
        self.rows.iter().map(move |row| RowRef { table: self, row })
    }

    /// Number of data rows kept.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Non-fatal messages found while reading (a row with extra non-empty fields). An
    /// unknown extra column is not a message.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// One data row of a [`Table`].
#[derive(Clone, Copy)]
pub struct RowRef<'a> {
    table: &'a Table,
    row: &'a Row,
}

impl std::fmt::Debug for RowRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowRef({}:{})", self.table.file, self.row.line)
    }
}

impl<'a> RowRef<'a> {
    /// The physical line where the record starts (the header is line 1).
    pub fn line(&self) -> u64 {
        self.row.line
    }

    /// The trimmed value of a column; `None` when empty, when the row is short, or when the
    /// file has no such column. `column` is the canonical name (other spellings are
    /// normalised first).
    pub fn get(&self, column: &str) -> Option<&'a str> {
        let i = self.table.column_index(column)?;
        self.row.fields.get(i).map(String::as_str).filter(|s| !s.is_empty())
    }

    /// The 1-based field number of that column in this file (for messages); 0 if absent.
    pub fn col(&self, column: &str) -> usize {
        self.table.column_index(column).map_or(0, |i| i + 1)
    }

    /// [`RowRef::get`] and [`RowRef::col`] with one lookup (called for every field).
    pub fn get_col(&self, column: &str) -> (Option<&'a str>, usize) {
        match self.table.column_index(column) {
            Some(i) => (self.row.fields.get(i).map(String::as_str).filter(|s| !s.is_empty()), i + 1),
            None => (None, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BESOK: &[ColumnSpec] = &[
        ColumnSpec { name: "datum", required: true },
        ColumnSpec { name: "start", required: true },
        ColumnSpec { name: "slut", required: true },
        ColumnSpec { name: "signatur", required: true },
        ColumnSpec { name: "person_id", required: true },
        ColumnSpec { name: "insatser", required: false },
        ColumnSpec { name: "notering", required: false },
    ];

    const NAMN: &[ColumnSpec] = &[ColumnSpec { name: "fornamn", required: true }, ColumnSpec { name: "efternamn", required: true }];

    fn no_aliases() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    fn parse(bytes: &[u8], cols: &[ColumnSpec]) -> Result<Table, Diagnostic> {
        Table::parse("test.csv", bytes, cols, &no_aliases())
    }

    fn values(t: &Table, col: &str) -> Vec<Option<String>> {
        t.rows().map(|r| r.get(col).map(str::to_string)).collect()
    }

    #[test]
    fn normalizes_headers() {
        assert_eq!(normalize_header("Förnamn"), "fornamn");
        assert_eq!(normalize_header("FÖRNAMN"), "fornamn");
        assert_eq!(normalize_header("  fornamn "), "fornamn");
        assert_eq!(normalize_header("\u{feff}Datum"), "datum");
        assert_eq!(normalize_header("Ärende-nummer"), "arende_nummer");
        assert_eq!(normalize_header("Får kontaktas"), "far_kontaktas");
        assert_eq!(normalize_header("Person  ID"), "person_id");
        assert_eq!(normalize_header("Åtgärd"), "atgard");
        assert_eq!(normalize_header("ÅTGÄRD"), "atgard");
        assert_eq!(normalize_header("Beställt av"), "bestallt_av");
        assert_eq!(normalize_header("Café"), "cafe");
        assert_eq!(normalize_header("CAFÉ"), "cafe");
        // Decomposed ö (o + combining diaeresis), as some Mac tools write it.
        assert_eq!(normalize_header("Fo\u{0308}rnamn"), "fornamn");
    }

    #[test]
    fn windows_1252_header_and_values() {
        // "Förnamn;Efternamn\r\nÅsa;Öberg\r\nÄrla;Lind\r\n" in Windows-1252.
        let bytes = b"F\xf6rnamn;Efternamn\r\n\xc5sa;\xd6berg\r\n\xc4rla;Lind\r\n";
        let t = parse(bytes, NAMN).unwrap();
        assert_eq!(t.headers(), ["Förnamn", "Efternamn"]);
        assert_eq!(values(&t, "fornamn"), [Some("Åsa".into()), Some("Ärla".into())]);
        assert_eq!(values(&t, "efternamn"), [Some("Öberg".into()), Some("Lind".into())]);
        assert_eq!(t.rows().map(|r| r.line()).collect::<Vec<_>>(), [2, 3]);
        // Windows-1252 specials: € and curly quotes.
        let t = parse(b"fornamn;efternamn\n\x80\x96;\x94\n", NAMN).unwrap();
        assert_eq!(values(&t, "fornamn"), [Some("€–".into())]);
        assert_eq!(values(&t, "efternamn"), [Some("\u{201d}".into())]);
    }

    #[test]
    fn a_stray_windows_1252_byte_in_a_utf8_file_is_read_per_line_and_named() {
        let mut bytes = "person_id;namn\nP1;Åke Wahlgren\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"P2;Ren\xe9e\n");
        let spec = [ColumnSpec { name: "person_id", required: true }, ColumnSpec { name: "namn", required: true }];
        let t = Table::parse("x.csv", &bytes, &spec, &BTreeMap::new()).unwrap();
        let names: Vec<&str> = t.rows().map(|r| r.get("namn").unwrap()).collect();
        assert_eq!(names, vec!["Åke Wahlgren", "Renée"]);
        assert_eq!(t.diagnostics().len(), 1);
        assert_eq!(t.diagnostics()[0].line, 3);
        assert_eq!(t.diagnostics()[0].col, 2);
        assert_eq!(t.diagnostics()[0].severity, crate::diag::Severity::Warning);
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = "FÖRNAMN;efternamn\nÅsa;Öberg\n";
        let with_bom = format!("\u{feff}{plain}");
        for text in [plain.to_string(), with_bom] {
            let t = parse(text.as_bytes(), NAMN).unwrap();
            assert_eq!(values(&t, "fornamn"), [Some("Åsa".into())]);
            assert_eq!(values(&t, "Förnamn"), [Some("Åsa".into())]);
            assert_eq!(t.rows().next().unwrap().line(), 2);
            assert_eq!(t.rows().next().unwrap().col("efternamn"), 2);
        }
    }

    #[test]
    fn undecodable_and_empty_are_fatal() {
        let e = parse(b"\xff\xfef\x00o\x00", NAMN).unwrap_err();
        assert!(e.message.contains("UTF-16"));
        assert_eq!(e.severity, crate::diag::Severity::Fatal);
        assert!(parse(b"fornamn;efternamn\nA\x00;B\n", NAMN).unwrap_err().message.contains("NUL"));
        assert!(parse(b"", NAMN).unwrap_err().message.contains("tom"));
        assert!(parse(b"\xef\xbb\xbf\r\n\n  \n", NAMN).unwrap_err().message.contains("tom"));
        assert!(parse(b";;;\n;;\n", NAMN).unwrap_err().message.contains("rubrikrad"));
    }

    #[test]
    fn crlf_and_lf() {
        let t = parse(b"fornamn;efternamn\r\nA;B\r\nC;D\r\n", NAMN).unwrap();
        assert_eq!(values(&t, "efternamn"), [Some("B".into()), Some("D".into())]);
        assert_eq!(t.rows().map(|r| r.line()).collect::<Vec<_>>(), [2, 3]);
        // No final newline; mixed terminators.
        let t = parse(b"fornamn;efternamn\nA;B\r\nC;D", NAMN).unwrap();
        assert_eq!(values(&t, "efternamn"), [Some("B".into()), Some("D".into())]);
        assert_eq!(t.rows().map(|r| r.line()).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn comma_and_tab_delimiters() {
        let t = parse(b"fornamn,efternamn\nA,B\n", NAMN).unwrap();
        assert_eq!(values(&t, "efternamn"), [Some("B".into())]);
        let t = parse(b"fornamn\tefternamn\nA\tB C\n", NAMN).unwrap();
        assert_eq!(values(&t, "efternamn"), [Some("B C".into())]);
        // A comma inside a quoted header does not count; ';' wins.
        let t = parse(b"\"for,namn\";efternamn;x,y\n1;2;3\n", &[ColumnSpec { name: "efternamn", required: true }]).unwrap();
        assert_eq!(values(&t, "efternamn"), [Some("2".into())]);
        // Ties go to ';'.
        let t = parse(b"fornamn;a,b\nA;B,C\n", &NAMN[..1]).unwrap();
        assert_eq!(t.headers(), ["fornamn", "a,b"]);
        assert_eq!(values(&t, "fornamn"), [Some("A".into())]);
        // The Excel hint line.
        let t = parse(b"sep=,\nfornamn,efternamn\nA;1,B\n", NAMN).unwrap();
        assert_eq!(values(&t, "fornamn"), [Some("A;1".into())]);
        assert_eq!(t.rows().next().unwrap().line(), 3);
        // Blank lines before the header.
        let t = parse(b"\n\nfornamn,efternamn\nA,B\n", NAMN).unwrap();
        assert_eq!(t.rows().next().unwrap().line(), 4);
    }

    #[test]
    fn quoted_fields_and_line_numbers() {
        let text = "datum;start;slut;signatur;person_id;notering\r\n\
                    2026-11-23;08:00;08:30;AB01;P1;\"Ring på; två gånger\r\nsedan \"\"vänta\"\"\r\n\r\nlänge\"\r\n\
                    2026-11-23;09:00;09:30;AB01;P2;\r\n\
                    \r\n\
                    ;;;;;\r\n\
                    2026-11-23;10:00;10:30;AB02;P3;\"a\nb\"\n\
                    2026-11-23;11:00;11:30;AB02;P4\n";
        let t = parse(text.as_bytes(), BESOK).unwrap();
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].get("notering"), Some("Ring på; två gånger\r\nsedan \"vänta\"\r\n\r\nlänge"));
        assert_eq!(rows.iter().map(|r| r.line()).collect::<Vec<_>>(), [2, 6, 9, 11]);
        assert_eq!(rows[1].get("person_id"), Some("P2"));
        assert_eq!(rows[1].get("notering"), None);
        assert_eq!(rows[2].get("notering"), Some("a\nb"));
        // Short row: the missing field is empty.
        assert_eq!(rows[3].get("notering"), None);
        assert_eq!(rows[3].col("notering"), 6);
        assert_eq!(rows[3].col("insatser"), 0);
        assert_eq!(rows[3].get("insatser"), None);
        assert!(t.diagnostics().is_empty());
    }

    #[test]
    fn line_numbers_with_lf_and_leading_blank_lines() {
        let text = "\nfornamn;efternamn\n\"x\ny\nz\";B\n\n\nC;D\n";
        let t = parse(text.as_bytes(), NAMN).unwrap();
        assert_eq!(t.rows().map(|r| r.line()).collect::<Vec<_>>(), [3, 8]);
    }

    #[test]
    fn long_and_short_rows() {
        let text = "fornamn;efternamn\nA;B;;\nC;D;E\nF\n;G\n";
        let t = parse(text.as_bytes(), NAMN).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.rows().map(|r| r.line()).collect::<Vec<_>>(), [2, 4, 5]);
        assert_eq!(t.diagnostics().len(), 1);
        let d = &t.diagnostics()[0];
        assert_eq!((d.severity, d.line, d.col), (crate::diag::Severity::Problem, 3, 3));
        assert!(!d.message.contains('E'), "no value in the message: {}", d.message);
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows[1].get("efternamn"), None);
        assert_eq!(rows[2].get("fornamn"), None);
        assert_eq!(rows[2].get("efternamn"), Some("G"));
    }

    #[test]
    fn missing_required_column_lists_found_and_closest() {
        let text = "datum;start;slut;signtur;person_id\n2026-11-23;08:00;08:30;AB;P1\n";
        let e = parse(text.as_bytes(), BESOK).unwrap_err();
        assert_eq!(
            e.to_string(),
            "test.csv:1:1: fel: obligatorisk kolumn \"signatur\" saknas; hittade: datum, start, slut, signtur, person_id; närmast: \"signtur\""
        );
        let text = "Datum;Start;Signatr;Person-ID;Slutt\n";
        let e = parse(text.as_bytes(), BESOK).unwrap_err();
        assert_eq!(
            e.message,
            "obligatoriska kolumner \"slut\", \"signatur\" saknas; hittade: Datum, Start, Signatr, Person-ID, Slutt; \
             närmast: \"Slutt\" för \"slut\", \"Signatr\" för \"signatur\""
        );
        // Nothing close: no "närmast".
        let e = parse(b"datum;start;slut;person_id;zzz\n", BESOK).unwrap_err();
        assert!(!e.message.contains("närmast"), "{}", e.message);
        // No known column at all: maybe a data row; do not echo it.
        let e = parse("19450317-2845;Åsa;Öberg\n".as_bytes(), NAMN).unwrap_err();
        assert!(!e.message.contains("Åsa") && !e.message.contains("1945"), "{}", e.message);
        assert!(e.message.contains("rubrikrad"));
    }

    #[test]
    fn builtin_and_config_aliases() {
        let text = "Besöksdatum;Starttid;Sluttid;Sign;PersonID\n2026-11-23;08:00;08:30;AB;P1\n";
        let t = parse(text.as_bytes(), BESOK).unwrap();
        let r = t.rows().next().unwrap();
        assert_eq!(
            ["datum", "start", "slut", "signatur", "person_id"].map(|c| r.get(c)),
            [Some("2026-11-23"), Some("08:00"), Some("08:30"), Some("AB"), Some("P1")]
        );
        assert_eq!(r.col("signatur"), 4);
        // Canonical beats built-in: "Medarbetare" stays an unknown column.
        let text = "datum;start;slut;Medarbetare;signatur;person_id\nd;s;e;Anna;AB;P1\n";
        let t = parse(text.as_bytes(), BESOK).unwrap();
        let r = t.rows().next().unwrap();
        assert_eq!(r.get("signatur"), Some("AB"));
        assert_eq!(r.get("medarbetare"), Some("Anna"));
        // Config alias.
        let mut aliases = BTreeMap::new();
        aliases.insert("tilltalsnamn".to_string(), "fornamn".to_string());
        let t = Table::parse("x.csv", b"Tilltalsnamn;Efternamn\nA;B\n", NAMN, &aliases).unwrap();
        assert_eq!(values(&t, "fornamn"), [Some("A".into())]);
        // Config alias beats the canonical name; the other is kept under its own name.
        aliases.insert("namn_1".to_string(), "fornamn".to_string());
        let t = Table::parse("x.csv", b"fornamn;Namn 1;efternamn\nX;A;B\n", NAMN, &aliases).unwrap();
        assert_eq!(values(&t, "fornamn"), [Some("A".into())]);
        // enhet <-> enhet_id depending on the spec.
        let enhet = [ColumnSpec { name: "enhet", required: true }];
        let enhet_id = [ColumnSpec { name: "enhet_id", required: true }];
        let t = parse(b"Enhet-ID\nE1\n", &enhet).unwrap();
        assert_eq!(values(&t, "enhet"), [Some("E1".into())]);
        let t = parse(b"Enhet\nE1\n", &enhet_id).unwrap();
        assert_eq!(values(&t, "enhet_id"), [Some("E1".into())]);
        // Built-ins only towards spec columns: "sign" is just unknown elsewhere.
        let t = parse(b"fornamn;efternamn;sign\nA;B;C\n", NAMN).unwrap();
        assert!(!t.has_column("signatur"));
        assert_eq!(t.rows().next().unwrap().get("sign"), Some("C"));
    }

    #[test]
    fn duplicate_headers() {
        let e = parse("Förnamn;fornamn;efternamn\n".as_bytes(), NAMN).unwrap_err();
        assert_eq!(e.severity, crate::diag::Severity::Fatal);
        assert_eq!((e.line, e.col), (1, 2));
        assert!(e.message.contains("\"fornamn\" finns flera gånger"), "{}", e.message);
        // Two built-in aliases for the same column.
        assert!(parse(b"fornamn;efternamn;x\n", NAMN).is_ok());
        let besok = "datum;start;slut;sign;medarbetare;person_id\n";
        assert!(parse(besok.as_bytes(), BESOK).is_err());
        // Duplicate unknown columns and empty header names are fine.
        let t = parse(b"fornamn;efternamn;extra;extra;;\nA;B;1;2;;\n", NAMN).unwrap();
        assert_eq!(t.rows().next().unwrap().get("extra"), Some("1"));
    }

    #[test]
    fn edit_distance_works() {
        assert_eq!(edit_distance("signatur", "sign"), 4);
        assert_eq!(edit_distance("slut", "slutt"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    fn field() -> impl Strategy<Value = String> {
        prop_oneof!["[a-zåäöÅÄÖ0-9;,\"\t\r\n -]{0,12}", "\\PC{0,8}",].prop_map(|s| s.trim().to_string())
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut aliases = BTreeMap::new();
            aliases.insert("x".to_string(), "fornamn".to_string());
            if let Ok(t) = Table::parse("p.csv", &bytes, NAMN, &aliases) {
                for r in t.rows() {
                    let _ = (r.line(), r.get("fornamn"), r.col("efternamn"));
                }
            }
            let _ = Table::parse("p.csv", &bytes, &[], &BTreeMap::new());
        }

        #[test]
        fn parse_never_panics_on_csvish_text(s in "[a-z;,\t\"\r\n ]{0,200}") {
            let _ = Table::parse("p.csv", s.as_bytes(), NAMN, &BTreeMap::new());
        }

        #[test]
        fn round_trip(rows in proptest::collection::vec(proptest::collection::vec(field(), 3), 0..12)) {
            let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
            w.write_record(["a", "b", "c"]).unwrap();
            for r in &rows {
                w.write_record(r).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            let cols = [
                ColumnSpec { name: "a", required: true },
                ColumnSpec { name: "b", required: true },
                ColumnSpec { name: "c", required: true },
            ];
            let t = Table::parse("r.csv", &bytes, &cols, &BTreeMap::new()).unwrap();
            let expected: Vec<&Vec<String>> = rows.iter().filter(|r| r.iter().any(|f| !f.is_empty())).collect();
            prop_assert_eq!(t.len(), expected.len());
            prop_assert!(t.diagnostics().is_empty());
            let text = std::str::from_utf8(&bytes).unwrap();
            for (row, want) in t.rows().zip(expected) {
                for (i, c) in ["a", "b", "c"].iter().enumerate() {
                    let got = row.get(c).unwrap_or("");
                    prop_assert_eq!(got, want[i].as_str());
                }
                // The line is where the record starts: the first field's text is there.
                let line_start = text.split_inclusive('\n').take(row.line() as usize - 1).map(str::len).sum::<usize>();
                let rest = &text[line_start..];
                prop_assert!(rest.starts_with(want[0].as_str()) || rest.starts_with('"') || rest.starts_with(';'),
                    "line {} does not start the record", row.line());
            }
        }
    }
}
