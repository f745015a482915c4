//! Row heights for the visit tables (the pappersschema and planerade besök) and the
//! gallringslista's tables, computed before layout from the body font's metrics.
//!
//! Typst sizes an `auto` grid row by laying out each of its cells twice: once to measure,
//! once to place. A row that comes with its height is laid out once, which makes a visit
//! table about a third cheaper to set (`./scripts/bench.sh`'s per-kind figures). So the planner
//! gives each visit row the height Typst would give it (`h`, in pt), and the templates pass
//! the heights to the grid's `rows`.
//!
//! The height is never less than the row needs: a cell's lines are counted by shaping its
//! text as Typst does (rustybuzz, the same font and features) and breaking it greedily, as
//! Typst breaks unjustified text, but only at spaces that Unicode's rules always let a line
//! break at (Typst may break at more places, so never needs more lines). A row whose text
//! has a character the body font lacks (set in a fallback font, with other metrics), a
//! control character, or a piece wider than its column gets no height (`null`), and the
//! template lets Typst measure that row as before.
//!
//! The numbers here mirror `schema.typ`, `planerade_besok.typ` and `gallringslista.typ` (page
//! width, columns, insets, text sizes, leading). Tests render every visit table of the
//! fixtures, and gallringslistor, both ways and compare the PDFs byte for byte; change the
//! two together.

use std::sync::LazyLock;

use serde_json::Value;

/// The body font's styles a cell uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    Regular,
    Bold,
    Italic,
}

struct Faces {
    /// Noto Sans Regular, Bold, Italic, as Typst shapes them.
    faces: [rustybuzz::Face<'static>; 3],
    /// Cap height (Typst's default top edge of a line) in em.
    cap: f64,
}

static FACES: LazyLock<Faces> = LazyLock::new(|| {
    // FONT_FILES: Noto Sans Regular, Bold, Italic first.
    let face = |i: usize| rustybuzz::Face::from_slice(super::world::FONT_FILES[i], 0).expect("the bundled body font parses");
    let faces = [face(0), face(1), face(2)];
    let f = &faces[0];
    let cap = f64::from(f.capital_height().unwrap_or(714)) / f64::from(f.units_per_em());
    Faces { faces, cap }
});

thread_local! {
    /// Shaped widths (em) of the texts measured so far on this thread: street names, tasks
    /// and digits repeat across a city's 30,000 visits a day.
    static WIDTHS: std::cell::RefCell<std::collections::HashMap<(Style, String), f64>> = Default::default();
}

/// How many shaped widths a thread keeps before it starts afresh.
const MAX_WIDTHS: usize = 200_000;

/// A little room at the end of each line (pt), so a line that fits to the last hundredth
/// of a point is not counted as fitting when Typst's sum rounds the other way.
const SLACK: f64 = 0.01;

/// The width of `text` in `style`, in em, shaped as Typst shapes it (rustybuzz, the font's
/// default features, Swedish); `None` if the body font lacks a character or it is a control
/// character (a line break in the data).
fn width(text: &str, style: Style) -> Option<f64> {
    if text.is_empty() {
        return Some(0.0);
    }
    if let Some(w) = WIDTHS.with(|m| m.borrow().get(&(style, text.to_string())).copied()) {
        return Some(w);
    }
    let face = &FACES.faces[style as usize];
    if text.chars().any(|c| c.is_control() || face.glyph_index(c).is_none()) {
        return None;
    }
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.set_language("sv".parse().expect("a language tag"));
    buffer.set_direction(rustybuzz::Direction::LeftToRight);
    buffer.guess_segment_properties();
    buffer.set_flags(rustybuzz::BufferFlags::REMOVE_DEFAULT_IGNORABLES);
    let shaped = rustybuzz::shape(face, &[], buffer);
    let units: i64 = shaped.glyph_positions().iter().map(|p| i64::from(p.x_advance)).sum();
    let w = units as f64 / f64::from(face.units_per_em());
    WIDTHS.with(|m| {
        let mut m = m.borrow_mut();
        // Bounded: the web page's process plans run after run on the same threads.
        if m.len() >= MAX_WIDTHS {
            m.clear();
        }
        m.insert((style, text.to_string()), w)
    });
    Some(w)
}

/// The width of mixed-style text: each style's run shaped on its own (a font change ends
/// a shaping run in Typst too).
fn width_of(chars: &[(char, Style)]) -> Option<f64> {
    let mut total = 0.0;
    let mut i = 0;
    while i < chars.len() {
        let style = chars[i].1;
        let j = chars[i..].iter().position(|&(_, s)| s != style).map_or(chars.len(), |k| i + k);
        total += width(&chars[i..j].iter().map(|&(c, _)| c).collect::<String>(), style)?;
        i = j;
    }
    Some(total)
}

/// Characters after which Unicode's line breaking rules forbid a break at the following
/// spaces (opening brackets and quotation marks).
fn holds_next(c: char) -> bool {
    matches!(c, '(' | '[' | '{' | '"' | '\'' | '«' | '»' | '„' | '“' | '”' | '‘' | '’' | '‚' | '‹' | '›')
}

/// Characters a line may begin with after spaces under Unicode's rules whatever comes
/// before (letters, digits, the middle dot and dashes; not closing punctuation, `,`, `.`,
/// `!`, `?`, `/` and the like).
fn starts_line(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '·' | '–' | '—')
}

