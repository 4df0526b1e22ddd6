//! The start state of every planned segment, from pure execution.
//!
//! A segment can be proven anywhere from its [`SegmentStart`] alone. The single-machine path
//! gets each start from the previous segment's preflight (`next_start`), which forces the
//! segments into a sequence; a cluster needs them all before any segment is proven. They come
//! from one pure run (the fastest interpreter mode), paused at each planned segment's first
//! instruction and snapshotted there.

use std::sync::Arc;

use tessera_arch::{
    address_space::{MEMORY, PUBLIC_OUTPUT_DATA, PUBLIC_OUTPUT_LENGTH, PUBLIC_VALUES, REGISTER},
    ExecutionError, PureCtx, SparseMemoryImage, Streams, VmExe, VmExecState, VmRunError, VmState,
};
use tessera_system::vm::SegmentStart;

use crate::{MeterReport, Sdk, SdkError, F};

impl Sdk {
    /// The start of each segment of `plan` (a plan of a run of `exe`, made by [`Sdk::meter`]):
    /// the machine state after `instret_start` instructions, equal to the `next_start` the
    /// previous segment's proof ends with. One pure run of the program on the input the plan
    /// recorded ([`MeterReport::input`], hint answers included, so no hint host is asked
    /// again) up to the last segment's start, plus a scan of memory per segment.
    ///
    /// ```
    /// use tessera_sdk::{ProveOptions, Sdk};
    ///
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let input = 10u32.to_le_bytes().to_vec();
    /// let options = ProveOptions { segment_instructions: Some(100), ..ProveOptions::default() };
    /// let plan = sdk.meter(&exe, input, &options)?;
    /// let starts = sdk.segment_starts(&exe, &plan)?;
    /// assert_eq!(starts.len(), plan.segments.len());
    /// for (start, segment) in starts.iter().zip(&plan.segments) {
    ///     assert_eq!(start.instret, segment.instret_start);
    /// }
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn segment_starts(
        &self,
        exe: &Arc<VmExe<F>>,
        plan: &MeterReport,
    ) -> Result<Vec<SegmentStart>, SdkError> {
        let instance = self
            .executor
            .instance_for::<PureCtx>(exe)
            .map_err(VmRunError::from)?;
        let mut state = VmExecState {
            vm: instance.initial_state(Streams::new(plan.input.clone())),
            ctx: PureCtx::new(Some(0)),
        };
        let mut starts = Vec::with_capacity(plan.segments.len());
        for (index, segment) in plan.segments.iter().enumerate() {
            // Run up to the segment's first instruction: the interpreter stops there with an
            // instruction-limit error, in a state that can go on.
            state.ctx.max_instructions = segment.instret_start;
            match instance.run(&mut state) {
                Err(ExecutionError::InstructionLimit { limit, .. })
                    if limit == segment.instret_start => {}
                Ok(()) => {
                    return Err(SdkError::Options(format!(
                        "the plan does not match the run: the guest exited after {} \
                         instructions, before segment {index} (which starts at {})",
                        state.vm.instret, segment.instret_start
                    )))
                }
                Err(error) => return Err(VmRunError::from(error).into()),
            }
            starts.push(snapshot(&state.vm));
        }
        Ok(starts)
    }
}

/// The [`SegmentStart`] of a machine state: every non-zero word of the registers, main memory
/// and the public output (length word, then the bytes packed in words), as preflight keeps them.
pub(crate) fn snapshot(vm: &VmState) -> SegmentStart {
    let mut memory = SparseMemoryImage::new();
    for (index, &value) in vm.registers().iter().enumerate() {
        if value != 0 {
            memory.insert((REGISTER, 4 * index as u32), value);
        }
    }
    let main = vm
        .memory
        .read_bytes(0, vm.memory.size())
        .expect("all of main memory is readable");
    // Most of memory is untouched: skip zero pages 8 bytes at a time.
    const PAGE: usize = 4096;
    for (page_index, page) in main.chunks(PAGE).enumerate() {
        let zero = page
            .chunks_exact(8)
            .all(|c| u64::from_ne_bytes(c.try_into().expect("8 bytes")) == 0);
        if zero && page.len().is_multiple_of(8) {
            continue;
        }
        for (word_index, word) in page.chunks_exact(4).enumerate() {
            let value = u32::from_le_bytes(word.try_into().expect("4 bytes"));
            if value != 0 {
                let pointer = (page_index * PAGE + word_index * 4) as u32;
                memory.insert((MEMORY, pointer), value);
            }
        }
    }
    let output = vm.memory.public_output();
    if !output.is_empty() {
        memory.insert((PUBLIC_VALUES, PUBLIC_OUTPUT_LENGTH), output.len() as u32);
        for (index, chunk) in output.chunks(4).enumerate() {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            let value = u32::from_le_bytes(word);
            if value != 0 {
                memory.insert(
                    (PUBLIC_VALUES, PUBLIC_OUTPUT_DATA + 4 * index as u32),
                    value,
                );
            }
        }
    }
    SegmentStart {
        pc: vm.pc,
        memory,
        streams: vm.streams.positions(),
        instret: vm.instret,
    }
}
