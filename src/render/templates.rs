//! Templates: Typst source with minijinja tags, embedded in the binary, overridable per file.
//!
//! Every `{{ value }}` prints as a Typst *literal* — a string in quotes with escapes, a number,
//! `true`/`false`, `none`, an array `(a, b,)` or a dictionary `(key: v,)` — never as markup.
//! So a name such as `#set page(fill: red)` or `]` stays text: user data cannot change a
//! document's structure. Templates therefore use values in code position:
//! `#schedule({{ doc }})`, `#text({{ name }})`. (`|safe` would bypass this; no template uses it,
//! and a test checks that.)

use std::path::Path;

use minijinja::value::ValueKind;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};

use crate::config::TEMPLATE_LIMIT;
use crate::confine::{self, Refusal};

/// The built-in templates: (file name, source). `lib.typ` is plain Typst shared by all.
pub const BUILTIN: &[(&str, &str)] = &[
    ("lib.typ", include_str!("../../templates/lib.typ")),
    ("schema.typ", include_str!("../../templates/schema.typ")),
    ("planerade_besok.typ", include_str!("../../templates/planerade_besok.typ")),
    ("personkort.typ", include_str!("../../templates/personkort.typ")),
    ("genomforandeplan.typ", include_str!("../../templates/genomforandeplan.typ")),
    ("uppdrag.typ", include_str!("../../templates/uppdrag.typ")),
    ("hsl.typ", include_str!("../../templates/hsl.typ")),
    ("daganteckningar.typ", include_str!("../../templates/daganteckningar.typ")),
    ("avvikelse.typ", include_str!("../../templates/avvikelse.typ")),
    ("akt_skyddad.typ", include_str!("../../templates/akt_skyddad.typ")),
    ("timecare.typ", include_str!("../../templates/timecare.typ")),
    ("telefonlista.typ", include_str!("../../templates/telefonlista.typ")),
    ("telefonlista_privat.typ", include_str!("../../templates/telefonlista_privat.typ")),
    ("kontakter.typ", include_str!("../../templates/kontakter.typ")),
    ("rutiner.typ", include_str!("../../templates/rutiner.typ")),
    ("blankett_enhet.typ", include_str!("../../templates/blankett_enhet.typ")),
    ("egenkontroll.typ", include_str!("../../templates/egenkontroll.typ")),
    ("batch_cover.typ", include_str!("../../templates/batch_cover.typ")),
    ("blank_page.typ", include_str!("../../templates/blank_page.typ")),
    ("gallringslista.typ", include_str!("../../templates/gallringslista.typ")),
    ("innehall.typ", include_str!("../../templates/innehall.typ")),
    ("driftstopp.typ", include_str!("../../templates/driftstopp.typ")),
    ("nyckellista.typ", include_str!("../../templates/nyckellista.typ")),
    ("larmlista.typ", include_str!("../../templates/larmlista.typ")),
    ("larmlista_begransad.typ", include_str!("../../templates/larmlista_begransad.typ")),
    ("signaturlista.typ", include_str!("../../templates/signaturlista.typ")),
    ("signeringslista.typ", include_str!("../../templates/signeringslista.typ")),
    ("varningar.typ", include_str!("../../templates/varningar.typ")),
    ("boendelista.typ", include_str!("../../templates/boendelista.typ")),
];

/// The templates in force: built-ins, each replaceable by a file of the same name in an
/// override directory (`mallkatalog` in config).
pub struct Templates {
    env: Environment<'static>,
    sources: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("kan inte läsa mallen {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("mallen {path} {reason}; den används inte (mallar läses bara som vanliga filer i mallkatalogen)")]
    Refused { path: String, reason: Refusal },
    #[error("mallen {name}: {message}")]
    Syntax { name: String, message: String },
    #[error("mallen {name} finns inte")]
    Missing { name: String },
    #[error("mallen {name} kunde inte fyllas i: {message}")]
    Render { name: String, message: String },
}

impl Templates {
    /// An override must be a regular file inside `override_dir` after resolving links (the
    /// folder itself is checked by [`crate::config::Config::load`]), of at most
    /// [`TEMPLATE_LIMIT`]; anything else under a template's name is an error naming it.
    pub fn load(override_dir: Option<&Path>) -> Result<Templates, TemplateError> {
        let mut sources = Vec::new();
        for (name, builtin) in BUILTIN {
            let path = override_dir.map(|d| d.join(name)).filter(|p| std::fs::symlink_metadata(p).is_ok());
            let text = match (override_dir, path) {
                (Some(dir), Some(path)) => {
                    let shown = path.display().to_string();
                    let bytes = confine::read_inside(dir, &path, "mallkatalogen", TEMPLATE_LIMIT).map_err(|reason| match reason {
                        Refusal::Io(source) => TemplateError::Read { path: shown.clone(), source },
                        reason => TemplateError::Refused { path: shown.clone(), reason },
                    })?;
                    String::from_utf8(bytes).map_err(|_| TemplateError::Read {
                        path: shown,
                        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "mallen är inte giltig UTF-8"),
                    })?
                }
                _ => builtin.to_string(),
            };
            sources.push((name.to_string(), text));
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_formatter(|out, _state, value| write_literal(out, value));
        for (name, text) in &sources {
            if name.ends_with(".typ") && name != "lib.typ" {
                env.add_template_owned(name.clone(), text.clone())
                    .map_err(|e| TemplateError::Syntax { name: name.clone(), message: e.to_string() })?;
            }
        }
        Ok(Templates { env, sources })
    }

