//! Free-text checks: removes a protected person's identifying strings from text that will
//! be printed on general paper.

use crate::model::Person;

pub const REMOVED: &str = "[borttaget]";

/// Every string that identifies `p` and must not reach general paper.
pub fn secrets_of(p: &Person) -> Vec<String> {
    let mut out = Vec::new();
    let first = p.first_name.expose().trim().to_string();
    let last = p.last_name.expose().trim().to_string();
    out.push(format!("{first} {last}"));
    out.push(first);
    out.push(last);
    out.extend(p.personnummer.expose().spellings());
    if let Some(phone) = p.phone.expose() {
        out.push(phone.clone());
    }
    if let Some(code) = p.door_code.expose() {
        out.push(code.clone());
    }
    for r in &p.relatives {
        let name = r.name.expose().trim().to_string();
        out.extend(name.split_whitespace().filter(|w| w.chars().count() >= 3).map(str::to_string));
        out.push(name);
        if let Some(phone) = r.phone.expose() {
            out.push(phone.clone());
        }
    }
    out.retain(|s| s.chars().count() >= 3);
    // Longest first, so a full name is replaced before its parts.
    out.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    out.dedup();
    out
}

/// Replaces every occurrence (case-insensitive, whole words for names) of a secret in
/// `text`. Returns the cleaned text and whether anything was replaced.
pub fn scrub(text: &str, secrets: &[String]) -> (String, bool) {
    let mut out = text.to_string();
    let mut hit = false;
    for s in secrets {
        loop {
            let Some(pos) = find_word(&out, s) else { break };
            out.replace_range(pos..pos + s.len(), REMOVED);
            hit = true;
        }
    }
    // Digits of a phone number or personnummer written with other separators.
    let digits: String = out.chars().filter(char::is_ascii_digit).collect();
    for s in secrets {
        let sd: String = s.chars().filter(char::is_ascii_digit).collect();
        if sd.len() >= 6 && digits.contains(&sd) {
            out = strip_digit_run(&out, &sd);
            hit = true;
        }
    }
    (out, hit)
}

/// Byte position of `needle` in `hay`, case-insensitively, not inside a longer word.
fn find_word(hay: &str, needle: &str) -> Option<usize> {
    let h = hay.to_lowercase();
    let n = needle.to_lowercase();
    if h.len() != hay.len() || n.len() != needle.len() || n.is_empty() {
        // Lower-casing changed byte lengths (rare scripts): fall back to an exact search.
        return hay.find(needle);
    }
    let mut from = 0;
    while let Some(rel) = h[from..].find(&n) {
        let start = from + rel;
        let end = start + n.len();
        let before = h[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = h[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            return Some(start);
        }
        from = start + h[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Replaces the run of text whose digits spell `digits` (ignoring separators) by REMOVED.
fn strip_digit_run(text: &str, digits: &str) -> String {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(start, c)) in chars.iter().enumerate() {
        if !c.is_ascii_digit() {
            continue;
        }
        let mut matched = 0;
        for &(pos, c2) in &chars[i..] {
            if c2.is_ascii_digit() {
                if digits.as_bytes().get(matched) != Some(&(c2 as u8)) {
                    break;
                }
                matched += 1;
                if matched == digits.len() {
                    let end = pos + 1;
                    let mut s = text.to_string();
                    s.replace_range(start..end, REMOVED);
                    return s;
                }
            } else if !matches!(c2, ' ' | '-' | '+' | '.' | '/') {
                break;
            }
        }
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_names_and_numbers_but_not_parts_of_words() {
        let secrets = vec!["Tora Lindqvist".to_string(), "Lindqvist".to_string(), "Tora".to_string(), "19400312-1234".to_string()];
        let (t, hit) = scrub("Tora Lindqvist vill ha kaffe. Toralf kommer.", &secrets);
        assert!(hit);
        assert_eq!(t, "[borttaget] vill ha kaffe. Toralf kommer.");
        let (t, hit) = scrub("pnr 19400312 1234 ok", &secrets);
        assert!(hit, "{t}");
        assert!(!t.contains("1234"));
        let (t, hit) = scrub("inget här", &secrets);
        assert!(!hit);
        assert_eq!(t, "inget här");
    }
}
