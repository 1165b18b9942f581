//! Uncertainty of ranks (Monte Carlo): how far each unit's rank moves when
//! the uncertain inputs of a [`Perturbation`] vary.
//!
//! Sample `k` draws every factor from ChaCha8 stream `k` of the seed, scores
//! the edition with those inputs (normalised data are computed once per
//! normalisation and reused; a sample only re-aggregates and ranks) and adds
//! each unit's rank to a per-unit histogram. Histograms are sums of counts, so
//! a run in one go, in chunks ([`Uncertainty::run`]) or split and merged
//! ([`Uncertainty::run_range`], [`Uncertainty::merge`]) gives the same result.
//!
//! Per unit: the nominal rank, the median and the 5th and 95th percentiles of
//! its sampled ranks with linear interpolation between order statistics
//! (`h = (K − 1)·p`, `x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎)`: R's type 7, NumPy's
//! default, COINr's), and the share of samples in which it ranks in the top N.

use serde::{Deserialize, Serialize};

use super::block::{block_len, run_block, Kernel, Worker};
use super::model::Model;
use super::perturb::{Design, Perturbation};
use super::random::{Key, UNCERTAINTY};
use crate::error::{Error, ErrorKind, Result};
use crate::rank::saturate;
use crate::score::Scored;

/// Settings of an uncertainty run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UncertaintyConfig {
    /// Number of samples K (≥ 1). Default 1000.
    pub samples: usize,
    /// Seed. Default 1.
    pub seed: u64,
    /// N of "share of samples in the top N". Default 10.
    pub top: u32,
    /// What is uncertain.
    pub perturbation: Perturbation,
}

impl Default for UncertaintyConfig {
    fn default() -> Self {
        UncertaintyConfig {
            samples: 1000,
            seed: 1,
            top: 10,
            perturbation: Perturbation::default(),
        }
    }
}

/// One unit's rank interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RankInterval {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Rank with the nominal inputs.
    pub nominal_rank: Option<u32>,
    /// Median sampled rank.
    pub median_rank: Option<f64>,
    /// 5th percentile of the sampled ranks (the better end).
    pub p5_rank: Option<f64>,
    /// 95th percentile of the sampled ranks.
    pub p95_rank: Option<f64>,
    /// Share of samples with rank ≤ top.
    pub top_share: f64,
}

/// The result of an uncertainty run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UncertaintyResult {
    /// Edition year.
    pub year: Option<i64>,
    /// Samples accumulated.
    pub samples: usize,
    /// Seed.
    pub seed: u64,
    /// N of the top-N share.
    pub top: u32,
    /// Units ranked with the nominal inputs.
    pub ranked: u32,
    /// Per unit, in file order.
    pub units: Vec<RankInterval>,
}

/// A Monte Carlo run that can be advanced in chunks (for progress and
/// cancelling in a Web Worker) or split across threads and merged.
///
/// ```
/// use ictindex::{score, Dataset, Framework, Options, Uncertainty, UncertaintyConfig};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.9,.1,.5,.5,.5\nb,.1,.9,.5,.5,.5\nc,.1,.1,.1,.1,.1\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let config = UncertaintyConfig { samples: 200, top: 1, ..Default::default() };
/// let mut run = Uncertainty::new(&s, None, &config).unwrap();
/// while !run.is_done() {
///     run.run(64).unwrap(); // report run.progress() between chunks
/// }
/// let r = run.result();
/// assert_eq!(r.units[2].p5_rank, Some(3.0)); // c is last whatever the weights
/// assert!(r.units[0].top_share > 0.3 && r.units[0].top_share < 0.7); // a and b trade first place
/// assert_eq!(r, ictindex::uncertainty(&s, None, &config).unwrap());
/// ```
#[derive(Clone, Debug)]
pub struct Uncertainty {
    model: Model,
    design: Design,
    config: UncertaintyConfig,
    year: Option<i64>,
    key: Key,
    /// The blocked evaluation, when the design allows it.
    kernel: Option<Kernel>,
    worker: Worker,
    nominal: Vec<u32>,
    ranked: u32,
    /// Every unit's ranks over the samples accumulated.
    tally: Tally,
    next: usize,
    /// [`run`](Uncertainty::run) stops here: the configured count, or the
    /// end of this run's part ([`Uncertainty::limit`]).
    end: usize,
    accumulated: usize,
}

impl Uncertainty {
    /// Prepares a run on edition `year` (`None`: the latest) of `scored`.
    pub fn new(scored: &Scored, year: Option<i64>, config: &UncertaintyConfig) -> Result<Self> {
        if config.samples == 0 || u32::try_from(config.samples).is_err() {
            return Err(Error::new(ErrorKind::InvalidOption {
                name: "samples".into(),
                value: config.samples.to_string(),
            }));
        }
        let e = scored.edition_index(year)?;
        let model = Model::new(scored, e)?;
        let design = Design::new(&model, &config.perturbation)?;
        let kernel = Kernel::new(&model, &design);
        let mut worker = Worker::new(&model, &design);
        // The kernel when it can (no column per node and unit); else the general path.
        let (ranked, nominal) = match kernel.as_ref().and_then(|k| k.nominal(&model, &design, &mut worker)) {
            Some(found) => found,
            None => {
                let mut scratch = model.scratch();
                let ranked = design.nominal(&model, &mut scratch)?;
                (ranked, scratch.ranks)
            }
        };
        let n = model.n;
        Ok(Uncertainty {
            kernel,
            worker,
            tally: Tally::new(n, config.samples),
            year: scored.editions().get(e).and_then(|x| x.year()),
            key: Key::new(config.seed, UNCERTAINTY),
            config: config.clone(),
            design,
            model,
            nominal,
            ranked,
            next: 0,
            end: config.samples,
            accumulated: 0,
        })
    }

    /// Runs up to `count` more samples, continuing from the last one run by
    /// this method; returns the number of samples accumulated.
    pub fn run(&mut self, count: usize) -> Result<usize> {
        let end = self.next.saturating_add(count).min(self.end);
        self.run_range(self.next, end)?;
        self.next = end;
        Ok(self.accumulated)
    }

    /// Runs samples `start..end` (clamped to the configured count). To split
    /// a run, give each part a clone and disjoint ranges, then [`merge`](Self::merge).
    ///
    /// Samples are scored in blocks; natively, large ranges use every core
    /// (rayon), each block on one thread. Every sample's ranks depend only
    /// on its index and the histogram sums whole counts, so the result is
    /// the same however the work is split, and the same in WebAssembly.
    pub fn run_range(&mut self, start: usize, end: usize) -> Result<()> {
        let end = end.min(self.config.samples);
        let start = start.min(end);
        let n = self.model.n.max(1);
        let len = block_len(n);
        #[cfg(not(target_arch = "wasm32"))]
        {
            let threads = rayon::current_num_threads();
            // Worth splitting: at least two blocks per thread's share.
            if threads > 1 && (end - start) * n >= PARALLEL_CELLS && end - start >= 2 * len {
                return self.run_parallel(start, end, len);
            }
        }
        let mut k = start;
        while k < end {
            let stop = (k + len).min(end);
            run_block(
                &self.model,
                &self.design,
                self.kernel.as_ref(),
                &self.key,
                k,
                stop,
                &mut self.worker,
            )
            .map_err(|e| self.model.error(e))?;
            self.tally.add(&[&self.worker.ranks], self.model.n);
            self.accumulated += stop - k;
            k = stop;
        }
        Ok(())
    }

