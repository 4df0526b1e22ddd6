/*
 * sort - generates n pseudo-random u32 with an LCG, heapsorts them, checks the order and
 *        reveals a checksum of the sorted array.
 *
 * Input:  optional 4-byte little-endian u32 n (1000 when the input is empty); n <= 1 << 20.
 * Output: stdout "sorted <n> values, checksum 0x<8 hex digits>\n";
 *         public output: n and the checksum, each 4 bytes little-endian (8 bytes).
 * Exit:   0; 1 on a malformed input; 2 if n > 1 << 20; 3 if the result is not sorted (a bug).
 */
#include "tessera.h"

#define MAX_N (1u << 20)

static void sift_down(uint32_t *a, uint32_t root, uint32_t end)
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

static void heapsort(uint32_t *a, uint32_t n)
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

int main(void)
{
    uint32_t n = 1000;
    unsigned char raw[5];
    size_t got = tessera_read_input(raw, sizeof raw);
    if (got == 4) {
        n = (uint32_t)raw[0] | ((uint32_t)raw[1] << 8) | ((uint32_t)raw[2] << 16) |
            ((uint32_t)raw[3] << 24);
    } else if (got != 0) {
        tessera_eprint("sort: expected an empty input or a 4-byte little-endian u32\n");
        return 1;
    }
    if (n > MAX_N) {
        tessera_eprint("sort: n is too large (at most 1048576)\n");
        return 2;
    }

    /* The array lives on the heap reserved by link.ld (32 MiB >= 4 MiB). */
    uint32_t *a = (uint32_t *)tessera_heap_start();

    uint32_t x = 12345; /* LCG from Numerical Recipes: x = 1664525 x + 1013904223 mod 2^32 */
    for (uint32_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        a[i] = x;
    }

    heapsort(a, n);

    uint32_t checksum = 2166136261u; /* FNV-1a over the sorted words */
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) {
            tessera_eprint("sort: result is not sorted\n");
            return 3;
        }
        checksum = (checksum ^ a[i]) * 16777619u;
    }

    tessera_print("sorted ");
    tessera_print_u32(n);
    tessera_print(" values, checksum 0x");
    tessera_print_hex_u32(checksum);
    tessera_print("\n");
    tessera_reveal_u32(n);
    tessera_reveal_u32(checksum);
    return 0;
}
