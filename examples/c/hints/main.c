/*
 * hints - "compute outside, check inside" with the hint stream and the key-value store.
 *
 * Input:  a 4-byte little-endian u32 n, then the 4-byte little-endian FNV-1a hash of the
 *         value the host stores under the key "greeting".
 * Hints:  the integer square root of n, 4 bytes little-endian: asked for with a hint request
 *         (a hint host answers it), or given up front (`cargo tessera run --hints FILE`; under
 *         qemu-riscv32, fd 4 opened on that file: `4<FILE`).
 * Store:  "greeting" (`cargo tessera run --kv DIR` with DIR/greeting; under qemu, the file
 *         "greeting" in the working directory).
 * Output: public output: the root (4 bytes), the hash (4 bytes), then the greeting;
 *         stdout "isqrt(<n>) = <root>\n" and the greeting.
 * Exit:   0; 2 bad input, 3 no hint, 4 a wrong root, 5 no greeting, 6 a greeting that does
 *         not match its hash.
 *
 * Neither the hint nor the stored value is proven: the program checks both, the root by
 * squaring it (much cheaper than computing it) and the value against the hash in its input.
 */
#include "tessera.h"

static uint32_t fnv1a(const unsigned char *data, long len)
{
    uint32_t hash = 2166136261u;
    for (long i = 0; i < len; i++) {
        hash ^= data[i];
        hash *= 16777619u;
    }
    return hash;
}

int main(void)
{
    uint32_t n, expected_hash;
    if (!tessera_read_u32(&n) || !tessera_read_u32(&expected_hash)) {
        tessera_eprint("hints: expected n and the greeting's hash, two little-endian u32\n");
        return 2;
    }

    /* Ask the host for isqrt(n); without a hint host the answer is in the hints already. */
    tessera_request_hint(&n, sizeof n);
    uint32_t root;
    if (tessera_read_hint(&root, sizeof root) != sizeof root) {
        tessera_eprint("hints: no square root in the hint stream\n");
        return 3;
    }
    uint64_t r = root;
    if (r * r > n || (r + 1) * (r + 1) <= n) {
        tessera_eprint("hints: the hinted square root is wrong\n");
        return 4;
    }

    static unsigned char greeting[256];
    long len = tessera_kv_get("greeting", greeting, sizeof greeting);
    if (len < 0) {
        tessera_eprint("hints: the key-value store has no \"greeting\" (or it is too long)\n");
        return 5;
    }
    uint32_t hash = fnv1a(greeting, len);
    if (hash != expected_hash) {
        tessera_eprint("hints: the greeting does not match its hash\n");
        return 6;
    }

    tessera_print("isqrt(");
    tessera_print_u32(n);
    tessera_print(") = ");
    tessera_print_u32(root);
    tessera_print("\n");
    tessera_write(TESSERA_FD_STDOUT, greeting, (size_t)len);
    tessera_reveal_u32(root);
    tessera_reveal_u32(hash);
    tessera_reveal(greeting, (size_t)len);
    return 0;
}
