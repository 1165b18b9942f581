//! `ictindex`: the command-line tool. Each subcommand is one library verb.
//!
//! Exit codes: 0 success, 1 bad input, 2 usage.

use std::fs::File;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ictindex::{
    bump_svg, distribution_svg, map_svg, markdown, prepare, profile_svg, records, records_to_depth, score, scores_csv,
    to_csv, Coinr, Dataset, Depth, Edit, Error, ErrorKind, Framework, Imputation, Lang, MapValue, Options, Plan,
    Prepared, TileLayout, Treatment, WhatIf,
};

/// mimalloc rather than the system allocator: freed blocks are kept for the
/// next allocation instead of being unmapped, so large columns and rank
/// buffers do not fault in fresh pages again (see Cargo.toml). Native only:
/// the binary also builds for wasm32 (`cargo test --target wasm32-…`).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        /// Rank only the nodes at most this many levels below the index
        /// (0: the index only); the other nodes output have a score but no
        /// rank or change column, and are not ranked (default: every node
        /// output). CSV and JSON only.
        #[arg(long)]
        rank_depth: Option<usize>,
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
    /// Monte Carlo uncertainty of every unit's rank (median, 5–95 % interval, top-N share).
    Uncertainty {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        noise: Noise,
        /// Number of samples.
        #[arg(long, default_value_t = 1000)]
        samples: usize,
        /// N of "share of samples in the top N".
        #[arg(long, default_value_t = 10)]
        top: u32,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Print the time of each phase to stderr (as `score --timing`).
        #[arg(long)]
        timing: bool,
    },
    /// What moves the ranks: leave one node out, or variance-based indices.
    Sensitivity {
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        noise: Noise,
        /// `leave-out` (rank shifts without each node) or `variance` (Sobol' indices).
        #[arg(long, value_enum, default_value_t = SaMethod::LeaveOut)]
        method: SaMethod,
        /// Base sample size N of the variance method (N·(d + 2) runs).
        #[arg(long, default_value_t = 500)]
        samples: usize,
        /// Bootstrap resamples for the intervals.
        #[arg(long, default_value_t = 200)]
        bootstrap: usize,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
    /// The smallest improvement of one node that reaches a rank; or, with
    /// `--gaps`, every unit's gap to the next rank through each pillar.
    Target {
        #[command(flatten)]
        input: Input,
        /// Unit code or name (not with `--gaps`).
        #[arg(long, required_unless_present = "gaps")]
        unit: Option<String>,
        /// Node code: a pillar or an indicator (not with `--gaps`).
        #[arg(long, required_unless_present = "gaps")]
        node: Option<String>,
        /// Rank to reach (default: one place up).
        #[arg(long)]
        rank: Option<u32>,
        /// Largest value the node may take (default: 1 for scores on 0–1).
        #[arg(long)]
        ceiling: Option<f64>,
        /// Gap to the next rank for every unit and pillar.
        #[arg(long, conflicts_with_all = ["unit", "node", "rank", "ceiling"])]
        gaps: bool,
        /// Output format (`text`: the sentence).
        #[arg(long, value_enum, default_value_t = AnalysisFormat::Text)]
        format: AnalysisFormat,
    },
    /// Split a unit's index change since the base edition into per-pillar contributions.
    Explain {
        #[command(flatten)]
        input: Input,
        /// Unit code or name.
        #[arg(long)]
        unit: String,
        /// Output format (`text`: the sentence).
        #[arg(long, value_enum, default_value_t = AnalysisFormat::Text)]
        format: AnalysisFormat,
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
    /// Draw a chart as SVG: the map, a unit's profile, ranks over time, or the distribution.
    Chart {
        #[command(flatten)]
        input: Input,
        /// Which chart.
        #[arg(long, value_enum, default_value_t = ChartKind::Map)]
        kind: ChartKind,
        /// Node to show (default: the index).
        #[arg(long)]
        node: Option<String>,
        /// What the map colours by.
        #[arg(long, value_enum, default_value_t = MapBy::Rank)]
        by: MapBy,
        /// Unit to select (required for `profile` and `bump`; more for `bump` after a comma).
        #[arg(long)]
        unit: Option<String>,
        /// Use the 34-unit (2025) map layout.
        #[arg(long)]
        map34: bool,
        /// Write the text alternative instead of the SVG.
        #[arg(long)]
        alt: bool,
    },
    /// Re-base old-map editions (63 provinces) onto the 2025 map (34 units) and
    /// write every edition (or, with --score or --unit, the edition of --year).
    Rebase(RebaseArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum ChartKind {
    Map,
    Profile,
    Bump,
    Distribution,
}

#[derive(Clone, Copy, ValueEnum)]
enum MapBy {
    Score,
    Rank,
    Change,
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

/// `--precision`: decimals, or `None` for full precision.
#[derive(Clone, Copy)]
struct Precision(Option<u32>);

impl Precision {
    /// Decimals to show scores with (`full` shows 4, as the Markdown report does).
    fn shown(self) -> usize {
        self.0.map_or(4, |p| p as usize)
    }
}

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

/// Turns transparent huge pages off for this process (Linux; see
/// Cargo.toml). mimalloc asks for them on its arenas, and then the first
/// touch of each 2 MiB region has the kernel zero a whole huge page, and,
/// when free memory is fragmented (right after another large process
/// ended), compact memory first: 10-18 ms of a 4 ms scoring, measured. A
/// kernel without the call leaves them as they were.
#[cfg(target_os = "linux")]
extern "C" fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes integers only and sets a flag of
    // this process; it reads and writes no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Calls [`no_huge_pages`] as the C runtime starts, before `main` and
/// before Rust's runtime allocates (its first allocation sets mimalloc's
/// arena up, which already faulted in huge pages: ~5 % of a whole `score`
/// run). Functions listed in `.init_array` are how ELF runs constructors;
/// the C runtime passes them (argc, argv, envp), which this one ignores,
/// as the C calling convention allows.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static NO_HUGE_PAGES: extern "C" fn() = no_huge_pages;

fn main() -> ExitCode {
    let start = Instant::now();
    let cli = Cli::parse();
    let lang = match &cli.command {
        Command::Score { input, .. }
        | Command::Report { input, .. }
        | Command::Validate { input }
        | Command::Whatif { input, .. }
        | Command::Uncertainty { input, .. }
        | Command::Sensitivity { input, .. }
        | Command::Target { input, .. }
        | Command::Explain { input, .. }
        | Command::Prepare { input, .. }
        | Command::Chart { input, .. }
        | Command::Rebase(RebaseArgs { input, .. }) => input.lang,
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
            rank_depth,
            timing,
        } => {
            let depth = Depth {
                nodes: depth,
                ranks: rank_depth.or(depth),
            };
            let t0 = Instant::now();
            let (data, framework, options) = input.load()?;
            let t_read = Instant::now();
            let scored = score(&data, &framework, &options).map_err(one)?;
            scored.rank_to_depth(depth.ranked());
            let t_compute = Instant::now();
            let text = match format {
                // Straight from the scores: no records table.
                Format::Csv => scores_csv(&scored, input.year, depth, false).map_err(one)?,
                Format::Json => json(&records_to_depth(&scored, input.year, depth).map_err(one)?)? + "\n",
                Format::Md => markdown(&scored, input.year, input.lang).map_err(one)?,
            };
            let code = print(&text)?;
            if timing {
                print_timing(start, t0, t_read, t_compute);
            }
            // The process ends next: freeing the data, the scores and the
            // text (tens of thousands of allocations) would only delay it.
            std::mem::forget((data, scored, text));
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
        Command::Prepare { input, format } => {
            let (data, framework) = input.load_raw()?;
            let prepared = prepare(&data, &framework, &input.prep.plan()).map_err(one)?;
            input.print_log(&prepared);
            let out = match format {
                PrepFormat::Csv => prepared.to_csv(false).map_err(one)?,
                PrepFormat::Json => json(&prepared.table(input.lang))? + "\n",
            };
            print(&out)
        }
        Command::Rebase(args) => rebase(args),
        Command::Chart {
            input,
            kind,
            node,
            by,
            unit,
            map34,
            alt,
        } => chart(&input, kind, node.as_deref(), by, unit.as_deref(), map34, alt),
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
        Command::Uncertainty {
            input,
            noise,
            samples,
            top,
            format,
            timing,
        } => {
            let t0 = Instant::now();
            let (data, framework, options) = input.load()?;
            let t_read = Instant::now();
            let scored = score(&data, &framework, &options).map_err(one)?;
            let config = ictindex::UncertaintyConfig {
                samples,
                seed: noise.seed,
                top,
                perturbation: noise.perturbation()?,
            };
            let r = ictindex::uncertainty(&scored, input.year, &config).map_err(one)?;
            let t_compute = Instant::now();
            let code = table(&r, r.records(), || r.markdown(input.lang), format)?;
            if timing {
                print_timing(start, t0, t_read, t_compute);
            }
            Ok(code)
        }
        Command::Sensitivity {
            input,
            noise,
            method,
            samples,
            bootstrap,
            format,
        } => {
            let (scored, lang) = input.scored()?;
            if let SaMethod::LeaveOut = method {
                let r = ictindex::leave_one_out(&scored, input.year).map_err(one)?;
                return table(&r, r.records(), || r.markdown(lang), format);
            }
            let config = ictindex::SensitivityConfig {
                samples,
                seed: noise.seed,
                bootstrap,
                perturbation: noise.perturbation()?,
            };
            let r = ictindex::sensitivity(&scored, input.year, &config).map_err(one)?;
            table(&r, r.records(), || r.markdown(lang), format)
        }
        Command::Target {
            input,
            unit,
            node,
            rank,
            ceiling,
            gaps,
            format,
        } => {
            let (scored, lang) = input.scored()?;
            if gaps {
                let g = ictindex::gaps(&scored, input.year).map_err(one)?;
                let decimals = input.precision.shown();
                return table(&g, g.records(), || g.markdown(lang, decimals), format.table());
            }
            let query = ictindex::TargetQuery {
                unit: unit.unwrap_or_default(),
                node: node.unwrap_or_default(),
                rank,
                ceiling,
            };
            let a = ictindex::target(&scored, input.year, &query).map_err(one)?;
            match format {
                AnalysisFormat::Text | AnalysisFormat::Md => print(&format!("{}\n", a.sentence(lang))),
                f => table(&a, a.records(), String::new, f.table()),
            }
        }
        Command::Explain { input, unit, format } => {
            let (scored, lang) = input.scored()?;
            let x = ictindex::explain(&scored, input.year, &unit).map_err(one)?;
            match format {
                AnalysisFormat::Text => print(&format!("{}\n", x.sentence(lang))),
                f => table(&x, x.records(), || x.markdown(lang), f.table()),
            }
        }
    }
}

/// Uncertain inputs of `uncertainty` and `sensitivity`.
#[derive(Args)]
struct Noise {
    /// Seed of the random draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Each weight varies by ± this share (uniform multiplier).
    #[arg(long, default_value_t = 0.25)]
    noise: f64,
    /// Draw each sibling group's weights from a Dirichlet with this concentration instead.
    #[arg(long)]
    dirichlet: Option<f64>,
    /// Which weights vary.
    #[arg(long, value_enum, default_value_t = Perturb::All)]
    perturb: Perturb,
    /// Normalisations to draw from, comma-separated (e.g. `none,minmax,rank`).
    #[arg(long, value_delimiter = ',')]
    normalisations: Vec<String>,
    /// Aggregations to draw from, comma-separated (e.g. `arithmetic,geometric`).
    #[arg(long, value_delimiter = ',')]
    aggregations: Vec<String>,
    /// Each raw value varies by ± this share of itself.
    #[arg(long)]
    value_error: Option<f64>,
    /// A leaf's values vary by ± this amount, `NODE=ERROR` (repeatable).
    #[arg(long = "leaf-error", value_name = "NODE=ERROR")]
    leaf_error: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Perturb {
    All,
    Pillars,
    Indicators,
}

#[derive(Clone, Copy, ValueEnum)]
enum SaMethod {
    LeaveOut,
    Variance,
}

#[derive(Clone, Copy, ValueEnum)]
enum AnalysisFormat {
    Text,
    Csv,
    Json,
    Md,
}

impl AnalysisFormat {
    fn table(self) -> Format {
        match self {
            AnalysisFormat::Csv => Format::Csv,
            AnalysisFormat::Json => Format::Json,
            AnalysisFormat::Text | AnalysisFormat::Md => Format::Md,
        }
    }
}

impl Noise {
    fn perturbation(&self) -> Result<ictindex::Perturbation, Vec<Error>> {
        use ictindex::{Method, WeightLevel, WeightNoise};
        let level = match self.perturb {
            Perturb::All => WeightLevel::All,
            Perturb::Pillars => WeightLevel::Pillars,
            Perturb::Indicators => WeightLevel::Indicators,
        };
        let weights = match self.dirichlet {
            Some(concentration) => WeightNoise::Dirichlet { concentration, level },
            None if self.noise == 0.0 => WeightNoise::Fixed,
            None => WeightNoise::Uniform {
                share: self.noise,
                level,
            },
        };
        let bad = |name: &str, v: &str| {
            vec![Error::new(ictindex::ErrorKind::InvalidOption {
                name: name.into(),
                value: v.into(),
            })]
        };
        let mut normalisations = Vec::new();
        for n in &self.normalisations {
            match Method::parse(n, None, None).map_err(one)? {
                Some(Method::Normalise(m)) => normalisations.push(m),
                _ => return Err(bad("normalisations", n)),
            }
        }
        let mut aggregations = Vec::new();
        for a in &self.aggregations {
            match Method::parse(a, None, None).map_err(one)? {
                Some(Method::Aggregate(m)) => aggregations.push(m),
                _ => return Err(bad("aggregations", a)),
            }
        }
        let mut values = None;
        if self.value_error.is_some() || !self.leaf_error.is_empty() {
            let mut v = ictindex::ValueNoise {
                relative: self.value_error.unwrap_or(0.0),
                ..Default::default()
            };
            for text in &self.leaf_error {
                let (node, e) = text.rsplit_once('=').ok_or_else(|| bad("leaf-error", text))?;
                let e: f64 = e
                    .trim()
                    .replace(',', ".")
                    .parse()
                    .map_err(|_| bad("leaf-error", text))?;
                v.leaves.insert(node.trim().to_string(), e);
            }
            values = Some(v);
        }
        Ok(ictindex::Perturbation {
            weights,
            normalisations,
            aggregations,
            values,
        })
    }
}

/// Writes an analysis result as CSV records, JSON or Markdown.
fn table<T: serde::Serialize>(
    value: &T,
    records: Vec<ictindex::Record>,
    md: impl FnOnce() -> String,
    format: Format,
) -> Run {
    let out = match format {
        Format::Csv => to_csv(&records, false).map_err(one)?,
        Format::Json => json(value)? + "\n",
        Format::Md => md(),
    };
    print(&out)
}

fn chart(
    input: &Input,
    kind: ChartKind,
    node: Option<&str>,
    by: MapBy,
    unit: Option<&str>,
    map34: bool,
    alt: bool,
) -> Run {
    let (data, framework, options) = input.load()?;
    let scored = score(&data, &framework, &options).map_err(one)?;
    let e = scored.edition_index(input.year).map_err(one)?;
    let node = match node {
        Some(code) => framework
            .index_of(code)
            .ok_or_else(|| vec![Error::new(ErrorKind::UnknownNode(code.into()))])?,
        None => framework.root_index(),
    };
    let units: Vec<&str> = unit.map(|u| u.split(',').map(str::trim).collect()).unwrap_or_default();
    let need_unit = || {
        vec![Error::new(ErrorKind::InvalidOption {
            name: "unit".into(),
            value: String::new(),
        })]
    };
    let selected = match units.first() {
        Some(u) => Some(scored.find_unit(e, u).map_err(one)?),
        None => None,
    };
    let code_of = |pos: usize| scored.unit(e, pos).map(|u| u.code.clone()).unwrap_or_default();
    let lang = input.lang;
    let chart = match kind {
        ChartKind::Map => {
            let layout = if map34 { TileLayout::vn34() } else { TileLayout::vn63() };
            let by = match by {
                MapBy::Score => MapValue::Score,
                MapBy::Rank => MapValue::Rank,
                MapBy::Change => MapValue::Change,
            };
            let sel = selected.map(code_of);
            map_svg(&scored, e, node, by, &layout, lang, sel.as_deref())
        }
        ChartKind::Profile => profile_svg(&scored, e, selected.ok_or_else(need_unit)?, lang),
        ChartKind::Bump => {
            let mut codes = Vec::new();
            for u in &units {
                codes.push(code_of(scored.find_unit(e, u).map_err(one)?));
            }
            if codes.is_empty() {
                return Err(need_unit());
            }
            let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
            bump_svg(&scored, node, &refs, lang)
        }
        ChartKind::Distribution => {
            let sel = selected.map(code_of);
            distribution_svg(&scored, None, e, node, sel.as_deref(), lang)
        }
    }
    .map_err(one)?;
    print(&format!("{}\n", if alt { chart.alt } else { chart.svg }))
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
    let text = file_bytes(&input.data).map_err(one)?;
    let data_problems = Dataset::check(&text[..], &input.data);
    let clean = data_problems.is_empty();
    problems.extend(data_problems);
    if let (true, Some(f)) = (clean, &framework) {
        match Dataset::from_bytes(&text, &input.data)
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
            precision: self.precision.0,
            min_share: self.min_share,
            base_year: self.base_year,
        }
    }

    fn scored(&self) -> Result<(ictindex::Scored, Lang), Vec<Error>> {
        let (data, framework, options) = self.load()?;
        Ok((score(&data, &framework, &options).map_err(one)?, self.lang))
    }

    /// The data and framework as read (a COINr pair with `--coinr-meta`), with `--range` applied.
    fn load_raw(&self) -> Result<(Dataset, Framework), Vec<Error>> {
        let (data, framework) = match &self.prep.coinr_meta {
            Some(meta) => {
                let text = file_bytes(&self.data).map_err(one)?;
                let name = if self.data == "-" { "<stdin>" } else { &self.data };
                let c = Coinr::from_readers(
                    &text[..],
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
                    path => file_bytes(path).and_then(|b| Dataset::from_bytes(&b, path)),
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

/// A file's bytes, mapped into memory when the file is large enough for it to
/// pay, else read.
enum FileBytes {
    #[cfg(not(target_arch = "wasm32"))]
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            FileBytes::Mapped(m) => m,
            FileBytes::Read(v) => v,
        }
    }
}

/// From this size on a data file is mapped rather than read.
const MAP_BYTES: u64 = 1 << 20;

/// The bytes of the file at `path` (`-`: standard input). A regular file of
/// [`MAP_BYTES`] or more is mapped into memory: reading it would copy it
/// into a fresh buffer, and faulting that buffer's pages in cost more than
/// the copy (~1,400 page faults for a 5.6 MB file); the mapped file's pages
/// are already in the page cache. Anything else, or a map that fails, is read.
fn file_bytes(path: &str) -> ictindex::Result<FileBytes> {
    let mut buf = Vec::new();
    let read = match path {
        "-" => io::stdin().lock().read_to_end(&mut buf),
        p => {
            let mut file = open(p)?;
            #[cfg(not(target_arch = "wasm32"))]
            if file.metadata().is_ok_and(|m| m.is_file() && m.len() >= MAP_BYTES) {
                // SAFETY: the map is read-only and private to this process. If
                // another process changed or truncated the file while we read
                // it, the bytes would change under us (or the read would
                // fault) — the caveat of every mapped read, as in ripgrep; a
                // data file being rewritten while it is scored is not a case
                // this CLI supports.
                if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                    return Ok(FileBytes::Mapped(map));
                }
            }
            file.read_to_end(&mut buf)
        }
    };
    read.map_err(|e| io_error(e).in_file(path))?;
    Ok(FileBytes::Read(buf))
}

fn io_error(e: io::Error) -> Error {
    Error::new(ErrorKind::Io(e.to_string()))
}

fn one(e: Error) -> Vec<Error> {
    vec![e]
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, Vec<Error>> {
    serde_json::to_string_pretty(value).map_err(|e| vec![Error::new(ErrorKind::Io(e.to_string()))])
}

/// `--timing`: phase times to stderr, as the NumPy peer prints them
/// (`total_in_process` from the start of `main`).
fn print_timing(start: Instant, t0: Instant, t_read: Instant, t_compute: Instant) {
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

fn emit(scored: &ictindex::Scored, year: Option<i64>, format: Format, lang: Lang) -> Run {
    let out = match format {
        Format::Csv => scores_csv(scored, year, None, false).map_err(one)?,
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

/// `ictindex rebase`: the arguments.
#[derive(Args)]
struct RebaseArgs {
    #[command(flatten)]
    input: Input,
    /// Another data file put beside DATA, e.g. a new-map edition to compare with (repeatable).
    #[arg(long = "with", value_name = "DATA")]
    with: Vec<String>,
    /// The map to re-base onto, by the year it took effect.
    #[arg(long, default_value_t = ictindex::MERGER_YEAR)]
    to: i64,
    /// Level averaged over a new unit's former provinces: leaves or pillars.
    #[arg(long, default_value = "leaves", value_parser = parse_from_str::<ictindex::Level>)]
    level: ictindex::Level,
    /// Data column weighting the mean (e.g. population); default: the plain mean.
    #[arg(long)]
    weight_column: Option<String>,
    /// The map the data are on: old or new (default: decided per edition).
    #[arg(long, value_parser = parse_from_str::<ictindex::Geography>)]
    from: Option<ictindex::Geography>,
    /// Old-map CSV with code_2025 (default: the built-in data/provinces.csv).
    #[arg(long)]
    mapping: Option<String>,
    /// New-map CSV with members (default: built in, or read from --mapping's code_2025).
    #[arg(long, requires = "mapping")]
    mapping_units: Option<String>,
    /// Score and rank the re-based units and write the results table.
    #[arg(long)]
    score: bool,
    /// Report on a unit (new, or a former province) and its former provinces' positions.
    #[arg(long, conflicts_with = "score")]
    unit: Option<String>,
    /// Output format (with --unit: json, else text).
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
}

fn parse_from_str<T: std::str::FromStr<Err = Error>>(s: &str) -> Result<T, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

fn rebase(args: RebaseArgs) -> Run {
    let input = &args.input;
    let (data, framework, options) = input.load()?;
    let mapping = match &args.mapping {
        None => ictindex::Mapping::vn_2025(),
        Some(path) => {
            let utf8 = |bytes: &FileBytes, p: &str| -> Result<String, Vec<Error>> {
                std::str::from_utf8(bytes)
                    .map(str::to_owned)
                    .map_err(|_| vec![Error::new(ictindex::ErrorKind::Utf8).in_file(p)])
            };
            let old = utf8(&file_bytes(path).map_err(one)?, path)?;
            let units = match &args.mapping_units {
                Some(p) => Some((utf8(&file_bytes(p).map_err(one)?, p)?, p.as_str())),
                None => None,
            };
            let units = units.as_ref().map(|(text, p)| (text.as_str(), *p));
            ictindex::Mapping::from_csv(&old, path, units, args.to).map_err(one)?
        }
    };
    if args.to != mapping.since() {
        return Err(one(Error::new(ictindex::ErrorKind::InvalidOption {
            name: "--to".into(),
            value: args.to.to_string(),
        })));
    }
    let rebase_options = ictindex::RebaseOptions {
        level: args.level,
        weight: args.weight_column.clone(),
        from: args.from,
    };
    let run = |d: &Dataset| ictindex::rebase(d, &framework, &mapping, &rebase_options, &options).map_err(one);
    let mut rebased = run(&data)?;
    for path in &args.with {
        let more = open(path).and_then(|r| Dataset::from_reader(r, path)).map_err(one)?;
        rebased = rebased.merge(run(&more)?).map_err(one)?;
    }
    if args.score || args.unit.is_some() {
        let scored = rebased.score(&options).map_err(one)?;
        if let Some(unit) = &args.unit {
            let b = rebased.breakdown(&scored, input.year, unit).map_err(one)?;
            return match args.format {
                Format::Json => print(&(json(&b)? + "\n")),
                Format::Csv | Format::Md => print(&b.text(input.lang)),
            };
        }
        return emit(&scored, input.year, args.format, input.lang);
    }
    let out = match args.format {
        Format::Csv => to_csv(&rebased.records(), false).map_err(one)?,
        Format::Json => json(&rebased)? + "\n",
        Format::Md => rebased.markdown(input.lang, input.precision.shown()),
    };
    print(&out)
}

#[cfg(test)]
mod tests {
    /// The kernel reports the flag set before `main` (`THP_enabled: 0` in
    /// /proc/self/status, since Linux 5.0): this test binary holds the
    /// same `.init_array` entry as the CLI.
    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_are_off_from_the_start() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let Some(thp) = status.lines().find_map(|l| l.strip_prefix("THP_enabled:")) else {
            return; // a kernel before 5.0: nothing to read
        };
        assert_eq!(thp.trim(), "0");
    }
}
