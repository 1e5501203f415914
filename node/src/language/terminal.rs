//! The terminal's language: what a command (or a capability below the CLI that writes to the
//! terminal, as `init` and `recording verify` do) says to the person at it.

use super::{Lang, Message};

/// The language the command speaks to the person at the terminal: English when `LC_ALL` (or,
/// when it is unset or empty, `LANG`) starts with `en`, else Vietnamese. Logs stay English.
pub fn lang() -> Lang {
    lang_of(
        std::env::var("LC_ALL").ok().as_deref(),
        std::env::var("LANG").ok().as_deref(),
    )
}

/// [`lang`] from the values of `LC_ALL` and `LANG`.
pub fn lang_of(lc_all: Option<&str>, lang: Option<&str>) -> Lang {
    let chosen = lc_all.filter(|v| !v.is_empty()).or(lang).unwrap_or("");
    if chosen.to_ascii_lowercase().starts_with("en") {
        Lang::En
    } else {
        Lang::Vi
    }
}

/// A catalogue message in the command's language.
pub fn say(m: Message) -> String {
    m.render(lang())
}

/// A catalogue message in the command's language, as the error the command ends with.
pub fn fail(m: Message) -> anyhow::Error {
    anyhow::anyhow!(say(m))
}