/// How many lines one paragraph of `runs` (text and its style, one text size) takes in a
/// column `width` pt wide at `size` pt, broken greedily (Typst's way for unjustified text)
/// at spaces followed by a letter, digit, middle dot or dash and not preceded by an opening
/// bracket or quote (breaks Unicode's rules always allow; Typst may break at more places, never needs more
/// lines). `None` if a character is not in the body font or a piece between two such
/// breaks is wider than the column, except a text of ASCII letters and digits alone, which
/// no rule breaks (one line). Empty text: 0 lines.
pub fn lines(runs: &[(&str, Style)], size: f64, width: f64) -> Option<usize> {
    let chars: Vec<(char, Style)> = runs.iter().flat_map(|&(t, s)| t.chars().map(move |c| (c, s))).collect();
    if chars.is_empty() {
        return Some(0);
    }
    let limit = (width - SLACK) / size;
    // Pieces between allowed breaks: (width of the piece, width of the spaces after it).
    let mut pieces: Vec<(f64, f64)> = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < chars.len() {
        if chars[i].0 != ' ' {
            i += 1;
            continue;
        }
        let j = chars[i..].iter().position(|&(c, _)| c != ' ').map_or(chars.len(), |k| i + k);
        let allowed = i > 0 && j < chars.len() && starts_line(chars[j].0) && !holds_next(chars[i - 1].0);
        if allowed {
            pieces.push((width_of(&chars[start..i])?, width_of(&chars[i..j])?));
            start = j;
        }
        i = j;
    }
    pieces.push((width_of(&chars[start..])?, 0.0));
    // Letters and digits alone (a version, a number) hold together under Unicode's rules:
    // one line, even wider than the column (Typst lets it run into the cell's inset).
    if pieces.len() == 1 && chars.iter().all(|(c, _)| c.is_ascii_alphanumeric()) {
        return Some(1);
    }
    let mut lines = 0;
    let mut x = 0.0;
    let mut spaces = 0.0;
    for (w, after) in pieces {
        if w > limit {
            return None;
        }
        if lines == 0 {
            lines = 1;
            x = w;
        } else if x + spaces + w <= limit {
            x += spaces + w;
        } else {
            lines += 1;
            x = w;
        }
        spaces = after;
    }
    Some(lines)
}

/// The height of a cell's lines: each line as high as its text's cap height, `leading`
/// between lines (Typst's default top and bottom edges: cap height and baseline).
fn stack(line_sizes: &[f64], leading: f64) -> f64 {
    let cap = FACES.cap;
    let mut h = 0.0;
    for (i, size) in line_sizes.iter().enumerate() {
        if i > 0 {
            h += leading;
        }
        h += cap * size;
    }
    h
}

const MM: f64 = 72.0 / 25.4;

fn text<'v>(v: &'v Value, field: &str) -> Option<&'v str> {
    v.get(field).and_then(Value::as_str)
}

/// `n` lines of one size.
fn same(n: usize, size: f64) -> Vec<f64> {
    vec![size; n]
}

