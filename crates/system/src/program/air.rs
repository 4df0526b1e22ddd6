use openvm_stark_backend::{
    air_builders::PartitionedAirBuilder,
    interaction::InteractionBuilder,
    p3_air::{Air, BaseAir, BaseAirWithPublicValues},
    p3_field::Field,
    p3_matrix::Matrix,
    PartitionedBaseAir,
};
use tessera_arch::bus::ProgramBus;

use super::PROGRAM_WIDTH;

/// The program table. Cached main: `pc, opcode, a..g`; common main: the multiplicity.
#[derive(Clone, Copy, Debug)]
pub struct ProgramAir {
    pub bus: ProgramBus,
}

impl<F: Field> BaseAir<F> for ProgramAir {
    fn width(&self) -> usize {
        PROGRAM_WIDTH + 1
    }
}

impl<F: Field> BaseAirWithPublicValues<F> for ProgramAir {}

impl<F: Field> PartitionedBaseAir<F> for ProgramAir {
    fn cached_main_widths(&self) -> Vec<usize> {
        vec![PROGRAM_WIDTH]
    }

    fn common_main_width(&self) -> usize {
        1
    }
}

impl<AB: InteractionBuilder + PartitionedAirBuilder> Air<AB> for ProgramAir {
    fn eval(&self, builder: &mut AB) {
        let instruction: [AB::Var; PROGRAM_WIDTH] = {
            let row = builder.cached_mains()[0]
                .row_slice(0)
                .expect("window has a row");
            std::array::from_fn(|i| row[i])
        };
        let multiplicity = builder
            .common_main()
            .row_slice(0)
            .expect("window has a row")[0];
        self.bus
            .0
            .add_key_with_lookups(builder, instruction, multiplicity);
    }
}
