//! Reading data files: UTF-8 text (with or without BOM), the delimiter
//! (comma, semicolon or tab, detected from the header), decimal commas, and
//! the column-wise [`Dataset`].
//!
//! A data file has one row per unit and edition. Columns `code` (required;
//! also `unit` or `ma`), `name` (`ten`), `year` (`nam`) and `group`
//! (`region`, `vung`) describe the unit; every other column is an indicator
//! (a framework leaf, matched by its code), except two text columns ictindex
//! writes: `flags` (prepared data) is skipped, and of `status`, rows marked
//! `dropped` (units absent from the edition) are skipped, so an exported
//! table reads back as the same edition. An empty cell, `NA` or `N/A` is a
//! missing value. Blank rows are skipped.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::lang::fold;

/// How many problems [`Dataset::check`] lists at most.
pub const MAX_PROBLEMS: usize = 1000;

/// Reads all of `reader` as UTF-8 text, dropping a leading BOM. An invalid
/// byte is an [`ErrorKind::Utf8`] error at its line and column.
pub(crate) fn read_text<R: io::Read>(mut reader: R) -> Result<String> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(ErrorKind::Io(e.to_string())))?;
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..'\u{feff}'.len_utf8());
            }
            Ok(s)
        }
        Err(e) => Err(utf8_error(e.as_bytes(), e.utf8_error().valid_up_to())),
    }
}

/// `bytes` as UTF-8 text, without a leading BOM and without copying them,
/// or the error [`read_text`] gives.
pub(crate) fn text_of(bytes: &[u8]) -> Result<&str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.strip_prefix('\u{feff}').unwrap_or(s)),
        Err(e) => Err(utf8_error(bytes, e.valid_up_to())),
    }
}

/// The [`ErrorKind::Utf8`] error at byte `at` of `bytes` (the first invalid
/// one), located at its line and column.
fn utf8_error(bytes: &[u8], at: usize) -> Error {
    // The text up to `at` is valid, so it reads the same lossily.
    let lossy = String::from_utf8_lossy(bytes);
    let (text, at) = match lossy.strip_prefix('\u{feff}') {
        Some(t) => (t, at.saturating_sub('\u{feff}'.len_utf8())),
        None => (lossy.as_ref(), at),
    };
    locate(Error::new(ErrorKind::Utf8), text, at, detect_delimiter(text))
}

/// The delimiter of `text`: the most frequent of tab, semicolon and comma
/// outside quotes on the first non-blank line (comma when there is none).
fn detect_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let (mut tabs, mut semicolons, mut commas) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            '\t' if !quoted => tabs += 1,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if tabs > 0 && tabs >= semicolons && tabs >= commas {
        b'\t'
    } else if semicolons > 0 && semicolons >= commas {
        b';'
    } else {
        b','
    }
}

/// Locates `err` at byte `at` of `text`: its line, and its field (column)
/// counted as the CSV reader would, with the header's name for a data line.
fn locate(err: Error, text: &str, at: usize, delimiter: u8) -> Error {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() as u64 + 1;
    let prefix = before.get(before.rfind('\n').map_or(0, |p| p + 1)..).unwrap_or("");
    let mut quoted = false;
    let mut field = 1u64;
    for b in prefix.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            field += 1;
        }
    }
    let header_line = text
        .lines()
        .position(|l| !l.trim().is_empty())
        .map_or(1, |p| p as u64 + 1);
    let name = if line > header_line {
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .next()
            .and_then(|r| r.ok())
            .and_then(|r| r.get(field as usize - 1).map(|h| h.trim().to_string()))
    } else {
        None
    };
    err.at_line(line).at_column(field, name.as_deref())
}

/// The first byte-order mark in `text`: natively, a large text's two halves
/// (cut at a character boundary, so no mark is split) are searched at once.
fn find_bom(text: &str) -> Option<usize> {
    #[cfg(not(target_arch = "wasm32"))]
    if text.len() >= PARALLEL_BYTES {
        let half = (text.len() / 2..text.len()).find(|&i| text.is_char_boundary(i))?;
        let (a, b) = text.split_at_checked(half)?;
        let (first, second) = rayon::join(|| a.find('\u{feff}'), || b.find('\u{feff}'));
        return first.or(second.map(|at| at + half));
    }
    text.find('\u{feff}')
}

/// Text of a CSV file with its detected delimiter.
pub(crate) struct CsvText<'a> {
    text: &'a str,
    delimiter: u8,
}

/// One record with the line it starts on.
pub(crate) struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

impl<'a> CsvText<'a> {
    /// Detects the delimiter from the first line: the most frequent of tab,
    /// semicolon and comma outside quotes (comma when there is none).
    /// A byte-order mark after the start (two files joined) is an error at its line and column.
    pub fn new(text: &'a str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let delimiter = detect_delimiter(text);
        if let Some(at) = find_bom(text) {
            return Err(locate(Error::new(ErrorKind::StrayBom), text, at, delimiter));
        }
        if text.trim().is_empty() {
            return Err(Error::new(ErrorKind::Empty));
        }
        Ok(CsvText { text, delimiter })
    }

    fn reader(&self) -> csv::Reader<&'a [u8]> {
        csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(self.text.as_bytes())
    }

    /// The header row's fields, trimmed.
    pub fn header(&self) -> Result<Vec<String>> {
        let mut r = self.reader();
        match r.records().next() {
            Some(Ok(rec)) => Ok(rec.iter().map(|f| f.trim().to_string()).collect()),
            Some(Err(e)) => Err(csv_error(e)),
            None => Err(Error::new(ErrorKind::Empty)),
        }
    }

    /// Data rows after the header, each with the header's field count. Blank
    /// rows (every field empty or white space, as spreadsheets write after the
    /// data) are skipped. A ragged row is an error at its line and at the
    /// first missing or extra field; when the row is split by another
    /// delimiter, the error says so ([`ErrorKind::MixedDelimiter`]).
    pub fn rows(&self) -> impl Iterator<Item = Result<Row>> + 'a {
        let mut records = self.reader().into_records();
        let header_len = match records.next() {
            Some(Ok(h)) => h.len(),
            _ => 0,
        };
        let delimiter = self.delimiter;
        records
            .filter(|rec| !matches!(rec, Ok(r) if r.iter().all(|f| f.trim().is_empty())))
            .map(move |rec| {
                let rec = rec.map_err(csv_error)?;
                let line = rec.position().map_or(0, |p| p.line());
                let found = rec.len();
                if found != header_len {
                    let fields: Vec<&[u8]> = rec.iter().map(str::as_bytes).collect();
                    return Err(shape_error(header_len, delimiter, &fields, line));
                }
                Ok(Row {
                    line,
                    fields: rec.iter().map(str::to_string).collect(),
                })
            })
    }

    /// Calls `row` with each data row after the header (its line and fields) until
    /// it returns `true`, or with the error that ends the read (a ragged row,
    /// bad quoting). Text without quotes or carriage returns is split directly:
    /// the same rows, lines and fields as the CSV reader gives (which skips
    /// empty lines), several times faster.
    pub fn each_row(&self, row: &mut impl FnMut(Result<(u64, &[&[u8]])>) -> bool) {
        // Branch-free over blocks, so the scan vectorises.
        if any_byte(self.text.as_bytes(), b'"', b'\r') {
            self.each_csv_row(row);
        } else {
            self.each_plain_row(row);
        }
    }

    /// [`CsvText::each_row`] for text without quotes or carriage returns.
    fn each_plain_row(&self, row: &mut impl FnMut(Result<(u64, &[&[u8]])>) -> bool) {
        plain_rows(self.text.as_bytes(), self.delimiter, 1, None, row);
    }

    /// [`CsvText::each_row`] by the CSV reader.
    fn each_csv_row(&self, row: &mut impl FnMut(Result<(u64, &[&[u8]])>) -> bool) {
        let mut reader = self.reader();
        let mut record = csv::StringRecord::new();
        let header_len = match reader.read_record(&mut record) {
            Ok(true) => record.len(),
            _ => 0,
        };
        loop {
            let line = match reader.read_record(&mut record) {
                Ok(false) => return,
                Ok(true) => record.position().map_or(0, |p| p.line()),
                Err(e) => {
                    row(Err(csv_error(e)));
                    return;
                }
            };
            let fields: Vec<&[u8]> = record.iter().map(str::as_bytes).collect();
            if fields.len() != header_len {
                row(Err(shape_error(header_len, self.delimiter, &fields, line)));
                return;
            }
            if is_blank(&fields) {
                continue;
            }
            if row(Ok((line, &fields))) {
                return;
            }
        }
    }

    /// Reads a number: `.` decimal point, or `,` when the delimiter is not a
    /// comma (and the text holds no `.`). `None` if it is not a number.
    pub fn number(&self, raw: &str) -> Option<f64> {
        parse_number(raw, self.delimiter != b',')
    }
}

