/*
 * tessera.h - C API for Tessera guest programs (RV32IM, freestanding, no libc).
 *
 * Link every guest with start.S, tessera.c and link.ld from this directory, e.g.
 *   riscv64-unknown-elf-gcc -march=rv32im -mabi=ilp32 -O2 -g0 -nostdlib -nostartfiles -static \
 *       -ffreestanding -fno-pic -fno-tree-loop-distribute-patterns -Wl,--build-id=none \
 *       -I crates/guest/c -T crates/guest/c/link.ld \
 *       crates/guest/c/start.S crates/guest/c/tessera.c main.c -lgcc -o prog.elf
 *
 * I/O goes through `ecall` with Linux syscall numbers (a7 = 93 exit, 64 write, 63 read), so the
 * same ELF runs on the Tessera VM and under qemu-riscv32:
 *   qemu-riscv32 prog.elf < input.bin 3> public.bin
 *
 * Memory: the heap is [_heap_start, _heap_end) (32 MiB, see link.ld); there is no malloc, use
 * static buffers or carve the heap yourself (tessera_heap_start / tessera_heap_end).
 * All memory accesses must be naturally aligned (the VM faults on misaligned loads/stores).
 */
#ifndef TESSERA_H
#define TESSERA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* File descriptors of the guest ABI. */
#define TESSERA_FD_STDIN  0   /* private input stream (read only) */
#define TESSERA_FD_STDOUT 1   /* host stdout (not proven) */
#define TESSERA_FD_STDERR 2   /* host stderr (not proven) */
#define TESSERA_FD_PUBLIC 3   /* public output: revealed and proven */
#define TESSERA_FD_HINTS  4   /* hint stream (not proven): read hints, write hint requests */
/* Cycle tracker: the name of a region opened or closed (above the usual limit of 1024 open
 * files, so under qemu the write fails with EBADF and does nothing). */
#define TESSERA_FD_CYCLE_START 0x7d00
#define TESSERA_FD_CYCLE_END   0x7d01

/* Syscall numbers of the guest ABI (a7). */
#define TESSERA_SYS_OPENAT 56
#define TESSERA_SYS_CLOSE  57
#define TESSERA_SYS_READ  63
#define TESSERA_SYS_WRITE 64
#define TESSERA_SYS_EXIT  93

/*
 * Read up to `len` bytes of the private input into `buf`. Returns the number of bytes read:
 * `len` unless the input ends first; 0 when the input is exhausted.
 */
size_t tessera_read_input(void *buf, size_t len);

/* Read a little-endian u32 from the private input into *out. Returns 1 on success, 0 if fewer
 * than 4 bytes were left (the bytes that were there are consumed). */
int tessera_read_u32(uint32_t *out);

/*
 * Read the next record of the private input into `buf`: a record is a 4-byte little-endian
 * length, then that many bytes (what the SDK's `Stdin::write_bytes` and `cargo tessera run
 * --record FILE` put there). Returns the record's length; -1 when the input is exhausted (or
 * ends inside the record); -2 when the record is longer than `cap` (its bytes are then skipped,
 * so the next call reads the next record).
 */
long tessera_read_record(void *buf, size_t cap);

/*
 * Hints (fd 4): advice from the host that the guest checks instead of computing, not proven.
 * tessera_read_hint and tessera_read_hint_record read the hint stream like tessera_read_input
 * and tessera_read_record read the private input. tessera_request_hint hands `len` bytes to
 * the SDK's hint host, which appends its answer to the hint stream (without a hint host, and
 * under qemu-riscv32 where fd 4 is read-only, it does nothing).
 */
size_t tessera_read_hint(void *buf, size_t len);
long tessera_read_hint_record(void *buf, size_t cap);
void tessera_request_hint(const void *buf, size_t len);

/*
 * The key-value store: read the value of `key` (a file of that name under qemu-riscv32) into
 * `buf`. Returns its length; -1 if there is no such key; -2 if it is longer than `cap` (`buf`
 * then holds its first `cap` bytes). Values are not proven: check them (against a hash).
 */
long tessera_kv_get(const char *key, void *buf, size_t cap);

/* Append `len` bytes to the public output (fd 3). */
void tessera_reveal(const void *buf, size_t len);

/* Append a u32 to the public output, 4 bytes little-endian. */
void tessera_reveal_u32(uint32_t value);

/* Write `len` bytes to file descriptor `fd` (1 stdout, 2 stderr, 3 public output). */
void tessera_write(int fd, const void *buf, size_t len);

/* Write a NUL-terminated string to stdout (fd 1). */
void tessera_print(const char *s);

/* Write a NUL-terminated string to stderr (fd 2). */
void tessera_eprint(const char *s);

/* Print `value` in decimal to stdout (no newline). */
void tessera_print_u32(uint32_t value);

/* Print `value` as 8 lowercase hex digits to stdout (no "0x", no newline). */
void tessera_print_hex_u32(uint32_t value);

/* Print `len` bytes as lowercase hex (2 digits per byte) to stdout (no newline). */
void tessera_print_hex(const void *buf, size_t len);

/*
 * Cycle tracker: mark a named region of the run, for `cargo tessera run --profile`, which
 * reports the instructions and trace cells of each region (nested regions as a tree):
 *   TESSERA_CYCLE_START("sort");
 *   heapsort(words, n);
 *   TESSERA_CYCLE_END("sort");
 * A marker is one `ecall` (a few instructions); END closes the innermost open region and must
 * name it. The same ELF runs unchanged under qemu-riscv32, where the markers do nothing.
 */
void tessera_cycle_start(const char *name);
void tessera_cycle_end(const char *name);
#define TESSERA_CYCLE_START(name) tessera_cycle_start(name)
#define TESSERA_CYCLE_END(name) tessera_cycle_end(name)

/* Terminate the program with exit code `code` (the host sees code & 0xff under qemu). */
_Noreturn void tessera_exit(int code);

/* The heap region reserved by link.ld (32 MiB, 16-byte aligned). */
void *tessera_heap_start(void);
void *tessera_heap_end(void);

/* Provided because the compiler emits calls to them even with -ffreestanding. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_H */
