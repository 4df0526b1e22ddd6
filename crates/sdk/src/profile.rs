//! Profiling a guest: the cycle tracker's regions and a per-function profile (folded stacks
//! for flame graphs), weighted by instructions or by trace cells.
//!
//! ```no_run
//! use tessera_sdk::{ProfileWeight, Sdk};
//!
//! let sdk = Sdk::default();
//! let exe = sdk.load_elf_file("examples/elf/c-profile.elf").unwrap();
//! let profile = sdk.profile(&exe, Vec::new(), None).unwrap();
//! for region in &profile.regions {
//!     println!("{:indent$}{} {}", "", region.name, region.total.instructions, indent = 2 * region.depth);
//! }
//! std::fs::write("profile.folded", profile.folded(ProfileWeight::Instructions)).unwrap();
//! ```

use std::{collections::BTreeMap, fmt::Write as _, sync::Arc};

use openvm_stark_backend::p3_air::BaseAir;
use serde::Serialize;
use tessera_arch::{
    address_space,
    execution::profile::{CellCosts, CodeMap, ProfileCtx, StackEffect, Weight},
    VmExe,
};
use tessera_system::vm::{
    BOUNDARY_AIR_ID, FIRST_EXTENSION_AIR_ID, MERKLE_AIR_ID, POSEIDON2_AIR_ID, TRACE_PARTS,
};

use crate::{
    prove::MIN_LOG_STACKED_HEIGHT, GuestInput, GuestOutput, ProveOptions, Sdk, SdkError, F,
};

/// The frame of code outside every function symbol.
pub const NO_SYMBOL: &str = "[no symbol]";

/// What a profile's numbers count.
///
/// ```
/// use tessera_sdk::ProfileWeight;
///
/// assert_eq!(ProfileWeight::default(), ProfileWeight::Instructions);
/// // Serialized in lowercase, as the CLI's `--profile-weight` takes it.
/// assert_eq!(serde_json::to_string(&ProfileWeight::Cells).unwrap(), "\"cells\"");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileWeight {
    /// Guest instructions.
    #[default]
    Instructions,
    /// Main trace cells before padding (see [`Profile`]).
    Cells,
}

impl ProfileWeight {
    /// What it counts, for people.
    ///
    /// ```
    /// use tessera_sdk::ProfileWeight;
    ///
    /// assert_eq!(ProfileWeight::Instructions.unit(), "instructions");
    /// assert_eq!(ProfileWeight::Cells.unit(), "trace cells");
    /// ```
    pub fn unit(self) -> &'static str {
        match self {
            ProfileWeight::Instructions => "instructions",
            ProfileWeight::Cells => "trace cells",
        }
    }

    fn of(self, weight: Weight) -> u64 {
        match self {
            ProfileWeight::Instructions => weight.instructions,
            ProfileWeight::Cells => weight.cells,
        }
    }
}

/// A cycle-tracker region of a [`Profile`], in depth-first order.
///
/// ```
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = tessera_sdk::Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-profile.elf")?;
/// let profile = sdk.profile(&exe, 100u32.to_le_bytes().to_vec(), None)?;
/// let tree: Vec<(usize, &str)> =
///     profile.regions.iter().map(|r| (r.depth, r.name.as_str())).collect();
/// assert_eq!(
///     tree,
///     [(0, "generate"), (0, "sort"), (0, "check"), (1, "order"), (1, "hash"), (0, "fib")]
/// );
/// let fib = &profile.regions[5];
/// println!("{}: {} entry, {} instructions", fib.name, fib.entries, fib.total.instructions);
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct RegionProfile {
    /// 0 for a top-level region.
    pub depth: usize,
    pub name: String,
    /// Times the region was entered.
    pub entries: u64,
    /// Between its markers (its start marker's `ecall` included, its end marker's not),
    /// nested regions included, summed over its entries.
    pub total: Weight,
}