/// The rows of quote-free, CR-free `text` (a whole file, or a run of whole
/// lines of one, starting at line `first_line`) as [`CsvText::each_row`]
/// gives them. With `header_len`, `text` holds data lines only, each to have
/// that many fields; without, its first non-empty line is the header. A run
/// must start right after a row (not after empty lines) for its rows to be
/// numbered as in the whole file.
fn plain_rows<'a>(
    text: &'a [u8],
    delimiter: u8,
    first_line: u64,
    mut header_len: Option<usize>,
    row: &mut impl FnMut(Result<(u64, &[&[u8]])>) -> bool,
) {
    let mut fields: Vec<&'a [u8]> = Vec::new();
    // The reader numbers a row by the line after the previous row
    // (empty lines skipped in between are not counted): the same here.
    let mut after_previous = first_line;
    let mut line_no = first_line.saturating_sub(1);
    let mut field_start = 0usize;
    let mut line_start = 0usize;
    // Each line: the fields so far, and the end of its last field.
    let mut end_line = |fields: &mut Vec<&'a [u8]>, line_start: usize, end: usize, field_start: usize| {
        line_no += 1;
        if end == line_start {
            return false; // an empty line: skipped, as by the reader
        }
        fields.push(text.get(field_start..end).unwrap_or(b""));
        let line = after_previous;
        after_previous = line_no + 1;
        let stop = match header_len {
            None => {
                header_len = Some(fields.len());
                false
            }
            Some(n) if n != fields.len() => {
                row(Err(shape_error(n, delimiter, fields, line)));
                true
            }
            Some(_) if is_blank(fields) => false,
            Some(_) => row(Ok((line, fields.as_slice()))),
        };
        fields.clear();
        stop
    };
    // Fields end at the delimiter or a newline (ASCII: always char
    // boundaries). Eight bytes at a time: a word's delimiters and
    // newlines are found together, then visited in order.
    let mut at_break = |i: usize, b: u8| -> bool {
        if b == delimiter {
            fields.push(text.get(field_start..i).unwrap_or(b""));
            field_start = i + 1;
        } else {
            if end_line(&mut fields, line_start, i, field_start) {
                return true;
            }
            line_start = i + 1;
            field_start = i + 1;
        }
        false
    };
    let mut words = text.chunks_exact(8);
    for (w, word) in (&mut words).enumerate() {
        let Ok(bytes) = <[u8; 8]>::try_from(word) else { continue };
        let x = u64::from_le_bytes(bytes);
        let mut found = zero_bytes(x ^ splat(delimiter)) | zero_bytes(x ^ splat(b'\n'));
        while found != 0 {
            let k = (found.trailing_zeros() / 8) as usize;
            found &= found - 1;
            if let Some(&b) = bytes.get(k) {
                if at_break(w * 8 + k, b) {
                    return;
                }
            }
        }
    }
    let tail = text.len() - words.remainder().len();
    for (k, &b) in words.remainder().iter().enumerate() {
        if (b == delimiter || b == b'\n') && at_break(tail + k, b) {
            return;
        }
    }
    end_line(&mut fields, line_start, text.len(), field_start);
}

/// `b` in every byte of a word.
const fn splat(b: u8) -> u64 {
    (b as u64) * 0x0101_0101_0101_0101
}

/// The high bit of each byte of `x` that is zero, and no other bit (exact:
/// no carry crosses bytes, as each byte's low seven bits are added alone).
const fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// How many bytes of `text` are `b`, eight at a time.
fn count_byte(text: &[u8], b: u8) -> usize {
    let mut words = text.chunks_exact(8);
    let mut n = 0usize;
    for word in &mut words {
        if let Ok(bytes) = <[u8; 8]>::try_from(word) {
            n += zero_bytes(u64::from_le_bytes(bytes) ^ splat(b)).count_ones() as usize;
        }
    }
    n + words.remainder().iter().filter(|&&x| x == b).count()
}

/// Whether `text` holds `a` or `b`, in one pass eight bytes at a time.
fn any_byte(text: &[u8], a: u8, b: u8) -> bool {
    let mut words = text.chunks_exact(8);
    let mut found = 0u64;
    for word in &mut words {
        if let Ok(bytes) = <[u8; 8]>::try_from(word) {
            let x = u64::from_le_bytes(bytes);
            found |= zero_bytes(x ^ splat(a)) | zero_bytes(x ^ splat(b));
        }
    }
    found != 0 || words.remainder().iter().any(|&x| x == a || x == b)
}

/// The error for a row with `found` fields where the header has `expected`.
/// Whether every field of a row is empty or white space, as spreadsheets
/// write after the data: such rows are skipped.
fn is_blank(fields: &[&[u8]]) -> bool {
    fields
        .iter()
        .all(|f| std::str::from_utf8(f).is_ok_and(|s| s.trim().is_empty()))
}

/// The error for a row at `line` whose field count is not the header's: a
/// quote never closed (it swallows the line ends after it), a row split by
/// another delimiter ([`ErrorKind::MixedDelimiter`]), or else a ragged row
/// located at its first missing or extra field.
fn shape_error(header_len: usize, delimiter: u8, fields: &[&[u8]], line: u64) -> Error {
    let err = |kind: ErrorKind| Error::new(kind).at_line(line);
    if let Some(f) = fields.iter().position(|f| f.contains(&b'\n')) {
        return err(ErrorKind::UnclosedQuote).at_column(f as u64 + 1, None);
    }
    let other = [b',', b';', b'\t'].into_iter().find(|&d| {
        let n: usize = fields.iter().map(|f| f.iter().filter(|&&b| b == d).count()).sum();
        d != delimiter && n > 0 && n + 1 >= header_len
    });
    if let Some(d) = other {
        return err(ErrorKind::MixedDelimiter {
            header: char::from(delimiter),
            row: char::from(d),
        });
    }
    let kind = ErrorKind::RaggedRow {
        expected: header_len as u64,
        found: fields.len() as u64,
    };
    err(kind).at_column(fields.len().min(header_len) as u64 + 1, None)
}

fn parse_number(raw: &str, decimal_comma: bool) -> Option<f64> {
    let s = trim(raw);
    if decimal_comma && s.contains(',') {
        if s.contains('.') || s.matches(',').count() > 1 {
            return None;
        }
        return s.replace(',', ".").parse().ok();
    }
    parse_decimal(s.as_bytes()).or_else(|| s.parse().ok())
}

/// `str::trim`, skipped when the first and last bytes are visible ASCII (the
/// usual cell): only then can there be no whitespace to remove.
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// The common short decimal `-?d+(.d+)?` with at most 15 digits, exactly as
/// `str::parse` reads it: the digits form an integer m < 10^15 < 2^53 and
/// 10^k (k ≤ 15) is exact too, so the one division m / 10^k is correctly
/// rounded, as `str::parse` is (Clinger's fast path). `None` for anything
/// else (exponents, long mantissas, `inf`, …), which `str::parse` then reads.
fn parse_decimal(s: &[u8]) -> Option<f64> {
    static POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        rest => (false, rest),
    };
    // At most 15 digits and a point: the mantissa cannot overflow.
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let (mantissa, decimals) = match short_decimal(digits) {
        Some(parts) => parts,
        None => long_decimal(digits)?,
    };
    // `mantissa` < 10^15 < 2^63: as `i64` it converts in one instruction
    // (`u64` takes four on x86-64), to the same value.
    let v = mantissa as i64 as f64 / POW10.get(decimals).copied()?;
    Some(if negative { -v } else { v })
}

/// [`parse_decimal`]'s digits `d+(.d+)?` as (the digits as an integer, how
/// many follow the point), a digit at a time.
fn long_decimal(digits: &[u8]) -> Option<(u64, usize)> {
    // The integer part, then `.` and at least one digit, or nothing.
    let mut mantissa: u64 = 0;
    let mut rest = digits;
    while let [b, tail @ ..] = rest {
        let d = b.wrapping_sub(b'0');
        if d >= 10 {
            break;
        }
        mantissa = mantissa * 10 + u64::from(d);
        rest = tail;
    }
    let decimals = match rest {
        [] if digits.len() > 15 => return None,
        [] => 0,
        // "5." and ".5" are left to str::parse.
        [b'.', fraction @ ..] if rest.len() < digits.len() && !fraction.is_empty() => {
            for b in fraction {
                let d = b.wrapping_sub(b'0');
                if d >= 10 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(d);
            }
            fraction.len()
        }
        _ => return None,
    };
    Some((mantissa, decimals))
}

