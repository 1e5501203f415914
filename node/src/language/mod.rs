//! The words people read: the Project Fluent catalogue (`node/locales/{vi,en}/*.ftl`), which
//! language a request asks for ([`Lang`]), and [`Message`], a catalogue id with its arguments.
//!
//! Errors and views carry a `Message`, not a sentence, so one answer is rendered in its
//! reader's language at the edge (the API's `Accept-Language`); logs render it in English.
//! Uses nothing of the node; `errors` maps the protocol's typed errors to catalogue ids.

pub mod bodies;
pub mod errors;
pub mod history;
pub mod labels;
pub mod terminal;

pub use errors::Said;

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{langid, LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static CATALOGUE = {
        locales: "./locales",
        fallback_language: "vi",
        // No Unicode isolation marks around arguments: the text goes into JSON and HTML that
        // people copy into documents.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static VI: LanguageIdentifier = langid!("vi");
static EN: LanguageIdentifier = langid!("en");

/// A language people read tiepdan in. Vietnamese unless the reader asks for English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The language an `Accept-Language` header prefers among ours (RFC 9110 §12.5.4: the
    /// highest `q`, the first of equals); Vietnamese when it names neither or is absent.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::Vi;
        };
        let mut best: Option<(Lang, f32)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "vi" => Lang::Vi,
                "en" => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l).unwrap_or(Lang::Vi)
    }

    /// The tag for `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
}

/// An argument of a [`Message`].
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Shown as given: a name, a code, an id.
    Text(String),
    Number(i64),
    /// The name of a field, as the protocol's errors give it ("receiving officer"): shown by
    /// its catalogue label `field-<words joined by '-'>`.
    Field(&'static str),
    /// Another message, rendered in the same language (a status, a reason).
    Message(Box<Message>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_owned())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}
impl From<Message> for Arg {
    fn from(m: Message) -> Arg {
        Arg::Message(Box::new(m))
    }
}
macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_args!(u8, u16, u32, u64, usize, i32, i64);

/// A sentence of the catalogue: its id and its arguments, rendered when the reader is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(id: &'static str) -> Message {
        Message {
            id,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Message {
        self.args.push((name, value.into()));
        self
    }

    /// The message in `lang`. An id missing from a language falls back to Vietnamese, then to
    /// the id itself (a unit test keeps both catalogues complete).
    pub fn render(&self, lang: Lang) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        for (name, value) in &self.args {
            let v: FluentValue = match value {
                Arg::Text(s) => s.clone().into(),
                Arg::Number(n) => (*n).into(),
                Arg::Field(f) => field_label(f, lang).into(),
                Arg::Message(m) => m.render(lang).into(),
            };
            args.insert(Cow::Borrowed(name), v);
        }
        CATALOGUE
            .try_lookup_with_args(lang.id(), self.id, &args)
            .or_else(|| CATALOGUE.try_lookup_with_args(&VI, self.id, &args))
            .unwrap_or_else(|| self.id.to_owned())
    }

    /// True when both catalogues have this message.
    pub fn is_in_catalogue(&self) -> bool {
        has(Lang::Vi, self.id) && has(Lang::En, self.id)
    }
}

/// Logs and `to_string()` read English.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// The catalogue id of a protocol field name: "receiving officer" → `field-receiving-officer`.
pub fn field_id(field: &str) -> String {
    let words: String = field
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("field-{words}")
}

/// A field's label in `lang`; the protocol's own words when the catalogue lacks it.
pub fn field_label(field: &str, lang: Lang) -> String {
    CATALOGUE
        .try_lookup(lang.id(), &field_id(field))
        .unwrap_or_else(|| field.to_owned())
}

/// Whether the catalogue of `lang` itself (no fallback) has `id`.
pub fn has(lang: Lang, id: &str) -> bool {
    catalogue_ids(lang).iter().any(|i| i == id)
}

/// Every message id of one language's catalogue files, read from the embedded sources.
pub fn catalogue_ids(lang: Lang) -> Vec<String> {
    let mut ids = Vec::new();
    for text in catalogue_sources(lang) {
        for line in text.lines() {
            let Some((id, _)) = line.split_once('=') else {
                continue;
            };
            let id = id.trim_end();
            let starts = id
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '-');
            if starts
                && !line.starts_with(' ')
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

/// The catalogue files, as built into the binary.
pub fn catalogue_sources(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Vi => &[
            include_str!("../../locales/vi/cli.ftl"),
            include_str!("../../locales/vi/errors.ftl"),
            include_str!("../../locales/vi/fields.ftl"),
            include_str!("../../locales/vi/history.ftl"),
            include_str!("../../locales/vi/labels.ftl"),
        ],
        Lang::En => &[
            include_str!("../../locales/en/cli.ftl"),
            include_str!("../../locales/en/errors.ftl"),
            include_str!("../../locales/en/fields.ftl"),
            include_str!("../../locales/en/history.ftl"),
            include_str!("../../locales/en/labels.ftl"),
        ],
    }
}

#[cfg(test)]
mod tests;