/// A function of a [`Profile`].
///
/// ```
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = tessera_sdk::Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-profile.elf")?;
/// let profile = sdk.profile(&exe, 100u32.to_le_bytes().to_vec(), None)?;
/// // The recursive fib(20) costs the most; it calls nothing else.
/// let fib = &profile.functions[0];
/// assert_eq!(fib.name, "fib");
/// assert_eq!(fib.own, fib.total);
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct FunctionProfile {
    pub name: String,
    /// Its own instructions.
    pub own: Weight,
    /// Its instructions and those of everything it called (each counted once, however deep
    /// the recursion).
    pub total: Weight,
}

/// The profile of a run (see [`Sdk::profile`]).
///
/// Each instruction counts once, and for the main trace cells it adds to its segment's traces
/// before padding: its AIR's row, a syscall's buffer rows, and the memory tables' rows of the
/// memory it is the first in its segment to touch. Fixed tables and padding are nobody's.
///
/// ```
/// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
/// let sdk = tessera_sdk::Sdk::default();
/// let exe = sdk.load_elf_file("examples/elf/c-profile.elf")?;
/// let input = 100u32.to_le_bytes().to_vec();
/// let profile = sdk.profile(&exe, input.clone(), None)?;
/// assert_eq!(profile.exit_code, 0);
/// assert!(profile.marker_errors.is_empty());
/// assert_eq!(profile.total.instructions, sdk.execute(&exe, input, None)?.instret);
/// println!("{} trace cells", profile.total.cells);
/// # Ok::<(), tessera_sdk::SdkError>(())
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Profile {
    pub exit_code: u32,
    #[serde(flatten)]
    pub output: GuestOutput,
    /// The whole run.
    pub total: Weight,
    /// Cycle-tracker regions as a tree, depth first; a region's children follow it.
    pub regions: Vec<RegionProfile>,
    /// What ran outside every top-level region.
    pub outside_regions: Weight,
    /// Functions, the most expensive in own instructions first.
    pub functions: Vec<FunctionProfile>,
    /// Markers that did not match, and regions left open at the end (closed there).
    pub marker_errors: Vec<String>,
    /// Call stacks (root first, as function names) and what ran with exactly that stack.
    #[serde(skip)]
    pub stacks: Vec<(Vec<String>, Weight)>,
    pub seconds: f64,
    pub mhz: f64,
}

impl Profile {
    /// The call stacks in the folded format of flame graph tools (`inferno-flamegraph`,
    /// `flamegraph.pl`): one line per stack, `root;caller;leaf weight`, sorted.
    ///
    /// ```
    /// use tessera_sdk::{ProfileWeight, Sdk};
    ///
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-profile.elf")?;
    /// let profile = sdk.profile(&exe, 100u32.to_le_bytes().to_vec(), None)?;
    /// let folded = profile.folded(ProfileWeight::Instructions);
    /// let sum: u64 = folded
    ///     .lines()
    ///     .map(|line| line.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
    ///     .sum();
    /// assert_eq!(sum, profile.total.instructions);
    /// assert!(folded.lines().any(|line| line.contains(";fib;fib;fib ")));
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn folded(&self, weight: ProfileWeight) -> String {
        let mut lines: BTreeMap<String, u64> = BTreeMap::new();
        for (frames, w) in &self.stacks {
            let w = weight.of(*w);
            if w > 0 {
                // `;` separates frames: no name may contain one.
                let stack: Vec<String> = frames.iter().map(|f| f.replace(';', ":")).collect();
                *lines.entry(stack.join(";")).or_default() += w;
            }
        }
        let mut out = String::new();
        for (stack, w) in lines {
            writeln!(out, "{stack} {w}").expect("writing to a String");
        }
        out
    }
}

