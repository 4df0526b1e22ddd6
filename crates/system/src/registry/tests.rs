//! The registry's checks, on extensions registered only in this test binary: `test-isa` (an
//! instruction set with opcodes 0x9000 and 0x9001), `test-addon` (needs `test-isa`, opcode
//! 0x9100) and `test-clash` (claims 0x9001 again).

use openvm_stark_backend::AirRef;
use tessera_arch::{
    ExecutionCtx, Executor, ExecutorInventory, ExecutorInventoryError, Instruction, LocalOpcode,
    PreInsn, StaticProgramError, Transpiler, Trap, VmExecState, VmExecutionConfig,
    VmExecutionExtension,
};

use super::*;
use crate::vm::{Periphery, SegmentChips, SystemBuses, SC};

macro_rules! opcode_enum {
    ($name:ident, $offset:literal, [$($variant:ident),*]) => {
        #[derive(Clone, Copy, Debug)]
        enum $name { $($variant),* }
        impl LocalOpcode for $name {
            const CLASS_OFFSET: u32 = $offset;
            const ALL: &'static [Self] = &[$(Self::$variant),*];
            fn local(self) -> u32 { self as u32 }
        }
    };
}
opcode_enum!(IsaOp, 0x9000, [A, B]);
opcode_enum!(AddonOp, 0x9100, [C]);
opcode_enum!(ClashOp, 0x9001, [D]);

struct Advance;
fn advance<Ctx>(s: &mut VmExecState<Ctx>, _: &PreInsn<Ctx>) -> Result<(), Trap> {
    s.vm.pc = s.vm.pc.wrapping_add(4);
    Ok(())
}
impl Executor<F> for Advance {
    fn pre_compute<Ctx: ExecutionCtx>(
        &self,
        _pc: u32,
        _inst: &Instruction<F>,
    ) -> Result<PreInsn<Ctx>, StaticProgramError> {
        Ok(PreInsn::new(advance::<Ctx>, 0, 0, 0))
    }
}

/// A test extension executing the opcodes of `O` (no AIRs: the registry never proves).
struct TestExtension<O>(std::marker::PhantomData<O>);

impl<O: LocalOpcode + Send + Sync> VmExecutionExtension<F> for TestExtension<O> {
    fn extend_execution(
        &self,
        inventory: &mut ExecutorInventory<F>,
    ) -> Result<(), ExecutorInventoryError> {
        inventory.add_executor(Advance, O::ALL.iter().copied())
    }

    fn extend_transpiler(&self, transpiler: Transpiler<F>) -> Transpiler<F> {
        transpiler
    }
}

impl<O: LocalOpcode + Send + Sync> CircuitExtension for TestExtension<O> {
    fn name(&self) -> &'static str {
        std::any::type_name::<O>()
    }
    fn airs(&self, _: &SystemBuses) -> Vec<AirRef<SC>> {
        Vec::new()
    }
    fn new_chips(&self, _: &Periphery, _: &[usize]) -> Box<dyn SegmentChips> {
        unreachable!("the registry tests never prove")
    }
    fn insn_air(&self, _: &Instruction<F>) -> Option<usize> {
        None
    }
}

fn make<O: LocalOpcode + Send + Sync>() -> Box<dyn CircuitExtension> {
    Box::new(TestExtension::<O>(std::marker::PhantomData))
}

crate::register_extension! {
    name: "test-isa",
    summary: "a test instruction set",
    depends_on: [],
    instruction_set: true,
    create: make::<IsaOp>,
}
crate::register_extension! {
    name: "test-addon",
    summary: "a test extension on test-isa",
    depends_on: ["test-isa"],
    instruction_set: false,
    create: make::<AddonOp>,
}
crate::register_extension! {
    name: "test-clash",
    summary: "a test extension whose opcode test-isa owns",
    depends_on: [],
    instruction_set: false,
    create: make::<ClashOp>,
}

fn config(names: &[&str]) -> Result<VmConfig, RegistryError> {
    VmConfig::new(SystemConfig::default(), names.iter().copied())
}

#[test]
fn registered_extensions_are_found_by_name() {
    let names: Vec<_> = registered().iter().map(|r| r.name).collect();
    assert_eq!(names, ["test-addon", "test-clash", "test-isa"]);
    assert!(find("test-addon").is_some_and(|r| r.depends_on == ["test-isa"]));
    assert!(
        find("rv32im").is_none(),
        "rv32im is not linked into this crate's tests"
    );
    let config = config(&["test-isa", "test-addon"]).unwrap();
    let executors = config.create_executors().unwrap();
    let mut opcodes: Vec<u32> = executors.opcodes().map(|o| o.as_u32()).collect();
    opcodes.sort();
    assert_eq!(opcodes, [0x9000, 0x9001, 0x9100]);
    assert_eq!(config.name(), "test-isa+test-addon");
}

#[test]
fn an_unknown_extension_is_an_error_listing_the_registered_ones() {
    let error = config(&["test-isa", "zbbb"]).unwrap_err();
    assert_eq!(
        error,
        RegistryError::UnknownExtension {
            name: "zbbb".into(),
            registered: "test-addon, test-clash, test-isa".into(),
        }
    );
}

#[test]
fn a_missing_or_later_dependency_is_an_error() {
    let expected = RegistryError::MissingDependency {
        name: "test-addon".into(),
        dependency: "test-isa".into(),
    };
    assert_eq!(config(&["test-addon"]).unwrap_err(), expected);
    // Order decides AIR ids: a dependency listed after its dependent is missing too.
    assert_eq!(config(&["test-addon", "test-isa"]).unwrap_err(), expected);
}

