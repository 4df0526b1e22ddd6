/*
 * fibonacci - computes fib(n) mod 2^32 with a tight loop (the execution benchmark).
 *
 * Input:  optional 4-byte little-endian u32 n on the private input; n = 1000 when the input is
 *         empty. Any other input length is an error (exit code 1).
 * Output: stdout "fib(<n>) mod 2^32 = <value>\n"; public output: the value, 4 bytes little-endian.
 * Exit:   0.
 */
#include "tessera.h"

/* fib(0) = 0, fib(1) = 1. noinline/noclone: keep the loop a real loop over a runtime n. */
__attribute__((noinline, noclone)) static uint32_t fib(uint32_t n)
{
    uint32_t a = 0, b = 1;
    while (n != 0) {
        uint32_t t = a + b;
        a = b;
        b = t;
        n--;
    }
    return a;
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
        tessera_eprint("fibonacci: expected an empty input or a 4-byte little-endian u32\n");
        return 1;
    }

    uint32_t value = fib(n);

    tessera_print("fib(");
    tessera_print_u32(n);
    tessera_print(") mod 2^32 = ");
    tessera_print_u32(value);
    tessera_print("\n");
    tessera_reveal_u32(value);
    return 0;
}
