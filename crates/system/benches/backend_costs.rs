//! Cost model of the proof system (openvm-stark-backend 2.0.1, CPU engine): what a trace column
//! costs versus a bus interaction.
//!
//! Run: `cargo bench -p tessera-system --bench backend_costs [-- OPTIONS]`
//!
//! Options (all optional):
//!   --heights 16,18,20   log2 trace heights to run (default 16,18,20)
//!   --reps N             prove() calls per case, medians are reported (default 1)
//!   --only PREFIX        only cases whose name starts with PREFIX (`cols`, `perm`, `lookup-32-8`)
//!   --debug              also run the host-side constraint/bus checker before proving
//!   --max-wait-s S       before each case, wait up to S seconds (default 1800) for the prover's
//!                        cores to be idle; a case during which other processes took more than 10%
//!                        of the prover's cores is run again (3 attempts, the least disturbed kept)
//!   --report F1,F2       no proving: rebuild the report from `RESULT` lines saved from earlier
//!                        runs (stderr or stdout); per case the least disturbed run is kept
//! Environment: RAYON_NUM_THREADS=1 runs the prover on one thread (CPU time is then a clean
//! measure even on a busy machine); BENCH_METRIC=wall|cpu picks the time used for the marginal
//! costs and fits (default: wall with all CPUs, cpu with fewer threads).
//!
//! The parent process runs every case in a child process (this same binary re-executed with
//! `--child ...`), so that each case gets its own peak RSS (`VmHWM`). The child prints one
//! `RESULT key=value ...` line; the parent collects them (and echoes them to stderr), prints a
//! table, the marginal costs and least-squares fits
//! `t = a*cells + b*interactions (+ g*gkr_slots) + c`. The proof-of-work grinding inside prove() (a random amount of hashing that does not
//! depend on the trace) is measured through a delegating transcript and subtracted; wall and
//! process CPU time are both recorded.
//!
//! Synthetic AIRs (all constraints local to one row, degree 2 or 3, every column constrained):
//! * `SynthAir` columns: `[is_valid | bytes (2*lookups) | z_0 .. z_{m-1}]`
//!     - `is_valid` boolean (it is 1 on every row); it is the count of every interaction.
//!     - with bytes: `z_0 = sum_j b_{2j} * b_{2j+1}` (degree 2); otherwise `z_0` is random.
//!     - `z_{k+1} = z_k^2 + (k+1)` for even k (degree 2), `z_{k+1} = z_k^2 * z_{k-1} + (k+1)` for
//!       odd k (degree 3). So the AIR has one constraint per column, max degree 3.
//!     - `sends` permutation messages per row, message j = 5 `z` columns on bus j, sent or received
//!       with count `is_valid`.
//!     - `lookups` byte-pair lookups per row, `(b_{2j}, b_{2j+1})` on the lookup bus.
//! * `BytePairTableAir`: 65536-row preprocessed table `(x, y)` for x, y in 0..256, one main
//!   column `mult` (the number of lookups of that pair), one interaction per row.
//!
//! Cases:
//! * `cols-W`: one SynthAir of width W, no interactions.
//! * `perm-W-S`: a sender SynthAir and a receiver SynthAir of width W each, S messages per row on
//!   S buses; the receiver trace is a random row permutation of the sender trace.
//! * `lookup-W-L`: one SynthAir of width W with L byte-pair lookups per row + the 65536-row table.

use std::{
    collections::HashMap,
    io::Write,
    process::Command,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use openvm_stark_backend::FiatShamirTranscript;
use openvm_stark_backend::{
    codec::Encode,
    interaction::{InteractionBuilder, LookupBus, PermutationCheckBus},
    p3_air::{Air, BaseAir, BaseAirWithPublicValues, PairBuilder},
    p3_field::{Field, PrimeCharacteristicRing, PrimeField32},
    p3_matrix::{dense::RowMajorMatrix, Matrix},
    p3_maybe_rayon::prelude::*,
    prover::{AirProvingContext, DeviceDataTransporter, ProvingContext},
    AirRef, PartitionedBaseAir, StarkEngine,
};
use openvm_stark_sdk::config::{
    app_params_with_100_bits_security,
    baby_bear_poseidon2::{BabyBearPoseidon2Config, BabyBearPoseidon2CpuEngine, CpuTranscript},
};
use p3_baby_bear::{BabyBear, Poseidon2BabyBear};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use std::sync::atomic::{AtomicU64, Ordering};

type SC = BabyBearPoseidon2Config;
type F = BabyBear;

const MSG_LEN: usize = 5;
const TABLE_LOG_HEIGHT: usize = 16;
const LOOKUP_BUS: u16 = 1000;

// ============================================================================
// AIRs
// ============================================================================

#[derive(Clone, Debug)]
struct SynthAir {
    width: usize,
    /// Number of permutation messages per row (buses 0..sends).
    sends: usize,
    /// Receive instead of send.
    receive: bool,
    /// Number of byte-pair lookups per row (uses 2*lookups byte columns).
    lookups: usize,
}

impl SynthAir {
    fn n_bytes(&self) -> usize {
        2 * self.lookups
    }
    fn z0(&self) -> usize {
        1 + self.n_bytes()
    }
    fn m(&self) -> usize {
        self.width - self.z0()
    }
    /// Column of field t of message j.
    fn msg_col(&self, j: usize, t: usize) -> usize {
        self.z0() + (MSG_LEN * j + t) % self.m()
    }
    fn interactions_per_row(&self) -> usize {
        self.sends + self.lookups
    }
    fn check(&self) {
        assert!(
            self.m() >= 2,
            "width too small for {} lookups",
            self.lookups
        );
    }
}

impl<F> BaseAir<F> for SynthAir {
    fn width(&self) -> usize {
        self.width
    }
}
impl<F> BaseAirWithPublicValues<F> for SynthAir {}
impl<F> PartitionedBaseAir<F> for SynthAir {}

impl<AB: InteractionBuilder> Air<AB> for SynthAir {
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let row: Vec<AB::Var> = main.row_slice(0).expect("window").to_vec();
        let is_valid = row[0];
        builder.assert_bool(is_valid);

        let z = |k: usize| row[self.z0() + k];
        if self.lookups > 0 {
            let mut sum = AB::Expr::ZERO;
            for j in 0..self.lookups {
                sum += row[1 + 2 * j] * row[2 + 2 * j];
            }
            builder.assert_eq(z(0), sum);
        }
        for k in 0..self.m() - 1 {
            let zk: AB::Expr = z(k).into();
            let c = AB::Expr::from_usize(k + 1);
            let rhs = if k % 2 == 0 {
                zk.clone() * zk + c
            } else {
                zk.clone() * zk * z(k - 1) + c
            };
            builder.assert_eq(z(k + 1), rhs);
        }

        for j in 0..self.sends {
            let bus = PermutationCheckBus::new(j as u16);
            let msg: Vec<AB::Var> = (0..MSG_LEN).map(|t| row[self.msg_col(j, t)]).collect();
            if self.receive {
                bus.receive(builder, msg, is_valid);
            } else {
                bus.send(builder, msg, is_valid);
            }
        }
        let lookup_bus = LookupBus::new(LOOKUP_BUS);
        for j in 0..self.lookups {
            lookup_bus.lookup_key(builder, [row[1 + 2 * j], row[2 + 2 * j]], is_valid);
        }
    }
}

