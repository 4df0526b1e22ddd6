//! The VM's instruction set: opcodes, instructions and address spaces.
//!
//! A VM instruction is an opcode plus seven field-element operands `a..g`, as in the reference
//! design. Extensions own disjoint opcode ranges (`LocalOpcode::CLASS_OFFSET`), so that an opcode
//! names exactly one executor and, later, exactly one chip.

use std::fmt;

use p3_field::PrimeField32;
use serde::{Deserialize, Serialize};

/// Address spaces of the VM. Operand `d`/`e` of an instruction names one of them.
pub mod address_space {
    /// Operand is an immediate value, not an address.
    pub const IMMEDIATE: u32 = 0;
    /// The 32 general-purpose registers, byte-addressed (`x_i` lives at `4 * i`).
    pub const REGISTER: u32 = 1;
    /// Main memory, byte-addressed.
    pub const MEMORY: u32 = 2;
    /// The public output (bytes the guest revealed). Layout: the word at pointer
    /// [`PUBLIC_OUTPUT_LENGTH`] holds the number of bytes written so far (little-endian), and
    /// the bytes follow from pointer [`PUBLIC_OUTPUT_DATA`]. The length lives in memory so
    /// that the position of the next append is proven (and carried across segments), and a
    /// verifier reads exactly the bytes the guest wrote, trailing zeros included.
    pub const PUBLIC_VALUES: u32 = 3;
    /// Pointer of the public output's length word in [`PUBLIC_VALUES`].
    pub const PUBLIC_OUTPUT_LENGTH: u32 = 0;
    /// Pointer of the public output's first byte in [`PUBLIC_VALUES`].
    pub const PUBLIC_OUTPUT_DATA: u32 = 4;
}

/// A global opcode: the opcode of one extension's instruction shifted by that extension's offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VmOpcode(u32);

impl VmOpcode {
    /// The opcode with this global number.
    pub const fn from_u32(value: u32) -> Self {
        Self(value)
    }

    /// The global number of this opcode.
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The global number as an index.
    pub const fn as_usize(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for VmOpcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "opcode {}", self.0)
    }
}

/// An extension's opcode enum. `CLASS_OFFSET` keeps opcode ranges of extensions disjoint.
///
/// ```
/// use tessera_arch::{LocalOpcode, VmOpcode};
///
/// #[derive(Clone, Copy, Debug)]
/// enum MyOpcode { Foo, Bar }
/// impl LocalOpcode for MyOpcode {
///     const CLASS_OFFSET: u32 = 0x1000;
///     const ALL: &'static [Self] = &[MyOpcode::Foo, MyOpcode::Bar];
///     fn local(self) -> u32 { self as u32 }
/// }
/// assert_eq!(MyOpcode::Bar.global(), VmOpcode::from_u32(0x1001));
/// assert_eq!(MyOpcode::from_global(VmOpcode::from_u32(0x1000)).map(|o| o as u32), Some(0));
/// ```
pub trait LocalOpcode: Copy + fmt::Debug + Sized + 'static {
    /// The first global opcode number of this enum.
    const CLASS_OFFSET: u32;
    /// Every opcode of the enum, in local-number order.
    const ALL: &'static [Self];

    /// The local number (0-based) of this opcode.
    fn local(self) -> u32;

    /// The global opcode.
    fn global(self) -> VmOpcode {
        VmOpcode(Self::CLASS_OFFSET + self.local())
    }

    /// The local opcode for a global opcode, if it belongs to this enum.
    fn from_global(opcode: VmOpcode) -> Option<Self> {
        let local = opcode.0.checked_sub(Self::CLASS_OFFSET)?;
        Self::ALL.iter().copied().find(|op| op.local() == local)
    }
}

/// Declares an extension's opcode enum and its [`LocalOpcode`] impl: the variants are the
/// local opcodes 0, 1, ... in order, at global opcodes from the offset.
///
/// ```
/// use tessera_arch::{LocalOpcode, VmOpcode};
///
/// tessera_arch::local_opcode! {
///     /// My extension's opcodes.
///     pub enum MyOpcode: 0x1000 {
///         /// The first.
///         FOO,
///         BAR,
///     }
/// }
/// assert_eq!(MyOpcode::BAR.global(), VmOpcode::from_u32(0x1001));
/// ```
#[macro_export]
macro_rules! local_opcode {
    ($(#[$meta:meta])* pub enum $name:ident : $offset:literal { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[allow(clippy::upper_case_acronyms, non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum $name { $($(#[$vmeta])* $variant),* }

        impl $crate::LocalOpcode for $name {
            const CLASS_OFFSET: u32 = $offset;
            const ALL: &'static [Self] = &[$(Self::$variant),*];
            fn local(self) -> u32 {
                self as u32
            }
        }
    };
}

/// One VM instruction: an opcode and seven field-element operands.
///
/// Conventions used by the RISC-V extensions: `a`, `b`, `c` are operands (register pointers
/// `4 * index` or immediates), `d` and `e` are address spaces; `f` and `g` are free for
/// extensions. Signed immediates are stored as the field element of the signed value
/// (negative values as `p - |v|`), see [`Instruction::signed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(bound = "F: Serialize + serde::de::DeserializeOwned")]
pub struct Instruction<F> {
    pub opcode: VmOpcode,
    pub a: F,
    pub b: F,
    pub c: F,
    pub d: F,
    pub e: F,
    pub f: F,
    pub g: F,
}

impl<F: PrimeField32> Instruction<F> {
    /// An instruction with operands given as signed integers (stored as field elements) and
    /// `f = g = 0`.
    pub fn new(opcode: VmOpcode, a: i64, b: i64, c: i64, d: i64, e: i64) -> Self {
        Self {
            opcode,
            a: Self::field(a),
            b: Self::field(b),
            c: Self::field(c),
            d: Self::field(d),
            e: Self::field(e),
            f: F::ZERO,
            g: F::ZERO,
        }
    }

    /// The field element of a signed integer (`-1` is `p - 1`). Round-trips through
    /// [`Instruction::signed`] for `|value| <= p / 2` (about 2^30); RISC-V immediates have at most
    /// 21 bits.
    pub fn field(value: i64) -> F {
        if value >= 0 {
            F::from_u64(value as u64)
        } else {
            -F::from_u64(value.unsigned_abs())
        }
    }

    /// Reads a signed immediate back from its field element: values above `p / 2` are negative.
    pub fn signed(value: F) -> i64 {
        let v = value.as_canonical_u32();
        if v > F::ORDER_U32 / 2 {
            -((F::ORDER_U32 - v) as i64)
        } else {
            v as i64
        }
    }
}

#[cfg(test)]
mod tests {
    use p3_baby_bear::BabyBear;

    use super::*;

    #[test]
    fn signed_operands_round_trip() {
        for v in [
            0i64,
            1,
            -1,
            2047,
            -2048,
            (1 << 20) - 1,
            -(1 << 20),
            (1 << 29),
            -(1 << 29),
        ] {
            let f = Instruction::<BabyBear>::field(v);
            assert_eq!(Instruction::<BabyBear>::signed(f), v, "{v}");
        }
    }
}