impl Sdk {
    /// Runs `exe` on `input` (up to `max_instructions`) under the profiler: metered
    /// execution that also charges every instruction to its call stack and to the
    /// cycle-tracker regions open at the time.
    ///
    /// ```
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = tessera_sdk::Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-profile.elf")?;
    /// let profile = sdk.profile(&exe, 100u32.to_le_bytes().to_vec(), None)?;
    /// for region in &profile.regions {
    ///     let indent = 2 * region.depth;
    ///     println!("{:indent$}{} {}", "", region.name, region.total.instructions);
    /// }
    /// println!("outside regions: {}", profile.outside_regions.instructions);
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn profile(
        &self,
        exe: &Arc<VmExe<F>>,
        input: impl Into<GuestInput>,
        max_instructions: Option<u64>,
    ) -> Result<Profile, SdkError> {
        let options = ProveOptions {
            max_instructions,
            ..ProveOptions::one_segment()
        };
        let (metered, costs) = self.metered_ctx(exe, &options)?;
        let vm = self.machine(MIN_LOG_STACKED_HEIGHT);
        let width = |id: usize| BaseAir::<F>::width(vm.airs()[id].as_ref()) as u64;
        let cells = CellCosts {
            slot: (0..costs.slots)
                .map(|slot| width(FIRST_EXTENSION_AIR_ID + slot * TRACE_PARTS))
                .collect(),
            insn_slots: costs.insn_slots.clone(),
            io_slots: costs.io_slots.clone(),
            leaf: width(BOUNDARY_AIR_ID),
            node: width(MERKLE_AIR_ID) + 2 * width(POSEIDON2_AIR_ID),
        };
        let ctx = ProfileCtx::new(metered, code_map(exe), cells);
        let mut run = self.run_in(exe, input.into(), ctx)?;
        run.ctx.close_open_regions();
        let mhz = run.mhz();
        let ctx = run.ctx;
        let regions = region_tree(&ctx);
        let outside_regions = regions
            .iter()
            .filter(|r| r.depth == 0)
            .fold(ctx.total(), |rest, r| rest - r.total);
        let stacks = call_stacks(&ctx);
        Ok(Profile {
            exit_code: run.exit_code,
            output: run.output,
            total: ctx.total(),
            regions,
            outside_regions,
            functions: functions(&stacks),
            marker_errors: ctx.marker_errors,
            stacks,
            seconds: run.seconds,
            mhz,
        })
    }
}

/// The function of every instruction (from the ELF's symbols) and its effect on the call
/// stack (from its encoding, in the initial memory).
fn code_map<F>(exe: &VmExe<F>) -> CodeMap {
    let mut names = vec![NO_SYMBOL.to_string()];
    let mut ids: BTreeMap<&str, u32> = BTreeMap::new();
    let program = &exe.program;
    let mut function = Vec::with_capacity(program.instructions.len());
    let mut effect = Vec::with_capacity(program.instructions.len());
    for index in 0..program.instructions.len() {
        let pc = program.pc_base + 4 * index as u32;
        function.push(match exe.function_at(pc) {
            None => 0,
            Some(name) => *ids.entry(name).or_insert_with(|| {
                names.push(demangle(name));
                (names.len() - 1) as u32
            }),
        });
        let word = exe
            .init_memory
            .get(&(address_space::MEMORY, pc))
            .copied()
            .unwrap_or(0);
        effect.push(stack_effect(word));
    }
    CodeMap {
        function: function.into(),
        effect: effect.into(),
        names,
    }
}

/// A Rust symbol without its mangling and hash; other names as they are.
fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

/// The stack effect of an instruction word, by the RISC-V return-address convention: `ra`
/// (x1) and `t0` (x5) are link registers; a `jal`/`jalr` that writes one is a call, a `jalr`
/// through one that writes none is a return, and a `jalr` from one link register to the
/// other is both.
///
/// ```
/// use tessera_sdk::{stack_effect, StackEffect};
///
/// assert_eq!(stack_effect(0x0000_00ef), StackEffect::Call); // jal ra, 0
/// assert_eq!(stack_effect(0x0000_8067), StackEffect::Return); // ret (jalr x0, 0(ra))
/// assert_eq!(stack_effect(0x0000_0013), StackEffect::None); // nop
/// ```
pub fn stack_effect(word: u32) -> StackEffect {
    let link = |r: u32| r == 1 || r == 5;
    let (rd, rs1) = ((word >> 7) & 31, (word >> 15) & 31);
    match word & 0x7f {
        0x6f if link(rd) => StackEffect::Call,
        0x67 if (word >> 12) & 7 == 0 => match (link(rd), link(rs1)) {
            (true, true) if rd != rs1 => StackEffect::ReturnAndCall,
            (true, _) => StackEffect::Call,
            (false, true) => StackEffect::Return,
            (false, false) => StackEffect::None,
        },
        _ => StackEffect::None,
    }
}

