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

impl Lang {
    /// A number written with a decimal point, as this language writes it:
    /// Vietnamese uses a decimal comma.
    pub(crate) fn decimals(self, text: String) -> String {
        match self {
            Lang::Vi => text.replace('.', ","),
            Lang::En => text,
        }
    }
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

/// Folds text for matching: lower case, diacritics removed from Latin letters (`đ` → `d`),
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
    for c in s.chars() {
        let c = match base_letter(c) {
            Some(b) => b,
            None if is_diacritic(c) => continue,
            None => c,
        };
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

/// The ASCII letter a precomposed Latin letter decomposes to (canonical
/// decomposition, marks dropped): `ắ` → `a`, `Ǖ` → `U`, `ñ` → `n`; `None`
/// for any other character. Latin letters cover every Vietnamese letter;
/// letters of other scripts keep their marks (the same on both sides of a
/// comparison). Two small tables rather than Unicode's decomposition tables
/// (~50 KB) keep the page's WebAssembly module small; a test checks them
/// against the full tables.
fn base_letter(c: char) -> Option<char> {
    let cp = u32::from(c);
    let (table, start) = match cp {
        0xC0..=0x24F => (LATIN_C0, 0xC0),
        0x1E00..=0x1EFF => (LATIN_1E00, 0x1E00),
        _ => return None,
    };
    let b = *table.as_bytes().get(usize::try_from(cp - start).ok()?)?;
    (b != b'-').then_some(char::from(b))
}

/// Base letters of U+00C0..=U+024F (Latin-1 Supplement, Latin Extended-A
/// and -B), one per code point; `-`: none.
const LATIN_C0: &str = concat!(
    "AAAAAA-CEEEEIIII-NOOOOO--UUUUY--", // U+00C0
    "aaaaaa-ceeeeiiii-nooooo--uuuuy-y", // U+00E0
    "AaAaAaCcCcCcCcDd--EeEeEeEeEeGgGg", // U+0100
    "GgGgHh--IiIiIiIiI---JjKk-LlLlLl-", // U+0120
    "---NnNnNn---OoOoOo--RrRrRrSsSsSs", // U+0140
    "SsTtTt--UuUuUuUuUuUuWwYyYZzZzZz-", // U+0160
    "--------------------------------", // U+0180
    "Oo-------------Uu---------------", // U+01A0
    "-------------AaIiOoUuUuUuUuUu-Aa", // U+01C0
    "Aa----GgKkOoOo--j---Gg--NnAa----", // U+01E0
    "AaAaEeEeIiIiOoOoRrRrUuUuSsTt--Hh", // U+0200
    "------AaEeOoOoOoOoYy------------", // U+0220
    "----------------",                 // U+0240
);

/// Base letters of U+1E00..=U+1EFF (Latin Extended Additional, where most
/// Vietnamese letters with two marks live), one per code point; `-`: none.
const LATIN_1E00: &str = concat!(
    "AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFf", // U+1E00
    "GgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMm", // U+1E20
    "MmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRr", // U+1E40
    "SsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVv", // U+1E60
    "WwWwWwWwWwXxXxYyZzZzZzhtwy------", // U+1E80
    "AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEe", // U+1EA0
    "EeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOo", // U+1EC0
    "OoOoUuUuUuUuUuUuUuYyYyYyYy------", // U+1EE0
);

/// Whether `c` is a combining diacritic (text typed or saved decomposed):
/// the blocks Combining Diacritical Marks (and its Extended and Supplement
/// blocks), for Symbols, and Half Marks, plus the kana voicing marks.
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
    use unicode_normalization::char::{decompose_canonical, is_combining_mark};

    /// `c` decomposed canonically, marks dropped (what `nfd` then a mark filter gives).
    fn reference(c: char) -> String {
        let mut out = String::new();
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                out.push(d);
            }
        });
        out
    }

    /// The tables agree with Unicode's decomposition tables for every
    /// letter whose decomposition is an ASCII letter and marks.
    #[test]
    fn base_letters_match_unicode() {
        // Singletons that are symbols, not letters with marks.
        let symbols = ['\u{212A}', '\u{212B}'];
        for c in (0x80..0x3_0000).filter_map(char::from_u32) {
            let r = reference(c);
            let mut chars = r.chars();
            let expected = match (chars.next(), chars.next()) {
                (Some(b), None) if b.is_ascii_alphabetic() && b != c && !symbols.contains(&c) => Some(b),
                _ => None,
            };
            assert_eq!(base_letter(c), expected, "U+{:04X} {c}", u32::from(c));
        }
    }

    #[test]
    fn diacritic_ranges_cover_latin_marks() {
        for c in (0xC0..=0x24F).chain(0x1E00..=0x1EFF).filter_map(char::from_u32) {
            decompose_canonical(c, |d| assert_eq!(is_diacritic(d), is_combining_mark(d), "{c} → {d:?}"));
        }
    }

    #[test]
    fn folds_composed_and_decomposed_text_alike() {
        assert_eq!(fold("Vĩnh Phúc"), "vinh phuc");
        assert_eq!(fold("Vi\u{303}nh Phu\u{301}c"), "vinh phuc");
        assert_eq!(fold("THỪA THIÊN HUẾ"), "thua thien hue");
        assert_eq!(fold("Đắk Lắk"), "dak lak");
        assert_eq!(fold("Ğüçlü Ørsted"), "guclu ørsted");
    }
}