/// A visit row of the pappersschema (`schema.typ`): A4 portrait, 11 mm margins, columns
/// (25mm, 1fr, 24mm, 45mm, 12mm, 12mm, 10mm), inset 2.5pt, leading 0.36em.
pub fn schedule(v: &Value) -> Option<f64> {
    let inset = 2.5;
    let columns = [25.0, 0.0, 24.0, 45.0];
    let text_width = (210.0 - 22.0) * MM;
    let fixed: f64 = [25.0, 24.0, 45.0, 12.0, 12.0, 10.0].iter().map(|c| c * MM).sum();
    let width = |i: usize| if i == 1 { text_width - fixed - 2.0 * inset } else { columns[i] * MM - 2.0 * inset };
    let mut cells: Vec<f64> = Vec::new();
    // Time, 11pt bold.
    let time = format!("{}–{}", text(v, "start")?, text(v, "end")?);
    cells.push(stack(&same(lines(&[(&time, Style::Bold)], 11.0, width(0))?, 11.0), 0.36 * 10.0));
    // Who (bold) and address, 11pt.
    let n = lines(&[(text(v, "who").unwrap_or_default(), Style::Bold)], 11.0, width(1))?
        + lines(&[(text(v, "address").unwrap_or_default(), Style::Regular)], 11.0, width(1))?;
    cells.push(stack(&same(n, 11.0), 0.36 * 11.0));
    // Key (12pt bold) over phone (8.5pt).
    let mut sizes = Vec::new();
    if let Some(key) = text(v, "key") {
        sizes.extend(same(lines(&[(key, Style::Bold)], 12.0, width(2))?, 12.0));
    }
    if let Some(phone) = text(v, "phone") {
        sizes.extend(same(lines(&[(phone, Style::Regular)], 8.5, width(2))?, 8.5));
    }
    cells.push(stack(&sizes, 0.36 * 10.0));
    // Tasks · double staffing · note (italic), 8pt.
    let tasks = text(v, "tasks").unwrap_or_default().to_string();
    let partners: Vec<&str> =
        v.get("partners").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let mut runs: Vec<(String, Style)> = vec![(tasks, Style::Regular)];
    if !partners.is_empty() {
        runs.push((" · ".into(), Style::Regular));
        runs.push(("Dubbelbemanning".into(), Style::Bold));
        runs.push((format!(" med {}", partners.join(", ")), Style::Regular));
    } else if v.get("double").and_then(Value::as_bool) == Some(true) {
        runs.push((" · ".into(), Style::Regular));
        runs.push(("Dubbelbemanning".into(), Style::Bold));
        runs.push((" (kollega ej planerad)".into(), Style::Regular));
    }
    if let Some(note) = text(v, "note") {
        runs.push((" · ".into(), Style::Regular));
        runs.push((note.to_string(), Style::Italic));
    }
    let runs: Vec<(&str, Style)> = runs.iter().map(|(t, s)| (t.as_str(), *s)).collect();
    cells.push(stack(&same(lines(&runs, 8.0, width(3))?, 8.0), 0.36 * 8.0));
    Some(cells.into_iter().fold(0.0, f64::max) + 2.0 * inset)
}

/// A visit row of planerade besök (`planerade_besok.typ` through `lib.typ`'s `ruled`): A4
/// landscape, 11 mm margins, columns (22mm, 17mm, 44mm, 56mm, 16mm, 1fr, 52mm), 9pt text,
/// inset 4pt, Typst's default leading (0.65em).
pub fn planerade_besok(v: &Value) -> Option<f64> {
    let (inset, size) = (4.0, 9.0);
    let columns = [22.0, 17.0, 44.0, 56.0, 16.0, 0.0, 52.0];
    let fixed: f64 = columns.iter().map(|c| c * MM).sum();
    let width = |i: usize| if i == 5 { (297.0 - 22.0) * MM - fixed } else { columns[i] * MM } - 2.0 * inset;
    let n = |runs: &[(&str, Style)], i: usize| lines(runs, size, width(i));
    let time = format!("{}–{}", text(v, "start")?, text(v, "end")?);
    let mut counts = vec![
        n(&[(&time, Style::Bold)], 0)?,
        n(&[(text(v, "signature").unwrap_or_default(), Style::Bold)], 1)?,
        n(&[(text(v, "who").unwrap_or_default(), Style::Regular)], 2)?
            + match text(v, "phone") {
                Some(phone) => n(&[("Tel ", Style::Regular), (phone, Style::Regular)], 2)?,
                None => 0,
            },
        n(&[(text(v, "address").unwrap_or_default(), Style::Regular)], 3)?,
        n(&[(text(v, "key").unwrap_or_default(), Style::Bold)], 4)?,
        n(&[(text(v, "tasks").unwrap_or_default(), Style::Regular)], 5)?,
    ];
    let partners: Vec<&str> =
        v.get("partners").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let double = if !partners.is_empty() {
        n(&[(&format!("Dubbelbemanning med {}", partners.join(", ")), Style::Regular)], 6)?
    } else if v.get("double").and_then(Value::as_bool) == Some(true) {
        n(&[("Dubbelbemanning (kollega ej planerad)", Style::Regular)], 6)?
    } else {
        0
    };
    counts.push(double + n(&[(text(v, "note").unwrap_or_default(), Style::Regular)], 6)?);
    let most = counts.into_iter().max().unwrap_or(0);
    Some(stack(&same(most, size), 0.65 * size) + 2.0 * inset)
}