/// The regions depth first, children in the order they were first entered.
fn region_tree(ctx: &ProfileCtx) -> Vec<RegionProfile> {
    let mut children: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, region) in ctx.regions.iter().enumerate() {
        children.entry(region.parent).or_default().push(i);
    }
    let mut out = Vec::new();
    let mut todo: Vec<(usize, usize)> = children
        .get(&u32::MAX)
        .map(|roots| roots.iter().rev().map(|&r| (r, 0)).collect())
        .unwrap_or_default();
    while let Some((node, depth)) = todo.pop() {
        let region = &ctx.regions[node];
        out.push(RegionProfile {
            depth,
            name: region.name.clone(),
            entries: region.entries,
            total: region.total,
        });
        if let Some(kids) = children.get(&(node as u32)) {
            todo.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
        }
    }
    out
}

/// Every call stack as names, root first, with its own weight.
fn call_stacks(ctx: &ProfileCtx) -> Vec<(Vec<String>, Weight)> {
    let names = ctx.function_names();
    ctx.stacks
        .iter()
        .map(|node| {
            let mut frames = vec![names[node.function as usize].clone()];
            let mut parent = node.parent;
            while parent != u32::MAX {
                let up = &ctx.stacks[parent as usize];
                frames.push(names[up.function as usize].clone());
                parent = up.parent;
            }
            frames.reverse();
            (frames, node.own)
        })
        .collect()
}

/// Own and total weight per function, the largest own instructions first.
fn functions(stacks: &[(Vec<String>, Weight)]) -> Vec<FunctionProfile> {
    let mut by_name: BTreeMap<&str, (Weight, Weight)> = BTreeMap::new();
    for (frames, weight) in stacks {
        let leaf = frames.last().expect("a stack has a leaf");
        by_name.entry(leaf).or_default().0 += *weight;
        let mut seen: Vec<&str> = Vec::new();
        for frame in frames {
            if !seen.contains(&frame.as_str()) {
                seen.push(frame);
                by_name.entry(frame).or_default().1 += *weight;
            }
        }
    }
    let mut out: Vec<FunctionProfile> = by_name
        .into_iter()
        .map(|(name, (own, total))| FunctionProfile {
            name: name.to_string(),
            own,
            total,
        })
        .collect();
    out.sort_by(|a, b| {
        (b.own.instructions, b.own.cells, &a.name).cmp(&(a.own.instructions, a.own.cells, &b.name))
    });
    out
}

/// A flame graph (SVG) of folded stacks weighed by `weight` (see [`Profile::folded`]), made
/// with `inferno`.
///
/// ```
/// use tessera_sdk::{flame_graph, ProfileWeight};
///
/// let folded = "main;fib;fib 300\nmain;fib 120\nmain 40\n"; // or `Profile::folded`
/// let svg = flame_graph(folded, "fib", ProfileWeight::Instructions).unwrap();
/// assert!(String::from_utf8(svg).unwrap().contains("<svg"));
/// ```
pub fn flame_graph(folded: &str, title: &str, weight: ProfileWeight) -> Result<Vec<u8>, SdkError> {
    let mut options = inferno::flamegraph::Options::default();
    options.title = title.to_string();
    options.count_name = weight.unit().into();
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)
        .map_err(|e| SdkError::Options(format!("cannot draw the flame graph: {e}")))?;
    Ok(svg)
}
