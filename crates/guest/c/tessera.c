/*
 * tessera.c - runtime for Tessera C guests: syscalls (ecall, Linux numbering), I/O helpers and
 * the few libc functions that the compiler calls on its own (memcpy, memmove, memset, memcmp,
 * strlen). See tessera.h for the API.
 */
#include "tessera.h"

/* Keep gcc from turning the loops below into calls to memcpy/memset themselves. */
#define TESSERA_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

static inline long tessera_syscall3(long n, long a0, long a1, long a2)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
    return r_a0;
}

static inline long tessera_syscall4(long n, long a0, long a1, long a2, long a3)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a3 __asm__("a3") = a3;
    register long r_a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a7) : "memory");
    return r_a0;
}

/* Reads from `fd` until `len` bytes arrived or the stream ended. */
static size_t read_fd(int fd, void *buf, size_t len)
{
    /* The VM copies min(len, remaining) bytes at once; a host (qemu reading a pipe) may return
     * fewer, so loop until `len` bytes arrived or the input ended (0, or an error < 0). */
    unsigned char *p = (unsigned char *)buf;
    size_t done = 0;
    while (done < len) {
        long n = tessera_syscall3(TESSERA_SYS_READ, fd, (long)(p + done), (long)(len - done));
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    return done;
}

size_t tessera_read_input(void *buf, size_t len)
{
    return read_fd(TESSERA_FD_STDIN, buf, len);
}

size_t tessera_read_hint(void *buf, size_t len)
{
    return read_fd(TESSERA_FD_HINTS, buf, len);
}

static int read_u32_fd(int fd, uint32_t *out)
{
    unsigned char b[4];
    if (read_fd(fd, b, 4) != 4)
        return 0;
    *out = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
    return 1;
}

int tessera_read_u32(uint32_t *out)
{
    return read_u32_fd(TESSERA_FD_STDIN, out);
}

static long read_record_fd(int fd, void *buf, size_t cap)
{
    uint32_t len;
    if (!read_u32_fd(fd, &len))
        return -1;
    if (len > cap) {
        unsigned char skip[64];
        while (len > 0) {
            size_t chunk = len < sizeof skip ? len : sizeof skip;
            if (read_fd(fd, skip, chunk) != chunk)
                return -1;
            len -= chunk;
        }
        return -2;
    }
    if (read_fd(fd, buf, len) != len)
        return -1;
    return (long)len;
}

long tessera_read_record(void *buf, size_t cap)
{
    return read_record_fd(TESSERA_FD_STDIN, buf, cap);
}

long tessera_read_hint_record(void *buf, size_t cap)
{
    return read_record_fd(TESSERA_FD_HINTS, buf, cap);
}

void tessera_request_hint(const void *buf, size_t len)
{
    /* One write: under qemu it fails (fd 4 is read-only) and there is nothing to retry. */
    tessera_syscall3(TESSERA_SYS_WRITE, TESSERA_FD_HINTS, (long)buf, (long)len);
}

long tessera_kv_get(const char *key, void *buf, size_t cap)
{
    const long at_fdcwd = -100, o_rdonly = 0;
    long fd = tessera_syscall4(TESSERA_SYS_OPENAT, at_fdcwd, (long)key, o_rdonly, 0);
    if (fd < 0)
        return -1;
    size_t len = read_fd((int)fd, buf, cap);
    long result = (long)len;
    if (len == cap) {
        /* Full: is there more? */
        unsigned char extra;
        if (read_fd((int)fd, &extra, 1) == 1)
            result = -2;
    }
    tessera_syscall3(TESSERA_SYS_CLOSE, fd, 0, 0);
    return result;
}

void tessera_write(int fd, const void *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)buf;
    while (len > 0) {
        long n = tessera_syscall3(TESSERA_SYS_WRITE, fd, (long)p, (long)len);
        if (n <= 0)
            return; /* e.g. fd 3 not opened under qemu: nothing to do about it */
        p += n;
        len -= (size_t)n;
    }
}

/* One write each: under qemu it fails (the fd is not open) and there is nothing to retry. */
void tessera_cycle_start(const char *name)
{
    tessera_syscall3(TESSERA_SYS_WRITE, TESSERA_FD_CYCLE_START, (long)name, (long)strlen(name));
}

