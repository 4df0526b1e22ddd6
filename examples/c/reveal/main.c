/*
 * reveal - reads the whole private input, greets with its length and reveals values derived
 *          from it; shows exit codes working.
 *
 * Input:  any bytes (must not be empty).
 * Output: stdout "Hello from Tessera! Read <len> bytes of private input.\n";
 *         public output: len, the sum of the bytes and the xor of the bytes, each a u32,
 *         4 bytes little-endian (12 bytes).
 * Exit:   0; 1 (with a message on stderr and no public output) when the input is empty.
 */
#include "tessera.h"

int main(void)
{
    static unsigned char buf[4096];
    uint32_t len = 0, sum = 0, xor = 0;
    size_t got;
    while ((got = tessera_read_input(buf, sizeof buf)) != 0) {
        for (size_t i = 0; i < got; i++) {
            sum += buf[i];
            xor ^= buf[i];
        }
        len += (uint32_t)got;
    }

    if (len == 0) {
        tessera_eprint("reveal: the private input is empty; pass some bytes, e.g. < file\n");
        return 1;
    }

    tessera_print("Hello from Tessera! Read ");
    tessera_print_u32(len);
    tessera_print(" bytes of private input.\n");
    tessera_reveal_u32(len);
    tessera_reveal_u32(sum);
    tessera_reveal_u32(xor);
    return 0;
}