/// 2^16-row table of byte pairs: preprocessed `(x, y)`, main `mult`.
#[derive(Clone, Debug)]
struct BytePairTableAir;

impl<F: Field> BaseAir<F> for BytePairTableAir {
    fn width(&self) -> usize {
        1
    }
    fn preprocessed_trace(&self) -> Option<RowMajorMatrix<F>> {
        let vals = (0..1usize << TABLE_LOG_HEIGHT)
            .flat_map(|i| [F::from_usize(i >> 8), F::from_usize(i & 0xff)])
            .collect();
        Some(RowMajorMatrix::new(vals, 2))
    }
}
impl<F: Field> BaseAirWithPublicValues<F> for BytePairTableAir {}
impl<F: Field> PartitionedBaseAir<F> for BytePairTableAir {}

impl<AB: InteractionBuilder + PairBuilder> Air<AB> for BytePairTableAir {
    fn eval(&self, builder: &mut AB) {
        let (x, y) = {
            let p = builder.preprocessed();
            let r = p.row_slice(0).expect("window");
            (r[0], r[1])
        };
        let mult = builder.main().row_slice(0).expect("window")[0];
        LookupBus::new(LOOKUP_BUS).add_key_with_lookups(builder, [x, y], mult);
    }
}

// ============================================================================
// Transcript wrapper that measures proof-of-work grinding
// ============================================================================

/// Nanoseconds spent in `grind` (proof-of-work). Grinding time is a random variable (geometric
/// number of hashes), independent of trace size, so it is measured and reported separately.
static GRIND_NS: AtomicU64 = AtomicU64::new(0);
/// Process CPU nanoseconds spent in `grind`.
static GRIND_CPU_NS: AtomicU64 = AtomicU64::new(0);

/// CPU time of the whole process (all threads), in ns. Unlike wall time, it is only mildly
/// affected when other processes compete for the CPUs.
fn proc_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid pointer to a timespec; CLOCK_PROCESS_CPUTIME_ID is always supported on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// `CpuTranscript` with every method delegated; only `grind` is timed. Same challenges, same proof.
#[derive(Clone, Debug)]
struct TimedTranscript(CpuTranscript);

impl From<Poseidon2BabyBear<16>> for TimedTranscript {
    fn from(p: Poseidon2BabyBear<16>) -> Self {
        Self(CpuTranscript::from(p))
    }
}

impl FiatShamirTranscript<SC> for TimedTranscript {
    fn observe(&mut self, v: F) {
        self.0.observe(v)
    }
    fn sample(&mut self) -> F {
        self.0.sample()
    }
    fn observe_commit(&mut self, d: [F; 8]) {
        self.0.observe_commit(d)
    }
    fn observe_ext(&mut self, v: <SC as openvm_stark_backend::StarkProtocolConfig>::EF) {
        self.0.observe_ext(v)
    }
    fn sample_ext(&mut self) -> <SC as openvm_stark_backend::StarkProtocolConfig>::EF {
        self.0.sample_ext()
    }
    fn sample_bits(&mut self, bits: usize) -> u64 {
        self.0.sample_bits(bits)
    }
    fn check_witness(&mut self, bits: usize, w: F) -> bool {
        self.0.check_witness(bits, w)
    }
    fn grind(&mut self, bits: usize) -> F {
        let t = Instant::now();
        let c = proc_cpu_ns();
        let w = self.0.grind(bits);
        GRIND_CPU_NS.fetch_add(proc_cpu_ns() - c, Ordering::Relaxed);
        GRIND_NS.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        w
    }
}

type Engine = BabyBearPoseidon2CpuEngine<TimedTranscript>;

// ============================================================================
// Trace generation
// ============================================================================

/// Random valid trace of a SynthAir. Returns the byte-pair lookup multiplicities if any.
fn gen_synth_trace(air: &SynthAir, log_rows: usize, seed: u64) -> RowMajorMatrix<F> {
    let rows = 1usize << log_rows;
    let w = air.width;
    let mut vals = vec![F::ZERO; rows * w];
    vals.par_chunks_mut(w).enumerate().for_each(|(i, r)| {
        let mut rng = StdRng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r[0] = F::ONE;
        let z0 = air.z0();
        if air.lookups > 0 {
            let mut sum = F::ZERO;
            for j in 0..air.lookups {
                let a = F::from_u32(rng.gen::<u8>() as u32);
                let b = F::from_u32(rng.gen::<u8>() as u32);
                r[1 + 2 * j] = a;
                r[2 + 2 * j] = b;
                sum += a * b;
            }
            r[z0] = sum;
        } else {
            r[z0] = F::from_u32(rng.gen_range(0..0x7800_0001u32));
        }
        for k in 0..air.m() - 1 {
            let zk = r[z0 + k];
            let c = F::from_usize(k + 1);
            r[z0 + k + 1] = if k % 2 == 0 {
                zk * zk + c
            } else {
                zk * zk * r[z0 + k - 1] + c
            };
        }
    });
    RowMajorMatrix::new(vals, w)
}