    /// [`run_range`](Self::run_range) on every core: waves of blocks run in
    /// parallel, and each wave's ranks are added in sample order.
    #[cfg(not(target_arch = "wasm32"))]
    fn run_parallel(&mut self, start: usize, end: usize, len: usize) -> Result<()> {
        use rayon::prelude::*;
        let n = self.model.n.max(1);
        let blocks: Vec<(usize, usize)> = (start..end).step_by(len).map(|k| (k, (k + len).min(end))).collect();
        if let Tally::Counts(hist) = &self.tally {
            if hist.len() <= LOCAL_HIST_CELLS {
                return self.run_parallel_counts(&blocks, hist.len());
            }
        }
        // Bounded memory: at most WAVE_CELLS ranks held at once, in buffers
        // that the next wave's blocks fill again (already faulted in).
        let wave = (WAVE_CELLS / (len * n)).max(2 * rayon::current_num_threads());
        let spare = std::sync::Mutex::new(Vec::<Vec<u32>>::new());
        for part in blocks.chunks(wave) {
            let (model, design, kernel, key) = (&self.model, &self.design, self.kernel.as_ref(), &self.key);
            let results: Vec<std::result::Result<Vec<u32>, super::model::NonPositive>> = part
                .par_iter()
                .map_init(
                    || Worker::new(model, design),
                    |w, &(a, b)| {
                        if w.ranks.capacity() == 0 {
                            w.ranks = spare.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
                        }
                        run_block(model, design, kernel, key, a, b, w)?;
                        Ok(std::mem::take(&mut w.ranks))
                    },
                )
                .collect();
            // The wave's blocks up to the first failure, added at once.
            let mut done = Vec::with_capacity(part.len());
            let mut failed = None;
            for (r, &(a, b)) in results.into_iter().zip(part) {
                match r {
                    Ok(ranks) => {
                        done.push(ranks);
                        self.accumulated += b - a;
                    }
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let blocks: Vec<&[u32]> = done.iter().map(Vec::as_slice).collect();
            self.tally.add(&blocks, self.model.n);
            if let Ok(mut s) = spare.lock() {
                s.extend(done);
            }
            if let Some(e) = failed {
                return Err(self.model.error(e));
            }
        }
        Ok(())
    }

    /// [`run_parallel`](Self::run_parallel) when the tally is histograms
    /// small enough for each rayon job to keep its own: each block's ranks go
    /// straight into its job's histograms (no ranks held, nothing added
    /// afterwards on one thread), and the histograms are summed. Counts are
    /// whole numbers, so the sums are those of one thread. A failure adds
    /// nothing of these blocks.
    #[cfg(not(target_arch = "wasm32"))]
    fn run_parallel_counts(&mut self, blocks: &[(usize, usize)], cells: usize) -> Result<()> {
        use rayon::prelude::*;
        let n = self.model.n;
        let (model, design, kernel, key) = (&self.model, &self.design, self.kernel.as_ref(), &self.key);
        type Part = (Vec<u32>, usize, Option<super::model::NonPositive>);
        let sum = |(mut h, done, failed): Part, (h2, done2, failed2): Part| {
            add_counts(&mut h, &h2);
            (h, done + done2, failed.or(failed2))
        };
        let (hist, done, failed) = blocks
            .par_iter()
            .fold(
                || (Worker::new(model, design), vec![0u32; cells], 0usize, None),
                |(mut w, mut h, done, failed), &(a, b)| {
                    if failed.is_some() {
                        return (w, h, done, failed);
                    }
                    match run_block(model, design, kernel, key, a, b, &mut w) {
                        Ok(()) => {
                            add_blocks(&mut h, &[&w.ranks], n);
                            (w, h, done + (b - a), None)
                        }
                        Err(e) => (w, h, done, Some(e)),
                    }
                },
            )
            .map(|(_, h, done, failed)| (h, done, failed))
            .reduce(|| (vec![0u32; cells], 0, None), sum);
        if let Some(e) = failed {
            return Err(self.model.error(e));
        }
        self.tally.merge(&Tally::Counts(hist));
        self.accumulated += done;
        Ok(())
    }

    /// Adds the samples accumulated by `other` (a clone run on other ranges).
    pub fn merge(&mut self, other: &Uncertainty) {
        self.tally.merge(&other.tally);
        self.accumulated += other.accumulated;
    }

    /// (samples accumulated, samples configured).
    pub fn progress(&self) -> (usize, usize) {
        (self.accumulated, self.config.samples)
    }

    /// Whether every configured sample has been accumulated, or, for one
    /// part of a split run ([`limit`](Self::limit)), every sample of the part.
    pub fn is_done(&self) -> bool {
        self.accumulated >= self.config.samples || self.next >= self.end
    }

    /// Makes this run one part of a run split across threads or Web Workers:
    /// [`run`](Self::run) then goes through samples `start..end` only
    /// (clamped to the configured count). Every part is built alike (or
    /// cloned) and limited to its own range; one part takes the others'
    /// samples with [`merge`](Self::merge), or, from a worker that shares no
    /// memory, with [`merge_words`](Self::merge_words) of their
    /// [`tally_words`](Self::tally_words). A sample's ranks depend only on its
    /// index, so the parts together give exactly the result of one run.
    /// Errors once samples have run.
    ///
    /// ```
    /// use ictindex::{score, Dataset, Framework, Options, Uncertainty, UncertaintyConfig};
    /// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.6,.5,.6,.5,.6\nb,.5,.6,.5,.6,.5\nc,.2,.2,.2,.2,.2\n").unwrap();
    /// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
    /// let config = UncertaintyConfig { samples: 500, ..Default::default() };
    /// let whole = ictindex::uncertainty(&s, None, &config).unwrap();
    /// let (mut lead, mut other) = (Uncertainty::new(&s, None, &config).unwrap(), Uncertainty::new(&s, None, &config).unwrap());
    /// lead.limit(0, 200).unwrap();
    /// other.limit(200, 500).unwrap();
    /// while !lead.is_done() { lead.run(64).unwrap(); }
    /// while !other.is_done() { other.run(64).unwrap(); }
    /// lead.merge_words(&other.tally_words()).unwrap();
    /// assert_eq!(lead.result(), whole);
    /// ```
    pub fn limit(&mut self, start: usize, end: usize) -> Result<()> {
        if self.accumulated > 0 || self.next > 0 {
            return Err(Error::new(ErrorKind::ForeignPart));
        }
        self.end = end.min(self.config.samples);
        self.next = start.min(self.end);
        Ok(())
    }

    /// The samples accumulated, as plain numbers for another part of the
    /// same split run to add with [`merge_words`](Self::merge_words) (how a
    /// Web Worker hands its part over): a three-word header (form, units,
    /// samples), then the histograms, or each unit's ranks in sample order.
    pub fn tally_words(&self) -> Vec<u32> {
        let head = |form: u32| [form, saturate(self.model.n), saturate(self.accumulated)];
        match &self.tally {
            Tally::Counts(hist) => head(WORDS_COUNTS).into_iter().chain(hist.iter().copied()).collect(),
            Tally::Narrow(lists) => lists.words(head(WORDS_LISTS)),
            Tally::Wide(lists) => lists.words(head(WORDS_LISTS)),
        }
    }

    /// Adds the samples of another part of this run, from its
    /// [`tally_words`](Self::tally_words). Errors, changing nothing, when they
    /// are not a part of a run like this one (another number of units,
    /// another form, more samples than configured, a rank out of range).
    pub fn merge_words(&mut self, words: &[u32]) -> Result<()> {
        let foreign = || Error::new(ErrorKind::ForeignPart);
        let n = self.model.n;
        let Some((&[form, units, samples], body)) = words.split_first_chunk::<HEAD>() else {
            return Err(foreign());
        };
        let samples = samples as usize;
        let fits = units as usize == n
            && self
                .accumulated
                .checked_add(samples)
                .is_some_and(|t| t <= self.config.samples);
        // Every unit's counts add up to the samples (one rank, or none, each).
        let counts_ok = || {
            body.chunks_exact(n + 1)
                .all(|unit| unit.iter().map(|&c| u64::from(c)).sum::<u64>() == samples as u64)
        };
        match &mut self.tally {
            Tally::Counts(hist) if fits && form == WORDS_COUNTS && body.len() == hist.len() && counts_ok() => {
                add_counts(hist, body);
            }
            Tally::Narrow(lists) if fits && form == WORDS_LISTS => {
                lists.merge_words(body, samples).ok_or_else(foreign)?
            }
            Tally::Wide(lists) if fits && form == WORDS_LISTS => {
                lists.merge_words(body, samples).ok_or_else(foreign)?
            }
            _ => return Err(foreign()),
        }
        self.accumulated += samples;
        Ok(())
    }

    /// The intervals from the samples accumulated so far.
    pub fn result(&self) -> UncertaintyResult {
        let n = self.model.n;
        let in_turn = || {
            let mut counts = Counts::new(n);
            (0..n).map(|pos| self.interval(&mut counts, pos)).collect()
        };
        // Units are independent: natively, many take every core (each with
        // its own counting buffer); the intervals are the same either way.
        #[cfg(not(target_arch = "wasm32"))]
        let units = if n >= PARALLEL_UNITS {
            use rayon::prelude::*;
            (0..n)
                .into_par_iter()
                .with_min_len(PARALLEL_UNITS / 2)
                .map_init(|| Counts::new(n), |counts, pos| self.interval(counts, pos))
                .collect()
        } else {
            in_turn()
        };
        #[cfg(target_arch = "wasm32")]
        let units = in_turn();
        UncertaintyResult {
            year: self.year,
            samples: self.accumulated,
            seed: self.config.seed,
            top: self.config.top,
            ranked: self.ranked,
            units,
        }
    }

    /// Unit `pos`'s rank interval over the samples accumulated.
    fn interval(&self, counts: &mut Counts, pos: usize) -> RankInterval {
        let k = self.accumulated as u64;
        let (h, lowest) = counts.of(&self.tally, pos);
        let ranks = h.get(1..).unwrap_or(&[]);
        // Every sample adds one count per unit: the ranked ones are all but `h[0]`.
        let total = k.saturating_sub(h.first().map_or(0, |&c| u64::from(c)));
        let top: u64 = ranks.iter().take(self.config.top as usize).map(|&c| u64::from(c)).sum();
        // No rank below `lowest` occurred: the scan starts there.
        let skip = lowest.saturating_sub(1);
        let [p5, median, p95] = quantiles(ranks, skip, total, [0.05, 0.5, 0.95]);
        RankInterval {
            code: self.model.codes.get(pos).cloned().unwrap_or_default(),
            name: self.model.names.get(pos).cloned().unwrap_or_default(),
            nominal_rank: self.nominal.get(pos).copied().filter(|&r| r > 0),
            median_rank: median,
            p5_rank: p5,
            p95_rank: p95,
            top_share: if k == 0 { 0.0 } else { top as f64 / k as f64 },
        }
    }
}

/// Words in the header of [`Uncertainty::tally_words`].
const HEAD: usize = 3;
/// [`Uncertainty::tally_words`]' first word: histograms follow.
const WORDS_COUNTS: u32 = 1;
/// [`Uncertainty::tally_words`]' first word: each unit's ranks follow.
const WORDS_LISTS: u32 = 2;

/// From this many units on, a native [`Uncertainty::result`] uses every core.
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_UNITS: usize = 2048;

/// Runs every sample of `config` on edition `year` of `scored`.
///
/// ```
/// use ictindex::{score, uncertainty, Dataset, Framework, Options, UncertaintyConfig};
/// let d = Dataset::from_str("code,HTKT,HTNL,UD,SXKD,MT\na,.6,.6,.6,.6,.6\nb,.5,.5,.5,.5,.5\n").unwrap();
/// let s = score(&d, &Framework::vn_ict(), &Options::default()).unwrap();
/// let r = uncertainty(&s, None, &UncertaintyConfig { samples: 100, top: 1, ..Default::default() }).unwrap();
/// // a is better on every pillar: no weighting moves it.
/// assert_eq!((r.units[0].p5_rank, r.units[0].p95_rank), (Some(1.0), Some(1.0)));
/// assert_eq!(r.units[0].top_share, 1.0);
/// assert_eq!(r.units[1].median_rank, Some(2.0));
/// ```
pub fn uncertainty(scored: &Scored, year: Option<i64>, config: &UncertaintyConfig) -> Result<UncertaintyResult> {
    let mut u = Uncertainty::new(scored, year, config)?;
    u.run(config.samples)?;
    Ok(u.result())
}

/// Score cells (samples × units) from which a native run uses every core.
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_CELLS: usize = 1 << 16;
/// Histogram cells (`n × (n + 1)`, 256 units: 257 KB) up to which each job
/// of a parallel run keeps its own histograms.
#[cfg(not(target_arch = "wasm32"))]
const LOCAL_HIST_CELLS: usize = 256 * 257;
/// Ranks held at once by a parallel run (2 M: 8 MB).
#[cfg(not(target_arch = "wasm32"))]
const WAVE_CELLS: usize = 1 << 21;

/// Every unit's ranks over the samples accumulated, kept in whichever form
/// is smaller: with more samples than ranks, a histogram of counts per unit;
/// with fewer (e.g. 1,000 samples of 10,000 units: 20 MB instead of 400 MB),
/// each sample's rank per unit. Both give the same counts, so the same result.
#[derive(Clone, Debug, PartialEq)]
enum Tally {
    /// `hist[pos * (n + 1) + rank]`: samples where unit `pos` had `rank` (0 = unranked).
    Counts(Vec<u32>),
    /// Unit by unit, its rank in each sample accumulated, as `u16` when
    /// every rank fits (at most 65,535 units): half the memory to fill.
    Narrow(RankLists<u16>),
    /// As `Narrow`, for more units.
    Wide(RankLists<u32>),
}

impl Tally {
    /// The smaller form for `n` units and `samples` samples.
    fn new(n: usize, samples: usize) -> Self {
        if samples > n {
            Tally::Counts(vec![0; n * (n + 1)])
        } else if n <= usize::from(u16::MAX) {
            Tally::Narrow(RankLists::new(n, samples))
        } else {
            Tally::Wide(RankLists::new(n, samples))
        }
    }

    /// Adds blocks' ranks (each `b * n + pos`).
    fn add(&mut self, blocks: &[&[u32]], n: usize) {
        match self {
            Tally::Counts(hist) => add_blocks(hist, blocks, n),
            Tally::Narrow(lists) => lists.add(blocks),
            Tally::Wide(lists) => lists.add(blocks),
        }
    }

    /// Adds `other`'s samples (same form: both made for the same run).
    fn merge(&mut self, other: &Tally) {
        match (self, other) {
            (Tally::Counts(a), Tally::Counts(b)) => add_counts(a, b),
            (Tally::Narrow(a), Tally::Narrow(b)) => a.merge(b),
            (Tally::Wide(a), Tally::Wide(b)) => a.merge(b),
            _ => {}
        }
    }
}

/// Adds histogram counts `from` to `into` (saturating: counts handed over
/// by another worker are not trusted to stay in range).
fn add_counts(into: &mut [u32], from: &[u32]) {
    for (a, &b) in into.iter_mut().zip(from) {
        *a = a.saturating_add(b);
    }
}

/// A rank as [`RankLists`] store it (0 = unranked).
trait StoredRank: Copy + Default + PartialEq + Send + Sync + std::fmt::Debug {
    /// From a rank the type holds: [`Tally::new`] picks the type from the
    /// number of units, and no rank exceeds it.
    fn store(rank: u32) -> Self;
    fn load(self) -> u32;
}

impl StoredRank for u16 {
    fn store(rank: u32) -> Self {
        rank as u16
    }
    fn load(self) -> u32 {
        u32::from(self)
    }
}

impl StoredRank for u32 {
    fn store(rank: u32) -> Self {
        rank
    }
    fn load(self) -> u32 {
        self
    }
}

/// Every unit's rank in each sample accumulated, one row per unit: unit
/// `pos`'s ranks are `ranks[pos * cap..pos * cap + len]`, in sample order.
/// Rows are written in place, [`HIST_UNITS`] of them at a time across a
/// wave's samples, with no per-rank bookkeeping; the zeroed capacity is
/// only faulted in as it is written.
#[derive(Clone, Debug, PartialEq)]
struct RankLists<R> {
    /// Number of units (rows).
    n: usize,
    /// Samples each row has room for.
    cap: usize,
    /// Samples accumulated (the same in every row).
    len: usize,
    ranks: Vec<R>,
}

impl<R: StoredRank> RankLists<R> {
    fn new(n: usize, samples: usize) -> Self {
        RankLists {
            n,
            cap: samples,
            len: 0,
            ranks: vec![R::default(); n * samples],
        }
    }

    /// Unit `pos`'s ranks, one per sample accumulated.
    fn row(&self, pos: usize) -> &[R] {
        let at = pos * self.cap;
        self.ranks.get(at..at + self.len).unwrap_or(&[])
    }

    /// Room for `more` samples in every row (moving the rows when it grows;
    /// a run sized for its samples never does).
    fn reserve(&mut self, more: usize) {
        let need = self.len + more;
        if need <= self.cap {
            return;
        }
        let cap = need.max(2 * self.cap);
        let mut ranks = vec![R::default(); self.n * cap];
        for pos in 0..self.n {
            let row = self.row(pos);
            if let Some(to) = ranks.get_mut(pos * cap..pos * cap + row.len()) {
                to.copy_from_slice(row);
            }
        }
        self.ranks = ranks;
        self.cap = cap;
    }

    /// Appends blocks' ranks (each `b * n + pos`) to the rows, [`HIST_UNITS`]
    /// rows at a time across every sample: natively, large waves take every
    /// core (each group of rows on one).
    fn add(&mut self, blocks: &[&[u32]]) {
        let n = self.n;
        if n == 0 {
            return;
        }
        let samples: usize = blocks.iter().map(|b| b.len() / n).sum();
        self.reserve(samples);
        let (cap, len) = (self.cap, self.len);
        let add = |(t, rows): (usize, &mut [R])| {
            let p0 = t * HIST_UNITS;
            // Sample by sample: its ranks are read in a run, and the rows'
            // next slots (one cache line each) stay in cache.
            for (at, sample) in (len..).zip(blocks.iter().flat_map(|b| b.chunks_exact(n))) {
                let part = sample.get(p0..).unwrap_or(&[]);
                for (row, &r) in rows.chunks_exact_mut(cap).zip(part) {
                    if let Some(slot) = row.get_mut(at) {
                        *slot = R::store(r);
                    }
                }
            }
        };
        let group = HIST_UNITS * cap;
        if group > 0 {
            #[cfg(not(target_arch = "wasm32"))]
            {
                use rayon::prelude::*;
                if samples * n >= PARALLEL_ADD {
                    self.ranks.par_chunks_mut(group).enumerate().for_each(add);
                    self.len += samples;
                    return;
                }
            }
            self.ranks.chunks_mut(group).enumerate().for_each(add);
        }
        self.len += samples;
    }

    /// `head`, then every unit's ranks in sample order.
    fn words(&self, head: [u32; HEAD]) -> Vec<u32> {
        let mut words = Vec::with_capacity(HEAD + self.n * self.len);
        words.extend(head);
        for pos in 0..self.n {
            words.extend(self.row(pos).iter().map(|r| r.load()));
        }
        words
    }

    /// Appends `samples` samples given as every unit's ranks in sample
    /// order; `None`, changing nothing, unless `ranks` is `n × samples`
    /// long and every rank is at most `n`.
    fn merge_words(&mut self, ranks: &[u32], samples: usize) -> Option<()> {
        if Some(ranks.len()) != self.n.checked_mul(samples) || ranks.iter().any(|&r| r as usize > self.n) {
            return None;
        }
        self.append(samples, |pos| ranks.get(pos * samples..(pos + 1) * samples), R::store);
        Some(())
    }

    /// Appends `other`'s samples to every row.
    fn merge(&mut self, other: &RankLists<R>) {
        if other.n == self.n {
            self.append(other.len, |pos| Some(other.row(pos)), |r| r);
        }
    }

    /// Appends `samples` samples to every row, unit `pos`'s from `row(pos)`.
    fn append<'a, S: Copy + 'a>(
        &mut self,
        samples: usize,
        row: impl Fn(usize) -> Option<&'a [S]>,
        store: impl Fn(S) -> R,
    ) {
        self.reserve(samples);
        let (cap, len) = (self.cap, self.len);
        for pos in 0..self.n {
            let to = self.ranks.get_mut(pos * cap + len..pos * cap + len + samples);
            if let (Some(to), Some(from)) = (to, row(pos)) {
                for (t, &r) in to.iter_mut().zip(from) {
                    *t = store(r);
                }
            }
        }
        self.len += samples;
    }
}

/// One unit's histogram at a time, read from a [`Tally`].
struct Counts {
    /// For rank lists: `n + 1` counts, those of unit `last` (or none).
    buffer: Vec<u32>,
    last: Option<usize>,
}

impl Counts {
    fn new(n: usize) -> Self {
        Counts {
            buffer: vec![0; n + 1],
            last: None,
        }
    }

    /// Unit `pos`'s counts by rank (`[0]`: unranked), `n + 1` of them, and
    /// a rank no higher than its lowest (best) rank that occurred (1 when
    /// not known).
    fn of<'a>(&'a mut self, tally: &'a Tally, pos: usize) -> (&'a [u32], usize) {
        let n1 = self.buffer.len();
        match tally {
            Tally::Counts(hist) => (hist.get(pos * n1..(pos + 1) * n1).unwrap_or(&[]), 1),
            Tally::Narrow(lists) => self.count(lists, pos),
            Tally::Wide(lists) => self.count(lists, pos),
        }
    }

    /// Counts unit `pos`'s row of `lists`, after clearing the last unit's counts.
    fn count<R: StoredRank>(&mut self, lists: &RankLists<R>, pos: usize) -> (&[u32], usize) {
        if let Some(prev) = self.last {
            for &r in lists.row(prev) {
                if let Some(c) = self.buffer.get_mut(r.load() as usize) {
                    *c = 0;
                }
            }
        }
        self.last = Some(pos);
        let mut lowest = u32::MAX;
        for &r in lists.row(pos) {
            let r = r.load();
            if let Some(c) = self.buffer.get_mut(r as usize) {
                *c += 1;
            }
            // 0 (unranked) wraps to the largest: never the lowest.
            lowest = lowest.min(r.wrapping_sub(1));
        }
        let lowest = usize::try_from(lowest).map_or(1, |l| l.saturating_add(1));
        (&self.buffer, lowest)
    }
}

/// From this many sampled ranks on, a native [`RankLists::add`] uses every core.
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_ADD: usize = 1 << 20;

/// Units whose histograms take every sample of a wave together.
const HIST_UNITS: usize = 64;

/// Adds blocks' ranks (each `b * n + pos`) to the histograms, [`HIST_UNITS`]
/// units at a time across every sample of every block: those units' rows
/// stay in cache (on 10,000 units the rows take 400 MB) while the samples'
/// ranks are read in runs. The counts are whole numbers, so the order of the
/// additions does not matter.
fn add_blocks(hist: &mut [u32], blocks: &[&[u32]], n: usize) {
    let n1 = n + 1;
    if n == 0 {
        return;
    }
    for (t, rows) in hist.chunks_mut(HIST_UNITS * n1).enumerate() {
        let p0 = t * HIST_UNITS;
        for ranks in blocks {
            for sample in ranks.chunks_exact(n) {
                let part = sample.get(p0..).unwrap_or(&[]);
                for (row, &r) in rows.chunks_exact_mut(n1).zip(part) {
                    if let Some(h) = row.get_mut(r as usize) {
                        *h += 1;
                    }
                }
            }
        }
    }
}

/// Type-7 quantiles `ps` (ascending) of the `total` values counted in `hist`
/// (`hist[i]` = how many equal `i + 1`; see the module docs), in one pass
/// that starts after the first `skip` counts (known to be 0) and stops at
/// the last order statistic needed.
pub(crate) fn quantiles<const P: usize>(hist: &[u32], skip: usize, total: u64, ps: [f64; P]) -> [Option<f64>; P] {
    if total == 0 {
        return [None; P];
    }
    // Per p: the order statistics j and j + 1 (0-based) and the fraction.
    let parts = ps.map(|p| {
        let h = (total - 1) as f64 * p;
        let j = h.floor();
        (j as u64, h - j)
    });
    let mut want: Vec<u64> = parts.iter().flat_map(|&(j, f)| [j, j + u64::from(f > 0.0)]).collect();
    want.sort_unstable();
    want.dedup();
    let mut found = vec![hist.len() as f64; want.len()];
    let mut next = 0;
    let mut cum = 0u64;
    // Runs of zero counts (most of a unit's ranks never occur) are skipped 16 at a time.
    let skip = skip.min(hist.len());
    'scan: for (ci, chunk) in hist.get(skip..).unwrap_or(&[]).chunks(16).enumerate() {
        if chunk.iter().fold(0, |a, &c| a | c) == 0 {
            continue;
        }
        for (ii, &c) in chunk.iter().enumerate() {
            let i = skip + ci * 16 + ii;
            cum += u64::from(c);
            while let Some(&j) = want.get(next) {
                if cum <= j {
                    break;
                }
                if let Some(x) = found.get_mut(next) {
                    *x = (i + 1) as f64;
                }
                next += 1;
                if next == want.len() {
                    break 'scan;
                }
            }
        }
    }
    let stat = |j: u64| {
        want.binary_search(&j)
            .ok()
            .and_then(|i| found.get(i).copied())
            .unwrap_or(hist.len() as f64)
    };
    parts.map(|(j, frac)| {
        let a = stat(j);
        if frac == 0.0 {
            return Some(a);
        }
        Some(a + frac * (stat(j + 1) - a))
    })
}

