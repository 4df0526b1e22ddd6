/*
 * Tessera C guest start-up code: set gp and sp, zero .bss, call main(0, 0), exit(main's return).
 * Uses only RV32I instructions and the `exit` ecall (a7 = 93) of the Tessera guest ABI.
 */
    .file   "start.S"           /* a fixed STT_FILE name (else ld names the temporary object) */
    .section .text.init, "ax", @progbits
    .globl  _start
    .type   _start, @function
_start:
    /* gp must be set with relaxation off, or the linker would turn this into `mv gp, gp`. */
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, _stack_top

    /* Zero .bss (word-aligned by link.ld). The VM and qemu zero-fill it already. */
    la      t0, _bss_start
    la      t1, _bss_end
    bgeu    t0, t1, 2f
1:  sw      zero, 0(t0)
    addi    t0, t0, 4
    bltu    t0, t1, 1b
2:
    li      a0, 0               /* argc */
    li      a1, 0               /* argv */
    call    main
    /* exit(a0): main's return value is already in a0. */
    li      a7, 93
    ecall
3:  j       3b                  /* not reached */
    .size   _start, . - _start
