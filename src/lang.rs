//! The two languages of every text shown to users, and text folding for
//! diacritics-insensitive matching.

use serde::{Deserialize, Serialize};

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
    let mut push = |c: char| {
        if is_diacritic(c) {
            return;
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
    };
    // Canonical decomposition char by char (what NFD does, minus the
    // reordering of marks, which are dropped anyway). Calling it directly,
    // rather than `nfd()`, keeps the compatibility tables (~57 KB) out of the
    // page's WebAssembly module.
    for c in s.chars() {
        unicode_normalization::char::decompose_canonical(c, &mut push);
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Whether `c` is a combining diacritic: the blocks Combining Diacritical
/// Marks (and its Extended and Supplement blocks), for Symbols, and Half
/// Marks, plus the kana voicing marks. These are the marks that canonical
/// decomposition of Latin, Greek, Cyrillic (and Vietnamese) letters yields; a
/// range check keeps Unicode's full mark table (~15 KB) out of the page's
/// WebAssembly module. Marks of other scripts are kept, the same on both
/// sides of a comparison.
fn is_diacritic(c: char) -> bool {
    matches!(
        c,
        '\u{300}'..='\u{36F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
            | '\u{3099}'
            | '\u{309A}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mark that decomposing a Latin, Greek or Cyrillic letter yields
    /// is dropped, exactly as Unicode's full mark table would.
    #[test]
    fn diacritic_ranges_cover_latin_greek_cyrillic() {
        let ranges = [
            0xC0..=0x24F,
            0x370..=0x3FF,
            0x400..=0x4FF,
            0x1E00..=0x1EFF,
            0x1F00..=0x1FFF,
        ];
        for c in ranges
            .into_iter()
            .flatten()
            .filter_map(char::from_u32)
            .filter(|c| c.is_alphabetic())
        {
            unicode_normalization::char::decompose_canonical(c, |d| {
                assert_eq!(
                    is_diacritic(d),
                    unicode_normalization::char::is_combining_mark(d),
                    "{c} → {d:?}"
                );
            });
        }
        assert_eq!(fold("Vĩnh Phúc"), "vinh phuc");
        // Decomposed input (as some systems write file names) folds the same.
        assert_eq!(fold("Vi\u{303}nh Phu\u{301}c"), "vinh phuc");
        assert_eq!(fold("Ἀθῆναι"), "αθηναι");
        assert_eq!(fold("Йошкар-Ола"), "иошкар ола");
    }
}