/// Type-7 quantile `p` of the `total` values counted in `hist` (see the module docs).
#[cfg(test)]
fn quantile(hist: &[u32], total: u64, p: f64) -> Option<f64> {
    let [q] = quantiles(hist, 0, total, [p]);
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::model::tests::random_case;
    use crate::analyse::perturb::{WeightLevel, WeightNoise};
    use crate::analyse::random::uniform;
    use crate::{score, Framework, Normalisation, Options};

    /// Type-7 quantiles of small integers agree to rounding.
    const QUANTILE: f64 = 1e-12;

    /// Type 7 on a sorted list, written from the definition.
    fn type7(sorted: &[f64], p: f64) -> f64 {
        let h = (sorted.len() - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(sorted.len() - 1);
        sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
    }

    #[test]
    fn histogram_quantiles_match_the_definition() {
        let mut rng = Key::new(3, 3).stream(0);
        for len in [1usize, 2, 3, 7, 100, 101] {
            let mut xs: Vec<f64> = (0..len).map(|_| (uniform(&mut rng) * 9.0).floor() + 1.0).collect();
            xs.sort_by(f64::total_cmp);
            let mut hist = vec![0u32; 9];
            for &x in &xs {
                hist[x as usize - 1] += 1;
            }
            for p in [0.0, 0.05, 0.25, 0.5, 0.95, 1.0] {
                let q = quantile(&hist, len as u64, p).unwrap();
                assert!((q - type7(&xs, p)).abs() < QUANTILE, "len {len} p {p}");
            }
            let three = quantiles(&hist, 0, len as u64, [0.05, 0.5, 0.95]);
            for (q, p) in three.iter().zip([0.05, 0.5, 0.95]) {
                assert!((q.unwrap() - type7(&xs, p)).abs() < QUANTILE, "len {len} p {p}");
            }
        }
        // Wide, sparse histograms (long runs of zeros are skipped).
        for len in [1usize, 5, 40, 999] {
            let mut xs: Vec<f64> = (0..len)
                .map(|i| {
                    let spread = if i % 7 == 0 { 900.0 } else { 20.0 };
                    (uniform(&mut rng) * spread).floor() + 400.0 - f64::from(u8::from(i % 11 == 0)) * 390.0
                })
                .collect();
            xs.sort_by(f64::total_cmp);
            let mut hist = vec![0u32; 1400];
            for &x in &xs {
                hist[x as usize - 1] += 1;
            }
            let got = quantiles(&hist, 0, len as u64, [0.05, 0.5, 0.95]);
            for (q, p) in got.iter().zip([0.05, 0.5, 0.95]) {
                assert!((q.unwrap() - type7(&xs, p)).abs() < QUANTILE, "len {len} p {p}");
            }
            // Starting the scan at the lowest value (or anywhere before it)
            // gives the same bits.
            let lowest = xs[0] as usize;
            for skip in [lowest - 1, lowest / 2, lowest.saturating_sub(17)] {
                let from = quantiles(&hist, skip, len as u64, [0.05, 0.5, 0.95]);
                assert_eq!(
                    from.map(|q| q.map(f64::to_bits)),
                    got.map(|q| q.map(f64::to_bits)),
                    "skip {skip}"
                );
            }
        }
        assert_eq!(quantile(&[0, 0], 0, 0.5), None);
        // Median of an even count is the mean of the two middle values.
        assert_eq!(quantile(&[1, 0, 1], 2, 0.5), Some(2.0));
    }

    fn config(samples: usize) -> UncertaintyConfig {
        UncertaintyConfig {
            samples,
            seed: 42,
            top: 5,
            perturbation: Perturbation {
                weights: WeightNoise::Uniform {
                    share: 0.4,
                    level: WeightLevel::All,
                },
                ..Default::default()
            },
        }
    }

    #[test]
    fn matches_a_per_sample_rescore_by_the_core() {
        // Independent method: redraw each sample's multipliers (same streams,
        // same order: nodes by declaration), make the framework with those
        // weights, score it with `score()`, and take type-7 percentiles of
        // the sorted ranks.
        let (d, f) = random_case(11, 30, true);
        let o = Options::default();
        let scored = score(&d, &f, &o).unwrap();
        let cfg = config(300);
        let r = uncertainty(&scored, None, &cfg).unwrap();
        let key = Key::new(cfg.seed, UNCERTAINTY);
        let mut per_unit: Vec<Vec<f64>> = vec![Vec::new(); 30];
        let mut top = [0usize; 30];
        for k in 0..cfg.samples {
            let mut rng = key.stream(k as u64);
            let mut g = f.clone();
            for node in f.nodes() {
                if node.depth >= 1 {
                    let u = uniform(&mut rng);
                    g = g
                        .with_weight(node.code(), node.spec.weight * (1.0 + 0.4 * (2.0 * u - 1.0)))
                        .unwrap();
                }
            }
            let s = score(&d, &g, &o).unwrap();
            for (pos, ranks) in per_unit.iter_mut().enumerate() {
                let rk = s.editions()[0].rank(g.root_index(), pos).unwrap();
                ranks.push(rk as f64);
                top[pos] += usize::from(rk <= 5);
            }
        }
        for (pos, u) in r.units.iter().enumerate() {
            let mut xs = per_unit[pos].clone();
            xs.sort_by(f64::total_cmp);
            assert!((u.median_rank.unwrap() - type7(&xs, 0.5)).abs() < QUANTILE);
            assert!((u.p5_rank.unwrap() - type7(&xs, 0.05)).abs() < QUANTILE);
            assert!((u.p95_rank.unwrap() - type7(&xs, 0.95)).abs() < QUANTILE);
            assert_eq!(u.top_share, top[pos] as f64 / 300.0);
            assert_eq!(u.nominal_rank, scored.editions()[0].rank(f.root_index(), pos));
        }
        // The weights did move some ranks.
        assert!(r.units.iter().any(|u| u.p5_rank != u.p95_rank));
    }

    #[test]
    fn nominal_ranks_are_the_published_ones_on_a_0_to_100_range() {
        // Min-max leaves are rescaled onto 0–100, z-scores are not: the
        // analysis must weigh them as scoring does, or the ranks differ.
        let fw = "code,parent,weight,direction,method,range\nI,,1,1,arithmetic,0..100\n\
                  P,I,1,1,arithmetic,\na,P,1,1,minmax,\nb,P,1,1,zscore,\nc,P,1,1,zscore,\n";
        let f = Framework::from_str(fw).unwrap();
        let mut rng = crate::analyse::random::Key::new(4, 4).stream(0);
        let mut text = String::from("code,a,b,c\n");
        for u in 0..40 {
            let [a, b, c] = [0; 3].map(|_| 10.0 * uniform(&mut rng));
            text.push_str(&format!("u{u},{a},{b},{c}\n"));
        }
        let d = crate::Dataset::from_str(&text).unwrap();
        let scored = score(&d, &f, &Options::default()).unwrap();
        let config = UncertaintyConfig {
            samples: 20,
            ..UncertaintyConfig::default()
        };
        let r = uncertainty(&scored, None, &config).unwrap();
        for (pos, u) in r.units.iter().enumerate() {
            assert_eq!(
                u.nominal_rank,
                scored.editions()[0].rank(f.root_index(), pos),
                "unit {pos}"
            );
        }
    }

    #[test]
    fn rank_lists_give_what_histograms_give() {
        // Fewer samples than units: ranks kept per unit (lists), on every
        // core natively; the same run tallied as histograms, in chunks, and
        // split and merged, gives the same intervals.
        let (d, f) = random_case(11, 1000, true);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let cfg = config(600);
        #[cfg(not(target_arch = "wasm32"))]
        const {
            assert!(1000 * 600 >= PARALLEL_CELLS)
        };
        assert!(600 >= 2 * block_len(1000));
        let whole = uncertainty(&scored, None, &cfg).unwrap();
        let fresh = Uncertainty::new(&scored, None, &cfg).unwrap();
        assert!(matches!(fresh.tally, Tally::Narrow(_)));
        let mut counted = fresh.clone();
        counted.tally = Tally::Counts(vec![0; 1000 * 1001]);
        counted.run(600).unwrap();
        assert_eq!(counted.result(), whole);
        // Wide rows, and rows that start too short and grow, hold the same.
        for tally in [
            Tally::Wide(RankLists::new(1000, 600)),
            Tally::Narrow(RankLists::new(1000, 7)),
        ] {
            let mut other = fresh.clone();
            other.tally = tally;
            other.run(600).unwrap();
            assert_eq!(other.result(), whole);
        }
        let mut chunked = fresh.clone();
        while !chunked.is_done() {
            chunked.run(13).unwrap();
        }
        assert_eq!(chunked.tally, {
            let mut one = fresh.clone();
            one.run(600).unwrap();
            one.tally
        });
        assert_eq!(chunked.result(), whole);
        let (mut a, mut b) = (fresh.clone(), fresh);
        b.run_range(250, 600).unwrap();
        a.run_range(0, 250).unwrap();
        a.merge(&b);
        assert_eq!(a.result(), whole);
        // The weights move ranks: real intervals, not points.
        assert!(whole.units.iter().any(|u| u.p5_rank != u.p95_rank));
        // Reading units out of order gives each unit its own counts.
        let mut counts = Counts::new(1000);
        let (later, lowest) = counts.of(&a.tally, 7);
        let later = later.to_vec();
        let _ = counts.of(&a.tally, 3);
        assert_eq!(counts.of(&a.tally, 7), (&later[..], lowest));
        assert_eq!(later.iter().map(|&c| u64::from(c)).sum::<u64>(), 600);
        // The lowest rank reported is the first that occurred.
        assert_eq!(later.iter().skip(1).position(|&c| c > 0), Some(lowest - 1));
    }

    #[test]
    fn rank_lists_keep_every_sample_in_order() {
        // Enough ranks for the parallel add natively: each unit's list gets
        // its samples in sample order, whichever core adds them.
        let n = 3001;
        let mut rng = Key::new(7, 7).stream(0);
        let mut next = || (uniform(&mut rng) * (n + 1) as f64) as u32;
        let a: Vec<u32> = (0..n * 200).map(|_| next()).collect();
        let b: Vec<u32> = (0..n * 150).map(|_| next()).collect();
        assert!(a.len() + b.len() >= 1 << 20);
        let want = |pos: usize| -> Vec<u32> {
            a.chunks_exact(n)
                .chain(b.chunks_exact(n))
                .chain(b[..n * 3].chunks_exact(n))
                .map(|sample| sample[pos])
                .collect()
        };
        // From no room at all: the rows grow on each add, keeping what they hold.
        let mut narrow = RankLists::<u16>::new(n, 0);
        let mut wide = RankLists::<u32>::new(n, 0);
        for blocks in [&[&a[..], &b[..]][..], &[&b[..n * 3]][..]] {
            narrow.add(blocks);
            wide.add(blocks);
        }
        assert_eq!((narrow.len, wide.len), (353, 353));
        for pos in 0..n {
            let want = want(pos);
            assert_eq!(wide.row(pos), &want[..], "unit {pos}");
            assert!(
                narrow.row(pos).iter().map(|&r| u32::from(r)).eq(want.iter().copied()),
                "unit {pos}"
            );
        }
        // Merged: one's samples after the other's.
        let mut merged = RankLists::<u16>::new(n, 400);
        merged.add(&[&b[..n * 3]]);
        merged.merge(&narrow);
        assert_eq!(merged.len, 356);
        for pos in (0..n).step_by(101) {
            let mut expect: Vec<u16> = b[..n * 3].chunks_exact(n).map(|s| s[pos] as u16).collect();
            expect.extend_from_slice(narrow.row(pos));
            assert_eq!(merged.row(pos), &expect[..], "unit {pos}");
        }
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn units_on_every_core_equal_units_in_turn() {
        // Enough units for the parallel read-out; fewer samples than units,
        // so ranks are kept as lists and the scans skip to each unit's best.
        let n = PARALLEL_UNITS + 500;
        let (d, f) = random_case(17, n, true);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let mut u = Uncertainty::new(&scored, None, &config(40)).unwrap();
        u.run(40).unwrap();
        assert!(matches!(u.tally, Tally::Narrow(_)));
        let mut counts = Counts::new(n);
        let in_turn: Vec<RankInterval> = (0..n).map(|pos| u.interval(&mut counts, pos)).collect();
        let result = u.result();
        assert_eq!(result.units, in_turn);
        // Against a full scan from rank 1, unit by unit.
        for (pos, got) in in_turn.iter().enumerate().step_by(97) {
            let (h, _) = counts.of(&u.tally, pos);
            let total = 40 - u64::from(h[0]);
            let [p5, median, p95] = quantiles(&h[1..], 0, total, [0.05, 0.5, 0.95]);
            assert_eq!(
                (got.p5_rank, got.median_rank, got.p95_rank),
                (p5, median, p95),
                "unit {pos}"
            );
        }
        assert!(result.units.iter().any(|r| r.p5_rank != r.p95_rank));
    }

    #[test]
    fn chunks_and_splits_give_the_same_result() {
        let (d, f) = random_case(5, 25, false);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let mut cfg = config(257);
        cfg.perturbation.normalisations = vec![Normalisation::MinMax, Normalisation::Rank];
        cfg.perturbation.values = Some(crate::ValueNoise {
            relative: 0.05,
            ..Default::default()
        });
        let whole = uncertainty(&scored, None, &cfg).unwrap();
        let mut chunked = Uncertainty::new(&scored, None, &cfg).unwrap();
        let mut steps = 0;
        while !chunked.is_done() {
            chunked.run(10).unwrap();
            steps += 1;
        }
        assert_eq!(steps, 26);
        assert_eq!(chunked.progress(), (257, 257));
        assert_eq!(chunked.result(), whole);
        let fresh = Uncertainty::new(&scored, None, &cfg).unwrap();
        let (mut a, mut b) = (fresh.clone(), fresh);
        b.run_range(100, 257).unwrap();
        a.run_range(0, 100).unwrap();
        a.merge(&b);
        assert_eq!(a.result(), whole);
        // Another seed draws other samples.
        cfg.seed += 1;
        assert_ne!(uncertainty(&scored, None, &cfg).unwrap(), whole);
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn parallel_blocks_equal_a_single_thread_run() {
        // 300 units × 1000 samples: past the native parallel threshold and
        // several blocks; chunks of 7 samples run on one thread, block by block.
        // Histograms too large to keep per job: the waves of ranks.
        const { assert!(300 * 301 > LOCAL_HIST_CELLS) };
        parallel_equals_single_thread(300);
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn parallel_jobs_with_their_own_histograms_equal_a_single_thread_run() {
        const { assert!(100 * 101 <= LOCAL_HIST_CELLS) };
        parallel_equals_single_thread(100);
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn parallel_equals_single_thread(n: usize) {
        let (d, f) = random_case(9, n, false);
        for precision in [Some(4), None] {
            let o = Options {
                precision,
                ..Options::default()
            };
            let scored = score(&d, &f, &o).unwrap();
            let cfg = config(1000);
            assert!(n * 1000 >= PARALLEL_CELLS && 1000 >= 2 * block_len(n));
            let whole = uncertainty(&scored, None, &cfg).unwrap();
            let mut serial = Uncertainty::new(&scored, None, &cfg).unwrap();
            while !serial.is_done() {
                serial.run(7).unwrap();
            }
            assert_eq!(serial.result(), whole);
            // And the sample-by-sample path (no kernel) gives the same ranks.
            let mut plain = Uncertainty::new(&scored, None, &cfg).unwrap();
            plain.kernel = None;
            plain.run(1000).unwrap();
            assert_eq!(plain.tally, serial.tally);
            assert!(whole.units.iter().any(|u| u.p5_rank != u.p95_rank));
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn waves_reusing_rank_buffers_equal_a_single_thread_run() {
        // 3000 units × 800 samples: more blocks than one wave holds, so the
        // second wave's blocks refill the first wave's rank buffers.
        let (n, k): (usize, usize) = (3000, 800);
        let len = block_len(n);
        assert!(k.div_ceil(len) > (WAVE_CELLS / (len * n)).max(2 * rayon::current_num_threads()));
        let (d, f) = random_case(12, n, true);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let cfg = config(k);
        let whole = uncertainty(&scored, None, &cfg).unwrap();
        let mut serial = Uncertainty::new(&scored, None, &cfg).unwrap();
        while !serial.is_done() {
            serial.run(7).unwrap();
        }
        assert_eq!(serial.result(), whole);
        assert!(whole.units.iter().any(|u| u.p5_rank != u.p95_rank));
    }

    /// A run of `k` samples in two parts, `0..cut` and `cut..k`, each built
    /// alike with `tally` (`None`: as `new` picks), the second handed over as words.
    fn in_two_parts(scored: &Scored, k: usize, cut: usize, tally: Option<Tally>) -> Uncertainty {
        let cfg = config(k);
        let mut parts = [0, 1].map(|_| Uncertainty::new(scored, None, &cfg).unwrap());
        for p in &mut parts {
            if let Some(t) = &tally {
                p.tally = t.clone();
            }
        }
        let [mut lead, mut other] = parts;
        lead.limit(0, cut).unwrap();
        other.limit(cut, usize::MAX).unwrap();
        for p in [&mut lead, &mut other] {
            while !p.is_done() {
                p.run(37).unwrap();
            }
        }
        assert_eq!((lead.progress(), other.progress()), ((cut, k), (k - cut, k)));
        lead.merge_words(&other.tally_words()).unwrap();
        assert_eq!(lead.progress(), (k, k));
        lead
    }

    #[test]
    fn parts_handed_over_as_words_equal_one_run() {
        // Histograms (more samples than units), u16 rank lists, u32 rank lists.
        let (d, f) = random_case(21, 40, true);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let whole = uncertainty(&scored, None, &config(300)).unwrap();
        assert_eq!(in_two_parts(&scored, 300, 120, None).result(), whole);
        let (d, f) = random_case(22, 700, true);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let whole = uncertainty(&scored, None, &config(200)).unwrap();
        let narrow = in_two_parts(&scored, 200, 77, None);
        assert!(matches!(narrow.tally, Tally::Narrow(_)));
        assert_eq!(narrow.result(), whole);
        let wide = in_two_parts(&scored, 200, 150, Some(Tally::Wide(RankLists::new(700, 200))));
        assert_eq!(wide.result(), whole);
        // Words in, words out: the same samples.
        assert_eq!(wide.tally_words(), narrow.tally_words());
        assert!(whole.units.iter().any(|u| u.p5_rank != u.p95_rank));
    }

    #[test]
    fn foreign_parts_are_refused_and_change_nothing() {
        let (d, f) = random_case(23, 50, true);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let mut lead = Uncertainty::new(&scored, None, &config(40)).unwrap();
        let mut other = lead.clone();
        lead.limit(0, 20).unwrap();
        other.limit(20, 40).unwrap();
        lead.run(100).unwrap();
        other.run(100).unwrap();
        assert!(lead.is_done() && other.is_done());
        // Limited after it has run.
        assert_eq!(lead.limit(0, 10).unwrap_err().kind(), &ErrorKind::ForeignPart);
        let words = other.tally_words();
        let before = lead.result();
        let mut bad: Vec<Vec<u32>> = vec![
            words[..HEAD - 1].to_vec(),        // no header
            words[..words.len() - 1].to_vec(), // a rank short
            vec![],
        ];
        let with = |i: usize, v: u32| {
            let mut w = words.clone();
            w[i] = v;
            w
        };
        bad.push(with(0, 7)); // unknown form
        bad.push(with(1, 51)); // another number of units
        bad.push(with(2, 21)); // more samples than the run has room for
        bad.push(with(2, u32::MAX));
        bad.push(with(HEAD, 51)); // a rank beyond the units
        for w in &bad {
            assert_eq!(lead.merge_words(w).unwrap_err().kind(), &ErrorKind::ForeignPart);
            assert_eq!(lead.result(), before);
        }
        // Histograms: refused in another form, or with counts that do not
        // add up to the samples.
        let histograms = |start: usize, end: usize| {
            let mut u = Uncertainty::new(&scored, None, &config(40)).unwrap();
            u.tally = Tally::Counts(vec![0; 50 * 51]);
            u.limit(start, end).unwrap();
            u.run(100).unwrap();
            u
        };
        let mut counted = histograms(0, 20);
        assert_eq!(counted.merge_words(&words).unwrap_err().kind(), &ErrorKind::ForeignPart);
        let mut counts = histograms(20, 40).tally_words();
        assert_eq!(counts.len(), HEAD + 50 * 51);
        counts[HEAD + 51 + 3] += 1;
        assert_eq!(
            counted.merge_words(&counts).unwrap_err().kind(),
            &ErrorKind::ForeignPart
        );
        counts[HEAD + 51 + 3] -= 1;
        counted.merge_words(&counts).unwrap();
        assert_eq!(counted.result(), uncertainty(&scored, None, &config(40)).unwrap());
        lead.merge_words(&words).unwrap();
        assert_eq!(lead.result(), uncertainty(&scored, None, &config(40)).unwrap());
    }

    #[test]
    fn nothing_uncertain_gives_point_intervals() {
        let (d, f) = random_case(8, 20, false);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let mut cfg = config(50);
        cfg.perturbation.weights = WeightNoise::Fixed;
        let r = uncertainty(&scored, None, &cfg).unwrap();
        for u in &r.units {
            let nominal = u.nominal_rank.map(f64::from);
            assert_eq!((u.p5_rank, u.median_rank, u.p95_rank), (nominal, nominal, nominal));
        }
    }

    #[test]
    fn value_errors_by_leaf_and_cell() {
        let f = Framework::vn_ict();
        let d = crate::Dataset::from_str(
            "code,HTKT,HTNL,UD,SXKD,MT\na,.50,.5,.5,.5,.5\nb,.49,.5,.5,.5,.5\nc,.10,.1,.1,.1,.1\n",
        )
        .unwrap();
        let scored = score(&d, &f, &Options::default()).unwrap();
        let mut cfg = config(400);
        cfg.perturbation.weights = WeightNoise::Fixed;
        // Only b's HTKT is uncertain, by ± 0.05 around 0.49: b beats a (0.50)
        // when its draw exceeds 0.50, tying at 4 decimals near it: about 40 %.
        cfg.perturbation.values = Some(crate::ValueNoise {
            cells: vec![crate::CellError {
                unit: "b".into(),
                node: "HTKT".into(),
                error: 0.05,
            }],
            ..Default::default()
        });
        let r = uncertainty(&scored, None, &cfg).unwrap();
        let top = uncertainty(&scored, None, &UncertaintyConfig { top: 1, ..cfg.clone() }).unwrap();
        assert!(
            top.units[1].top_share > 0.3 && top.units[1].top_share < 0.5,
            "{:?}",
            top.units[1]
        );
        assert_eq!(r.units[2].p95_rank, Some(3.0));
        // A leaf error on MT that cannot reorder anything: c stays last, a and b as above.
        let mut leaves = std::collections::BTreeMap::new();
        leaves.insert("MT".to_string(), 0.001);
        cfg.perturbation.values = Some(crate::ValueNoise {
            leaves,
            ..Default::default()
        });
        let r = uncertainty(&scored, None, &cfg).unwrap();
        assert!(r.units[2].p5_rank == Some(3.0));
        // Unknown names are errors.
        cfg.perturbation.values = Some(crate::ValueNoise {
            cells: vec![crate::CellError {
                unit: "zz".into(),
                node: "HTKT".into(),
                error: 0.1,
            }],
            ..Default::default()
        });
        assert!(Uncertainty::new(&scored, None, &cfg).is_err());
        cfg.perturbation.values = Some(crate::ValueNoise {
            relative: -1.0,
            ..Default::default()
        });
        assert!(Uncertainty::new(&scored, None, &cfg).is_err());
    }

    #[test]
    fn dirichlet_weights_have_the_stated_mean_and_variance() {
        let f = Framework::from_str("code,parent,weight\nI,,1\nA,I,1\nB,I,3\n").unwrap();
        let d = crate::Dataset::from_str("code,A,B\nx,1,2\ny,2,1\n").unwrap();
        let scored = score(&d, &f, &Options::default()).unwrap();
        let model = Model::new(&scored, 0).unwrap();
        let p = Perturbation {
            weights: WeightNoise::Dirichlet {
                concentration: 20.0,
                level: WeightLevel::All,
            },
            ..Default::default()
        };
        let design = Design::new(&model, &p).unwrap();
        let mut sc = design.scenario(&model);
        let key = Key::new(1, UNCERTAINTY);
        let k = 20000;
        let (mut sum, mut sq) = (0.0, 0.0);
        let a = f.index_of("A").unwrap();
        let b = f.index_of("B").unwrap();
        for i in 0..k {
            design.draw_all(&model, &mut key.stream(i), &mut sc);
            // The group keeps its total weight.
            assert!((sc.weights[a] + sc.weights[b] - 4.0).abs() < 1e-12);
            let share = sc.weights[a] / 4.0;
            sum += share;
            sq += share * share;
        }
        let mean = sum / k as f64;
        let var = sq / k as f64 - mean * mean;
        // Share of A ~ Beta(5, 15): mean 0.25, variance 0.25·0.75/21 ≈ 0.00893.
        // Standard error of the mean ≈ 0.00067; of the variance ≈ 1.3e-4.
        assert!((mean - 0.25).abs() < 0.004, "{mean}");
        assert!((var - 0.1875 / 21.0).abs() < 0.0008, "{var}");
    }

    #[test]
    fn invalid_settings_are_refused() {
        let (d, f) = random_case(1, 10, false);
        let scored = score(&d, &f, &Options::default()).unwrap();
        let mut cfg = config(0);
        assert!(Uncertainty::new(&scored, None, &cfg).is_err());
        cfg.samples = 10;
        cfg.perturbation.weights = WeightNoise::Uniform {
            share: 1.5,
            level: WeightLevel::All,
        };
        assert!(Uncertainty::new(&scored, None, &cfg).is_err());
        // Leaf b has direction −1: "none" cannot apply to it.
        cfg.perturbation.weights = WeightNoise::Fixed;
        cfg.perturbation.normalisations = vec![Normalisation::None];
        assert_eq!(
            Uncertainty::new(&scored, None, &cfg).unwrap_err().kind(),
            &ErrorKind::DirectionNeedsNormalisation
        );
        // Min-max gives zeros: a geometric mean over them fails up front.
        cfg.perturbation.normalisations = vec![Normalisation::MinMax];
        cfg.perturbation.aggregations = vec![crate::Aggregation::Arithmetic, crate::Aggregation::Geometric];
        assert!(matches!(
            Uncertainty::new(&scored, None, &cfg).unwrap_err().kind(),
            ErrorKind::NonPositive { .. }
        ));
    }
}