#[test]
fn an_extension_listed_twice_is_an_error() {
    assert_eq!(
        config(&["test-isa", "test-isa"]).unwrap_err(),
        RegistryError::Duplicate {
            name: "test-isa".into()
        }
    );
}

#[test]
fn a_configuration_without_an_instruction_set_is_an_error() {
    assert!(matches!(
        config(&[]).unwrap_err(),
        RegistryError::NoInstructionSet { .. }
    ));
    assert!(matches!(
        config(&["test-clash"]).unwrap_err(),
        RegistryError::NoInstructionSet { .. }
    ));
}

#[test]
fn overlapping_opcodes_are_an_error_naming_both() {
    let error = config(&["test-isa", "test-clash"]).unwrap_err();
    let RegistryError::OverlappingOpcodes(ExecutorInventoryError::DuplicateOpcode {
        opcode,
        existing,
        new,
    }) = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (*opcode, existing.as_str(), new.as_str()),
        (0x9001, "B", "D")
    );
    // A configuration built by hand (fields are public) fails where it is used.
    let by_hand = VmConfig {
        system: SystemConfig::default(),
        extensions: vec!["test-isa".into(), "test-clash".into()],
    };
    let error = by_hand.create_executors().err().expect("refused");
    assert!(error.to_string().contains("overlap"), "{error}");
    assert!(by_hand.circuit_extensions().is_empty());
}

#[test]
fn toml_defaults_every_field_and_names_unknown_keys() {
    // An empty file is the default configuration (which needs rv32im, not linked here).
    let error = VmConfig::from_toml_str("").unwrap_err();
    assert!(
        error.to_string().contains("unknown extension \"rv32im\""),
        "{error}"
    );
    let config = VmConfig::from_toml_str("extensions = [\"test-isa\"]").unwrap();
    assert_eq!(config.system, SystemConfig::default());
    let config = VmConfig::from_toml_str(
        "extensions = [\"test-isa\", \"test-addon\"]\n[system]\nmemory_bits = 20\n",
    )
    .unwrap();
    assert_eq!(config.system.memory_bits, 20);
    assert_eq!(config.system.public_output_capacity, 1024);
    assert_eq!(VmConfig::from_toml_str(&config.to_toml()), Ok(config));

    for (text, key, line) in [
        ("extension = [\"test-isa\"]", "extension", 1),
        (
            "extensions = [\"test-isa\"]\n[system]\nmemory_bitz = 20\n",
            "memory_bitz",
            3,
        ),
        ("extensions = [\"test-isa\"]\n[sytem]\n", "sytem", 2),
    ] {
        let error = VmConfig::from_toml_str(text).unwrap_err().to_string();
        assert!(error.contains(&format!("unknown field `{key}`")), "{error}");
        assert!(error.contains(&format!("line {line},")), "{error}");
    }
    let error = VmConfig::from_toml_str("extensions = [\"test-isa\"]\n[system]\nmemory_bits = 40")
        .unwrap_err();
    assert!(matches!(
        error,
        ConfigFileError::System {
            error: ConfigError::MemoryBits(40),
            ..
        }
    ));
    let error = VmConfig::from_file("/nonexistent/tessera.toml").unwrap_err();
    assert!(error
        .to_string()
        .starts_with("cannot read /nonexistent/tessera.toml: "));
}

#[test]
fn the_fingerprint_changes_with_every_part_of_the_configuration() {
    let base = config(&["test-isa"]).unwrap();
    let addon = config(&["test-isa", "test-addon"]).unwrap();
    let mut memory = base.clone();
    memory.system.memory_bits = 20;
    let prints = [&base, &addon, &memory].map(|c| c.fingerprint());
    assert_eq!(prints[0], base.clone().fingerprint(), "stable");
    assert_eq!(prints[0].len(), 64);
    assert_ne!(prints[0], prints[1]);
    assert_ne!(prints[0], prints[2]);
    assert_ne!(prints[1], prints[2]);
}

/// An instruction whose extension names no AIR for it is refused when metering is set up,
/// naming the instruction and the extension, instead of being billed to another AIR's rows.
#[test]
fn an_instruction_without_an_air_is_an_error_for_metering() {
    use tessera_arch::{Program, VmExe};

    let config = config(&["test-isa"]).unwrap();
    let vm = crate::vm::VirtualMachine::new(
        config,
        openvm_stark_backend::SystemParams::new_for_testing(16),
    )
    .unwrap();
    let instruction = |op: IsaOp| Some(Instruction::<F>::new(op.global(), 0, 0, 0, 0, 0));
    let exe = VmExe {
        program: Program {
            pc_base: 0x1000,
            // A gap never runs: only the instruction is refused.
            instructions: vec![None, instruction(IsaOp::B)],
            illegal: Default::default(),
        },
        pc_start: 0x1000,
        init_memory: Default::default(),
        fn_bounds: Default::default(),
    };
    let error = vm.metering_costs(&exe).unwrap_err();
    assert!(
        matches!(
            error,
            crate::vm::VirtualMachineError::UnmeteredInstruction {
                pc: 0x1004,
                extension,
                ..
            } if extension.ends_with("IsaOp")
        ),
        "{error}"
    );
    assert!(error.to_string().contains("pc 0x1004"), "{error}");
}
