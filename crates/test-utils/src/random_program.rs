//! Random valid RV32IM programs for differential testing.
//!
//! A program initialises registers with values biased towards edge cases (0, -1, `INT_MIN`,
//! powers of two), runs a random mix of ALU, M, shift, upper-immediate, load, store, branch, jump
//! and bounded-loop code over a 4 KiB data buffer, then writes all registers and the buffer to
//! stdout and exits with a code derived from the registers. Every program terminates: branches
//! and jumps go forward, and loops count down a register nothing else writes.
//!
//! [`random_program_with`] mixes in the instructions of an extension ([`RandomOptions`], e.g.
//! Zbb's); [`random_program`] is the RV32IM-only program, the same for a seed as it always was.

use std::fmt::Write;

use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};

/// Registers random instructions may write. x26 is the loop counter, x27 the buffer base.
const WRITABLE: [u32; 29] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 28,
    29, 30, 31,
];
const LOOP_COUNTER: u32 = 26;
const BUFFER_BASE: u32 = 27;
/// The buffer is 4 KiB and x27 points to its middle, so 12-bit offsets reach all of it.
const BUFFER_WORDS: usize = 1024;

const R_OPS: [&str; 18] = [
    "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "mul", "mulh", "mulhsu",
    "mulhu", "div", "divu", "rem", "remu",
];
const I_OPS: [&str; 6] = ["addi", "slti", "sltiu", "xori", "ori", "andi"];
const SHIFT_I_OPS: [&str; 3] = ["slli", "srli", "srai"];
const LOADS: [(&str, i32); 5] = [("lb", 1), ("lbu", 1), ("lh", 2), ("lhu", 2), ("lw", 4)];
const STORES: [(&str, i32); 3] = [("sb", 1), ("sh", 2), ("sw", 4)];
const BRANCHES: [&str; 6] = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];

/// Instructions of an extension that random programs mix in, by assembly mnemonic and form.
/// They must have no control flow or memory access and write only `rd`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomOptions<'a> {
    /// Register-register instructions: `op rd, rs1, rs2` (e.g. `"andn"`, `"rol"`).
    pub extra_r_ops: &'a [&'a str],
    /// One-operand instructions: `op rd, rs1` (e.g. `"clz"`, `"rev8"`).
    pub extra_unary_ops: &'a [&'a str],
    /// Shifts by a 5-bit immediate: `op rd, rs1, shamt` (e.g. `"rori"`).
    pub extra_shift_i_ops: &'a [&'a str],
}

impl RandomOptions<'_> {
    fn extra_ops(&self) -> usize {
        self.extra_r_ops.len() + self.extra_unary_ops.len() + self.extra_shift_i_ops.len()
    }
}

struct Generator<'a> {
    rng: StdRng,
    out: String,
    labels: u32,
    options: &'a RandomOptions<'a>,
}

/// The assembly source of the random program for `seed` with about `length` top-level items.
pub fn random_program(seed: u64, length: usize) -> String {
    random_program_with(seed, length, &RandomOptions::default())
}

/// [`random_program`] with the instructions of `options` mixed in: about 30% of the
/// straight-line instructions are drawn from them. With no extra instruction it is
/// [`random_program`] exactly (the same random draws).
pub fn random_program_with(seed: u64, length: usize, options: &RandomOptions) -> String {
    let mut g = Generator {
        rng: StdRng::seed_from_u64(seed),
        out: String::new(),
        labels: 0,
        options,
    };
    if options.extra_ops() == 0 {
        g.line(&format!("# random RV32IM program, seed {seed}"));
    } else {
        g.line(&format!(
            "# random RV32IM program with extra instructions {options:?}, seed {seed}"
        ));
    }
    g.line("    .section .text.init, \"ax\"");
    g.line("    .globl _start");
    g.line("_start:");
    g.line(&format!("    la x{BUFFER_BASE}, buffer + 2048"));
    g.line(&format!("    li x{LOOP_COUNTER}, 0"));
    for reg in WRITABLE {
        let value = g.value();
        g.line(&format!("    li x{reg}, {value}"));
    }
    for _ in 0..length {
        g.item();
    }
    g.epilogue();
    g.out
}