fn permute_rows(m: &RowMajorMatrix<F>, seed: u64) -> RowMajorMatrix<F> {
    let w = m.width;
    let h = m.values.len() / w;
    let mut perm: Vec<usize> = (0..h).collect();
    perm.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut vals = vec![F::ZERO; h * w];
    vals.par_chunks_mut(w)
        .zip(perm.par_iter())
        .for_each(|(dst, &src)| dst.copy_from_slice(&m.values[src * w..(src + 1) * w]));
    RowMajorMatrix::new(vals, w)
}

fn table_mults(air: &SynthAir, trace: &RowMajorMatrix<F>) -> RowMajorMatrix<F> {
    let mut counts = vec![0u32; 1 << TABLE_LOG_HEIGHT];
    for r in trace.values.chunks(air.width) {
        for j in 0..air.lookups {
            let a = r[1 + 2 * j].as_canonical_u32() as usize;
            let b = r[2 + 2 * j].as_canonical_u32() as usize;
            counts[(a << 8) | b] += 1;
        }
    }
    RowMajorMatrix::new_col(counts.into_iter().map(F::from_u32).collect())
}

// ============================================================================
// Cases
// ============================================================================

#[derive(Clone, Debug)]
enum Kind {
    Cols { width: usize },
    Perm { width: usize, sends: usize },
    Lookup { width: usize, lookups: usize },
}

impl Kind {
    fn name(&self) -> String {
        match self {
            Kind::Cols { width } => format!("cols-{width}"),
            Kind::Perm { width, sends } => format!("perm-{width}-{sends}"),
            Kind::Lookup { width, lookups } => format!("lookup-{width}-{lookups}"),
        }
    }
    fn parse(s: &str) -> Kind {
        let p: Vec<&str> = s.split('-').collect();
        let n = |i: usize| p[i].parse::<usize>().expect("case number");
        match p[0] {
            "cols" => Kind::Cols { width: n(1) },
            "perm" => Kind::Perm {
                width: n(1),
                sends: n(2),
            },
            "lookup" => Kind::Lookup {
                width: n(1),
                lookups: n(2),
            },
            _ => panic!("unknown case {s}"),
        }
    }
    /// Smallest log stacked height to try first.
    fn min_lsh(&self, log_rows: usize) -> usize {
        match self {
            Kind::Lookup { .. } => log_rows.max(TABLE_LOG_HEIGHT),
            _ => log_rows,
        }
    }
    fn airs(&self) -> Vec<AirRef<SC>> {
        match *self {
            Kind::Cols { width } => {
                vec![Arc::new(SynthAir {
                    width,
                    sends: 0,
                    receive: false,
                    lookups: 0,
                })]
            }
            Kind::Perm { width, sends } => vec![
                Arc::new(SynthAir {
                    width,
                    sends,
                    receive: false,
                    lookups: 0,
                }),
                Arc::new(SynthAir {
                    width,
                    sends,
                    receive: true,
                    lookups: 0,
                }),
            ],
            Kind::Lookup { width, lookups } => vec![
                Arc::new(SynthAir {
                    width,
                    sends: 0,
                    receive: false,
                    lookups,
                }),
                Arc::new(BytePairTableAir),
            ],
        }
    }
    /// (air, log height) of the SynthAirs; the table is handled separately.
    fn synth(&self) -> Vec<SynthAir> {
        match *self {
            Kind::Cols { width } => vec![SynthAir {
                width,
                sends: 0,
                receive: false,
                lookups: 0,
            }],
            Kind::Perm { width, sends } => vec![
                SynthAir {
                    width,
                    sends,
                    receive: false,
                    lookups: 0,
                },
                SynthAir {
                    width,
                    sends,
                    receive: true,
                    lookups: 0,
                },
            ],
            Kind::Lookup { width, lookups } => {
                vec![SynthAir {
                    width,
                    sends: 0,
                    receive: false,
                    lookups,
                }]
            }
        }
    }
    fn traces(&self, log_rows: usize, seed: u64) -> Vec<RowMajorMatrix<F>> {
        let synth = self.synth();
        match self {
            Kind::Cols { .. } => vec![gen_synth_trace(&synth[0], log_rows, seed)],
            Kind::Perm { .. } => {
                let s = gen_synth_trace(&synth[0], log_rows, seed);
                let r = permute_rows(&s, seed.wrapping_add(1));
                vec![s, r]
            }
            Kind::Lookup { .. } => {
                let t = gen_synth_trace(&synth[0], log_rows, seed);
                let m = table_mults(&synth[0], &t);
                vec![t, m]
            }
        }
    }
    /// (total main cells, total preprocessed cells, total interactions) over all AIRs.
    fn totals(&self, log_rows: usize) -> (u64, u64, u64) {
        let rows = 1u64 << log_rows;
        let mut main = 0;
        let mut pre = 0;
        let mut int = 0;
        for a in self.synth() {
            a.check();
            main += rows * a.width as u64;
            int += rows * a.interactions_per_row() as u64;
        }
        if let Kind::Lookup { .. } = self {
            let t = 1u64 << TABLE_LOG_HEIGHT;
            main += t;
            pre += 2 * t;
            int += t;
        }
        (main, pre, int)
    }
}

// ============================================================================
// Phase timing via tracing spans
// ============================================================================

mod phases {
    use super::*;
    use tracing::{span, Subscriber};
    use tracing_subscriber::{layer::Context, registry::LookupSpan, Layer};

    /// Per span name: (wall time, process CPU ns).
    pub static TOTALS: Mutex<Option<HashMap<&'static str, (Duration, u64)>>> = Mutex::new(None);
    struct Start(Instant, u64);
    pub struct PhaseLayer;

    pub const NAMES: &[&str] = &[
        "prover.main_trace_commit",
        "prove_zerocheck_and_logup",
        "fractional_sumcheck",
        "prover.batch_constraints.mle_rounds",
        "prove_whir_opening_cpu",
    ];

    impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for PhaseLayer {
        fn on_enter(&self, id: &span::Id, ctx: Context<'_, S>) {
            if let Some(s) = ctx.span(id) {
                if NAMES.contains(&s.name()) {
                    s.extensions_mut()
                        .replace(Start(Instant::now(), proc_cpu_ns()));
                }
            }
        }
        fn on_exit(&self, id: &span::Id, ctx: Context<'_, S>) {
            if let Some(s) = ctx.span(id) {
                if let Some(Start(t, c)) = s.extensions_mut().remove::<Start>() {
                    let mut g = TOTALS.lock().unwrap();
                    let e = g
                        .get_or_insert_with(HashMap::new)
                        .entry(s.name())
                        .or_default();
                    e.0 += t.elapsed();
                    e.1 += proc_cpu_ns() - c;
                }
            }
        }
    }

    pub fn install() {
        use tracing_subscriber::{filter::LevelFilter, layer::SubscriberExt, Registry};
        let sub = Registry::default().with(LevelFilter::INFO).with(PhaseLayer);
        tracing::subscriber::set_global_default(sub).expect("set subscriber");
    }

    pub fn take() -> HashMap<&'static str, (Duration, u64)> {
        TOTALS.lock().unwrap().take().unwrap_or_default()
    }
}

// ============================================================================
// Child: one case
// ============================================================================

fn vm_hwm_kb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// (busy, total) jiffies summed over all CPUs, from /proc/stat.
fn sys_jiffies() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = s
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if v.len() < 8 {
        return (0, 0);
    }
    // user nice system idle iowait irq softirq steal
    let busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    (busy, busy + v[3] + v[4])
}

/// utime + stime of this process, in jiffies.
fn self_jiffies() -> u64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // after ')' : state(0) ppid(1) ... utime is field 14 overall -> index 11 here, stime 12
    let p = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    p(11) + p(12)
}

/// Fraction of the machine's CPU capacity used by other processes over a window.
struct CpuWindow {
    sys: (u64, u64),
    own: u64,
}
impl CpuWindow {
    fn start() -> Self {
        Self {
            sys: sys_jiffies(),
            own: self_jiffies(),
        }
    }
    /// (own cpu seconds, share of capacity used by others)
    fn stop(&self) -> (f64, f64) {
        let (b, t) = sys_jiffies();
        let own = self_jiffies() - self.own;
        let db = b.saturating_sub(self.sys.0);
        let dt = t.saturating_sub(self.sys.1).max(1);
        (
            own as f64 / 100.0,
            db.saturating_sub(own) as f64 / dt as f64,
        )
    }
}

fn ncpu() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Threads of the rayon pool the prover uses (RAYON_NUM_THREADS, else all CPUs).
fn prover_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(ncpu)
        .min(ncpu())
}

/// Share of the prover's own cores taken by other processes, given their share `others` of the
/// whole machine: with 1 thread on 2 CPUs, another process using one CPU does not contend.
fn contention(others: f64) -> f64 {
    let (n, t) = (ncpu() as f64, prover_threads() as f64);
    ((others - (n - t) / n) / (t / n)).max(0.0)
}

/// Share of CPU capacity busy over `secs` seconds (all processes).
fn machine_busy(secs: f64) -> f64 {
    let (b0, t0) = sys_jiffies();
    std::thread::sleep(Duration::from_secs_f64(secs));
    let (b1, t1) = sys_jiffies();
    (b1 - b0) as f64 / (t1 - t0).max(1) as f64
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return f64::NAN;
    }
    s[s.len() / 2]
}

/// One prove() call.
struct Rep {
    wall: f64,
    grind: f64,
    cpu: f64,
    grind_cpu: f64,
    others: f64,
    phases: HashMap<&'static str, (Duration, u64)>,
}