/// [`long_decimal`] for at most eight bytes, without a branch on the number
/// of digits: the bytes are loaded as one word, the point is found and
/// taken out, the digits are checked and summed eight at a time (the
/// classic SWAR digit sum). `None` for any other shape (then the long way
/// decides).
fn short_decimal(digits: &[u8]) -> Option<(u64, usize)> {
    const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    let len = digits.len();
    if !(1..=8).contains(&len) {
        return None;
    }
    // The bytes in order from the lowest, zero above: two overlapping
    // 4-byte loads, or three single bytes.
    let word = if len >= 4 {
        let first = u32::from_le_bytes(digits.get(..4)?.try_into().ok()?);
        let last = u32::from_le_bytes(digits.get(len - 4..)?.try_into().ok()?);
        u64::from(first) | u64::from(last) << (8 * (len - 4))
    } else {
        let byte = |i: usize| digits.get(i).map_or(0, |&b| u64::from(b));
        byte(0) | byte(len / 2) << (8 * (len / 2)) | byte(len - 1) << (8 * (len - 1))
    };
    let used = u64::MAX >> (8 * (8 - len));
    let points = zero_bytes(word ^ splat(b'.')) & used;
    let (joined, n, decimals) = if points == 0 {
        (word, len, 0)
    } else {
        let p = (points.trailing_zeros() / 8) as usize;
        // One point, with a digit on each side ("5." and ".5" go the long way).
        if points & (points - 1) != 0 || p == 0 || p + 1 == len {
            return None;
        }
        let below = word & (u64::MAX >> (8 * (8 - p)));
        (below | (word >> (8 * (p + 1))) << (8 * p), len - 1, len - 1 - p)
    };
    // The n digits at the top of the word, '0's below them.
    let pad = 8 * (8 - n);
    let aligned = joined.checked_shl(pad as u32)? | splat(b'0').checked_shr(64 - pad as u32).unwrap_or(0);
    // Every byte '0'..='9' (0x30..=0x39, and + 6 stays in 0x3_).
    if aligned & HIGH != splat(b'0') || aligned.wrapping_add(splat(6)) & HIGH != splat(b'0') {
        return None;
    }
    let d = aligned - splat(b'0');
    // Pairs, then fours, then all eight (most significant digit lowest;
    // the sum, below 10^8, is what the shift leaves).
    let pairs = d.wrapping_mul(10).wrapping_add(d >> 8);
    const MASK: u64 = 0x0000_00ff_0000_00ff;
    let sum = ((pairs & MASK).wrapping_mul(100 + (1_000_000 << 32)))
        .wrapping_add(((pairs >> 16) & MASK).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    Some((sum, decimals))
}

fn csv_error(e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let err = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => Error::new(ErrorKind::Utf8),
        csv::ErrorKind::Io(io) => Error::new(ErrorKind::Io(io.to_string())),
        _ => Error::new(ErrorKind::Csv(e.to_string())),
    };
    match line {
        Some(l) => err.at_line(l),
        None => err,
    }
}

/// Whether a trimmed cell is a missing value.
fn is_missing(s: &str) -> bool {
    s.is_empty() || s.eq_ignore_ascii_case("na") || s.eq_ignore_ascii_case("n/a")
}

/// The trimmed text of field `i` (`""` if absent). Fields are cut at ASCII
/// bytes of valid UTF-8 text, so they are always UTF-8.
fn cell<'f>(fields: &[&'f [u8]], i: usize) -> &'f str {
    let bytes = fields.get(i).copied().unwrap_or(b"");
    std::str::from_utf8(bytes).map(trim).unwrap_or("")
}

/// A unit's code and year.
type RowKey<'f> = (&'f str, Option<i64>);

/// A data row's unit code and year; `Ok(None)` for a row ictindex listed as
/// `dropped` (absent from its edition, skipped); else the problem that stops
/// the row, with its field: an empty code or a year that is not a whole number.
fn row_key<'f>(fields: &[&'f [u8]], cols: &Columns) -> std::result::Result<Option<RowKey<'f>>, (usize, ErrorKind)> {
    if cols
        .status
        .is_some_and(|i| cell(fields, i).eq_ignore_ascii_case("dropped"))
    {
        return Ok(None);
    }
    let code = cell(fields, cols.code);
    if code.is_empty() {
        return Err((cols.code, ErrorKind::EmptyCode));
    }
    let year = match cols.year.map(|i| (i, cell(fields, i))) {
        None | Some((_, "")) => None,
        Some((i, raw)) => match raw.parse::<i64>() {
            Ok(y) => Some(y),
            Err(_) => return Err((i, ErrorKind::InvalidYear(raw.into()))),
        },
    };
    Ok(Some((code, year)))
}

/// The unit of a data row with key (`code`, `year`).
fn row_unit(fields: &[&[u8]], cols: &Columns, code: &str, year: Option<i64>) -> Unit {
    let name = cols
        .name
        .map(|i| cell(fields, i))
        .filter(|s| !s.is_empty())
        .unwrap_or(code)
        .to_string();
    let group = cols
        .group
        .map(|i| cell(fields, i).to_string())
        .filter(|s| !s.is_empty());
    Unit {
        code: code.to_string(),
        name,
        year,
        group,
    }
}

/// Reads a row's indicator cells (`indicators`: field index and header)
/// onto `columns`, one value each (`NaN` for missing or bad); `problem` gets
/// the field and kind of each bad cell (not a number, not finite).
fn read_values(
    fields: &[&[u8]],
    indicators: &[(usize, String)],
    decimal_comma: bool,
    columns: &mut [Vec<f64>],
    mut problem: impl FnMut(usize, ErrorKind),
) {
    for ((i, _), col) in indicators.iter().zip(columns.iter_mut()) {
        // The usual cell, a plain decimal, is read from its bytes directly.
        let fast = fields.get(*i).and_then(|b| parse_decimal(b));
        let v = fast.unwrap_or_else(|| {
            let raw = cell(fields, *i);
            if is_missing(raw) {
                return f64::NAN;
            }
            match parse_number(raw, decimal_comma) {
                Some(v) if v.is_finite() => v,
                Some(_) => {
                    problem(*i, ErrorKind::NotFinite(raw.into()));
                    f64::NAN
                }
                None => {
                    problem(*i, ErrorKind::NotANumber(raw.into()));
                    f64::NAN
                }
            }
        });
        col.push(v);
    }
}

/// Rows read: their units, `values[indicator][row]` and lines.
#[cfg(not(target_arch = "wasm32"))]
type Rows = (Vec<Unit>, Vec<Vec<f64>>, Vec<u64>);

/// Texts from this size are read on every core (natively); under it the
/// threads' start costs more than they save.
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_BYTES: usize = 256 * 1024;

/// The rows of the CSV `text` split by `delimiter` (units,
/// `values[indicator][row]`, lines), read in up to `runs` runs of whole
/// lines at once (the first straight onto the final columns, the others
/// onto their own, then appended column by column on every core); `None` if
/// the text has quotes or carriage returns (the CSV reader's case), no data
/// row, or any problem at all (a ragged row, a bad cell, a duplicate unit,
/// …; with `check_text`, for bytes not yet known to be text, also bad UTF-8
/// or a byte-order mark): the one-pass read then reports the problems in
/// file order. Rows, values and lines are exactly the one-pass read's.
#[cfg(not(target_arch = "wasm32"))]
fn read_in_runs(text: &[u8], delimiter: u8, check_text: bool, cols: &Columns, runs: usize) -> Option<Rows> {
    use rayon::prelude::*;
    // The header is the first non-empty line; the data lines follow it.
    let head_start = text.iter().position(|&b| b != b'\n')?;
    let head_len = text.get(head_start..)?.iter().position(|&b| b == b'\n')?;
    let header = text.get(head_start..head_start + head_len)?;
    let header_len = count_byte(header, delimiter) + 1;
    let body = head_start + head_len + 1;
    if any_byte(text.get(..body)?, b'"', b'\r') {
        return None;
    }
    // Cut after the newline ending a non-empty line near each k/runs of the
    // data, so that each run starts right after a row (line numbers below).
    let mut cuts = vec![body];
    for k in 1..runs {
        let from = (body + (text.len() - body) / runs * k).max(cuts.last().copied().unwrap_or(body));
        let window = text.get(from - 1..)?;
        let Some(q) = window.windows(2).position(|w| matches!(w, [a, b'\n'] if *a != b'\n')) else {
            break;
        };
        cuts.push(from + q + 1);
    }
    cuts.push(text.len());
    cuts.dedup();
    let parts: Vec<&[u8]> = cuts
        .windows(2)
        .filter_map(|w| text.get(*w.first()?..*w.get(1)?))
        .collect();
    // Each part: whether it needs the CSV reader, and its newlines. Bytes
    // not known to be text are checked here too, part by part on every core
    // (parts start after a newline, so no character is split): UTF-8, and
    // no byte-order mark (no 0xEF at all, the first byte of U+F000 to U+FFFF;
    // one sends the text to the one-pass read, which locates a mark).
    let scans: Vec<(bool, usize)> = parts
        .par_iter()
        .map(|p| {
            let other = if check_text {
                std::str::from_utf8(p).is_err() || p.contains(&0xEF)
            } else {
                false
            };
            (other || any_byte(p, b'"', b'\r'), count_byte(p, b'\n'))
        })
        .collect();
    if scans.iter().any(|&(quoted, _)| quoted) {
        return None;
    }
    // A part's rows are at most its lines; its first line's number counts
    // the newlines before it.
    let mut first_line = count_byte(text.get(..body)?, b'\n') as u64 + 1;
    let mut starts = Vec::with_capacity(parts.len());
    let mut room = Vec::with_capacity(parts.len());
    for (p, &(_, newlines)) in parts.iter().zip(&scans) {
        starts.push(first_line);
        first_line += newlines as u64;
        room.push(newlines + usize::from(p.last().is_some_and(|&b| b != b'\n')));
    }
    let total: usize = room.iter().sum();
    let decimal_comma = delimiter != b',';
    let n_cols = cols.indicators.len();
    // Each part onto columns of its own, the first onto the final ones
    // (room for every row: the others' rows are appended to them).
    let read = |(k, part, first_line, rows): (usize, &[u8], u64, usize)| {
        let room = if k == 0 { total } else { rows };
        let mut columns: Vec<Vec<f64>> = (0..n_cols).map(|_| Vec::with_capacity(room)).collect();
        let mut units = Vec::with_capacity(room);
        let mut lines = Vec::with_capacity(room);
        let mut clean = true;
        plain_rows(part, delimiter, first_line, Some(header_len), &mut |next| {
            let Ok((line, fields)) = next else {
                clean = false;
                return true;
            };
            let (code, year) = match row_key(fields, cols) {
                Ok(Some(key)) => key,
                Ok(None) => return false,
                Err(_) => {
                    clean = false;
                    return true;
                }
            };
            read_values(fields, &cols.indicators, decimal_comma, &mut columns, |_, _| {
                clean = false
            });
            units.push(row_unit(fields, cols, code, year));
            lines.push(line);
            !clean
        });
        clean.then_some((units, columns, lines))
    };
    let jobs: Vec<(usize, &[u8], u64, usize)> = parts
        .into_iter()
        .zip(starts)
        .zip(room)
        .enumerate()
        .map(|(k, ((p, l), r))| (k, p, l, r))
        .collect();
    let mut read = jobs
        .into_par_iter()
        .map(read)
        .collect::<Option<Vec<Rows>>>()?
        .into_iter();
    let (mut units, mut values, mut lines) = read.next()?;
    let mut rest = Vec::with_capacity(read.len());
    for (u, columns, l) in read {
        units.extend(u);
        lines.extend(l);
        rest.push(columns);
    }
    if units.is_empty() {
        return None;
    }
    let ((), unique) = rayon::join(
        // The other parts' rows after the first's, column by column.
        || {
            values.par_iter_mut().enumerate().for_each(|(c, col)| {
                for more in &rest {
                    col.extend_from_slice(more.get(c).map_or(&[][..], Vec::as_slice));
                }
            })
        },
        // One unit per code and edition: else the one-pass read says where.
        || {
            let mut seen = std::collections::HashSet::with_capacity(units.len());
            units.iter().all(|u| seen.insert((u.code.as_str(), u.year)))
        },
    );
    unique.then_some((units, values, lines))
}