void tessera_cycle_end(const char *name)
{
    tessera_syscall3(TESSERA_SYS_WRITE, TESSERA_FD_CYCLE_END, (long)name, (long)strlen(name));
}

void tessera_reveal(const void *buf, size_t len)
{
    tessera_write(TESSERA_FD_PUBLIC, buf, len);
}

void tessera_reveal_u32(uint32_t value)
{
    unsigned char b[4] = {(unsigned char)value, (unsigned char)(value >> 8),
                          (unsigned char)(value >> 16), (unsigned char)(value >> 24)};
    tessera_reveal(b, 4);
}

void tessera_print(const char *s)
{
    tessera_write(TESSERA_FD_STDOUT, s, strlen(s));
}

void tessera_eprint(const char *s)
{
    tessera_write(TESSERA_FD_STDERR, s, strlen(s));
}

void tessera_print_u32(uint32_t value)
{
    char buf[10];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    tessera_write(TESSERA_FD_STDOUT, buf + i, sizeof buf - i);
}

static const char tessera_hex_digits[16] = "0123456789abcdef";

void tessera_print_hex_u32(uint32_t value)
{
    char buf[8];
    for (int i = 7; i >= 0; i--) {
        buf[i] = tessera_hex_digits[value & 0xf];
        value >>= 4;
    }
    tessera_write(TESSERA_FD_STDOUT, buf, sizeof buf);
}

void tessera_print_hex(const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    char buf[64];
    size_t used = 0;
    for (size_t i = 0; i < len; i++) {
        buf[used++] = tessera_hex_digits[p[i] >> 4];
        buf[used++] = tessera_hex_digits[p[i] & 0xf];
        if (used == sizeof buf) {
            tessera_write(TESSERA_FD_STDOUT, buf, used);
            used = 0;
        }
    }
    if (used > 0)
        tessera_write(TESSERA_FD_STDOUT, buf, used);
}

_Noreturn void tessera_exit(int code)
{
    tessera_syscall3(TESSERA_SYS_EXIT, code, 0, 0);
    for (;;) {
    }
}

extern char _heap_start[], _heap_end[];

void *tessera_heap_start(void)
{
    return _heap_start;
}

void *tessera_heap_end(void)
{
    return _heap_end;
}

/* ---- compiler support: all accesses naturally aligned (the VM faults on misaligned ones) ---- */

/* A word type that may alias any other type (these functions copy objects of every type). */
typedef uint32_t __attribute__((may_alias)) tessera_word_t;

TESSERA_NO_LIBCALLS void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
        for (; n >= 16; n -= 16, d += 16, s += 16) {
            uint32_t a = ((const tessera_word_t *)s)[0], b = ((const tessera_word_t *)s)[1];
            uint32_t c = ((const tessera_word_t *)s)[2], e = ((const tessera_word_t *)s)[3];
            ((tessera_word_t *)d)[0] = a;
            ((tessera_word_t *)d)[1] = b;
            ((tessera_word_t *)d)[2] = c;
            ((tessera_word_t *)d)[3] = e;
        }
        for (; n >= 4; n -= 4, d += 4, s += 4)
            *(tessera_word_t *)d = *(const tessera_word_t *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

TESSERA_NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (d == s || n == 0)
        return dst;
    if ((uintptr_t)d < (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n)
        return memcpy(dst, src, n); /* memcpy copies forwards */
    /* Overlap with d > s: copy backwards. */
    d += n;
    s += n;
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
        for (; n >= 4; n -= 4) {
            d -= 4;
            s -= 4;
            *(tessera_word_t *)d = *(const tessera_word_t *)s;
        }
    }
    while (n--)
        *--d = *--s;
    return dst;
}

TESSERA_NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    unsigned char byte = (unsigned char)c;
    while (n > 0 && ((uintptr_t)d & 3) != 0) {
        *d++ = byte;
        n--;
    }
    uint32_t word = byte * 0x01010101u;
    for (; n >= 4; n -= 4, d += 4)
        *(tessera_word_t *)d = word;
    while (n--)
        *d++ = byte;
    return dst;
}

TESSERA_NO_LIBCALLS int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = (const unsigned char *)a;
    const unsigned char *q = (const unsigned char *)b;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != q[i])
            return (int)p[i] - (int)q[i];
    }
    return 0;
}

TESSERA_NO_LIBCALLS size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}
