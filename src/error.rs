//! The one error type of the crate.
//!
//! Every error carries a [`Location`] (file, line, column, unit, indicator — as
//! much of it as is known) and an [`ErrorKind`] holding the data of the
//! problem. The text is rendered on demand in Vietnamese or English
//! ([`Error::message`]); `Display` renders English.

use std::fmt;

use crate::lang::Lang;

/// A specialised `Result` whose error is [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Where a problem was found. Every field is optional: a framework error has
/// no unit, a scoring error has no line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// Name of the input (a file name, `"<stdin>"`, or `None`).
    pub file: Option<String>,
    /// 1-based line in the input (the header is line 1).
    pub line: Option<u64>,
    /// 1-based column (field number) in the input.
    pub column: Option<u64>,
    /// Header of that column, when known.
    pub column_name: Option<String>,
    /// Unit (province) code or name concerned.
    pub unit: Option<String>,
    /// Indicator or framework node concerned.
    pub indicator: Option<String>,
}

/// What went wrong, with the data needed to say it in any language.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading the input failed.
    Io(String),
    /// The input is not valid UTF-8 (e.g. a Latin-1 byte).
    Utf8,
    /// The input holds no header row.
    Empty,
    /// The input holds a header but no data row.
    NoRows,
    /// A malformed CSV record (e.g. a row with the wrong number of fields).
    Csv(String),
    /// A byte-order mark (U+FEFF) after the start of the input: two files joined.
    StrayBom,
    /// A header cell is empty.
    EmptyHeader,
    /// The header is split by one delimiter and this row by another.
    MixedDelimiter {
        /// The header's delimiter.
        header: char,
        /// The row's delimiter.
        row: char,
    },
    /// A quoted field whose closing quote is missing (it runs over line ends).
    UnclosedQuote,
    /// A row has `found` fields where the header has `expected`.
    RaggedRow {
        /// Fields in the header.
        expected: u64,
        /// Fields in the row.
        found: u64,
    },
    /// A required column is absent.
    MissingColumn(String),
    /// A column header matches no leaf of the framework.
    UnknownColumn(String),
    /// A column header appears twice.
    DuplicateColumn(String),
    /// A framework leaf has no column in the data.
    MissingIndicator(String),
    /// A row has an empty unit code.
    EmptyCode,
    /// A framework row has an empty node code.
    EmptyNode,
    /// The same unit appears twice in one edition.
    DuplicateUnit {
        /// Line where it first appeared.
        first_line: u64,
    },
    /// A cell that should be a number is not.
    NotANumber(String),
    /// A numeric cell is NaN, infinite or out of the range of `f64`.
    NotFinite(String),
    /// The `year` cell is not a whole number.
    InvalidYear(String),
    /// A framework cell is invalid (`field` names which).
    InvalidField {
        /// The field's name (`weight`, `direction`, `lo`, …).
        field: String,
        /// What was found.
        value: String,
    },
    /// A method name that is not known.
    UnknownMethod(String),
    /// A leaf has an aggregation method or an inner node a normalisation method.
    MethodMismatch {
        /// The method found.
        method: String,
        /// Whether the node is a leaf.
        leaf: bool,
    },
    /// A method needs a parameter that is absent or invalid.
    MissingParameter {
        /// The method.
        method: String,
        /// The parameter (`lo`, `hi`).
        parameter: String,
    },
    /// Normalisation `none` with direction −1 would produce negative scores.
    DirectionNeedsNormalisation,
    /// A node code appears twice in the framework.
    DuplicateNode,
    /// A node names a parent that does not exist.
    UnknownParent(String),
    /// No node has an empty parent.
    NoRoot,
    /// More than one node has an empty parent.
    TwoRoots(String),
    /// Following parents from this node comes back to it.
    Cycle,
    /// A node has a negative or non-finite weight.
    NegativeWeight(String),
    /// All children of this node have weight zero.
    AllZeroWeights,
    /// A geometric or harmonic mean met a value ≤ 0.
    NonPositive {
        /// The aggregation method.
        method: String,
        /// The value met.
        value: f64,
    },
    /// No unit matches the query.
    UnknownUnit(String),
    /// Several units match the query.
    AmbiguousUnit(String),
    /// No framework node has this code.
    UnknownNode(String),
    /// No edition has this year.
    UnknownYear(i64),
    /// A what-if edit could not be read (e.g. `"Vĩnh Phúc:HTKT=0.45"`).
    InvalidEdit(String),
    /// A setting is out of range.
    InvalidOption {
        /// The option.
        name: String,
        /// What was given.
        value: String,
    },
    /// Nothing to undo.
    NothingToUndo,
    /// The edition has no earlier edition to compare with.
    NoBaseEdition,
    /// The unit has no score on this node (missing data), so it cannot be analysed.
    NotScored,
    /// An analysis found no uncertain input to vary.
    NothingUncertain,
    /// The samples handed over by another part of a split run do not belong
    /// to this run (another number of units, or malformed), or a run was
    /// limited to a part after it had started.
    ForeignPart,
    /// A leaf names a denominator column the data does not have.
    UnknownDenominator(String),
    /// A framework field (`denominator`, `treat`) set on a node that is not a leaf.
    LeafOnly(String),
    /// A framework field (`range`) set on a row other than the root.
    RootOnly(String),
    /// A unit code (or a mapping member) that the boundary mapping does not know.
    NotInMapping(String),
    /// A former province is listed in two new units (their codes).
    MappedTwice {
        /// The new unit listing it first.
        first: String,
        /// The new unit listing it again.
        second: String,
    },
    /// A former province belongs to no new unit.
    Unmapped,
    /// The new unit listing a former province is not the one its own row names.
    MappingDisagrees {
        /// The new unit whose `members` list it.
        listed: String,
        /// The new unit named in the former province's `code_2025`.
        stated: String,
    },
    /// One edition holds units of both maps (a code of each).
    MixedGeography {
        /// A unit only on the old map.
        old: String,
        /// A unit only on the new map.
        new: String,
    },
    /// Nothing tells whether an edition is on the old map or the new one.
    AmbiguousGeography,
    /// A weight needed for a weighted mean is missing (the weight column).
    MissingWeight(String),
    /// The weights of a new unit's former provinces sum to zero (the weight column).
    ZeroWeightSum(String),
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    at: Location,
}