impl Generator<'_> {
    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn label(&mut self) -> String {
        self.labels += 1;
        format!(".L{}", self.labels)
    }

    /// A register value, half of the time an edge case.
    fn value(&mut self) -> i32 {
        const SPECIAL: [i32; 10] = [
            0,
            1,
            -1,
            2,
            i32::MIN,
            i32::MAX,
            i32::MIN + 1,
            0xff,
            0x8000,
            -2048,
        ];
        if self.rng.gen_bool(0.5) {
            *SPECIAL.choose(&mut self.rng).expect("non-empty")
        } else if self.rng.gen_bool(0.5) {
            self.rng.gen_range(-64..64)
        } else {
            self.rng.gen()
        }
    }

    /// A word of data in the code segment: zero, a compressed-looking or CSR instruction, or
    /// anything.
    fn data_word(&mut self) -> u32 {
        match self.rng.gen_range(0..5) {
            0 => 0,
            1 => 0x4501_4501, // two `c.li a0, 0`
            2 => 0xc000_2573, // `rdcycle a0` (csrrs a0, cycle, x0)
            3 => 0x0000_100f, // `fence.i`
            _ => self.rng.gen(),
        }
    }

    fn any_reg(&mut self) -> u32 {
        self.rng.gen_range(0..32)
    }

    fn dest(&mut self) -> u32 {
        if self.rng.gen_ratio(1, 20) {
            0
        } else {
            *WRITABLE.choose(&mut self.rng).expect("non-empty")
        }
    }

    fn imm12(&mut self) -> i32 {
        if self.rng.gen_bool(0.3) {
            *[0, 1, -1, 2047, -2048, 31, 32]
                .choose(&mut self.rng)
                .expect("non-empty")
        } else {
            self.rng.gen_range(-2048..2048)
        }
    }

    /// A buffer offset from x27 aligned to `width`.
    fn offset(&mut self, width: i32) -> i32 {
        self.rng.gen_range(-2048 / width..2048 / width) * width
    }

    /// One of the options' extra instructions.
    fn extra(&mut self) {
        let (rd, rs1, rs2) = (self.dest(), self.any_reg(), self.any_reg());
        let RandomOptions {
            extra_r_ops,
            extra_unary_ops,
            extra_shift_i_ops,
        } = *self.options;
        let pick = self.rng.gen_range(0..self.options.extra_ops());
        let unary = pick.wrapping_sub(extra_r_ops.len());
        let shift = unary.wrapping_sub(extra_unary_ops.len());
        let line = if pick < extra_r_ops.len() {
            format!("{} x{rd}, x{rs1}, x{rs2}", extra_r_ops[pick])
        } else if unary < extra_unary_ops.len() {
            format!("{} x{rd}, x{rs1}", extra_unary_ops[unary])
        } else {
            let shamt = self.rng.gen_range(0..32);
            format!("{} x{rd}, x{rs1}, {shamt}", extra_shift_i_ops[shift])
        };
        self.line(&format!("    {line}"));
    }

    /// One instruction without control flow.
    fn simple(&mut self) {
        // No draw at all without extras: `random_program` stays what it was for each seed.
        if self.options.extra_ops() > 0 && self.rng.gen_bool(0.3) {
            return self.extra();
        }
        let (rd, rs1, rs2) = (self.dest(), self.any_reg(), self.any_reg());
        let line = match self.rng.gen_range(0..100) {
            0..=34 => format!(
                "{} x{rd}, x{rs1}, x{rs2}",
                R_OPS.choose(&mut self.rng).expect("ops")
            ),
            35..=54 => format!(
                "{} x{rd}, x{rs1}, {}",
                I_OPS.choose(&mut self.rng).expect("ops"),
                self.imm12()
            ),
            55..=62 => format!(
                "{} x{rd}, x{rs1}, {}",
                SHIFT_I_OPS.choose(&mut self.rng).expect("ops"),
                self.rng.gen_range(0..32)
            ),
            63..=66 => format!("lui x{rd}, {}", self.rng.gen_range(0..1 << 20)),
            67..=68 => format!("auipc x{rd}, {}", self.rng.gen_range(0..1 << 20)),
            69..=83 => {
                let (op, width) = *LOADS.choose(&mut self.rng).expect("ops");
                format!("{op} x{rd}, {}(x{BUFFER_BASE})", self.offset(width))
            }
            _ => {
                let (op, width) = *STORES.choose(&mut self.rng).expect("ops");
                format!("{op} x{rs2}, {}(x{BUFFER_BASE})", self.offset(width))
            }
        };
        self.line(&format!("    {line}"));
    }

    fn simples(&mut self, max: usize) {
        for _ in 0..self.rng.gen_range(0..=max) {
            self.simple();
        }
    }

    /// One top-level item: an instruction, a forward branch or jump, or a bounded loop.
    fn item(&mut self) {
        match self.rng.gen_range(0..100) {
            0..=74 => self.simple(),
            75..=86 => {
                let target = self.label();
                let op = BRANCHES.choose(&mut self.rng).expect("ops");
                let (a, b) = (self.any_reg(), self.any_reg());
                self.line(&format!("    {op} x{a}, x{b}, {target}"));
                self.simples(4);
                self.line(&format!("{target}:"));
            }
            87..=90 => {
                let target = self.label();
                let rd = self.dest();
                self.line(&format!("    jal x{rd}, {target}"));
                self.simples(3);
                self.line(&format!("{target}:"));
            }
            91..=94 => {
                // jalr to a label, sometimes through an odd address (bit 0 is cleared).
                let target = self.label();
                let base = *WRITABLE.choose(&mut self.rng).expect("regs");
                let rd = self.dest();
                let odd = self.rng.gen_range(0..2);
                self.line(&format!("    la x{base}, {target} - 8 + {odd}"));
                self.line(&format!("    jalr x{rd}, 8(x{base})"));
                self.simples(3);
                self.line(&format!("{target}:"));
            }
            _ => {
                let top = self.label();
                let count = self.rng.gen_range(1..=6);
                self.line(&format!("    li x{LOOP_COUNTER}, {count}"));
                self.line(&format!("{top}:"));
                for _ in 0..self.rng.gen_range(1..=6) {
                    self.simple();
                }
                self.line(&format!("    addi x{LOOP_COUNTER}, x{LOOP_COUNTER}, -1"));
                self.line(&format!("    bnez x{LOOP_COUNTER}, {top}"));
            }
        }
    }

    /// Dumps registers and the buffer to stdout and exits with a code derived from a register.
    /// After the exit, still in the code segment, come random data words (never executed,
    /// one of them loaded as data), as stock linker scripts put `.rodata` after `.text`.
    fn epilogue(&mut self) {
        let data_words = self.rng.gen_range(1..16);
        let loaded = self.rng.gen_range(0..data_words);
        self.line("    la x28, code_data");
        self.line(&format!("    lw x29, {}(x28)", 4 * loaded));
        self.line("    # epilogue: registers, then the buffer, to stdout");
        self.line(&format!("    la x{LOOP_COUNTER}, regdump"));
        for reg in 1..32 {
            if reg != LOOP_COUNTER {
                self.line(&format!("    sw x{reg}, {}(x{LOOP_COUNTER})", 4 * reg));
            }
        }
        let exit_reg = *WRITABLE.choose(&mut self.rng).expect("regs");
        self.line(&format!("    lw x28, {}(x{LOOP_COUNTER})", 4 * exit_reg));
        for (buffer, len) in [("regdump", 128), ("buffer", 4 * BUFFER_WORDS)] {
            self.line("    li a0, 1");
            self.line(&format!("    la a1, {buffer}"));
            self.line(&format!("    li a2, {len}"));
            self.line("    li a7, 64");
            self.line("    ecall");
        }
        self.line("    andi a0, x28, 0xff");
        self.line("    li a7, 93");
        self.line("    ecall");
        self.line("code_data:");
        for _ in 0..data_words {
            let word = self.data_word();
            self.line(&format!("    .word {word:#010x}"));
        }
        self.line("    .section .data");
        self.line("    .balign 4");
        self.line("buffer:");
        for _ in 0..BUFFER_WORDS {
            let v = self.value();
            let _ = writeln!(self.out, "    .word {v}");
        }
        self.line("regdump:");
        self.line("    .space 128");
    }
}

#[cfg(test)]
mod tests {
    use super::{random_program, random_program_with, RandomOptions};

    #[test]
    fn deterministic_per_seed() {
        assert_eq!(random_program(7, 50), random_program(7, 50));
        assert_ne!(random_program(7, 50), random_program(8, 50));
    }

    #[test]
    fn extra_instructions_are_mixed_in() {
        let options = RandomOptions {
            extra_r_ops: &["andn"],
            extra_unary_ops: &["clz"],
            extra_shift_i_ops: &["rori"],
        };
        let program = random_program_with(7, 200, &options);
        assert_eq!(program, random_program_with(7, 200, &options));
        for op in ["andn", "clz", "rori"] {
            assert!(program.contains(&format!("    {op} x")), "{op}");
        }
        // Without extras it is the plain program.
        assert_eq!(
            random_program_with(7, 50, &RandomOptions::default()),
            random_program(7, 50)
        );
    }
}
