/*
 * profile - the cycle tracker and the call-stack profiler at work (`cargo tessera run
 *           --profile`): generates n pseudo-random u32, heapsorts them, checks the order and
 *           hashes the result, then computes a Fibonacci number recursively; each phase is a
 *           region of the cycle tracker, and the check's two passes are nested regions.
 *
 * Input:  optional 4-byte little-endian u32 n (2000 when the input is empty); n <= 1 << 16.
 * Output: stdout "n=<n> checksum=0x<8 hex digits> fib(20)=6765\n";
 *         public output: the checksum and fib(20), each 4 bytes little-endian (8 bytes).
 * Exit:   0; 1 on a malformed input or n too large; 3 if the result is not sorted (a bug).
 *
 * Under qemu-riscv32 the markers do nothing and the program runs the same.
 */
#include "tessera.h"

#define MAX_N (1u << 16)
#define FIB_N 20

__attribute__((noinline)) static void generate(uint32_t *a, uint32_t n)
{
    uint32_t x = 12345; /* x = 1664525 x + 1013904223 mod 2^32 */
    for (uint32_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        a[i] = x;
    }
}

__attribute__((noinline)) static void sift_down(uint32_t *a, uint32_t root, uint32_t end)
{
    uint32_t value = a[root];
    for (;;) {
        uint32_t child = 2 * root + 1;
        if (child >= end)
            break;
        if (child + 1 < end && a[child + 1] > a[child])
            child++;
        if (a[child] <= value)
            break;
        a[root] = a[child];
        root = child;
    }
    a[root] = value;
}

__attribute__((noinline)) static void heapsort(uint32_t *a, uint32_t n)
{
    if (n < 2)
        return;
    for (uint32_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (uint32_t end = n - 1; end > 0; end--) {
        uint32_t top = a[0];
        a[0] = a[end];
        a[end] = top;
        sift_down(a, 0, end);
    }
}

__attribute__((noinline)) static int is_sorted(const uint32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}

/* FNV-1a over the bytes of the words. */
__attribute__((noinline)) static uint32_t fnv1a(const uint32_t *a, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t b = 0; b < 32; b += 8)
            h = (h ^ ((a[i] >> b) & 0xff)) * 16777619u;
    return h;
}

__attribute__((noinline)) static uint32_t fib(uint32_t k)
{
    return k < 2 ? k : fib(k - 1) + fib(k - 2);
}

int main(void)
{
    uint32_t n = 2000;
    unsigned char raw[5];
    size_t got = tessera_read_input(raw, sizeof raw);
    if (got == 4) {
        n = (uint32_t)raw[0] | ((uint32_t)raw[1] << 8) | ((uint32_t)raw[2] << 16) |
            ((uint32_t)raw[3] << 24);
    } else if (got != 0) {
        tessera_eprint("profile: expected an empty input or a 4-byte little-endian u32\n");
        return 1;
    }
    if (n > MAX_N) {
        tessera_eprint("profile: n is too large (at most 65536)\n");
        return 1;
    }

    /* On the heap reserved by link.ld: a static array would be zeroed by _start (.bss),
     * which costs instructions and memory-table cells before main even starts. */
    uint32_t *words = (uint32_t *)tessera_heap_start();

    TESSERA_CYCLE_START("generate");
    generate(words, n);
    TESSERA_CYCLE_END("generate");

    TESSERA_CYCLE_START("sort");
    heapsort(words, n);
    TESSERA_CYCLE_END("sort");

    // ANCHOR: nested
    TESSERA_CYCLE_START("check");
    TESSERA_CYCLE_START("order");
    int sorted = is_sorted(words, n);
    TESSERA_CYCLE_END("order");
    TESSERA_CYCLE_START("hash");
    uint32_t checksum = fnv1a(words, n);
    TESSERA_CYCLE_END("hash");
    TESSERA_CYCLE_END("check");
    // ANCHOR_END: nested
    if (!sorted) {
        tessera_eprint("profile: result is not sorted\n");
        return 3;
    }

    TESSERA_CYCLE_START("fib");
    uint32_t f = fib(FIB_N);
    TESSERA_CYCLE_END("fib");

    tessera_print("n=");
    tessera_print_u32(n);
    tessera_print(" checksum=0x");
    tessera_print_hex_u32(checksum);
    tessera_print(" fib(20)=");
    tessera_print_u32(f);
    tessera_print("\n");
    tessera_reveal_u32(checksum);
    tessera_reveal_u32(f);
    return 0;
}