/// The error type of ictindex: an [`ErrorKind`] and the [`Location`] where it
/// was found.
///
/// ```
/// use ictindex::{Dataset, ErrorKind};
/// let err = Dataset::from_str("code,HTKT\n01,abc\n").unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::NotANumber("abc".into()));
/// assert_eq!(err.location().line, Some(2));
/// assert_eq!(err.location().column, Some(2));
/// assert!(err.to_string().contains("line 2, column 2 (HTKT)"));
/// ```
#[derive(Debug)]
pub struct Error(Box<Inner>);

impl Clone for Error {
    fn clone(&self) -> Self {
        Error(Box::new(Inner {
            kind: self.0.kind.clone(),
            at: self.0.at.clone(),
        }))
    }
}

impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.0.kind == other.0.kind && self.0.at == other.0.at
    }
}

impl Error {
    /// An error of `kind` with no location yet.
    pub fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner {
            kind,
            at: Location::default(),
        }))
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// Where it went wrong.
    pub fn location(&self) -> &Location {
        &self.0.at
    }

    /// Sets the file name (only if none is set yet; an empty name sets nothing).
    pub fn in_file(mut self, file: &str) -> Self {
        if self.0.at.file.is_none() && !file.is_empty() {
            self.0.at.file = Some(file.to_string());
        }
        self
    }

    /// Sets the line.
    pub fn at_line(mut self, line: u64) -> Self {
        self.0.at.line = Some(line);
        self
    }

    /// Sets the column number and header.
    pub fn at_column(mut self, column: u64, name: Option<&str>) -> Self {
        self.0.at.column = Some(column);
        self.0.at.column_name = name.map(str::to_string);
        self
    }

    /// Sets the unit.
    pub fn for_unit(mut self, unit: &str) -> Self {
        self.0.at.unit = Some(unit.to_string());
        self
    }

    /// Sets the indicator or node.
    pub fn for_indicator(mut self, indicator: &str) -> Self {
        self.0.at.indicator = Some(indicator.to_string());
        self
    }

    /// The full message in `lang`: location first, then the problem.
    ///
    /// ```
    /// use ictindex::{Dataset, Lang};
    /// let err = Dataset::from_str("code,HTKT\n01,inf\n").unwrap_err();
    /// assert_eq!(
    ///     err.message(Lang::Vi),
    ///     "dòng 2, cột 2 (HTKT), đơn vị 01: giá trị \"inf\" không phải số hữu hạn"
    /// );
    /// assert_eq!(
    ///     err.message(Lang::En),
    ///     "line 2, column 2 (HTKT), unit 01: \"inf\" is not a finite number"
    /// );
    /// ```
    pub fn message(&self, lang: Lang) -> String {
        let place = self.place(lang);
        let what = self.what(lang);
        if place.is_empty() {
            what
        } else {
            format!("{place}: {what}")
        }
    }

    fn place(&self, lang: Lang) -> String {
        let at = &self.0.at;
        let mut parts: Vec<String> = Vec::new();
        if let Some(f) = &at.file {
            parts.push(shown(f, MAX_FILE_CHARS).into_owned());
        }
        if let Some(l) = at.line {
            parts.push(match lang {
                Lang::Vi => format!("dòng {l}"),
                Lang::En => format!("line {l}"),
            });
        }
        if let Some(c) = at.column {
            let name = at
                .column_name
                .as_deref()
                .filter(|n| !n.is_empty())
                .map(|n| format!(" ({})", shown(n, MAX_SHOWN_CHARS)))
                .unwrap_or_default();
            parts.push(match lang {
                Lang::Vi => format!("cột {c}{name}"),
                Lang::En => format!("column {c}{name}"),
            });
        }
        if let Some(u) = &at.unit {
            let u = shown(u, MAX_SHOWN_CHARS);
            parts.push(match lang {
                Lang::Vi => format!("đơn vị {u}"),
                Lang::En => format!("unit {u}"),
            });
        }
        if let Some(i) = &at.indicator {
            let i = shown(i, MAX_SHOWN_CHARS);
            parts.push(match lang {
                Lang::Vi => format!("chỉ tiêu {i}"),
                Lang::En => format!("indicator {i}"),
            });
        }
        parts.join(", ")
    }

    fn what(&self, lang: Lang) -> String {
        use ErrorKind as K;
        let vi = lang == Lang::Vi;
        match &self.0.kind.clipped() {
            K::Io(m) if vi => format!("không đọc được dữ liệu: {m}"),
            K::Io(m) => format!("could not read the input: {m}"),
            K::Utf8 if vi => "tệp không phải UTF-8 (hãy lưu lại dưới dạng CSV UTF-8)".into(),
            K::Utf8 => "the file is not UTF-8 (save it again as CSV UTF-8)".into(),
            K::Empty if vi => "tệp trống, không có dòng tiêu đề".into(),
            K::Empty => "the file is empty: no header row".into(),
            K::NoRows if vi => "tệp chỉ có dòng tiêu đề, không có dữ liệu".into(),
            K::NoRows => "the file has a header but no data rows".into(),
            K::Csv(m) if vi => format!("lỗi định dạng CSV: {m}"),
            K::Csv(m) => format!("malformed CSV: {m}"),
            K::StrayBom if vi => "dấu BOM (U+FEFF) nằm giữa tệp (có phải hai tệp đã bị ghép lại?)".into(),
            K::StrayBom => "a byte-order mark (U+FEFF) in the middle of the file (were two files joined?)".into(),
            K::EmptyHeader if vi => "cột không có tiêu đề".into(),
            K::EmptyHeader => "the column has no header".into(),
            K::MixedDelimiter { header, row } if vi => format!(
                "dòng tiêu đề phân cách bằng {} nhưng dòng này bằng {} (hãy dùng một loại dấu phân cách cho cả tệp)",
                delimiter_name(*header, lang),
                delimiter_name(*row, lang)
            ),
            K::MixedDelimiter { header, row } => format!(
                "the header is separated by {} but this row by {} (use one delimiter in the whole file)",
                delimiter_name(*header, lang),
                delimiter_name(*row, lang)
            ),
            K::UnclosedQuote if vi => "dấu ngoặc kép (\") mở ở ô này không được đóng lại".into(),
            K::UnclosedQuote => "the quote (\") opening this field is never closed".into(),
            K::RaggedRow { expected, found } if vi => {
                format!("dòng có {found} ô nhưng tiêu đề có {expected} cột")
            }
            K::RaggedRow { expected, found } => {
                let fields = if *found == 1 { "field" } else { "fields" };
                format!("the row has {found} {fields} but the header has {expected}")
            }
            K::MissingColumn(c) if vi => format!("thiếu cột bắt buộc \"{c}\""),
            K::MissingColumn(c) => format!("required column \"{c}\" is missing"),
            K::UnknownColumn(c) if vi => {
                format!("cột \"{c}\" không có trong khung chỉ số")
            }
            K::UnknownColumn(c) => format!("column \"{c}\" is not in the framework"),
            K::DuplicateColumn(c) if vi => format!("cột \"{c}\" xuất hiện hai lần"),
            K::DuplicateColumn(c) => format!("column \"{c}\" appears twice"),
            K::MissingIndicator(c) if vi => {
                format!("dữ liệu thiếu cột cho chỉ tiêu \"{c}\" của khung chỉ số")
            }
            K::MissingIndicator(c) => {
                format!("the data has no column for framework indicator \"{c}\"")
            }
            K::EmptyCode if vi => "mã đơn vị (code) bị trống".into(),
            K::EmptyCode => "the unit code is empty".into(),
            K::EmptyNode if vi => "mã nút (code) bị trống".into(),
            K::EmptyNode => "the node code is empty".into(),
            K::DuplicateUnit { first_line } if vi => {
                format!("đơn vị trùng lặp trong cùng kỳ (đã có ở dòng {first_line})")
            }
            K::DuplicateUnit { first_line } => {
                format!("duplicate unit in one edition (first seen on line {first_line})")
            }
            K::NotANumber(v) if vi => format!("giá trị \"{v}\" không phải là số"),
            K::NotANumber(v) => format!("\"{v}\" is not a number"),
            K::NotFinite(v) if vi => format!("giá trị \"{v}\" không phải số hữu hạn"),
            K::NotFinite(v) => format!("\"{v}\" is not a finite number"),
            K::InvalidYear(v) if vi => format!("năm \"{v}\" không phải số nguyên"),
            K::InvalidYear(v) => format!("year \"{v}\" is not a whole number"),
            K::InvalidField { field, value } if vi => {
                format!("giá trị \"{value}\" không hợp lệ cho {field}")
            }
            K::InvalidField { field, value } => format!("invalid {field} \"{value}\""),
            K::UnknownMethod(m) if vi => format!(
                "phương pháp \"{m}\" không được hỗ trợ (none, minmax, zscore, goalpost, \
                 reference, rank, percentile, arithmetic, geometric, harmonic)"
            ),
            K::UnknownMethod(m) => format!(
                "unknown method \"{m}\" (none, minmax, zscore, goalpost, reference, rank, \
                 percentile, arithmetic, geometric, harmonic)"
            ),
            K::MethodMismatch { method, leaf: true } if vi => {
                format!("nút lá không thể dùng phương pháp tổng hợp \"{method}\"")
            }
            K::MethodMismatch { method, leaf: true } => {
                format!("a leaf cannot use the aggregation method \"{method}\"")
            }
            K::MethodMismatch { method, .. } if vi => {
                format!("nút có nút con không thể dùng phương pháp chuẩn hóa \"{method}\"")
            }
            K::MethodMismatch { method, .. } => {
                format!("a node with children cannot use the normalisation \"{method}\"")
            }
            K::MissingParameter { method, parameter } if vi => {
                format!("phương pháp \"{method}\" cần giá trị {parameter} hợp lệ")
            }
            K::MissingParameter { method, parameter } => {
                format!("method \"{method}\" needs a valid {parameter}")
            }
            K::DirectionNeedsNormalisation if vi => {
                "chiều -1 cần một phương pháp chuẩn hóa (không dùng \"none\")".into()
            }
            K::DirectionNeedsNormalisation => "direction -1 needs a normalisation (not \"none\")".into(),
            K::DuplicateNode if vi => "mã nút xuất hiện hai lần trong khung".into(),
            K::DuplicateNode => "node code appears twice in the framework".into(),
            K::UnknownParent(p) if vi => format!("nút cha \"{p}\" không tồn tại"),
            K::UnknownParent(p) => format!("parent \"{p}\" does not exist"),
            K::NoRoot if vi => "khung không có nút gốc (nút có parent trống)".into(),
            K::NoRoot => "the framework has no root (a node with an empty parent)".into(),
            K::TwoRoots(first) if vi => {
                format!("khung có hai nút gốc (nút \"{first}\" cũng có parent trống)")
            }
            K::TwoRoots(first) => {
                format!("the framework has two roots (\"{first}\" also has an empty parent)")
            }
            K::Cycle if vi => "khung có vòng lặp: đi theo nút cha quay lại chính nó".into(),
            K::Cycle => "the framework has a cycle: following parents comes back here".into(),
            K::NegativeWeight(w) if vi => format!("trọng số \"{w}\" âm hoặc không hữu hạn"),
            K::NegativeWeight(w) => format!("weight \"{w}\" is negative or not finite"),
            K::AllZeroWeights if vi => "mọi nút con đều có trọng số 0".into(),
            K::AllZeroWeights => "all children have weight zero".into(),
            K::NonPositive { method, value } if vi => {
                format!("trung bình {method} cần giá trị dương, gặp {value}")
            }
            K::NonPositive { method, value } => {
                format!("the {method} mean needs positive values, found {value}")
            }
            K::UnknownUnit(q) if vi => format!("không tìm thấy đơn vị \"{q}\""),
            K::UnknownUnit(q) => format!("no unit matches \"{q}\""),
            K::AmbiguousUnit(q) if vi => format!("nhiều đơn vị khớp với \"{q}\""),
            K::AmbiguousUnit(q) => format!("several units match \"{q}\""),
            K::UnknownNode(c) if vi => format!("không có nút \"{c}\" trong khung"),
            K::UnknownNode(c) => format!("no node \"{c}\" in the framework"),
            K::UnknownYear(y) if vi => format!("không có dữ liệu năm {y}"),
            K::UnknownYear(y) => format!("no edition for year {y}"),
            K::InvalidEdit(e) if vi => {
                format!("không hiểu thay đổi \"{e}\" (dạng \"đơn vị:chỉ tiêu=giá trị\" hoặc \"nút=trọng số\")")
            }
            K::InvalidEdit(e) => {
                format!("cannot read the edit \"{e}\" (expected \"unit:indicator=value\" or \"node=weight\")")
            }
            K::InvalidOption { name, value } if vi => {
                format!("giá trị \"{value}\" không hợp lệ cho tùy chọn {name}")
            }
            K::InvalidOption { name, value } => format!("invalid value \"{value}\" for {name}"),
            K::NothingToUndo if vi => "không còn thay đổi nào để hoàn tác".into(),
            K::NothingToUndo => "nothing to undo".into(),
            K::NoBaseEdition if vi => "không có kỳ trước để so sánh".into(),
            K::NoBaseEdition => "there is no earlier edition to compare with".into(),
            K::NotScored if vi => "đơn vị không có điểm ở mục này (thiếu dữ liệu)".into(),
            K::NotScored => "the unit has no score here (missing data)".into(),
            K::NothingUncertain if vi => "không có yếu tố bất định nào để thay đổi".into(),
            K::NothingUncertain => "no uncertain input to vary".into(),
            K::ForeignPart if vi => "phần kết quả được gửi tới không thuộc lượt chạy này".into(),
            K::ForeignPart => "the part handed over does not belong to this run".into(),
            K::UnknownDenominator(d) if vi => format!("dữ liệu không có cột mẫu số \"{d}\""),
            K::UnknownDenominator(d) => format!("the data has no denominator column \"{d}\""),
            K::LeafOnly(f) if vi => format!("\"{f}\" chỉ dùng cho chỉ tiêu (nút lá), không dùng cho nút tổng hợp"),
            K::LeafOnly(f) => format!("\"{f}\" applies to indicators (leaves) only, not to aggregates"),
            K::RootOnly(f) if vi => format!("\"{f}\" chỉ đặt ở dòng của nút gốc"),
            K::RootOnly(f) => format!("\"{f}\" belongs on the root's row only"),
            K::NotInMapping(c) if vi => format!("mã \"{c}\" không có trong bảng chuyển đổi địa giới"),
            K::NotInMapping(c) => format!("code \"{c}\" is not in the boundary mapping"),
            K::MappedTwice { first, second } if vi => {
                format!("tỉnh cũ được xếp vào hai đơn vị mới ({first} và {second})")
            }
            K::MappedTwice { first, second } => {
                format!("the former province is listed in two new units ({first} and {second})")
            }
            K::Unmapped if vi => "tỉnh cũ không thuộc đơn vị mới nào".into(),
            K::Unmapped => "the former province belongs to no new unit".into(),
            K::MappingDisagrees { listed, stated } if vi => {
                format!("tỉnh cũ được liệt kê trong đơn vị mới {listed} nhưng cột code_2025 ghi {stated}")
            }
            K::MappingDisagrees { listed, stated } => {
                format!("the former province is listed in new unit {listed} but its code_2025 says {stated}")
            }
            K::MixedGeography { old, new } if vi => {
                format!("một kỳ dữ liệu trộn bản đồ cũ (63 tỉnh, vd. {old}) với bản đồ mới (34 tỉnh, vd. {new})")
            }
            K::MixedGeography { old, new } => format!(
                "one edition mixes the old map (63 provinces, e.g. {old}) and the new map (34 units, e.g. {new})"
            ),
            K::AmbiguousGeography if vi => "không xác định được dữ liệu theo bản đồ cũ (63 tỉnh) hay mới (34 tỉnh): \
                 hãy thêm cột năm hoặc chọn bản đồ nguồn (from: old hoặc new)"
                .into(),
            K::AmbiguousGeography => "cannot tell whether the data are on the old map (63 provinces) or the new \
                 one (34 units): add a year column or choose the source map (from: old or new)"
                .into(),
            K::MissingWeight(c) if vi => format!("thiếu trọng số ở cột \"{c}\""),
            K::MissingWeight(c) => format!("the weight in column \"{c}\" is missing"),
            K::ZeroWeightSum(c) if vi => format!("tổng trọng số (cột \"{c}\") của các tỉnh cũ bằng 0"),
            K::ZeroWeightSum(c) => format!("the former provinces' weights (column \"{c}\") sum to zero"),
        }
    }
}

