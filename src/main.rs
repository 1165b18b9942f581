//! `ictindex`: the command-line tool. Each subcommand is one library verb.
//!
//! Exit codes: 0 success, 1 bad input, 2 usage.

use std::fs::File;
use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ictindex::{
    markdown, prepare, records, score, to_csv, Coinr, Dataset, Edit, Error, Framework, Imputation, Lang, Options, Plan,
    Prepared, Treatment, WhatIf,
};

/// Composite ICT-readiness indices: scores, ranks, rank changes, what-if.
#[derive(Parser)]
#[command(name = "ictindex", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score and rank every unit; write the results table.
    Score {
        #[command(flatten)]
        input: Input,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
    /// Print the report sentence on one unit.
    Report {
        #[command(flatten)]
        input: Input,
        /// Unit code or name (diacritics optional).
        #[arg(long)]
        unit: String,
        /// Output format (`json`: the structured report).
        #[arg(long, value_enum, default_value_t = TextFormat::Text)]
        format: TextFormat,
    },
    /// Check the data (and framework) files and list every problem.
    Validate {
        #[command(flatten)]
        input: Input,
    },
    /// Apply edits to a copy and print every unit's rank change they cause.
    Whatif {
        #[command(flatten)]
        input: Input,
        /// A value edit `UNIT:NODE=VALUE` (repeatable; empty value = missing).
        #[arg(long = "set", value_name = "UNIT:NODE=VALUE")]
        set: Vec<String>,
        /// A weight edit `NODE=WEIGHT` (repeatable).
        #[arg(long = "weight", value_name = "NODE=WEIGHT")]
        weight: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
    /// Prepare the data (screen, denominate, impute, treat); write it with
    /// per-cell flags, and the log to standard error.
    Prepare {
        #[command(flatten)]
        input: Input,
        /// Output format (`json`: rows, flags and the log).
        #[arg(long, value_enum, default_value_t = PrepFormat::Csv)]
        format: PrepFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PrepFormat {
    Csv,
    Json,
}

/// Data preparation and COINr input, shared by every subcommand.
#[derive(Args)]
struct PrepArgs {
    /// The data is a COINr iData table and this its iMeta table (instead of --framework).
    #[arg(long, value_name = "FILE", conflicts_with = "framework")]
    coinr_meta: Option<String>,
    /// The COINr group column that becomes each unit's group (e.g. EurAsia_group).
    #[arg(long, value_name = "COLUMN", requires = "coinr_meta")]
    group: Option<String>,
    /// Drop units with less than this share (0–1) of indicators present.
    #[arg(long, value_name = "SHARE")]
    screen: Option<f64>,
    /// Impute missing values: mean, median, group-mean, group-median, previous.
    #[arg(long, value_name = "METHOD", value_parser = |s: &str| Imputation::parse(s).map_err(|e| e.to_string()))]
    impute: Option<Imputation>,
    /// Outlier treatment of leaves without their own: none, coinr[:WINMAX[:SKEW:KURT]][:nolog], percentile:LO:HI.
    #[arg(long, value_name = "SPEC", value_parser = |s: &str| Treatment::parse(s).map_err(|e| e.to_string()))]
    treat: Option<Treatment>,
    /// Ignore the denominators the framework names.
    #[arg(long)]
    no_denominate: bool,
    /// Range of min-max, goalpost and percentile scores, e.g. 0..100 (COINr's).
    #[arg(long, value_name = "LO..HI", value_parser = |s: &str| ictindex::parse_range(s).map_err(|e| e.to_string()))]
    range: Option<(f64, f64)>,
}

impl PrepArgs {
    fn plan(&self) -> Plan {
        Plan {
            screen: self.screen,
            denominate: !self.no_denominate,
            impute: self.impute,
            treat: self.treat,
        }
    }
}

/// Inputs and settings shared by every subcommand.
#[derive(Args)]
struct Input {
    /// Data CSV (`-` for standard input).
    data: String,
    /// Framework CSV (default: the built-in five-pillar Vietnam ICT Index).
    #[arg(long, short)]
    framework: Option<String>,
    /// Edition to output (default: the latest).
    #[arg(long)]
    year: Option<i64>,
    /// Edition to compare against (default: the one before each edition).
    #[arg(long)]
    base_year: Option<i64>,
    /// Decimals scores are rounded to before ranking.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=15))]
    precision: u32,
    /// Share of a node's children that must be present for it to have a score.
    #[arg(long, default_value_t = 0.5)]
    min_share: f64,
    /// Language of messages and sentences.
    #[arg(long, default_value = "vi", value_parser = parse_lang)]
    lang: Lang,
    #[command(flatten)]
    prep: PrepArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Json,
    Md,
}

#[derive(Clone, Copy, ValueEnum)]
enum TextFormat {
    Text,
    Json,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse().map_err(|_| format!("expected vi or en, found {s:?}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = match &cli.command {
        Command::Score { input, .. }
        | Command::Report { input, .. }
        | Command::Validate { input }
        | Command::Whatif { input, .. }
        | Command::Prepare { input, .. } => input.lang,
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(errors) => {
            let stderr = io::stderr();
            let mut err = stderr.lock();
            for e in errors {
                let _ = writeln!(err, "{}", e.message(lang));
            }
            ExitCode::from(1)
        }
    }
}

type Run = Result<ExitCode, Vec<Error>>;

fn run(command: Command) -> Run {
    match command {
        Command::Score { input, format } => {
            let (data, framework, options) = input.load()?;
            let scored = score(&data, &framework, &options).map_err(one)?;
            emit(&scored, input.year, format, input.lang)
        }
        Command::Report { input, unit, format } => {
            let (data, framework, options) = input.load()?;
            let scored = score(&data, &framework, &options).map_err(one)?;
            let e = scored.edition_index(input.year).map_err(one)?;
            let pos = scored.find_unit(e, &unit).map_err(one)?;
            let report = ictindex::UnitReport::new(&scored, e, pos).map_err(one)?;
            let text = match format {
                TextFormat::Text => report.sentence(input.lang),
                TextFormat::Json => json(&report)?,
            };
            print(&format!("{text}\n"))
        }
        Command::Validate { input } => validate(&input),
        Command::Prepare { input, format } => {
            let (data, framework) = input.load_raw()?;
            let prepared = prepare(&data, &framework, &input.prep.plan()).map_err(one)?;
            input.print_log(&prepared);
            let out = match format {
                PrepFormat::Csv => prepared.to_csv().map_err(one)?,
                PrepFormat::Json => json(&prepared.table(input.lang))? + "\n",
            };
            print(&out)
        }
        Command::Whatif {
            input,
            set,
            weight,
            format,
        } => {
            let (data, framework, options) = input.load()?;
            let mut w = WhatIf::new(&data, &framework, &options, input.year).map_err(one)?;
            for text in &set {
                w.apply(&Edit::parse_value(text).map_err(one)?).map_err(one)?;
            }
            for text in &weight {
                w.apply(&Edit::parse_weight(text).map_err(one)?).map_err(one)?;
            }
            let deltas = w.deltas();
            let out = match format {
                Format::Json => json(&deltas)?,
                Format::Csv => {
                    let mut s = String::from("code,name,baseline_rank,rank,delta,baseline_score,score\n");
                    let cell = |v: Option<String>| v.unwrap_or_default();
                    let mut wtr = csv::WriterBuilder::new()
                        .has_headers(false)
                        .terminator(csv::Terminator::Any(b'\n'))
                        .from_writer(Vec::new());
                    for d in &deltas {
                        let row = [
                            d.code.clone(),
                            d.name.clone(),
                            cell(d.baseline_rank.map(|r| r.to_string())),
                            cell(d.rank.map(|r| r.to_string())),
                            cell(d.delta.map(|r| r.to_string())),
                            cell(d.baseline_score.map(|r| r.to_string())),
                            cell(d.score.map(|r| r.to_string())),
                        ];
                        wtr.write_record(&row).map_err(|e| vec![io_error(e.into())])?;
                    }
                    let bytes = wtr.into_inner().map_err(|e| vec![io_error(e.into_error())])?;
                    s.push_str(&String::from_utf8_lossy(&bytes));
                    s
                }
                Format::Md => {
                    let mut s = match input.lang {
                        Lang::Vi => "| Đơn vị | Hạng gốc | Hạng mới | Thay đổi |\n|---|---|---|---|\n".to_string(),
                        Lang::En => "| Unit | Baseline rank | New rank | Change |\n|---|---|---|---|\n".to_string(),
                    };
                    for d in &deltas {
                        let r = |v: Option<u32>| v.map_or("–".into(), |v| v.to_string());
                        s.push_str(&format!(
                            "| {} | {} | {} | {} |\n",
                            d.name,
                            r(d.baseline_rank),
                            r(d.rank),
                            ictindex::arrow(d.delta)
                        ));
                    }
                    s
                }
            };
            print(&out)
        }
    }
}

fn validate(input: &Input) -> Run {
    if input.prep.coinr_meta.is_some() {
        let (d, f, o) = input.load()?;
        let s = score(&d, &f, &o).map_err(one)?;
        return print(&valid_message(input.lang, &d, &s));
    }
    let mut problems = Vec::new();
    let framework = match &input.framework {
        Some(path) => match open(path).and_then(|r| Framework::from_reader(r, path)) {
            Ok(f) => Some(f),
            Err(e) => {
                problems.push(e);
                None
            }
        },
        None => Some(Framework::vn_ict()),
    };
    let text = read_all(&input.data).map_err(one)?;
    let data_problems = Dataset::check(text.as_slice(), &input.data);
    let clean = data_problems.is_empty();
    problems.extend(data_problems);
    if let (true, Some(f)) = (clean, &framework) {
        match Dataset::from_reader(text.as_slice(), &input.data)
            .and_then(|d| input.prepared(d, f))
            .and_then(|d| score(&d, f, &input.options()).map(|s| (d, s)))
        {
            Ok((d, s)) => {
                if problems.is_empty() {
                    return print(&valid_message(input.lang, &d, &s));
                }
            }
            Err(e) => problems.push(e),
        }
    }
    Err(problems)
}

fn valid_message(lang: Lang, d: &Dataset, s: &ictindex::Scored) -> String {
    let years: Vec<String> = s
        .editions()
        .iter()
        .map(|e| e.year().map_or("–".into(), |y| y.to_string()))
        .collect();
    match lang {
        Lang::Vi => format!(
            "Hợp lệ: {} dòng, {} chỉ tiêu, kỳ {}\n",
            d.units().len(),
            d.indicators().len(),
            years.join(", ")
        ),
        Lang::En => format!(
            "Valid: {} rows, {} indicators, editions {}\n",
            d.units().len(),
            d.indicators().len(),
            years.join(", ")
        ),
    }
}

impl Input {
    fn options(&self) -> Options {
        Options {
            precision: Some(self.precision),
            min_share: self.min_share,
            base_year: self.base_year,
        }
    }

    /// The data and framework as read (a COINr pair with `--coinr-meta`), with `--range` applied.
    fn load_raw(&self) -> Result<(Dataset, Framework), Vec<Error>> {
        let (data, framework) = match &self.prep.coinr_meta {
            Some(meta) => {
                let text = read_all(&self.data).map_err(one)?;
                let name = if self.data == "-" { "<stdin>" } else { &self.data };
                let c = Coinr::from_readers(
                    text.as_slice(),
                    name,
                    open(meta).map_err(one)?,
                    meta,
                    self.prep.group.as_deref(),
                )
                .map_err(one)?;
                (c.data, c.framework)
            }
            None => {
                let framework = match &self.framework {
                    Some(path) => Framework::from_reader(open(path).map_err(one)?, path).map_err(one)?,
                    None => Framework::vn_ict(),
                };
                let data = match self.data.as_str() {
                    "-" => Dataset::from_reader(io::stdin().lock(), "<stdin>"),
                    path => open(path).and_then(|r| Dataset::from_reader(r, path)),
                }
                .map_err(one)?;
                (data, framework)
            }
        };
        let framework = match self.prep.range {
            Some((lo, hi)) => framework.with_range(lo, hi).map_err(one)?,
            None => framework,
        };
        Ok((data, framework))
    }

    /// `data` prepared by the framework and the options, if that changes anything; the log goes to stderr.
    fn prepared(&self, data: Dataset, framework: &Framework) -> ictindex::Result<Dataset> {
        let plan = self.prep.plan();
        if !plan.needed(framework) {
            return Ok(data);
        }
        let p = prepare(&data, framework, &plan)?;
        self.print_log(&p);
        Ok(p.into_data())
    }

    fn print_log(&self, prepared: &Prepared) {
        let stderr = io::stderr();
        let mut err = stderr.lock();
        for entry in prepared.log() {
            let _ = writeln!(err, "{}", entry.message(self.lang));
        }
    }

    fn load(&self) -> Result<(Dataset, Framework, Options), Vec<Error>> {
        let (data, framework) = self.load_raw()?;
        let options = self.options();
        options.validate().map_err(one)?;
        let data = self.prepared(data, &framework).map_err(one)?;
        Ok((data, framework, options))
    }
}

fn open(path: &str) -> ictindex::Result<File> {
    File::open(path).map_err(|e| io_error(e).in_file(path))
}

fn read_all(path: &str) -> ictindex::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let r = match path {
        "-" => io::stdin().lock().read_to_end(&mut buf),
        p => open(p)?.read_to_end(&mut buf),
    };
    r.map_err(|e| io_error(e).in_file(path))?;
    Ok(buf)
}

fn io_error(e: io::Error) -> Error {
    Error::new(ictindex::ErrorKind::Io(e.to_string()))
}

fn one(e: Error) -> Vec<Error> {
    vec![e]
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, Vec<Error>> {
    serde_json::to_string_pretty(value).map_err(|e| vec![Error::new(ictindex::ErrorKind::Io(e.to_string()))])
}

fn emit(scored: &ictindex::Scored, year: Option<i64>, format: Format, lang: Lang) -> Run {
    let out = match format {
        Format::Csv => to_csv(&records(scored, year).map_err(one)?, false).map_err(one)?,
        Format::Json => json(&records(scored, year).map_err(one)?)? + "\n",
        Format::Md => markdown(scored, year, lang).map_err(one)?,
    };
    print(&out)
}

fn print(text: &str) -> Run {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A closed pipe (`| head`) is not an input error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(vec![io_error(e)]),
    }
}
