//! `index.html`: the copy's contents page. One self-contained file (inline CSS, no script,
//! no external resource) that opens offline in any browser, in Swedish, with relative links.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use super::layout::{Placed, Section};

/// What the contents page is about.
pub struct Page<'a> {
    pub unit_name: &'a str,
    pub unit_id: &'a str,
    /// The pack's service day (`generated_for`).
    pub valid_for: &'a str,
    /// Restricted part: the page inside the BEGRÄNSAD folder.
    pub restricted: bool,
    /// Link to the restricted part's page, from the general page (only with `--begransad`).
    pub restricted_link: Option<&'a str>,
    /// The copy's folder name (for the verify command shown).
    pub folder: &'a str,
}

pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A relative link: each path segment percent-encoded (UTF-8), `/` kept.
pub fn href(rel: &str) -> String {
    let mut o = String::with_capacity(rel.len() * 2);
    for b in rel.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            o.push(b as char);
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

fn weekday(day: &str) -> String {
    const DAYS: [&str; 7] = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"];
    match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(d) => format!("{} {day}", DAYS[d.weekday().num_days_from_monday() as usize]),
        Err(_) => day.to_string(),
    }
}

const CSS: &str = "\
body{font-family:'Segoe UI',Calibri,Arial,sans-serif;margin:0;color:#111;background:#fff;line-height:1.4}\
main{max-width:1100px;margin:0 auto;padding:16px 24px 40px}\
h1{font-size:1.6em;margin:.2em 0 .1em}\
h2{font-size:1.25em;margin:1.6em 0 .4em;padding-bottom:.2em;border-bottom:2px solid #333}\
h3{font-size:1.05em;margin:1.1em 0 .3em}\
.varning{border:3px solid #b00020;background:#fff0f0;padding:10px 14px;margin:12px 0;font-size:1.15em}\
.varning strong{color:#b00020}\
.begransad{border:3px solid #000;background:#ffe9a8;padding:10px 14px;margin:12px 0;font-weight:bold}\
.info{background:#f2f4f7;padding:8px 14px;margin:10px 0;font-size:.95em}\
table{border-collapse:collapse;width:100%;font-size:.95em;table-layout:fixed}\
col.c1{width:38%}col.c2{width:15%}col.c3{width:11%}col.c4{width:6%}col.c5{width:12%}col.c6{width:18%}\
td{overflow-wrap:anywhere}\
p.personer a{display:inline-block;margin:0 1em .2em 0}\
nav a.begr{font-weight:bold;color:#000;background:#ffe9a8;padding:0 4px}\
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #ccc;vertical-align:top}\
th{background:#e8e8e8}\
td.id,td.v{font-family:Consolas,'Courier New',monospace;white-space:nowrap}\
td.d{white-space:nowrap}\
a{color:#0645ad}\
nav a{margin-right:1em;white-space:nowrap}\
@media print{.info{display:none}a{color:#000;text-decoration:none}}";

fn section_heading(s: &Section) -> String {
    match s {
        Section::Schedules(day) => format!("Scheman och planerade besök – {}", weekday(day)),
        Section::Person(who) => who.clone(),
        Section::Lists => "Enhetens listor och rutiner".into(),
        Section::Forms => "Blanketter".into(),
    }
}