/// Characters of a value from the input shown in a message at most.
const MAX_SHOWN_CHARS: usize = 60;
/// Characters of a file name shown in a message at most.
const MAX_FILE_CHARS: usize = 200;

/// `s` as safe to show in a one-line message: control and invisible
/// formatting characters (bidirectional overrides, zero-width characters, BOM)
/// escaped as `\u{…}`, and cut with `…` before passing `max` characters. A hostile
/// cell can neither send terminal escape codes nor fill the screen.
fn shown(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
    };
    if s.chars().count() <= max && !s.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::new();
    let mut count = 0;
    for c in s.chars() {
        let piece = match c {
            '\t' => "\\t".to_string(),
            '\n' => "\\n".to_string(),
            '\r' => "\\r".to_string(),
            c if hidden(c) => format!("\\u{{{:x}}}", u32::from(c)),
            c => c.to_string(),
        };
        count += piece.chars().count();
        if count > max {
            out.push('…');
            break;
        }
        out.push_str(&piece);
    }
    std::borrow::Cow::Owned(out)
}

/// "commas" / "dấu phẩy", …
fn delimiter_name(d: char, lang: Lang) -> &'static str {
    match (d, lang) {
        (';', Lang::Vi) => "dấu chấm phẩy",
        (';', Lang::En) => "semicolons",
        ('\t', Lang::Vi) => "dấu tab",
        ('\t', Lang::En) => "tabs",
        (_, Lang::Vi) => "dấu phẩy",
        (_, Lang::En) => "commas",
    }
}

