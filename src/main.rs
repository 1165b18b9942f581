//! `ictindex`: the command-line tool. Each subcommand is one library verb.
//!
//! Exit codes: 0 success, 1 bad input, 2 usage.

use std::fs::File;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ictindex::{markdown, records_to_depth, score, to_csv, Dataset, Edit, Error, Framework, Lang, Options, WhatIf};

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
        /// Output only the nodes at most this many levels below the index
        /// (0: the index; 1: the index and its pillars). CSV and JSON only.
        #[arg(long)]
        depth: Option<usize>,
        /// Print the time of each phase to stderr (`timing_s read=… compute=… write=… total_in_process=…`).
        #[arg(long)]
        timing: bool,
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
    /// Decimals scores are rounded to before ranking (0–15), or `full`: rank
    /// the unrounded scores (equal only when exactly equal).
    #[arg(long, default_value = "4", value_parser = parse_precision)]
    precision: Precision,
    /// Share of a node's children that must be present for it to have a score.
    #[arg(long, default_value_t = 0.5)]
    min_share: f64,
    /// Language of messages and sentences.
    #[arg(long, default_value = "vi", value_parser = parse_lang)]
    lang: Lang,
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

/// `--precision`: decimals, or `None` for full precision.
#[derive(Clone, Copy)]
struct Precision(Option<u32>);

fn parse_precision(s: &str) -> Result<Precision, String> {
    match s {
        "full" => Ok(Precision(None)),
        _ => match s.parse::<u32>() {
            Ok(p) if p <= 15 => Ok(Precision(Some(p))),
            _ => Err(format!("expected 0 to 15 or full, found {s:?}")),
        },
    }
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse().map_err(|_| format!("expected vi or en, found {s:?}"))
}

fn main() -> ExitCode {
    let start = Instant::now();
    let cli = Cli::parse();
    let lang = match &cli.command {
        Command::Score { input, .. }
        | Command::Report { input, .. }
        | Command::Validate { input }
        | Command::Whatif { input, .. } => input.lang,
    };
    match run(cli.command, start) {
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

fn run(command: Command, start: Instant) -> Run {
    match command {
        Command::Score {
            input,
            format,
            depth,
            timing,
        } => {
            let t0 = Instant::now();
            let (data, framework, options) = input.load()?;
            let t_read = Instant::now();
            let scored = score(&data, &framework, &options).map_err(one)?;
            scored.rank_to_depth(depth);
            let t_compute = Instant::now();
            let out = match format {
                Format::Csv | Format::Json => {
                    Output::Records(records_to_depth(&scored, input.year, depth).map_err(one)?)
                }
                Format::Md => Output::Text(markdown(&scored, input.year, input.lang).map_err(one)?),
            };
            let text = match (out, format) {
                (Output::Records(r), Format::Json) => json(&r)? + "\n",
                (Output::Records(r), _) => to_csv(&r, false).map_err(one)?,
                (Output::Text(t), _) => t,
            };
            let code = print(&text)?;
            if timing {
                let end = Instant::now();
                let s = |a: Instant, b: Instant| b.duration_since(a).as_secs_f64();
                eprintln!(
                    "timing_s read={:.6} compute={:.6} write={:.6} total_in_process={:.6}",
                    s(t0, t_read),
                    s(t_read, t_compute),
                    s(t_compute, end),
                    s(start, end)
                );
            }
            Ok(code)
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
            .and_then(|d| score(&d, f, &input.options()).map(|s| (d, s)))
        {
            Ok((d, s)) => {
                if problems.is_empty() {
                    let years: Vec<String> = s
                        .editions()
                        .iter()
                        .map(|e| e.year().map_or("–".into(), |y| y.to_string()))
                        .collect();
                    let msg = match input.lang {
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
                    };
                    return print(&msg);
                }
            }
            Err(e) => problems.push(e),
        }
    }
    Err(problems)
}

impl Input {
    fn options(&self) -> Options {
        Options {
            precision: self.precision.0,
            min_share: self.min_share,
            base_year: self.base_year,
        }
    }

    fn load(&self) -> Result<(Dataset, Framework, Options), Vec<Error>> {
        let framework = match &self.framework {
            Some(path) => Framework::from_reader(open(path).map_err(one)?, path).map_err(one)?,
            None => Framework::vn_ict(),
        };
        let data = match self.data.as_str() {
            "-" => Dataset::from_reader(io::stdin().lock(), "<stdin>"),
            path => open(path).and_then(|r| Dataset::from_reader(r, path)),
        }
        .map_err(one)?;
        let options = self.options();
        options.validate().map_err(one)?;
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

/// What `score` writes, before it is rendered.
enum Output {
    Records(Vec<ictindex::Record>),
    Text(String),
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