/// The tick box (`lib.typ`'s `tick-box`, 3.6 mm high) as a cell's only line: the line is as
/// high as the box.
const TICK_BOX: f64 = 3.6 * MM;

/// Which of the gallringslista's two tables a row is in (`gallringslista.typ`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShredTable {
    /// Part 1, the copies to shred now: (15mm, 38mm, 1fr, 29mm, 17mm, 11mm, 20mm, 48mm,
    /// 46mm): a tick box, label, subject, id, version, pages, printed, storage, reason.
    Unused,
    /// Part 2, the sheets that may have been written on: (22mm, 15mm, 45mm, 1fr, 29mm, 17mm,
    /// 11mm, 20mm): two tick boxes, label, subject, id, version, pages, printed.
    Filled,
}

/// A row of the gallringslista (`gallringslista.typ`): A4 landscape, 11 mm margins, 8.5pt
/// text, inset 3.5pt, Typst's default leading (0.65em). `r` is the row's data (`label`,
/// `subject`, `id`, `version`, `pages`, `printed`, `storage`, `note`).
pub fn gallringslista(r: &Value, table: ShredTable) -> Option<f64> {
    let (inset, size) = (3.5, 8.5);
    let columns: &[f64] = match table {
        ShredTable::Unused => &[15.0, 38.0, 0.0, 29.0, 17.0, 11.0, 20.0, 48.0, 46.0],
        ShredTable::Filled => &[22.0, 15.0, 45.0, 0.0, 29.0, 17.0, 11.0, 20.0],
    };
    let fixed: f64 = columns.iter().map(|c| c * MM).sum();
    let width = |i: usize| if columns[i] == 0.0 { (297.0 - 22.0) * MM - fixed } else { columns[i] * MM } - 2.0 * inset;
    let printed = text(r, "printed").filter(|p| !p.is_empty()).unwrap_or("–");
    let version = format!("v{}", text(r, "version")?);
    let pages = r.get("pages")?.as_u64()?.to_string();
    let mut texts = vec![text(r, "label")?, text(r, "subject")?, text(r, "id")?, &version, &pages, printed];
    if table == ShredTable::Unused {
        texts.push(text(r, "storage")?);
        texts.push(text(r, "note")?);
    }
    let first = match table {
        ShredTable::Unused => 1,
        ShredTable::Filled => 2,
    };
    let mut most = 0;
    for (i, t) in texts.into_iter().enumerate() {
        most = most.max(lines(&[(t, Style::Regular)], size, width(first + i))?);
    }
    Some(stack(&same(most, size), 0.65 * size).max(TICK_BOX) + 2.0 * inset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_greedily_at_spaces() {
        let one = lines(&[("Morgonhjälp", Style::Regular)], 10.0, 1000.0);
        assert_eq!(one, Some(1));
        assert_eq!(lines(&[("", Style::Regular)], 10.0, 100.0), Some(0));
        // Ten words of about 3 em at 10 pt: 30 pt a word; a 100 pt column holds three.
        let w = width("m", Style::Regular).unwrap();
        let word = "m".repeat((3.0 / w).floor() as usize);
        let ten = [word.as_str(); 10].join(" ");
        assert_eq!(lines(&[(&ten, Style::Regular)], 10.0, 100.0), Some(4));
        // Letters and digits alone hold together: one line, however wide.
        assert_eq!(lines(&[(&"m".repeat(60), Style::Regular)], 10.0, 100.0), Some(1));
        // A word with a hyphen wider than the column (Typst may break after the hyphen), a
        // character the body font lacks, a line break: no count.
        assert_eq!(lines(&[(&format!("{}-{}", "m".repeat(30), "m".repeat(30)), Style::Regular)], 10.0, 100.0), None);
        assert_eq!(lines(&[(&"m".repeat(60), Style::Regular), ("m", Style::Bold)], 10.0, 100.0), Some(1));
        assert_eq!(lines(&[("مرحبا", Style::Regular)], 10.0, 100.0), None);
        assert_eq!(lines(&[("a\nb", Style::Regular)], 10.0, 100.0), None);
    }
}