    /// The source text of a template (for the document version hash, and `lib.typ` for Typst).
    pub fn source(&self, name: &str) -> Result<&str, TemplateError> {
        self.sources.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str()).ok_or_else(|| TemplateError::Missing { name: name.into() })
    }

    /// Fills a template with `context` and returns Typst source.
    pub fn render(&self, name: &str, context: &serde_json::Value) -> Result<String, TemplateError> {
        let tmpl = self.env.get_template(name).map_err(|_| TemplateError::Missing { name: name.into() })?;
        tmpl.render(Value::from_serialize(context)).map_err(|e| TemplateError::Render { name: name.into(), message: e.to_string() })
    }
}

/// Writes `value` as a Typst literal.
fn write_literal(out: &mut minijinja::Output, value: &Value) -> Result<(), Error> {
    let mut s = String::new();
    literal(&mut s, value)?;
    out.write_str(&s).map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))
}

fn literal(s: &mut String, value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => s.push_str("none"),
        ValueKind::Bool => s.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => {
            if let Ok(i) = i64::try_from(value.clone()) {
                s.push_str(&i.to_string());
            } else {
                let f = f64::try_from(value.clone()).unwrap_or(0.0);
                s.push_str(&format!("{f:?}"));
            }
        }
        ValueKind::String => string_literal(s, value.as_str().unwrap_or_default()),
        ValueKind::Seq | ValueKind::Iterable => {
            s.push('(');
            for item in value.try_iter()? {
                literal(s, &item)?;
                s.push(',');
            }
            s.push(')');
        }
        ValueKind::Map => {
            s.push('(');
            let mut any = false;
            for key in value.try_iter()? {
                let k = key.as_str().unwrap_or_default();
                string_literal(s, k);
                s.push_str(": ");
                literal(s, &value.get_item(&key)?)?;
                s.push(',');
                any = true;
            }
            if !any {
                s.push(':');
            }
            s.push(')');
        }
        _ => string_literal(s, &value.to_string()),
    }
    Ok(())
}

/// A Typst string literal: quotes, with `\`, `"` and every control character escaped.
pub fn string_literal(s: &mut String, text: &str) {
    s.push('"');
    for c in text.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                s.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_typst_literals() {
        let t = Templates::load(None).unwrap();
        let mut env = Environment::new();
        env.set_formatter(|out, _state, value| write_literal(out, value));
        let ctx = serde_json::json!({"a": "#set page(fill: red)\"]\\\n", "n": 3, "l": ["x", null, true], "m": {}});
        let out = env.render_str("{{ a }}|{{ n }}|{{ l }}|{{ m }}", &ctx).unwrap();
        assert_eq!(out, r##""#set page(fill: red)\"]\\\n"|3|("x",none,true,)|(:)"##);
        assert!(t.source("lib.typ").unwrap().contains("#let"));
    }

    #[test]
    fn an_override_is_read_only_as_a_regular_file_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kontakter.typ"), "egen mall\n").unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        assert_eq!(t.source("kontakter.typ").unwrap(), "egen mall\n");
        std::fs::write(other.path().join("hemlig.typ"), "hemligt").unwrap();
        std::os::unix::fs::symlink(other.path().join("hemlig.typ"), dir.path().join("telefonlista.typ")).unwrap();
        let e = Templates::load(Some(dir.path())).err().expect("a link out of the folder is refused").to_string();
        assert!(e.contains("telefonlista.typ") && e.contains("utanför mallkatalogen"), "{e}");
        std::fs::remove_file(dir.path().join("telefonlista.typ")).unwrap();
        std::fs::create_dir(dir.path().join("telefonlista.typ")).unwrap();
        let e = Templates::load(Some(dir.path())).err().expect("a folder is refused").to_string();
        assert!(e.contains("telefonlista.typ") && e.contains("en katalog"), "{e}");
    }

    #[test]
    fn no_builtin_template_bypasses_escaping() {
        for (name, text) in BUILTIN {
            assert!(!text.contains("|safe") && !text.contains("| safe"), "{name} uses |safe");
        }
    }
}