/// A unit (province) in one edition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Unit identifier (e.g. the GSO code `"26"`).
    pub code: String,
    /// Display name (`code` when the file has no name).
    pub name: String,
    /// Edition year, if the file has a `year` column.
    pub year: Option<i64>,
    /// Group (region), if the file has one.
    pub group: Option<String>,
}

/// Units × indicators, held column-wise: `values[indicator][row]`, missing = `NaN`
/// internally (input never holds NaN: it is rejected when read). Columns are
/// shared (`Arc`), so clones and editions spanning every row copy no values.
///
/// ```
/// use ictindex::Dataset;
/// let d = Dataset::from_str("code;name;year;HTKT\n26;Vĩnh Phúc;2016;0,4512\n").unwrap();
/// assert_eq!(d.units()[0].name, "Vĩnh Phúc");
/// assert_eq!(d.value(0, 0), Some(0.4512));
/// assert_eq!(d.indicators(), ["HTKT"]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    source: String,
    /// Shared with the results scored from it ([`crate::Scored::units`]).
    units: Arc<Vec<Unit>>,
    indicators: Vec<String>,
    values: Vec<Arc<Vec<f64>>>,
    lines: Vec<u64>,
    columns: Vec<u64>,
}

struct Columns {
    code: usize,
    name: Option<usize>,
    year: Option<usize>,
    group: Option<usize>,
    /// The `status` column ictindex writes.
    status: Option<usize>,
    /// (field index, header) of each indicator.
    indicators: Vec<(usize, String)>,
}

fn classify(header: &[String]) -> Result<Columns> {
    let mut code = None;
    let mut name = None;
    let mut year = None;
    let mut group = None;
    let mut status = None;
    let mut indicators = Vec::new();
    // Indicators bind to framework leaves ignoring ASCII case: `HTKT` and `htkt` are the same column.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let at = |e: ErrorKind| Error::new(e).at_line(1).at_column(i as u64 + 1, Some(h));
        if h.is_empty() {
            return Err(at(ErrorKind::EmptyHeader));
        }
        if seen.insert(h.to_ascii_lowercase(), i).is_some() {
            return Err(at(ErrorKind::DuplicateColumn(h.clone())));
        }
        let slot = match fold(h).as_str() {
            // The per-row cell flags of prepared data (text, not an indicator).
            "flags" => continue,
            "code" | "unit" | "ma" => &mut code,
            "name" | "ten" => &mut name,
            "year" | "nam" | "edition" => &mut year,
            "group" | "region" | "vung" | "nhom" => &mut group,
            "status" => &mut status,
            _ => {
                indicators.push((i, h.clone()));
                continue;
            }
        };
        if slot.is_some() {
            return Err(at(ErrorKind::DuplicateColumn(h.clone())));
        }
        *slot = Some(i);
    }
    let code = code.ok_or_else(|| Error::new(ErrorKind::MissingColumn("code".into())).at_line(1))?;
    Ok(Columns {
        code,
        name,
        year,
        group,
        status,
        indicators,
    })
}

impl Dataset {
    /// Reads a data file; the first problem found is returned as the error
    /// (use [`Dataset::check`] to list them all). `source` names the input in
    /// messages (`""` for none).
    ///
    /// ```
    /// use ictindex::{Dataset, ErrorKind};
    /// let csv = "code,year,HTKT\n01,2016,0.5\n01,2016,0.6\n";
    /// let err = Dataset::from_reader(csv.as_bytes(), "data.csv").unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::DuplicateUnit { first_line: 2 });
    /// assert_eq!(err.to_string(), "data.csv, line 3, column 1 (code), unit 01: duplicate unit in one edition (first seen on line 2)");
    /// ```
    pub fn from_reader<R: io::Read>(reader: R, source: &str) -> Result<Self> {
        let text = read_text(reader).map_err(|e| e.in_file(source))?;
        Self::from_text(&text, source)
    }

    /// [`Dataset::from_reader`] on bytes held in memory (a mapped file, say),
    /// read in place, without a copy; errors name `source`.
    ///
    /// ```
    /// use ictindex::{Dataset, ErrorKind};
    /// let d = Dataset::from_bytes(b"code,A\nx,1.5\n", "d.csv").unwrap();
    /// assert_eq!(d.value(0, 0), Some(1.5));
    /// let e = Dataset::from_bytes(b"code,A\nx,\xff\n", "d.csv").unwrap_err();
    /// assert_eq!(e.kind(), &ErrorKind::Utf8);
    /// assert_eq!((e.location().file.as_deref(), e.location().line), (Some("d.csv"), Some(2)));
    /// ```
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self> {
        #[cfg(not(target_arch = "wasm32"))]
        if bytes.len() >= PARALLEL_BYTES {
            if let Some(d) = Self::bytes_in_runs(bytes, source) {
                return Ok(d);
            }
        }
        let text = text_of(bytes).map_err(|e| e.in_file(source))?;
        Self::from_text(text, source)
    }

    /// A large data file's bytes read in runs on every core ([`read_in_runs`])
    /// with their UTF-8 checked run by run, instead of the whole text first
    /// on one core (1.0 of the 16 ms that reading 10,000 × 100 took), and no
    /// separate search for a stray byte-order mark (0.5 ms); `None` for
    /// anything else (a problem, quotes, a header line that is not the
    /// first), which [`Dataset::from_bytes`] then reads as text, so the
    /// result and any errors are the same.
    #[cfg(not(target_arch = "wasm32"))]
    fn bytes_in_runs(bytes: &[u8], source: &str) -> Option<Self> {
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let head_len = bytes.iter().position(|&b| b == b'\n')?;
        let head = std::str::from_utf8(bytes.get(..head_len)?).ok()?;
        if head.trim().is_empty() {
            return None;
        }
        let csv = CsvText::new(head).ok()?;
        let cols = classify(&csv.header().ok()?).ok()?;
        let (units, values, lines) = read_in_runs(bytes, csv.delimiter, true, &cols, rayon::current_num_threads())?;
        Some(Self::of_rows(source, &cols, units, values, lines))
    }

    /// The data set of rows read by the columns `cols`.
    fn of_rows(source: &str, cols: &Columns, units: Vec<Unit>, values: Vec<Vec<f64>>, lines: Vec<u64>) -> Self {
        Dataset {
            source: source.to_string(),
            units: Arc::new(units),
            indicators: cols.indicators.iter().map(|(_, h)| h.clone()).collect(),
            values: values.into_iter().map(Arc::new).collect(),
            lines,
            columns: cols.indicators.iter().map(|(i, _)| *i as u64 + 1).collect(),
        }
    }