/// The contents page for `items` (paths relative to the page's folder via `base`, the
/// folder the page is in, `""` for the copy's root).
pub fn render(page: &Page, items: &[&Placed], base: &str) -> String {
    let mut h = String::with_capacity(4096 + items.len() * 400);
    let title = if page.restricted {
        format!("BEGRÄNSAD – Reservpack {} ({})", page.unit_name, page.unit_id)
    } else {
        format!("Reservpack {} ({})", page.unit_name, page.unit_id)
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let valid = escape(page.valid_for);
    let _ = writeln!(
        h,
        "<p class=\"varning\"><strong>Kopia – gäller per {valid}; inaktuell efter nästa utskrift.</strong><br>\
         Sekretess: innehåller personuppgifter. USB-minnet förvaras inlåst i aktskåp och tas inte med från arbetsplatsen. \
         Utskrifter strimlas eller läggs i sekretesstunna, aldrig i vanlig pappersåtervinning.</p>"
    );
    if page.restricted {
        h.push_str("<p class=\"begransad\">SKYDDADE PERSONUPPGIFTER – endast för enhetschef och behöriga. Visas och skrivs ut bara där obehöriga inte kan se.</p>\n");
    }
    let _ = writeln!(
        h,
        "<p class=\"info\">Varje dokument har sitt dokument-id och sin version i sidfoten; jämför med listan nedan. \
         Blanketterna finns också som <em>ifyllbara</em> kopior: öppna dem i valfri PDF-läsare (Adobe Reader, Edge, Chrome), \
         fyll i, spara på det krypterade USB-minnet och skriv ut. \
         Kontrollera att kopian är hel och oförändrad med <code>reservpack verify --offline \"{}\"</code> (kontrollsummor i <code>SHA256SUMS</code>).</p>",
        escape(page.folder)
    );
    // Sections in order, with a small table of contents.
    let mut sections: Vec<&Section> = Vec::new();
    for p in items {
        if sections.last() != Some(&&p.section) && !sections.contains(&&p.section) {
            sections.push(&p.section);
        }
    }
    let has_persons = sections.iter().any(|s| matches!(s, Section::Person(_)));
    h.push_str("<nav>");
    if page.restricted {
        h.push_str("<a href=\"../index.html\">← Hela innehållsförteckningen</a>");
    }
    let mut persons_linked = false;
    for (i, s) in sections.iter().enumerate() {
        match s {
            Section::Person(_) if persons_linked => continue,
            Section::Person(_) => {
                persons_linked = true;
                let _ = write!(h, "<a href=\"#personer\">Personer</a>");
            }
            _ => {
                let _ = write!(h, "<a href=\"#s{i}\">{}</a>", escape(&section_heading(s)));
            }
        }
    }
    if let Some(link) = page.restricted_link {
        let _ = write!(h, "<a class=\"begr\" href=\"{}\">BEGRÄNSAT MATERIAL (endast enhetschef)</a>", href(link));
    }
    h.push_str("</nav>\n");
    let mut persons_heading = false;
    for (i, s) in sections.iter().enumerate() {
        if let Section::Person(_) = s {
            if !persons_heading && has_persons {
                persons_heading = true;
                h.push_str("<h2 id=\"personer\">Personer (reservpärm per omsorgstagare)</h2>\n<p class=\"personer\">");
                for (j, t) in sections.iter().enumerate() {
                    if let Section::Person(who) = t {
                        let _ = write!(h, "<a href=\"#s{j}\">{}</a>", escape(who));
                    }
                }
                h.push_str("</p>\n");
            }
            let _ = writeln!(h, "<h3 id=\"s{i}\">{}</h3>", escape(&section_heading(s)));
        } else {
            let _ = writeln!(h, "<h2 id=\"s{i}\">{}</h2>", escape(&section_heading(s)));
        }
        h.push_str("<table>\n<colgroup><col class=\"c1\"><col class=\"c2\"><col class=\"c3\"><col class=\"c4\"><col class=\"c5\"><col class=\"c6\"></colgroup>\n<tr><th>Dokument</th><th>Dokument-id</th><th>Version</th><th>Sidor</th><th>Utskriven för</th><th>Gallras</th></tr>\n");
        for p in items.iter().filter(|p| &p.section == *s) {
            let e = &p.entry;
            let link = |rel: &str| href(rel.strip_prefix(base).unwrap_or(rel));
            let mut doc = format!("<a href=\"{}\">{}</a>", link(&p.rel), escape(&p.title));
            if let Some(f) = &p.fillable {
                let _ = write!(doc, " · <a href=\"{}\">ifyllbar</a>", link(f));
            }
            let _ = writeln!(
                h,
                "<tr><td>{doc}</td><td class=\"id\">{}</td><td class=\"v\">v{}</td><td>{}</td><td class=\"d\">{}</td><td>{}</td></tr>",
                escape(&e.id),
                escape(&e.version[..e.version.len().min(8)]),
                e.pages,
                escape(&e.printed),
                escape(&e.gallring)
            );
        }
        h.push_str("</table>\n");
    }
    if items.is_empty() {
        h.push_str("<p>Inga dokument.</p>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_percent_encoded_and_text_is_escaped() {
        assert_eq!(href("Personer/Åsa Ek/Personkort (2).pdf"), "Personer/%C3%85sa%20Ek/Personkort%20%282%29.pdf");
        assert_eq!(escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(weekday("2026-11-24"), "tisdag 2026-11-24");
    }
}
