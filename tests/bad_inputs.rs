//! The bad-input corpus (`tests/bad_inputs/`): every broken file gets exit
//! code 1 and exactly its expected message, in English (`--lang en`) and in
//! Vietnamese (the default), through the real binary; the library gives the
//! same message, and without a file name the same message minus its leading
//! `<file>, ` or `<file>: ` (the rule a front end that passes no name relies on).
//!
//! `expected.tsv` has one row per file: `file`, `kind` (`data`: scored with
//! the built-in framework; `framework`: loaded as the framework), the English
//! message, the Vietnamese message. Fields hold no tab; there is no quoting.

use std::path::{Path, PathBuf};
use std::process::Command;

use ictindex::{score, Dataset, Error, Framework, Lang, Options};

const BIN: &str = env!("CARGO_BIN_EXE_ictindex");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample-vn-ict.csv");
/// The issue asks for at least this many broken files.
const MIN_FILES: usize = 40;

struct Case {
    file: String,
    kind: Kind,
    en: String,
    vi: String,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Data,
    Framework,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(dir().join("expected.tsv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("file\tkind\ten\tvi"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "{l}");
            let kind = match f[1] {
                "data" => Kind::Data,
                "framework" => Kind::Framework,
                k => panic!("unknown kind {k}"),
            };
            Case {
                file: f[0].into(),
                kind,
                en: f[2].into(),
                vi: f[3].into(),
            }
        })
        .collect()
}

/// Runs `ictindex <subcommand>` on the case from inside the corpus directory,
/// so messages name the file as listed.
fn run(case: &Case, subcommand: &str, lang: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir()).arg(subcommand);
    match case.kind {
        Kind::Data => cmd.arg(&case.file),
        Kind::Framework => cmd.arg(SAMPLE).arg("--framework").arg(&case.file),
    };
    if let Some(l) = lang {
        cmd.args(["--lang", l]);
    }
    cmd.output().unwrap()
}

#[test]
fn corpus_and_expectations_match() {
    let cases = cases();
    assert!(cases.len() >= MIN_FILES, "{} files", cases.len());
    let mut listed: Vec<&str> = cases.iter().map(|c| c.file.as_str()).collect();
    listed.sort_unstable();
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.tsv" && n != "README.md")
        .collect();
    on_disk.sort_unstable();
    assert_eq!(listed, on_disk);
    for c in &cases {
        let prefix = match c.kind {
            Kind::Data => "d",
            Kind::Framework => "f",
        };
        assert!(c.file.starts_with(prefix), "{}: kind {:?}", c.file, c.kind);
        assert!(c.en.starts_with(&c.file) && c.vi.starts_with(&c.file), "{}", c.file);
    }
}

#[test]
fn cli_score_fails_with_the_exact_message() {
    let mut wrong = Vec::new();
    for c in cases() {
        for (lang, want) in [(Some("en"), &c.en), (None, &c.vi)] {
            let o = run(&c, "score", lang);
            let stderr = String::from_utf8(o.stderr).unwrap();
            if o.status.code() != Some(1) || stderr != format!("{want}\n") || !o.stdout.is_empty() {
                wrong.push(format!(
                    "{} ({lang:?}): exit {:?}, stderr {stderr:?}",
                    c.file,
                    o.status.code()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn cli_validate_lists_the_same_problem_first() {
    let mut wrong = Vec::new();
    for c in cases() {
        let o = run(&c, "validate", Some("en"));
        let stderr = String::from_utf8(o.stderr).unwrap();
        if o.status.code() != Some(1) || stderr.lines().next() != Some(c.en.as_str()) {
            wrong.push(format!("{}: exit {:?}, stderr {stderr:?}", c.file, o.status.code()));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The library's error for the case's bytes, read under the name `name`.
fn library_error(c: &Case, name: &str) -> Error {
    let bytes = std::fs::read(dir().join(&c.file)).unwrap();
    match c.kind {
        Kind::Data => {
            let read = Dataset::from_reader(bytes.as_slice(), name);
            read.and_then(|d| score(&d, &Framework::vn_ict(), &Options::default()).map(|_| ()))
                .unwrap_err()
        }
        Kind::Framework => Framework::from_reader(bytes.as_slice(), name).unwrap_err(),
    }
}

#[test]
fn library_gives_the_same_messages_named_and_unnamed() {
    for c in cases() {
        let named = library_error(&c, &c.file);
        assert_eq!(named.message(Lang::En), c.en, "{}", c.file);
        assert_eq!(named.message(Lang::Vi), c.vi, "{}", c.file);
        let unnamed = library_error(&c, "");
        assert_eq!(unnamed.location().file, None, "{}", c.file);
        for (lang, want) in [(Lang::En, &c.en), (Lang::Vi, &c.vi)] {
            let rest = want.strip_prefix(c.file.as_str()).unwrap();
            let rest = rest.strip_prefix(", ").or_else(|| rest.strip_prefix(": ")).unwrap();
            assert_eq!(unnamed.message(lang), rest, "{}", c.file);
        }
    }
}

#[test]
fn text_files_read_the_same_from_a_str() {
    // What a binding that receives text (not bytes) sees: every valid UTF-8 file
    // gives the same message through `from_str` as through `from_reader(.., "")`.
    for c in cases() {
        let bytes = std::fs::read(dir().join(&c.file)).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let from_str = match c.kind {
            Kind::Data => Dataset::from_str(text)
                .and_then(|d| score(&d, &Framework::vn_ict(), &Options::default()).map(|_| ()))
                .unwrap_err(),
            Kind::Framework => Framework::from_str(text).unwrap_err(),
        };
        assert_eq!(from_str, library_error(&c, ""), "{}", c.file);
    }
}