fn run_child(kind: Kind, log_rows: usize, lsh: usize, reps: usize, debug: bool) {
    phases::install();
    let engine: Engine = StarkEngine::new(app_params_with_100_bits_security(lsh));
    let airs = kind.airs();

    let t = Instant::now();
    let (pk, vk) = engine.keygen(&airs);
    let keygen_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let d_pk = engine.device().transport_pk_to_device(&pk);
    let transport_s = t.elapsed().as_secs_f64();
    drop(pk);
    let hwm_after_keygen = vm_hwm_kb();
    phases::take(); // keygen commits the preprocessed trace: not part of prove

    let mut runs: Vec<Rep> = vec![];
    let mut proof_bytes = 0usize;
    let mut verify_ok = true;
    let mut verify_err = String::new();
    let mut verify_s = 0.0;
    let mut gen_s = 0.0;
    for rep in 0..reps {
        let t = Instant::now();
        let traces = kind.traces(log_rows, 0xC0FFEE + rep as u64);
        gen_s = t.elapsed().as_secs_f64();
        let ctx = ProvingContext::new(
            traces
                .into_iter()
                .enumerate()
                .map(|(i, m)| (i, AirProvingContext::simple_no_pis(m)))
                .collect(),
        );
        if debug {
            engine.debug(&airs, &ctx);
        }
        phases::take();
        GRIND_NS.store(0, Ordering::Relaxed);
        GRIND_CPU_NS.store(0, Ordering::Relaxed);
        let cw = CpuWindow::start();
        let c0 = proc_cpu_ns();
        let t = Instant::now();
        let proof = engine.prove(&d_pk, ctx);
        let wall = t.elapsed().as_secs_f64();
        let cpu = (proc_cpu_ns() - c0) as f64 * 1e-9;
        let (_, others) = cw.stop();
        let phases = phases::take();
        let proof = match proof {
            Ok(p) => p,
            Err(e) => {
                println!("PROVE_ERROR {e:?}");
                std::io::stdout().flush().ok();
                std::process::exit(3);
            }
        };
        runs.push(Rep {
            wall,
            grind: GRIND_NS.load(Ordering::Relaxed) as f64 * 1e-9,
            cpu,
            grind_cpu: GRIND_CPU_NS.load(Ordering::Relaxed) as f64 * 1e-9,
            others,
            phases,
        });
        proof_bytes = proof.encode_to_vec().expect("encode").len();
        let t = Instant::now();
        // The verifier uses the same (delegating) transcript type as the prover.
        let v = engine.verify(&vk, &proof);
        verify_s = t.elapsed().as_secs_f64();
        if let Err(e) = v {
            verify_ok = false;
            verify_err = format!("{e:?}").replace(char::is_whitespace, "_");
        }
        drop(proof);
    }
    let (main_cells, pre_cells, ints) = kind.totals(log_rows);
    let col = |f: &dyn Fn(&Rep) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    let join = |v: &[f64]| {
        v.iter()
            .map(|t| format!("{t:.3}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let wall = col(&|r| r.wall);
    let grind = col(&|r| r.grind);
    let net = col(&|r| r.wall - r.grind);
    let cpu = col(&|r| r.cpu);
    let grind_cpu = col(&|r| r.grind_cpu);
    let net_cpu = col(&|r| r.cpu - r.grind_cpu);
    let others = col(&|r| r.others);
    let max_others = others.iter().cloned().fold(0.0, f64::max);
    // phases of the rep whose net CPU time is the median
    let med = median(&net_cpu);
    let ph = &runs
        .iter()
        .find(|r| r.cpu - r.grind_cpu == med)
        .expect("median rep")
        .phases;
    let mut phase_kv = String::new();
    for (key, name) in [
        ("commit", "prover.main_trace_commit"),
        ("rap", "prove_zerocheck_and_logup"),
        ("gkr", "fractional_sumcheck"),
        ("zc_mle", "prover.batch_constraints.mle_rounds"),
        ("whir", "prove_whir_opening_cpu"),
    ] {
        let (w, c) = ph.get(name).copied().unwrap_or_default();
        phase_kv += &format!(
            " t_{key}={:.4} c_{key}={:.4}",
            w.as_secs_f64(),
            c as f64 * 1e-9
        );
    }
    println!(
        "RESULT case={} log_rows={} lsh={} reps={} threads={} \
         prove_s={:.4} prove_all={} grind_s={:.4} grind_all={} net_s={:.4} net_all={} \
         cpu_s={:.4} cpu_all={} grind_cpu_s={:.4} net_cpu_s={:.4} net_cpu_all={} \
         keygen_s={:.4} transport_s={:.4} gen_s={:.3} verify_s={:.4} proof_bytes={} \
         rss_kb={} rss_keygen_kb={} main_cells={} pre_cells={} interactions={} gkr_slots={} \
         verify_ok={} verify_err={} others={:.3} others_all={} contention={:.3}{}",
        kind.name(),
        log_rows,
        lsh,
        reps,
        prover_threads(),
        median(&wall),
        join(&wall),
        median(&grind),
        join(&grind),
        median(&net),
        join(&net),
        median(&cpu),
        join(&cpu),
        median(&grind_cpu),
        med,
        join(&net_cpu),
        keygen_s,
        transport_s,
        gen_s,
        verify_s,
        proof_bytes,
        vm_hwm_kb(),
        hwm_after_keygen,
        main_cells,
        pre_cells,
        ints,
        // Size of the LogUp-GKR input layer: 2^(l_skip + n_logup) = 2^bitlen(total interactions)
        // (see calculate_n_logup), so an exact power of two is padded to twice its size.
        if ints == 0 {
            0
        } else {
            1u64 << (64 - ints.leading_zeros())
        },
        verify_ok,
        if verify_err.is_empty() {
            "-".into()
        } else {
            verify_err
        },
        max_others,
        join(&others),
        contention(max_others),
        phase_kv,
    );
}

// ============================================================================
// Parent
// ============================================================================

#[derive(Clone, Debug, Default)]
struct Res {
    kv: HashMap<String, String>,
}
impl Res {
    fn f(&self, k: &str) -> f64 {
        self.kv
            .get(k)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    }
    fn s(&self, k: &str) -> &str {
        self.kv.get(k).map(|s| s.as_str()).unwrap_or("?")
    }
}

fn all_cases() -> Vec<Kind> {
    let mut v = vec![];
    for width in [16, 32, 64] {
        v.push(Kind::Cols { width });
    }
    for sends in [0, 4, 7, 8, 15, 16] {
        v.push(Kind::Perm { width: 32, sends });
    }
    for lookups in [2, 4, 8] {
        v.push(Kind::Lookup { width: 32, lookups });
    }
    v
}

fn run_case(kind: &Kind, log_rows: usize, reps: usize, debug: bool) -> Result<Res, String> {
    let exe = std::env::current_exe().expect("current_exe");
    let mut lsh = kind.min_lsh(log_rows);
    let mut failures = vec![];
    loop {
        let mut cmd = Command::new(&exe);
        cmd.args([
            "--child",
            &kind.name(),
            "--log-rows",
            &log_rows.to_string(),
            "--lsh",
            &lsh.to_string(),
            "--reps",
            &reps.to_string(),
        ]);
        if debug {
            cmd.arg("--debug");
        }
        let out = cmd.output().expect("spawn child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(line) = stdout.lines().find(|l| l.starts_with("RESULT ")) {
            let kv = line[7..]
                .split_whitespace()
                .filter_map(|t| t.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let mut r = Res { kv };
            if !failures.is_empty() {
                r.kv.insert("lsh_failures".into(), failures.join(" | "));
            }
            return Ok(r);
        }
        let msg = format!(
            "lsh={lsh}: exit {:?}: {} {}",
            out.status.code(),
            stdout.lines().last().unwrap_or(""),
            stderr.lines().rev().take(6).collect::<Vec<_>>().join(" / ")
        );
        eprintln!("  case {} 2^{log_rows} failed: {msg}", kind.name());
        failures.push(msg.clone());
        let height_problem = msg.contains("LayoutHeightExceeded") || msg.contains("Height");
        if height_problem && lsh < 24 {
            lsh += 1;
            continue;
        }
        return Err(failures.join(" | "));
    }
}

/// Least squares: y ~ X b. Returns b.
fn lstsq(xs: &[Vec<f64>], ys: &[f64]) -> Vec<f64> {
    let k = xs[0].len();
    let mut a = vec![vec![0.0; k + 1]; k];
    for (x, &y) in xs.iter().zip(ys) {
        for i in 0..k {
            for j in 0..k {
                a[i][j] += x[i] * x[j];
            }
            a[i][k] += x[i] * y;
        }
    }
    // Gaussian elimination with partial pivoting.
    for c in 0..k {
        let p = (c..k)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .unwrap();
        a.swap(c, p);
        for r in 0..k {
            if r != c {
                let f = a[r][c] / a[c][c];
                let pivot = a[c].clone();
                for (x, p) in a[r][c..=k].iter_mut().zip(&pivot[c..=k]) {
                    *x -= f * p;
                }
            }
        }
    }
    (0..k).map(|i| a[i][k] / a[i][i]).collect()
}

fn wait_quiet(max_wait_s: f64) {
    let t = Instant::now();
    loop {
        let busy = machine_busy(2.0);
        // quiet enough when the prover's own cores are (almost) free
        if busy < 1.0 - prover_threads() as f64 / ncpu() as f64 + 0.15 {
            return;
        }
        if t.elapsed().as_secs_f64() > max_wait_s {
            eprintln!(
                "  machine still {:.0}% busy after {max_wait_s} s; running anyway",
                busy * 100.0
            );
            return;
        }
        eprintln!("  machine {:.0}% busy; waiting", busy * 100.0);
        std::thread::sleep(Duration::from_secs(20));
    }
}

fn run_parent(
    heights: Vec<usize>,
    reps: usize,
    only: Option<String>,
    debug: bool,
    max_wait_s: f64,
) {
    let cases: Vec<Kind> = all_cases()
        .into_iter()
        .filter(|k| {
            only.as_ref()
                .is_none_or(|o| k.name().starts_with(o.as_str()))
        })
        .collect();
    let mut results: Vec<(Kind, usize, Result<Res, String>)> = vec![];
    for &h in &heights {
        for k in &cases {
            // The machine is shared: wait until it is quiet, and rerun a case (up to twice) if
            // other processes took more than 10% of the CPU capacity while it was proving.
            let mut best: Option<Result<Res, String>> = None;
            for attempt in 0..3 {
                wait_quiet(max_wait_s);
                eprintln!(
                    "running {} at 2^{h} (attempt {}) ...",
                    k.name(),
                    attempt + 1
                );
                let r = run_case(k, h, reps, debug);
                let others = r.as_ref().map(|r| r.f("contention")).unwrap_or(0.0);
                let better = match (&best, &r) {
                    (None, _) => true,
                    (Some(Ok(b)), Ok(r)) => r.f("contention") < b.f("contention"),
                    _ => false,
                };
                if better {
                    best = Some(r);
                }
                if others <= 0.10 {
                    break;
                }
                eprintln!(
                    "  other processes took {:.0}% of the prover's cores during the case",
                    others * 100.0
                );
            }
            let r = best.unwrap();
            if let Ok(r) = &r {
                eprintln!(
                    "  prove {} s (all {}; grind {}), keygen {} s, proof {} B, rss {} kB, verify {}",
                    r.s("prove_s"),
                    r.s("prove_all"),
                    r.s("grind_all"),
                    r.s("keygen_s"),
                    r.s("proof_bytes"),
                    r.s("rss_kb"),
                    r.s("verify_ok")
                );
            }
            if let Ok(r) = &r {
                // Raw line, so that runs can be merged later with `--report FILES`.
                let mut kv: Vec<_> = r.kv.iter().collect();
                kv.sort();
                let line: Vec<String> = kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
                eprintln!("RESULT {}", line.join(" "));
            }
            results.push((k.clone(), h, r));
        }
    }
    report(&results, &heights, reps, default_metric());
}

fn default_metric() -> Metric {
    match std::env::var("BENCH_METRIC").as_deref() {
        Ok("cpu") => Metric::Cpu,
        Ok("wall") => Metric::Wall,
        // wall time is what a user waits for; CPU time is the robust choice on a busy machine
        _ if prover_threads() < ncpu() => Metric::Cpu,
        _ => Metric::Wall,
    }
}

fn parse_result_line(line: &str) -> Option<Res> {
    let i = line.find("RESULT ")?;
    let kv = line[i + 7..]
        .split_whitespace()
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Some(Res { kv })
}

/// Rebuild the report from saved `RESULT` lines (stderr of earlier runs). For a case measured more
/// than once, the run with the least CPU use by other processes is kept.
fn report_from_files(files: &str) {
    let mut best: HashMap<(String, usize), Res> = HashMap::new();
    for f in files.split(',') {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        for r in text.lines().filter_map(parse_result_line) {
            let key = (r.s("case").to_string(), r.f("log_rows") as usize);
            let keep = best
                .get(&key)
                .is_none_or(|b| contention_of(&r) < contention_of(b));
            if keep {
                best.insert(key, r);
            }
        }
    }
    let mut heights: Vec<usize> = best.keys().map(|k| k.1).collect();
    heights.sort();
    heights.dedup();
    let mut results = vec![];
    let reps = best
        .values()
        .map(|r| r.f("reps") as usize)
        .max()
        .unwrap_or(0);
    for &h in &heights {
        for k in all_cases() {
            if let Some(r) = best.get(&(k.name(), h)) {
                results.push((k.clone(), h, Ok(r.clone())));
            }
        }
    }
    let metric = match std::env::var("BENCH_METRIC").as_deref() {
        Ok("cpu") => Metric::Cpu,
        Ok("wall") => Metric::Wall,
        _ if best.values().any(|r| (r.f("threads") as usize) < ncpu()) => Metric::Cpu,
        _ => Metric::Wall,
    };
    report(&results, &heights, reps, metric);
}

/// Which time the marginal costs and fits use: `wall` = prove() wall time minus PoW grinding,
/// `cpu` = process CPU time of prove() minus the CPU time of PoW grinding.
#[derive(Clone, Copy, PartialEq)]
enum Metric {
    Wall,
    Cpu,
}

impl Metric {
    fn key(self) -> &'static str {
        match self {
            Metric::Wall => "net_s",
            Metric::Cpu => "net_cpu_s",
        }
    }
    fn phase(self) -> &'static str {
        match self {
            Metric::Wall => "t_",
            Metric::Cpu => "c_",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Metric::Wall => "wall time of prove() minus PoW grinding",
            Metric::Cpu => "CPU time (all threads) of prove() minus the CPU time of PoW grinding",
        }
    }
}

fn contention_of(r: &Res) -> f64 {
    let c = r.f("contention");
    if c.is_nan() {
        r.f("others")
    } else {
        c
    }
}

fn report(
    results: &[(Kind, usize, Result<Res, String>)],
    heights: &[usize],
    reps: usize,
    metric: Metric,
) {
    let threads: Vec<String> = {
        let mut t: Vec<String> = results
            .iter()
            .filter_map(|(_, _, r)| r.as_ref().ok().map(|r| r.s("threads").to_string()))
            .collect();
        t.sort();
        t.dedup();
        t
    };
    println!(
        "\n## Results ({reps} prove() calls per case, medians; prover threads: {}; {} CPUs)\n",
        threads.join("/"),
        ncpu()
    );
    println!(
        "Phase columns are {} of the median run.\n",
        match metric {
            Metric::Wall => "wall seconds",
            Metric::Cpu => "CPU seconds",
        }
    );
    println!(
        "| case | rows | lsh | AIRs (width) | interactions per row | main cells | interactions | GKR slots | prove s | PoW s | prove-PoW s | CPU s | CPU-PoW s | keygen s | contention % | proof B | peak RSS MB | verify | commit | zerocheck+logup | of which GKR | WHIR (incl. PoW) |"
    );
    println!(
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    let p = metric.phase();
    for (k, h, r) in results {
        let airs_desc = match k {
            Kind::Cols { width } => format!("1 x {width}"),
            Kind::Perm { width, .. } => format!("2 x {width}"),
            Kind::Lookup { width, .. } => format!("1 x {width} + table"),
        };
        let ipr = match k {
            Kind::Cols { .. } => "0".to_string(),
            Kind::Perm { sends, .. } => format!("{sends} send + {sends} recv"),
            Kind::Lookup { lookups, .. } => format!("{lookups} lookups"),
        };
        match r {
            Ok(r) => println!(
                "| {} | 2^{} | {} | {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.0} | {} | {:.0} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
                k.name(),
                h,
                r.s("lsh"),
                airs_desc,
                ipr,
                r.s("main_cells"),
                r.s("interactions"),
                r.s("gkr_slots"),
                r.f("prove_s"),
                r.f("grind_s"),
                r.f("net_s"),
                r.f("cpu_s"),
                r.f("net_cpu_s"),
                r.f("keygen_s"),
                contention_of(r) * 100.0,
                r.s("proof_bytes"),
                r.f("rss_kb") / 1024.0,
                if r.s("verify_ok") == "true" {
                    "ok".to_string()
                } else {
                    format!("FAIL {}", r.s("verify_err"))
                },
                r.f(&format!("{p}commit")),
                r.f(&format!("{p}rap")),
                r.f(&format!("{p}gkr")),
                r.f(&format!("{p}whir")),
            ),
            Err(e) => println!(
                "| {} | 2^{} | - | {} | {} | - | - | - | ERROR | | | | | | | | | {} | | | | |",
                k.name(),
                h,
                airs_desc,
                ipr,
                e.replace('|', "/")
            ),
        }
    }
    for (k, h, r) in results {
        if let Ok(r) = r {
            if let Some(f) = r.kv.get("lsh_failures") {
                println!(
                    "\nnote: {} at 2^{h} needed lsh={} (tried: {f})",
                    k.name(),
                    r.s("lsh")
                );
            }
        }
    }

    let key = metric.key();
    println!(
        "\n## Marginal costs (slopes at fixed height; {})\n",
        metric.label()
    );
    println!("| rows | ns per (row x column), cols-16/32/64 | ns per (row x column), perm-32-0 minus cols-32 | ns per (row x interaction), perm-32-{{0,4,7,8,15,16}} | ns per (row x interaction), perm-32-{{0,7,15}} (no exact powers of two) | ns per (row x lookup), lookup-32-{{2,4,8}} | table fixed cost s: lookup intercept minus cols-32 |");
    println!("|---|---|---|---|---|---|---|");
    let get = |name: &str, h: usize| -> Option<Res> {
        results
            .iter()
            .find(|(k, hh, r)| k.name() == name && *hh == h && r.is_ok())
            .map(|(_, _, r)| r.clone().unwrap())
    };
    let slope = |pts: &[(f64, f64)]| -> Option<(f64, f64)> {
        if pts.len() < 2 {
            return None;
        }
        let xs: Vec<Vec<f64>> = pts.iter().map(|p| vec![p.0, 1.0]).collect();
        let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let b = lstsq(&xs, &ys);
        Some((b[0], b[1]))
    };
    for &h in heights {
        let rows = (1u64 << h) as f64;
        let cols: Vec<(f64, f64)> = [16, 32, 64]
            .iter()
            .filter_map(|w| get(&format!("cols-{w}"), h).map(|r| (*w as f64, r.f(key))))
            .collect();
        // x = interactions per row over both AIRs (a message is sent once and received once)
        let perm_pts = |sends: &[usize]| -> Vec<(f64, f64)> {
            sends
                .iter()
                .filter_map(|s| {
                    get(&format!("perm-32-{s}"), h).map(|r| (2.0 * *s as f64, r.f(key)))
                })
                .collect()
        };
        let look: Vec<(f64, f64)> = [2, 4, 8]
            .iter()
            .filter_map(|l| get(&format!("lookup-32-{l}"), h).map(|r| (*l as f64, r.f(key))))
            .collect();
        let fmt = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.1}"));
        let c_ns = slope(&cols).map(|(s, _)| s / rows * 1e9);
        let two_air = match (get("perm-32-0", h), get("cols-32", h)) {
            (Some(p), Some(c)) => Some((p.f(key) - c.f(key)) / (rows * 32.0) * 1e9),
            _ => None,
        };
        let p_ns = slope(&perm_pts(&[0, 4, 7, 8, 15, 16])).map(|(s, _)| s / rows * 1e9);
        let p2_ns = slope(&perm_pts(&[0, 7, 15])).map(|(s, _)| s / rows * 1e9);
        let l = slope(&look);
        let l_ns = l.map(|(s, _)| s / rows * 1e9);
        let table = match (l, get("cols-32", h)) {
            (Some((_, icpt)), Some(c)) => Some(icpt - c.f(key)),
            _ => None,
        };
        println!(
            "| 2^{h} | {} | {} | {} | {} | {} | {} |",
            fmt(c_ns),
            fmt(two_air),
            fmt(p_ns),
            fmt(p2_ns),
            fmt(l_ns),
            table.map_or("-".into(), |x| format!("{x:.3}"))
        );
    }

    let ok: Vec<&Res> = results
        .iter()
        .filter_map(|(_, _, r)| r.as_ref().ok())
        .collect();
    if !ok.is_empty() {
        for (k, what) in [("grind_s", "wall"), ("grind_cpu_s", "CPU")] {
            let g: Vec<f64> = ok.iter().map(|r| r.f(k)).filter(|x| !x.is_nan()).collect();
            if g.is_empty() {
                continue;
            }
            let mean = g.iter().sum::<f64>() / g.len() as f64;
            let max = g.iter().cloned().fold(0.0, f64::max);
            println!(
                "\nPoW grinding per proof ({what}) over {} cases: mean {mean:.3} s, max {max:.3} s",
                g.len()
            );
        }
    }
    let fit = |sub: &[&Res], label: &str| {
        if sub.len() < 5 {
            return;
        }
        let ys: Vec<f64> = sub.iter().map(|r| r.f(key)).collect();
        let report = |xs: Vec<Vec<f64>>, names: &[&str]| {
            // Drop features that are zero in every case (e.g. no GKR above 2^22 slots at 2^16
            // rows), which would make the normal equations singular.
            let keep: Vec<usize> = (0..xs[0].len())
                .filter(|&j| xs.iter().any(|x| x[j] != 0.0))
                .collect();
            let xs: Vec<Vec<f64>> = xs
                .iter()
                .map(|x| keep.iter().map(|&j| x[j]).collect())
                .collect();
            let names: Vec<&str> = keep
                .iter()
                .filter(|&&j| j < names.len())
                .map(|&j| names[j])
                .collect();
            let b = lstsq(&xs, &ys);
            let mut worst: f64 = 0.0;
            for (x, y) in xs.iter().zip(&ys) {
                let p: f64 = x.iter().zip(&b).map(|(a, c)| a * c).sum();
                worst = worst.max(((p - y) / y).abs());
            }
            let mut terms: Vec<String> = b
                .iter()
                .zip(&names)
                .map(|(c, n)| format!("{:.2} ns * {n}", c * 1e9))
                .collect();
            if b.len() > names.len() {
                terms.push(format!("{:.4} s", b[b.len() - 1]));
            }
            let mut rel: Vec<f64> = xs
                .iter()
                .zip(&ys)
                .map(|(x, y)| {
                    let p: f64 = x.iter().zip(&b).map(|(a, c)| a * c).sum();
                    ((p - y) / y).abs()
                })
                .collect();
            rel.sort_by(|a, b| a.total_cmp(b));
            println!(
                "- {label} ({} cases): t ~= {}   (worst rel. error {:.0}%, median {:.0}%)",
                sub.len(),
                terms.join(" + "),
                worst * 100.0,
                rel[rel.len() / 2] * 100.0
            );
        };
        report(
            sub.iter()
                .map(|r| vec![r.f("main_cells"), r.f("interactions"), 1.0])
                .collect(),
            &["main_cells", "interactions"],
        );
        report(
            sub.iter()
                .map(|r| {
                    vec![
                        r.f("main_cells"),
                        r.f("interactions"),
                        r.f("gkr_slots"),
                        1.0,
                    ]
                })
                .collect(),
            &["main_cells", "interactions", "gkr_slots"],
        );
        // GKR gets slower per slot once its layers no longer fit in cache (about 2^22 slots
        // here), and part of the work scales with the stacked height whatever the width.
        report(
            sub.iter()
                .map(|r| {
                    let s = r.f("gkr_slots");
                    let excess = if s > 0.0 {
                        (s.log2() - 22.0).max(0.0)
                    } else {
                        0.0
                    };
                    vec![
                        r.f("main_cells"),
                        r.f("interactions"),
                        s,
                        s * excess,
                        2f64.powf(r.f("lsh")),
                    ]
                })
                .collect(),
            &[
                "main_cells",
                "interactions",
                "gkr_slots",
                "gkr_slots*max(0,log2(gkr_slots)-22)",
                "2^lsh",
            ],
        );
    };
    println!("\n## Least-squares fits ({})\n", metric.label());
    println!("main_cells = sum over AIRs of rows x main width; interactions = sum over AIRs of rows x interactions per row (table rows included); gkr_slots = 2^bitlen(interactions), the padded LogUp-GKR input size\n");
    fit(&ok, "all heights");
    for &h in heights {
        let sub: Vec<&Res> = ok
            .iter()
            .copied()
            .filter(|r| r.f("log_rows") as usize == h)
            .collect();
        fit(&sub, &format!("2^{h} only"));
        let sub2: Vec<&Res> = sub
            .iter()
            .copied()
            .filter(|r| !r.s("case").starts_with("lookup"))
            .collect();
        fit(&sub2, &format!("2^{h} without lookup cases"));
    }
    println!("\nRaw results:");
    for (_, _, r) in results {
        if let Ok(r) = r {
            let mut kv: Vec<_> = r.kv.iter().collect();
            kv.sort();
            println!(
                "  RESULT {}",
                kv.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let val = |name: &str| -> Option<String> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let reps: usize = val("--reps").map_or(1, |v| v.parse().expect("--reps"));
    let debug = args.iter().any(|a| a == "--debug");
    if let Some(case) = val("--child") {
        let log_rows = val("--log-rows").expect("--log-rows").parse().unwrap();
        let lsh = val("--lsh").expect("--lsh").parse().unwrap();
        run_child(Kind::parse(&case), log_rows, lsh, reps, debug);
        return;
    }
    let heights: Vec<usize> = val("--heights")
        .unwrap_or_else(|| "16,18,20".into())
        .split(',')
        .map(|s| s.parse().expect("--heights"))
        .collect();
    if let Some(files) = val("--report") {
        report_from_files(&files);
        return;
    }
    let max_wait_s: f64 = val("--max-wait-s").map_or(1800.0, |v| v.parse().expect("--max-wait-s"));
    run_parent(heights, reps, val("--only"), debug, max_wait_s);
}
