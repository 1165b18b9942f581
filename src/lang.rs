//! The two languages of every text shown to users, and text folding for
//! diacritics-insensitive matching.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, ErrorKind, Result};

/// A language for messages and report sentences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Vietnamese (the default).
    #[default]
    Vi,
    /// English.
    En,
}

impl std::str::FromStr for Lang {
    type Err = Error;

    /// Reads `vi` or `en` (any case).
    ///
    /// ```
    /// use ictindex::Lang;
    /// assert_eq!("EN".parse::<Lang>().unwrap(), Lang::En);
    /// assert!("fr".parse::<Lang>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" => Ok(Lang::Vi),
            "en" => Ok(Lang::En),
            _ => Err(Error::new(ErrorKind::InvalidOption {
                name: "lang".into(),
                value: s.into(),
            })),
        }
    }
}

/// Folds text for matching: lower case, diacritics removed (`đ` → `d`),
/// runs of white space and `-`/`–`/`.` collapsed to one space.
///
/// ```
/// use ictindex::fold;
/// assert_eq!(fold("Vĩnh Phúc"), "vinh phuc");
/// assert_eq!(fold("  ĐÀ  NẴNG "), "da nang");
/// assert_eq!(fold("Bà Rịa – Vũng Tàu"), fold("ba ria - vung tau"));
/// ```
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            '-' | '–' | '—' | '.' | '_' => ' ',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.extend(c.to_lowercase());
            space = false;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}
