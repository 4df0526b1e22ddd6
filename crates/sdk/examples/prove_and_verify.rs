//! Proves a run of a guest and verifies the proof (100-bit parameters; keys are cached after the
//! first run). Run: `cargo run --release -p tessera-sdk --example prove_and_verify`.
use tessera_sdk::{ProveOptions, Sdk};

fn main() -> Result<(), tessera_sdk::SdkError> {
    let elf = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/elf/c-fibonacci.elf"
    );
    let sdk = Sdk::default();
    let exe = sdk.load_elf_file(elf)?;
    let input = 20u32.to_le_bytes().to_vec(); // the guest's private input: n = 20
    let (proof, report) = sdk.prove(&exe, input, ProveOptions::default())?;
    let run = sdk.verify(&exe, &proof)?; // what the proof proves, checked
    assert_eq!(run.public_output, 6765u32.to_le_bytes()); // fib(20)
    println!(
        "proven in {:.1} s, exit code {}",
        report.seconds, run.exit_code
    );
    Ok(())
}