    /// [`Dataset::from_reader`] on a string, with no file name.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Self> {
        // The same as `from_reader(text.as_bytes(), "")`, without copying the text.
        Self::from_text(text.strip_prefix('\u{feff}').unwrap_or(text), "")
    }

    /// The data set in `text` (no BOM), or its first problem, named `source`.
    fn from_text(text: &str, source: &str) -> Result<Self> {
        let (data, mut problems) = Self::parse(text, source, 1);
        match (data, problems.is_empty()) {
            (Some(d), true) => Ok(d),
            _ => Err(problems.swap_remove(0)),
        }
    }

    /// Every problem in a data file (at most [`MAX_PROBLEMS`]); empty if it reads cleanly.
    ///
    /// ```
    /// use ictindex::Dataset;
    /// let problems = Dataset::check("code,A,B\n1,x,2\n2,3,inf\n".as_bytes(), "d.csv");
    /// assert_eq!(problems.len(), 2);
    /// assert_eq!(problems[1].location().line, Some(3));
    /// ```
    pub fn check<R: io::Read>(reader: R, source: &str) -> Vec<Error> {
        match read_text(reader) {
            Ok(text) => Self::parse(&text, source, MAX_PROBLEMS).1,
            Err(e) => vec![e.in_file(source)],
        }
    }

    /// Parses `text`, stopping after `max_problems` problems. Natively, a
    /// large quote-free text is read on every core ([`read_in_runs`]).
    fn parse(text: &str, source: &str, max_problems: usize) -> (Option<Self>, Vec<Error>) {
        #[cfg(not(target_arch = "wasm32"))]
        let runs = if text.len() >= PARALLEL_BYTES {
            rayon::current_num_threads()
        } else {
            1
        };
        #[cfg(target_arch = "wasm32")]
        let runs = 1;
        Self::parse_in(text, source, max_problems, runs)
    }

    /// [`Dataset::parse`] with the text read in `runs` parts at once (natively,
    /// when it has no quotes or carriage returns; `runs` ≤ 1: in one pass).
    /// The parts stop at their first problem; then the text is read again in
    /// one pass, which finds every problem in file order, so the result is
    /// the same for any `runs`.
    fn parse_in(text: &str, source: &str, max_problems: usize, runs: usize) -> (Option<Self>, Vec<Error>) {
        let mut problems = Vec::new();
        let named = |e: Error| if source.is_empty() { e } else { e.in_file(source) };
        let csv = match CsvText::new(text) {
            Ok(c) => c,
            Err(e) => return (None, vec![named(e)]),
        };
        let header = match csv.header() {
            Ok(h) => h,
            Err(e) => return (None, vec![named(e)]),
        };
        let cols = match classify(&header) {
            Ok(c) => c,
            Err(e) => return (None, vec![named(e)]),
        };
        #[cfg(not(target_arch = "wasm32"))]
        if runs > 1 {
            if let Some((units, values, lines)) = read_in_runs(text.as_bytes(), csv.delimiter, false, &cols, runs) {
                return (Some(Self::of_rows(source, &cols, units, values, lines)), problems);
            }
        }
        #[cfg(target_arch = "wasm32")]
        let _ = runs;
        // Rows estimated from the line count, so that columns grow once.
        let estimate = count_byte(text.as_bytes(), b'\n');
        let mut units = Vec::with_capacity(estimate);
        let mut values: Vec<Vec<f64>> = (0..cols.indicators.len())
            .map(|_| Vec::with_capacity(estimate))
            .collect();
        let mut lines = Vec::with_capacity(estimate);
        let mut seen: HashMap<(String, Option<i64>), u64> = HashMap::with_capacity(estimate);
        let head = |i: usize| header.get(i).map(String::as_str);
        let decimal_comma = csv.delimiter != b',';
        // Each data row: its line and fields, or the error that stops the read.
        // Returns whether to stop.
        let mut row = |next: Result<(u64, &[&[u8]])>| -> bool {
            let (line, fields) = match next {
                Ok(r) => r,
                Err(e) => {
                    // Structural errors (ragged rows, bad quoting) stop the read:
                    // later positions would be unreliable.
                    problems.push(named(e));
                    return true;
                }
            };
            let at = |i: usize, k: ErrorKind| named(Error::new(k).at_line(line).at_column(i as u64 + 1, head(i)));
            let (code, year) = match row_key(fields, &cols) {
                Ok(Some(key)) => key,
                // A unit ictindex listed as dropped is absent from this edition.
                Ok(None) => return false,
                Err((i, kind)) => {
                    let code = cell(fields, cols.code);
                    let e = at(i, kind);
                    problems.push(if code.is_empty() { e } else { e.for_unit(code) });
                    return problems.len() >= max_problems;
                }
            };
            if let Some(first_line) = seen.insert((code.to_string(), year), line) {
                problems.push(at(cols.code, ErrorKind::DuplicateUnit { first_line }).for_unit(code));
                return problems.len() >= max_problems;
            }
            read_values(fields, &cols.indicators, decimal_comma, &mut values, |i, kind| {
                problems.push(at(i, kind).for_unit(code));
            });
            units.push(row_unit(fields, &cols, code, year));
            lines.push(line);
            problems.len() >= max_problems
        };
        csv.each_row(&mut row);
        if units.is_empty() && problems.is_empty() {
            problems.push(named(Error::new(ErrorKind::NoRows)));
        }
        problems.truncate(max_problems);
        (Some(Self::of_rows(source, &cols, units, values, lines)), problems)
    }

    /// Builds a dataset from parts: `values[indicator][row]` with `None` for missing.
    /// Values must be finite; lengths must agree.
    ///
    /// ```
    /// use ictindex::{Dataset, Unit};
    /// let u = |c: &str| Unit { code: c.into(), name: c.into(), year: None, group: None };
    /// let d = Dataset::from_columns(vec![u("a"), u("b")], vec!["X".into()], vec![vec![Some(1.0), None]]).unwrap();
    /// assert_eq!(d.value(1, 0), None);
    /// ```
    pub fn from_columns(units: Vec<Unit>, indicators: Vec<String>, values: Vec<Vec<Option<f64>>>) -> Result<Self> {
        if values.len() != indicators.len() {
            return Err(Error::new(ErrorKind::InvalidOption {
                name: "values".into(),
                value: format!("{} columns for {} indicators", values.len(), indicators.len()),
            }));
        }
        let mut cols = Vec::with_capacity(values.len());
        for (col, code) in values.into_iter().zip(&indicators) {
            if col.len() != units.len() {
                return Err(Error::new(ErrorKind::InvalidOption {
                    name: "values".into(),
                    value: format!("{} rows for {} units", col.len(), units.len()),
                })
                .for_indicator(code));
            }
            let mut out = Vec::with_capacity(col.len());
            for (r, v) in col.into_iter().enumerate() {
                match v {
                    Some(x) if !x.is_finite() => {
                        let unit = units.get(r).map(|u| u.code.as_str()).unwrap_or("");
                        return Err(Error::new(ErrorKind::NotFinite(x.to_string()))
                            .for_unit(unit)
                            .for_indicator(code));
                    }
                    Some(x) => out.push(x),
                    None => out.push(f64::NAN),
                }
            }
            cols.push(Arc::new(out));
        }
        let n = indicators.len();
        Ok(Dataset {
            source: String::new(),
            lines: (0..units.len() as u64).map(|r| r + 2).collect(),
            units: Arc::new(units),
            indicators,
            values: cols,
            columns: (0..n as u64).map(|c| c + 1).collect(),
        })
    }

    /// The dataset with `source` as the name its messages give (the
    /// file's name, for a dataset rebuilt from a snapshot of one).
    #[cfg(all(target_arch = "wasm32", feature = "tools"))]
    pub(crate) fn named(mut self, source: &str) -> Self {
        self.source = source.to_string();
        self
    }

    /// A dataset from parts the caller has checked (same lengths, no infinity),
    /// keeping the input's name, lines and column numbers for messages.
    pub(crate) fn from_parts(
        source: &str,
        units: Vec<Unit>,
        indicators: Vec<String>,
        values: Vec<Vec<f64>>,
        lines: Vec<u64>,
        columns: Vec<u64>,
    ) -> Self {
        Dataset {
            source: source.to_string(),
            units: Arc::new(units),
            indicators,
            values: values.into_iter().map(Arc::new).collect(),
            lines,
            columns,
        }
    }

    /// Name of the input, as given when read.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The rows' units, in file order.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// The rows' units, shared.
    pub(crate) fn shared_units(&self) -> &Arc<Vec<Unit>> {
        &self.units
    }

    /// Indicator column headers, in file order.
    pub fn indicators(&self) -> &[String] {
        &self.indicators
    }

    /// Index of the indicator column `code` (exact match, then case-insensitive).
    pub fn indicator_index(&self, code: &str) -> Option<usize> {
        self.indicators
            .iter()
            .position(|c| c == code)
            .or_else(|| self.indicators.iter().position(|c| c.eq_ignore_ascii_case(code)))
    }

    /// The value of `row` on indicator `col`; `None` if missing or out of range.
    pub fn value(&self, row: usize, col: usize) -> Option<f64> {
        self.values
            .get(col)
            .and_then(|c| c.get(row))
            .copied()
            .filter(|v| !v.is_nan())
    }

    /// A column with `NaN` for missing values.
    pub(crate) fn column(&self, col: usize) -> &[f64] {
        self.values.get(col).map(|c| c.as_slice()).unwrap_or(&[])
    }

    /// The shared column `col` (NaN = missing).
    pub(crate) fn shared_column(&self, col: usize) -> Option<&Arc<Vec<f64>>> {
        self.values.get(col)
    }

    /// The line of `row` in the input (the header is line 1).
    pub fn line_of(&self, row: usize) -> Option<u64> {
        self.lines.get(row).copied()
    }

    /// The 1-based field number of indicator `col` in the input.
    pub fn column_number(&self, col: usize) -> Option<u64> {
        self.columns.get(col).copied()
    }

    /// The distinct edition years, ascending (`None`, for rows without a year, first).
    pub fn years(&self) -> Vec<Option<i64>> {
        let mut y: Vec<Option<i64>> = self.units.iter().map(|u| u.year).collect();
        y.sort_unstable();
        y.dedup();
        y
    }

    /// Every edition's year and rows (in file order), by ascending year
    /// (`None` first): [`Dataset::years`] with [`Dataset::rows_of`] each, in
    /// one pass.
    ///
    /// ```
    /// use ictindex::Dataset;
    /// let d = Dataset::from_str("code,year,A\nx,2016,1\nx,2015,2\ny,2016,3\n").unwrap();
    /// assert_eq!(d.editions(), [(Some(2015), vec![1]), (Some(2016), vec![0, 2])]);
    /// ```
    pub fn editions(&self) -> Vec<(Option<i64>, Vec<usize>)> {
        let year = |r: &usize| self.units.get(*r).and_then(|u| u.year);
        let mut rows: Vec<usize> = (0..self.units.len()).collect();
        // Stable, so each year's rows stay in file order; the usual file,
        // its years already in order (or one edition), needs no sort.
        if !self.units.is_sorted_by_key(|u| u.year) {
            rows.sort_by_key(year);
        }
        rows.chunk_by(|a, b| year(a) == year(b))
            .map(|run| (run.first().and_then(year), run.to_vec()))
            .collect()
    }

    /// Rows of edition `year`, in file order.
    pub fn rows_of(&self, year: Option<i64>) -> Vec<usize> {
        (0..self.units.len())
            .filter(|&r| self.units.get(r).is_some_and(|u| u.year == year))
            .collect()
    }

    /// A copy without the indicator columns named in `drop` (matched as by
    /// [`Dataset::indicator_index`]); rows, lines and the other columns' numbers
    /// are kept, so errors found later still point into the input.
    ///
    /// ```
    /// use ictindex::Dataset;
    /// let d = Dataset::from_str("code,population,A\nx,1000,0.5\n").unwrap();
    /// let e = d.without_indicators(&["Population"]);
    /// assert_eq!(e.indicators(), ["A"]);
    /// assert_eq!(e.column_number(0), Some(3));
    /// assert_eq!(e.value(0, 0), Some(0.5));
    /// ```
    pub fn without_indicators(&self, drop: &[&str]) -> Dataset {
        let gone: Vec<usize> = drop.iter().filter_map(|c| self.indicator_index(c)).collect();
        let keep = |i: &usize| !gone.contains(i);
        Dataset {
            source: self.source.clone(),
            units: self.units.clone(),
            indicators: self
                .indicators
                .iter()
                .enumerate()
                .filter(|(i, _)| keep(i))
                .map(|(_, c)| c.clone())
                .collect(),
            values: self
                .values
                .iter()
                .enumerate()
                .filter(|(i, _)| keep(i))
                .map(|(_, c)| c.clone())
                .collect(),
            lines: self.lines.clone(),
            columns: self
                .columns
                .iter()
                .enumerate()
                .filter(|(i, _)| keep(i))
                .map(|(_, c)| *c)
                .collect(),
        }
    }

    /// Sets `value` at (`row`, `col`) (`None` = missing); for tests.
    #[cfg(test)]
    pub(crate) fn set_value(&mut self, row: usize, col: usize, value: Option<f64>) {
        if let Some(c) = self.values.get_mut(col).and_then(|c| Arc::make_mut(c).get_mut(row)) {
            *c = value.unwrap_or(f64::NAN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editions_are_years_with_their_rows() {
        // Years in order (the path without a sort), out of order, missing.
        for years in [
            "2015 2015 2016 2016 2016",
            "- - 2015 2016",
            "- - -",
            "2016 2015 2016 -",
            "2015 - 2015",
            "2017",
        ] {
            let mut text = String::from("code,year,A\n");
            for (i, y) in years.split(' ').enumerate() {
                text.push_str(&format!("u{i},{},1\n", if y == "-" { "" } else { y }));
            }
            let d = Dataset::from_str(&text).unwrap();
            let want: Vec<(Option<i64>, Vec<usize>)> = d.years().into_iter().map(|y| (y, d.rows_of(y))).collect();
            assert_eq!(d.editions(), want, "{years}");
        }
    }

    #[test]
    fn detects_delimiters_and_decimal_comma() {
        for text in [
            "code,A\nx,0.5\n",
            "code;A\nx;0,5\n",
            "code\tA\nx\t0,5\n",
            "\u{feff}code;A\r\nx;0.5\r\n",
        ] {
            let d = Dataset::from_str(text).unwrap();
            assert_eq!(d.value(0, 0), Some(0.5), "{text:?}");
        }
    }

    /// Every row each_row gives, as text: `line: fields` or `error`.
    fn rows_of(text: &str, plain: bool) -> Vec<String> {
        let csv = CsvText::new(text).unwrap();
        let mut out = Vec::new();
        let mut row = |r: Result<(u64, &[&[u8]])>| {
            out.push(match r {
                Ok((line, fields)) => {
                    let fields: Vec<&str> = fields.iter().map(|f| std::str::from_utf8(f).unwrap()).collect();
                    format!("{line}: {fields:?}")
                }
                Err(e) => e.to_string(),
            });
            false
        };
        if plain {
            csv.each_plain_row(&mut row);
        } else {
            csv.each_csv_row(&mut row);
        }
        out
    }

    #[test]
    fn plain_rows_are_the_csv_readers_rows() {
        for text in [
            "a,b\n1,2\n",
            "a,b\n\n1,2",
            "\n\na;b\n1;2\n\n3;4\n",
            "a,b\n1,2,3\n4,5\n",
            "a\n \n,\n",
        ] {
            assert_eq!(rows_of(text, true), rows_of(text, false), "{text:?}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn plain_rows_match_the_csv_reader(text in "[a1 .,;\t\n]{1,40}") {
            if CsvText::new(&text).is_ok() {
                proptest::prop_assert_eq!(rows_of(&text, true), rows_of(&text, false));
            }
        }

        /// Longer rows: several eight-byte words per line.
        #[test]
        fn long_plain_rows_match_the_csv_reader(text in "[a1.,;\n]{1,300}") {
            if CsvText::new(&text).is_ok() {
                proptest::prop_assert_eq!(rows_of(&text, true), rows_of(&text, false));
            }
        }
    }

    #[test]
    fn byte_scans_agree_with_iterators() {
        let text = b"code,a\nx,1\r\ny,\"2\"\n\n,,,\n";
        for end in 0..text.len() {
            let t = &text[..end];
            assert_eq!(count_byte(t, b'\n'), t.iter().filter(|&&b| b == b'\n').count());
            assert_eq!(any_byte(t, b'"', b'\r'), t.contains(&b'"') || t.contains(&b'\r'));
            assert!(!any_byte(t, b';', b'\t'));
        }
    }

    #[test]
    fn zero_bytes_marks_exactly_the_zero_bytes() {
        for b in 0..=255u8 {
            for at in 0..8 {
                for fill in [0u8, 1, 0x80, 0xff, b'\n', b','] {
                    let mut bytes = [fill; 8];
                    bytes[at] = b;
                    let want = bytes
                        .iter()
                        .enumerate()
                        .fold(0u64, |m, (i, &x)| if x == 0 { m | 0x80 << (8 * i) } else { m });
                    assert_eq!(zero_bytes(u64::from_le_bytes(bytes)), want, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn fast_decimals_read_exactly_as_str_parse() {
        let cases = [
            "0",
            "-0",
            "7",
            "0.1",
            "0.3",
            "99.9",
            "100.0",
            "12.3456",
            "-12.3456",
            "0.0001",
            "123456789012345",
            "12345678.9012345",
            "0.000000000000001",
            "1234567890123456",
            "5.",
            ".5",
            "-.5",
            "+1",
            "1e5",
            "1.5E-3",
            "-",
            ".",
            "1.2.3",
            "0x10",
            "inf",
            "NaN",
            "00012.50",
            "9007199254740993",
        ];
        for c in cases {
            let ours = parse_number(c, false);
            let std = c.parse::<f64>().ok();
            assert_eq!(ours.map(f64::to_bits), std.map(f64::to_bits), "{c}");
            if let Some(v) = parse_decimal(c.as_bytes()) {
                assert_eq!(Some(v.to_bits()), std.map(f64::to_bits), "{c}");
            }
        }
        for c in [
            "0",
            "-0",
            "7",
            "99.9",
            "-12.3456",
            "00012.50",
            "123456789012345",
            "12345678.9012345",
        ] {
            assert!(parse_decimal(c.as_bytes()).is_some(), "{c}");
        }
        for c in ["5.", ".5", "-.5", "1.2.3", "1234567890123456", "-", "1e5", "+1"] {
            assert!(parse_decimal(c.as_bytes()).is_none(), "{c}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The fast path reads what it reads exactly as `str::parse`.
        #[test]
        fn parse_decimal_is_str_parse(text in "-?[0-9.]{0,18}") {
            if let Some(v) = parse_decimal(text.as_bytes()) {
                proptest::prop_assert_eq!(Some(v.to_bits()), text.parse::<f64>().ok().map(f64::to_bits));
            }
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The word-at-a-time path reads what it reads as the digit-at-a-time one.
        #[test]
        fn short_decimal_is_long_decimal(bytes in proptest::collection::vec(proptest::sample::select(b"0123456789.-e/: \xff".to_vec()), 0..10)) {
            if let Some(parts) = short_decimal(&bytes) {
                proptest::prop_assert_eq!(Some(parts), long_decimal(&bytes));
            }
        }

        /// ... and takes every short plain decimal.
        #[test]
        fn short_decimals_take_the_word_path(int in "[0-9]{1,8}", frac in "[0-9]{1,6}") {
            proptest::prop_assert_eq!(short_decimal(int.as_bytes()), long_decimal(int.as_bytes()));
            proptest::prop_assert!(short_decimal(int.as_bytes()).is_some());
            let text = format!("{int}.{frac}");
            if text.len() <= 8 {
                proptest::prop_assert_eq!(short_decimal(text.as_bytes()), long_decimal(text.as_bytes()));
                proptest::prop_assert!(short_decimal(text.as_bytes()).is_some());
            }
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn fast_decimals_match_str_parse(int in "-?[0-9]{1,12}", frac in "(\\.[0-9]{1,8})?") {
            let text = format!("{int}{frac}");
            let ours = parse_number(&text, false).map(f64::to_bits);
            proptest::prop_assert_eq!(ours, text.parse::<f64>().ok().map(f64::to_bits));
        }
    }

    #[test]
    fn decimal_comma_is_refused_with_comma_delimiter() {
        let err = Dataset::from_str("code,A\nx,\"0,5\"\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::NotANumber("0,5".into()));
    }

    #[test]
    fn missing_tokens() {
        let d = Dataset::from_str("code,A,B,C\nx,,NA,n/a\n").unwrap();
        assert!((0..3).all(|c| d.value(0, c).is_none()));
    }

    #[test]
    fn non_finite_values_are_located() {
        for v in ["NaN", "inf", "-inf", "1e400"] {
            let err = Dataset::from_str(&format!("code,A,B\nx,1,{v}\n")).unwrap_err();
            assert_eq!(err.kind(), &ErrorKind::NotFinite(v.into()));
            assert_eq!((err.location().line, err.location().column), (Some(2), Some(3)));
        }
    }

    #[test]
    fn ragged_row_stops_with_line() {
        let err = Dataset::from_str("code,A\nx,1\ny,1,2\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::RaggedRow { expected: 2, found: 3 });
        assert_eq!(err.location().line, Some(3));
    }

    #[test]
    fn latin1_byte_is_located() {
        let bytes: &[u8] = b"code,A\nH\xe0 N\xf4i,1\n";
        let err = Dataset::from_reader(bytes, "f.csv").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Utf8);
        assert_eq!(err.location().line, Some(2));
        // The column is the field, as everywhere else, with its header.
        assert_eq!(err.location().column, Some(1));
        assert_eq!(err.location().column_name.as_deref(), Some("code"));
        assert_eq!(err.location().file.as_deref(), Some("f.csv"));
        let err = Dataset::from_reader(&b"\xef\xbb\xbfcode;name;A\nx;\"a;b\";H\xe0\n"[..], "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, column 3 (A): the file is not UTF-8 (save it again as CSV UTF-8)"
        );
        let err = Dataset::from_reader(&b"co\xe0de,A\n"[..], "").unwrap_err();
        assert_eq!((err.location().line, err.location().column), (Some(1), Some(1)));
        assert_eq!(err.location().column_name, None);
    }

    #[test]
    fn stray_bom_is_located() {
        let err = Dataset::from_str("\u{feff}code,A\nx,1\n\u{feff}code,A\ny,2\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::StrayBom);
        assert_eq!((err.location().line, err.location().column), (Some(3), Some(1)));
        let err = Dataset::from_str("code;A\nx;\u{feff}1\n").unwrap_err();
        assert_eq!((err.location().line, err.location().column), (Some(2), Some(2)));
        assert_eq!(err.location().column_name.as_deref(), Some("A"));
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn large_texts_find_the_first_bom_in_halves() {
        let n = PARALLEL_BYTES + 11;
        let bom = '\u{feff}';
        let mut cases = vec![];
        for at in [0, 5, n / 2 - 3, n / 2 - 2, n / 2 - 1, n / 2, n / 2 + 1, n - 1] {
            cases.push(format!("{}{bom}{}", "a".repeat(at), "é".repeat((n - at) / 2)));
            cases.push(format!("{}{bom}{}{bom}b", "é".repeat(at / 2), "a".repeat(n - at)));
        }
        cases.push("a".repeat(n));
        cases.push(format!("{}{bom}", "é".repeat(n)));
        for text in &cases {
            assert!(text.len() >= PARALLEL_BYTES);
            assert_eq!(find_bom(text), text.find(bom));
        }
    }

    #[test]
    fn mixed_delimiters_and_unclosed_quotes_are_named() {
        let err = Dataset::from_str("code,A,B\nx;0,5;1\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::MixedDelimiter { header: ',', row: ';' });
        assert_eq!((err.location().line, err.location().column), (Some(2), None));
        let err = Dataset::from_str("code,A,B\nx,\"1,2\ny,3,4\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnclosedQuote);
        assert_eq!((err.location().line, err.location().column), (Some(2), Some(2)));
        // A ragged row with a stray delimiter of another kind is still ragged.
        let err = Dataset::from_str("code,A,B,C\nx,1;2,3\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::RaggedRow { expected: 4, found: 3 });
        assert_eq!(err.location().column, Some(4));
    }

    #[test]
    fn blank_rows_and_status_are_skipped() {
        let d = Dataset::from_str("code,A,status\nx,1,new\n,,\n  ,\t,\ny,2,\nz,,dropped\n\n").unwrap();
        assert_eq!(d.units().len(), 2);
        assert_eq!(d.indicators(), ["A"]);
        assert_eq!(d.line_of(1), Some(5));
    }

    #[test]
    fn header_problems() {
        assert_eq!(Dataset::from_str("").unwrap_err().kind(), &ErrorKind::Empty);
        assert_eq!(Dataset::from_str("code,A\n").unwrap_err().kind(), &ErrorKind::NoRows);
        assert_eq!(
            Dataset::from_str("name,A\nx,1\n").unwrap_err().kind(),
            &ErrorKind::MissingColumn("code".into())
        );
        let err = Dataset::from_str("code,A,A\nx,1,2\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::DuplicateColumn("A".into()));
        assert_eq!(err.location().column, Some(3));
        let err = Dataset::from_str("code,HTKT,htkt\nx,1,2\n").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::DuplicateColumn("htkt".into()));
        assert_eq!(
            Dataset::from_str("code,A\n,1\n").unwrap_err().kind(),
            &ErrorKind::EmptyCode
        );
        assert_eq!(
            Dataset::from_str("code,year,A\nx,2016.5,1\n").unwrap_err().kind(),
            &ErrorKind::InvalidYear("2016.5".into())
        );
    }

    #[test]
    fn editions_and_rows() {
        let d = Dataset::from_str("code,year,A\nx,2016,1\nx,2015,2\ny,2016,3\n").unwrap();
        assert_eq!(d.years(), [Some(2015), Some(2016)]);
        assert_eq!(d.rows_of(Some(2016)), [0, 2]);
        assert_eq!(d.line_of(2), Some(4));
    }

    /// A dataset and problems as comparable text: values by their bits.
    #[cfg(not(target_arch = "wasm32"))]
    fn outcome(r: &(Option<Dataset>, Vec<Error>)) -> String {
        let data = r.0.as_ref().map(|d| {
            let values: Vec<Vec<u64>> = d
                .values
                .iter()
                .map(|c| c.iter().map(|v| v.to_bits()).collect())
                .collect();
            format!(
                "{:?} {:?} {:?} {:?} {:?} {values:?}",
                d.source, d.units, d.indicators, d.lines, d.columns
            )
        });
        let problems: Vec<String> = r.1.iter().map(|e| format!("{e} {:?}", e.location())).collect();
        format!("{data:?}\n{problems:?}")
    }

    /// Data text of `rows` units (`seed` picks the delimiter, the columns and
    /// the cells), with `bad` rows turned into one kind of problem or oddity each.
    #[cfg(not(target_arch = "wasm32"))]
    fn generated(rows: usize, seed: u64, bad: &[(usize, u8)]) -> String {
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let d = [",", ";", "\t"][(seed % 3) as usize];
        let with_year = seed % 2 == 0;
        let mut out = format!("code{d}name{d}group");
        if with_year {
            out.push_str(&format!("{d}year"));
        }
        out.push_str(&format!("{d}A{d}B{d}C{d}status\n"));
        for r in 0..rows {
            let mut cells: Vec<String> = vec![format!("u{r}"), format!("Unit {r}"), ["N", "S", ""][r % 3].into()];
            if with_year {
                cells.push(format!("{}", 2015 + r % 2));
            }
            for _ in 0..3 {
                let x = next();
                cells.push(match x % 10 {
                    0 => String::new(),
                    1 => "NA".into(),
                    2 => format!("{}", (x >> 20) % 1000),
                    3 => format!("-{}.{}", (x >> 20) % 100, (x >> 40) % 10_000),
                    4 => format!("{}e-3", (x >> 20) % 1000),
                    5 => format!(" {}.5 ", (x >> 20) % 10),
                    _ => format!("{}.{:04}", (x >> 20) % 100, (x >> 40) % 10_000),
                });
            }
            if d != "," {
                // A decimal comma now and then.
                if let Some(c) = cells
                    .iter_mut()
                    .rev()
                    .nth(1)
                    .filter(|c| c.contains('.') && !c.contains('-'))
                {
                    *c = c.replace('.', ",");
                }
            }
            cells.push(if r % 7 == 3 { "new".into() } else { String::new() });
            for &(_, kind) in bad.iter().filter(|&&(at, _)| at == r) {
                let n = cells.len();
                match kind {
                    0 => cells[n - 2] = "x1".into(),  // not a number
                    1 => cells[n - 3] = "inf".into(), // not finite
                    2 => cells[0] = String::new(),    // no code
                    3 => cells[0] = "u0".into(),      // a duplicate (without a year column)
                    4 => {
                        cells.pop(); // a ragged row
                    }
                    5 => cells[n - 1] = "dropped".into(), // skipped
                    6 => {
                        // a blank row
                        cells.iter_mut().for_each(|c| *c = " ".into());
                    }
                    7 => cells[3] = if with_year { "20x6".into() } else { "7".into() },
                    _ => {}
                }
            }
            out.push_str(&cells.join(d));
            out.push('\n');
            if bad.contains(&(r, 8)) {
                out.push_str("\n\n"); // empty lines
            }
        }
        out
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn reading_in_runs_is_reading_in_one_pass() {
        let mut in_runs = 0;
        for seed in 0..20u64 {
            let rows = 1 + (seed as usize * 7) % 50;
            // No problem; then problems and oddities early, late, at both ends of a half.
            let mut cases: Vec<Vec<(usize, u8)>> = vec![vec![]];
            for kind in 0..9u8 {
                for at in [0, rows / 2, rows / 2 + 1, rows - 1, (seed as usize) % rows] {
                    cases.push(vec![(at, kind)]);
                    cases.push(vec![(at, kind), ((at + rows / 2) % rows, (kind + seed as u8) % 9)]);
                }
            }
            for bad in cases {
                let text = generated(rows, seed, &bad);
                let one = Dataset::parse_in(&text, "d.csv", 1, 1);
                let all = Dataset::parse_in(&text, "d.csv", MAX_PROBLEMS, 1);
                for runs in [2, 3, 5] {
                    assert_eq!(
                        outcome(&Dataset::parse_in(&text, "d.csv", 1, runs)),
                        outcome(&one),
                        "{text}"
                    );
                    let many = Dataset::parse_in(&text, "d.csv", MAX_PROBLEMS, runs);
                    assert_eq!(outcome(&many), outcome(&all), "{text}");
                }
                let csv = CsvText::new(&text).unwrap();
                let cols = classify(&csv.header().unwrap()).unwrap();
                if let Some(rows) = read_in_runs(text.as_bytes(), csv.delimiter, false, &cols, 3) {
                    in_runs += 1;
                    // Only clean data is read in runs.
                    assert!(one.1.is_empty(), "{text}");
                    assert_eq!(rows.0.len(), one.0.as_ref().unwrap().units.len());
                } else {
                    assert!(!one.1.is_empty() || rows < 3 || text.contains('"'), "{text}");
                }
            }
        }
        // The runs really ran: most clean and odd-but-valid inputs.
        assert!(in_runs > 300, "{in_runs}");
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn runs_start_after_empty_lines_and_quotes_go_to_the_reader() {
        let text = "\n\ncode,A\nx,1\n\n\ny,2\n\nz,3\nw,4";
        let one = Dataset::parse_in(text, "", 1, 1);
        for runs in 2..8 {
            assert_eq!(outcome(&Dataset::parse_in(text, "", 1, runs)), outcome(&one));
        }
        assert_eq!(one.0.unwrap().lines, [4, 5, 8, 10]);
        let csv = CsvText::new("code,A\nx,1\ny,\"2\"\n").unwrap();
        let cols = classify(&csv.header().unwrap()).unwrap();
        assert!(read_in_runs(csv.text.as_bytes(), csv.delimiter, false, &cols, 2).is_none());
    }

    /// A large file's bytes, read in runs with their text checked run by
    /// run, give what reading them as text gives: the data, or the same
    /// first error (stray mark, bad UTF-8, bad cell) at the same place.
    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn bytes_read_in_runs_are_the_text_read() {
        let text = generated(9_000, 3, &[]);
        assert!(text.len() >= PARALLEL_BYTES, "{}", text.len());
        let as_text = |b: &[u8]| -> String {
            let r = match std::str::from_utf8(b) {
                Ok(t) => Dataset::parse_in(t.strip_prefix('\u{feff}').unwrap_or(t), "d.csv", 1, 1),
                Err(e) => (None, vec![utf8_error(b, e.valid_up_to()).in_file("d.csv")]),
            };
            outcome(&(r.0.filter(|_| r.1.is_empty()), r.1))
        };
        let as_bytes = |b: &[u8]| match Dataset::from_bytes(b, "d.csv") {
            Ok(d) => outcome(&(Some(d), vec![])),
            Err(e) => outcome(&(None, vec![e])),
        };
        // A late line (in the last run), where each oddity goes.
        let late = text.len() - 200 + text[text.len() - 200..].find('\n').unwrap() + 1;
        let with = |insert: &[u8]| [&text.as_bytes()[..late], insert, &text.as_bytes()[late..]].concat();
        let mut bad_name = text.replacen("Unit 8990", "Unit 8990\u{1}", 1).into_bytes();
        bad_name.iter_mut().filter(|b| **b == 1).for_each(|b| *b = 0xff);
        let cases: Vec<(&str, Vec<u8>, bool)> = vec![
            ("clean", text.clone().into_bytes(), true),
            ("leading mark", ["\u{feff}".as_bytes(), text.as_bytes()].concat(), true),
            ("stray mark", with("\u{feff}".as_bytes()), false),
            ("bad UTF-8", with(b"\xff"), false),
            // In a name, which would otherwise read as the code.
            ("bad UTF-8 in a name", bad_name, false),
            ("a character from 0xEF", with("\u{ff0c}".as_bytes()), false),
            ("bad cell", generated(9_000, 3, &[(8_990, 0)]).into_bytes(), false),
            ("empty first line", ["\n".as_bytes(), text.as_bytes()].concat(), false),
        ];
        for (what, bytes, fast) in cases {
            assert_eq!(Dataset::bytes_in_runs(&bytes, "d.csv").is_some(), fast, "{what}");
            assert_eq!(as_bytes(&bytes), as_text(&bytes), "{what}");
        }
        // The stray mark and the bad byte are found where they are.
        let e = Dataset::from_bytes(&with(b"\xff"), "d.csv").unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Utf8);
        assert_eq!(e.location().line, Some(text[..late].matches('\n').count() as u64 + 1));
        let e = Dataset::from_bytes(&with("\u{feff}".as_bytes()), "d.csv").unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::StrayBom);
    }

    #[test]
    fn check_lists_all_problems() {
        let p = Dataset::check("code,A\nx,a\ny,b\ny,1\n".as_bytes(), "");
        assert_eq!(p.len(), 3);
        assert_eq!(p[2].kind(), &ErrorKind::DuplicateUnit { first_line: 3 });
    }
}
