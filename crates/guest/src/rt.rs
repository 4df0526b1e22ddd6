//! Start-up code, exit and the panic handler.

use core::fmt::Write;

// `_start`: set gp (with relaxation off, or the linker would turn `la gp` into `mv gp, gp`) and
// sp, zero .bss (the VM and qemu zero-fill it already), call the user's entry point (defined by
// `entry!`), which exits itself. Symbols come from link.x.
core::arch::global_asm!(
    r#"
    .section .text.init, "ax", @progbits
    .globl  _start
    .type   _start, @function
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, _stack_top
    la      t0, _bss_start
    la      t1, _bss_end
    bgeu    t0, t1, 2f
1:  sw      zero, 0(t0)
    addi    t0, t0, 4
    bltu    t0, t1, 1b
2:  call    __tessera_main
    li      a0, 0
    li      a7, 93
    ecall
3:  j       3b
    .size   _start, . - _start
"#
);

/// Ends the program with exit code `code` (0 is success). Under qemu-riscv32 the host sees
/// `code & 0xff`.
pub fn exit(code: i32) -> ! {
    crate::syscall::sys_exit(code)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut out = crate::io::BufWriter::new(crate::abi::FD_STDERR);
    let _ = match info.location() {
        Some(loc) => write!(
            out,
            "guest panicked at {}:{}:{}:\n{}\n",
            loc.file(),
            loc.line(),
            loc.column(),
            info.message()
        ),
        None => write!(out, "guest panicked:\n{}\n", info.message()),
    };
    out.flush();
    exit(101)
}