impl ErrorKind {
    /// A copy whose text from the input is [`shown`]-safe.
    fn clipped(&self) -> ErrorKind {
        use ErrorKind as K;
        let c = |s: &String| shown(s, MAX_SHOWN_CHARS).into_owned();
        match self {
            K::Io(m) => K::Io(shown(m, MAX_FILE_CHARS).into_owned()),
            K::Csv(m) => K::Csv(shown(m, MAX_FILE_CHARS).into_owned()),
            K::MissingColumn(s) => K::MissingColumn(c(s)),
            K::UnknownColumn(s) => K::UnknownColumn(c(s)),
            K::DuplicateColumn(s) => K::DuplicateColumn(c(s)),
            K::MissingIndicator(s) => K::MissingIndicator(c(s)),
            K::NotANumber(s) => K::NotANumber(c(s)),
            K::NotFinite(s) => K::NotFinite(c(s)),
            K::InvalidYear(s) => K::InvalidYear(c(s)),
            K::InvalidField { field, value } => K::InvalidField {
                field: c(field),
                value: c(value),
            },
            K::UnknownMethod(s) => K::UnknownMethod(c(s)),
            K::MethodMismatch { method, leaf } => K::MethodMismatch {
                method: c(method),
                leaf: *leaf,
            },
            K::MissingParameter { method, parameter } => K::MissingParameter {
                method: c(method),
                parameter: c(parameter),
            },
            K::UnknownParent(s) => K::UnknownParent(c(s)),
            K::TwoRoots(s) => K::TwoRoots(c(s)),
            K::NegativeWeight(s) => K::NegativeWeight(c(s)),
            K::UnknownUnit(s) => K::UnknownUnit(c(s)),
            K::AmbiguousUnit(s) => K::AmbiguousUnit(c(s)),
            K::UnknownNode(s) => K::UnknownNode(c(s)),
            K::InvalidEdit(s) => K::InvalidEdit(c(s)),
            K::InvalidOption { name, value } => K::InvalidOption {
                name: c(name),
                value: c(value),
            },
            K::UnknownDenominator(s) => K::UnknownDenominator(c(s)),
            K::LeafOnly(s) => K::LeafOnly(c(s)),
            K::RootOnly(s) => K::RootOnly(c(s)),
            K::NotInMapping(s) => K::NotInMapping(c(s)),
            K::MappedTwice { first, second } => K::MappedTwice {
                first: c(first),
                second: c(second),
            },
            K::MappingDisagrees { listed, stated } => K::MappingDisagrees {
                listed: c(listed),
                stated: c(stated),
            },
            K::MixedGeography { old, new } => K::MixedGeography {
                old: c(old),
                new: c(new),
            },
            K::MissingWeight(s) => K::MissingWeight(c(s)),
            K::ZeroWeightSum(s) => K::ZeroWeightSum(c(s)),
            // Listed one by one (no wildcard), so a new kind must decide how its
            // text from the input is shown.
            K::Utf8
            | K::Empty
            | K::NoRows
            | K::StrayBom
            | K::EmptyHeader
            | K::MixedDelimiter { .. }
            | K::UnclosedQuote
            | K::RaggedRow { .. }
            | K::EmptyCode
            | K::EmptyNode
            | K::DuplicateUnit { .. }
            | K::DirectionNeedsNormalisation
            | K::DuplicateNode
            | K::NoRoot
            | K::Cycle
            | K::AllZeroWeights
            | K::NonPositive { .. }
            | K::UnknownYear(_)
            | K::NothingToUndo
            | K::Unmapped
            | K::AmbiguousGeography
            | K::NoBaseEdition
            | K::NotScored
            | K::NothingUncertain
            | K::ForeignPart => self.clone(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Error {}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_lists_every_known_part_in_order() {
        let e = Error::new(ErrorKind::NotANumber("x".into()))
            .in_file("a.csv")
            .at_line(3)
            .at_column(4, Some("UD"))
            .for_unit("26");
        assert_eq!(
            e.message(Lang::En),
            "a.csv, line 3, column 4 (UD), unit 26: \"x\" is not a number"
        );
        assert_eq!(
            e.message(Lang::Vi),
            "a.csv, dòng 3, cột 4 (UD), đơn vị 26: giá trị \"x\" không phải là số"
        );
    }

    #[test]
    fn hostile_values_are_escaped_and_clipped() {
        let e = Error::new(ErrorKind::NotANumber("\u{1b}[31mred\u{202e}x".into())).for_unit("a\nb");
        assert_eq!(
            e.message(Lang::En),
            "unit a\\nb: \"\\u{1b}[31mred\\u{202e}x\" is not a number"
        );
        // Escapes count against the cut: 1000 control characters stay short.
        let msg = Error::new(ErrorKind::NotANumber("\u{19}".repeat(1000))).message(Lang::En);
        assert!(msg.chars().count() < 100, "{msg}");
        let long = "x".repeat(1000);
        let msg = Error::new(ErrorKind::NotANumber(long)).message(Lang::Vi);
        assert_eq!(
            msg,
            format!("giá trị \"{}…\" không phải là số", "x".repeat(MAX_SHOWN_CHARS))
        );
    }

    #[test]
    fn ragged_row_plural() {
        let one = ErrorKind::RaggedRow { expected: 3, found: 1 };
        assert_eq!(Error::new(one).to_string(), "the row has 1 field but the header has 3");
    }

    #[test]
    fn in_file_keeps_the_first_name() {
        let e = Error::new(ErrorKind::Empty).in_file("a").in_file("b");
        assert_eq!(e.location().file.as_deref(), Some("a"));
        // An unnamed input (`from_reader(.., "")`) gives no leading ", ".
        let e = Error::new(ErrorKind::Empty).at_line(2).in_file("");
        assert_eq!(e.location().file, None);
        assert_eq!(e.to_string(), "line 2: the file is empty: no header row");
    }

    #[test]
    fn no_location_gives_bare_message() {
        assert_eq!(
            Error::new(ErrorKind::NoRoot).to_string(),
            "the framework has no root (a node with an empty parent)"
        );
    }
}
