#!/usr/bin/env bash
# Rebuilds the example guest programs into examples/elf/<lang>-<name>.elf, reproducibly, and checks
# that each ELF's executable segment holds nothing but RV32IM instruction words (the VM's
# transpiler turns every word of an executable segment into an instruction and rejects the rest).
#
# Usage:
#   scripts/build-examples.sh                 rebuild examples/elf/*.elf (the committed ELFs)
#   scripts/build-examples.sh --check         rebuild into a temporary directory and compare byte
#                                             for byte with examples/elf; non-zero exit on a mismatch
#   scripts/build-examples.sh --verify FILE.. only run the instruction check on the given ELFs
#   scripts/build-examples.sh --clean ...     also delete the Rust build cache first (see STAGE)
#
# Inputs:   examples/c/<name>/*.c   (linked with crates/guest/c/{start.S,tessera.c,link.ld});
#           a C example with a file named `zbb` in its directory is also built with
#           -march=rv32im_zbb into c-<name>-zbb.elf (for the `rv32im + zbb` configuration)
#           examples/rust/<name>/   (a standalone Cargo project depending on crates/guest)
# Toolchains (Debian 12 packages, which pin the versions and so the bytes of the ELFs):
#   C:    gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf            (gcc 12.2, binutils 2.40)
#   Rust: rustc-web cargo-web rust-web-src lld-16   (rustc 1.96 at /usr/bin/rustc, core/alloc are
#         built from /usr/lib/rustlib/src/rust with -Z build-std; the first build needs crates.io)
# Overridable: RISCV_PREFIX, DEBIAN_RUSTC, DEBIAN_CARGO, RUST_LIBRARY_SRC, LLD. Other versions
# build working ELFs but not the committed bytes.
#
# Reproducibility: C objects are compiled from the repository root with relative paths and
# -ffile-prefix-map. Rust symbol names carry a hash of the absolute path of every path dependency
# outside the guest's own workspace (crates/guest), so Rust guests are built from a copy of the
# sources at the fixed path STAGE (/tmp/tessera-guest-build/src), with --remap-path-prefix; the
# checkout's own path never reaches an ELF.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RISCV_PREFIX="${RISCV_PREFIX:-riscv64-unknown-elf-}"
CC="${RISCV_PREFIX}gcc"
OBJDUMP="${RISCV_PREFIX}objdump"
READELF="${RISCV_PREFIX}readelf"
DEBIAN_RUSTC="${DEBIAN_RUSTC:-/usr/bin/rustc}"
DEBIAN_CARGO="${DEBIAN_CARGO:-/usr/bin/cargo}"
RUST_LIBRARY_SRC="${RUST_LIBRARY_SRC:-/usr/lib/rustlib/src/rust/library}"
LLD="${LLD:-ld.lld-16}"
STAGE=/tmp/tessera-guest-build   # fixed on purpose: part of the reproducible build recipe
RUST_TARGET=riscv32im-unknown-none-elf

C_FLAGS=(-march=rv32im -mabi=ilp32 -O2 -g0 -Wall -Wextra -ffreestanding -fno-pic
         -fno-tree-loop-distribute-patterns "-ffile-prefix-map=$ROOT=." -I crates/guest/c)
C_LDFLAGS=(-march=rv32im -mabi=ilp32 -nostdlib -nostartfiles -static -Wl,--build-id=none
           -T crates/guest/c/link.ld)

# Mnemonics of RV32IM as `objdump -M no-aliases` prints them (no compressed, CSR, ebreak, fence.i).
RV32IM_MNEMONICS="lui auipc jal jalr beq bne blt bge bltu bgeu lb lh lw lbu lhu sb sh sw addi slti
sltiu xori ori andi slli srli srai add sub sll slt sltu xor srl sra or and fence ecall mul mulh
mulhsu mulhu div divu rem remu"
# The RISC-V Zbb extension (contrib/zbb), allowed in the *-zbb.elf examples.
ZBB_MNEMONICS="andn orn xnor clz ctz cpop max maxu min minu sext.b sext.h zext.h rol ror rori
orc.b rev8"

die() {
    echo "build-examples: error: $*" >&2
    exit 1
}

need() { # need TOOL HOW-TO-INSTALL
    if [[ "$1" == /* ]]; then
        [[ -x "$1" ]] || die "$1 not found. $2"
    else
        command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH. $2"
    fi
}

APT_C="Install the RISC-V C toolchain: apt-get install -y gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf (or set RISCV_PREFIX)."
APT_RUST="Install Debian's Rust toolchain: apt-get install -y rustc-web cargo-web rust-web-src lld-16 (or set DEBIAN_RUSTC / DEBIAN_CARGO / LLD)."

check_binutils() {
    need "$OBJDUMP" "$APT_C"
    need "$READELF" "$APT_C"
}

# ---------------------------------------------------------------------------------------------
# verify_elf ELF: the executable segment must be exactly .text at 0x10000, and every word of it
# a real RV32IM instruction. Prints a one-line summary, or the offending lines and returns 1.
verify_elf() {
    local elf="$1" name
    name="$(basename "$elf")"
    local report
    # Program headers: exactly one executable segment, a LOAD at 0x00010000 holding only .text.
    if ! report="$("$READELF" -lW "$elf" | awk '
        /^Program Headers:/ { ph = 1; next }
        ph && /^ *Type/ { next }
        ph && /^ *$/ { ph = 0; next }
        ph && $1 !~ /^\[/ {
            idx++
            flags = ""
            for (i = 7; i < NF; i++) flags = flags $i
            if (flags ~ /E/) { nexec++; exec_idx = idx - 1; exec_type = $1; exec_vaddr = $3
                               exec_filesz = $5; exec_memsz = $6 }
            if ($1 == "LOAD") segs = segs sprintf(" %s@%s(file %s, mem %s)", flags, $3, $5, $6)
            next
        }
        /Segment Sections/ { map = 1; next }
        map && $1 ~ /^[0-9]+$/ && ($1 + 0) == exec_idx { exec_sections = ""
            for (i = 2; i <= NF; i++) exec_sections = exec_sections (i > 2 ? " " : "") $i }
        END {
            if (nexec != 1) { print "expected exactly one executable segment, found " nexec + 0; exit 1 }
            if (exec_type != "LOAD") { print "executable segment is " exec_type ", not LOAD"; exit 1 }
            if (exec_vaddr != "0x00010000") { print "executable segment starts at " exec_vaddr ", not 0x00010000"; exit 1 }
            if (exec_sections != ".text") { print "executable segment holds \"" exec_sections "\", not only .text"; exit 1 }
            if (exec_filesz != exec_memsz) { print "executable segment has memsz " exec_memsz " != filesz " exec_filesz; exit 1 }
            printf "text %s..+%s; LOAD segments:%s\n", exec_vaddr, exec_filesz, segs
        }')"; then
        echo "FAIL: $name: $report" >&2
        return 1
    fi

    # Disassembly (-z: do not skip zero words) of every executable section.
    local text_size bad count
    text_size=$(( $(sed -E 's/^text [^+]*\+(0x[0-9a-f]+);.*/\1/' <<<"$report") ))
    local disasm isa="RV32IM" allowed="$RV32IM_MNEMONICS"
    if [[ "$name" == *-zbb.elf ]]; then
        isa="RV32IM+Zbb"
        allowed="$RV32IM_MNEMONICS $ZBB_MNEMONICS"
    fi
    disasm="$("$OBJDUMP" -d -z -M no-aliases "$elf")"
    bad="$(awk -F'\t' -v ok="$allowed" '
        BEGIN { n = split(ok, list, /[ \n]+/); for (i = 1; i <= n; i++) good[list[i]] = 1 }
        /^Disassembly of section / { sec = $0; sub(/^Disassembly of section /, "", sec); sub(/:$/, "", sec)
            if (sec != ".text") print "executable section " sec " besides .text"; next }
        /^ *[0-9a-f]+:\t/ {
            enc = $2; gsub(/ +$/, "", enc); mnem = $3; gsub(/ /, "", mnem)
            if (length(enc) != 8 || enc !~ /^[0-9a-f]+$/ || !(mnem in good)) print $0
        }' <<<"$disasm")"
    count="$(grep -cE '^ *[0-9a-f]+:'$'\t' <<<"$disasm" || true)"
    if [[ -n "$bad" ]]; then
        echo "FAIL: $name: the executable segment holds words that are not $isa instructions" \
             "(unimp/ebreak/csr*/compressed/.insn/data):" >&2
        head -n 20 <<<"$bad" >&2
        local nbad
        nbad="$(wc -l <<<"$bad")"
        [[ "$nbad" -le 20 ]] || echo "  ... $nbad lines in all" >&2
        return 1
    fi
    if (( count * 4 != text_size )); then
        echo "FAIL: $name: objdump shows $count instructions but .text is $text_size bytes" >&2
        return 1
    fi
    echo "  ok  $name: $count $isa instructions, no unimp/ebreak/csr/compressed/data words; $report"
}

# ---------------------------------------------------------------------------------------------
build_c() { # build_c NAME OUTDIR WORKDIR [SUFFIX MARCH]
    local name="$1" out="$2" work="$3/c-$1${4:-}" march="${5:-rv32im}"
    local C_FLAGS=("${C_FLAGS[@]/#-march=rv32im/-march=$march}")
    local C_LDFLAGS=("${C_LDFLAGS[@]/#-march=rv32im/-march=$march}")
    mkdir -p "$work"
    local sources=()
    local f
    for f in examples/c/"$name"/*.c; do sources+=("$f"); done
    [[ ${#sources[@]} -gt 0 ]] || die "examples/c/$name has no .c file"
    local objs=()
    ( cd "$ROOT"
      "$CC" "${C_FLAGS[@]}" -c crates/guest/c/start.S -o "$work/start.o"
      "$CC" "${C_FLAGS[@]}" -c crates/guest/c/tessera.c -o "$work/tessera.o"
      for f in "${sources[@]}"; do
          local o
          o="$work/$(basename "$f" .c).o"
          "$CC" "${C_FLAGS[@]}" -c "$f" -o "$o"
          objs+=("$o")
      done
      "$CC" "${C_LDFLAGS[@]}" "$work/start.o" "$work/tessera.o" "${objs[@]}" -lgcc \
          -o "$out/c-$name${4:-}.elf" )
}

stage_rust_sources() { # copy crates/guest and examples/rust to $STAGE/src (fixed path)
    if [[ -e "$STAGE" && ! -w "$STAGE" ]]; then
        die "$STAGE exists but is not writable by $(id -un); remove it (it is a build cache)"
    fi
    mkdir -p "$STAGE"
    rm -rf "$STAGE/src"
    mkdir -p "$STAGE/src/crates" "$STAGE/src/examples"
    ( cd "$ROOT" && tar --exclude=target --exclude='*.swp' -cf - crates/guest examples/rust ) |
        ( cd "$STAGE/src" && tar -xf - )
}

build_rust() { # build_rust NAME OUTDIR
    local name="$1" out="$2"
    local dir="$STAGE/src/examples/rust/$name"
    grep -qE "^name *= *\"$name\"" "$dir/Cargo.toml" ||
        die "examples/rust/$name/Cargo.toml: the package must be named \"$name\""
    ( cd "$dir"
      env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS -u RUSTC_WRAPPER \
          -u CARGO_BUILD_RUSTC_WRAPPER -u RUSTC_WORKSPACE_WRAPPER -u CARGO_BUILD_TARGET \
          -u CARGO_PROFILE_RELEASE_DEBUG -u CARGO_INCREMENTAL \
          RUSTC="$DEBIAN_RUSTC" RUSTC_BOOTSTRAP=1 \
          CARGO_TARGET_RISCV32IM_UNKNOWN_NONE_ELF_LINKER="$LLD" \
          CARGO_TARGET_DIR="$STAGE/target" \
          "$DEBIAN_CARGO" build --release --quiet --target "$RUST_TARGET" \
              -Z build-std=core,alloc -Z build-std-features=compiler-builtins-mem \
              --config "target.$RUST_TARGET.rustflags=['--remap-path-prefix=$STAGE/src=.']" ) ||
        die "cargo build of examples/rust/$name failed (the first build needs crates.io for the dependencies of Rust's own library)"
    cp "$STAGE/target/$RUST_TARGET/release/$name" "$out/rust-$name.elf"
}

build_all() { # build_all OUTDIR WORKDIR: builds and verifies every example into OUTDIR
    local out="$1" work="$2"
    local names=() d

    for d in "$ROOT"/examples/c/*/; do
        if [[ -d "$d" ]]; then names+=("c:$(basename "$d")"); fi
    done
    for d in "$ROOT"/examples/rust/*/; do
        if [[ -f "$d/Cargo.toml" ]]; then names+=("rust:$(basename "$d")"); fi
    done
    [[ ${#names[@]} -gt 0 ]] || die "no examples found under $ROOT/examples"

    local have_c=0 have_rust=0 n
    for n in "${names[@]}"; do
        case "$n" in
            c:*) have_c=1 ;;
            rust:*) have_rust=1 ;;
        esac
    done
    if (( have_c )); then
        need "$CC" "$APT_C"
        echo "C:    $("$CC" --version | head -n 1)"
    fi
    if (( have_rust )); then
        need "$DEBIAN_RUSTC" "$APT_RUST"
        need "$DEBIAN_CARGO" "$APT_RUST"
        need "$LLD" "$APT_RUST"
        [[ -d "$RUST_LIBRARY_SRC/core" ]] || die "Rust library sources not found at $RUST_LIBRARY_SRC. $APT_RUST"
        need tar "apt-get install -y tar"
        echo "Rust: $("$DEBIAN_RUSTC" -V), $("$DEBIAN_CARGO" -V), $("$LLD" --version | head -n 1)"
        if command -v flock >/dev/null 2>&1; then
            mkdir -p "$(dirname "$STAGE")"
            exec 9>"$STAGE.lock"
            flock 9 # one build at a time uses the fixed staging directory
        else
            echo "build-examples: warning: flock not found; do not run two builds at once" >&2
        fi
        stage_rust_sources
    fi

    local failed=0 lang name
    for n in "${names[@]}"; do
        lang="${n%%:*}"
        name="${n#*:}"
        echo "building $lang-$name.elf"
        case "$lang" in
            c) build_c "$name" "$out" "$work" ;;
            rust) build_rust "$name" "$out" ;;
        esac
        verify_elf "$out/$lang-$name.elf" || failed=1
        if [[ "$lang" == c && -f "$ROOT/examples/c/$name/zbb" ]]; then
            echo "building c-$name-zbb.elf"
            build_c "$name" "$out" "$work" -zbb rv32im_zbb
            verify_elf "$out/c-$name-zbb.elf" || failed=1
        fi
    done
    (( failed == 0 )) || die "some ELFs hold words that are not RV32IM instructions (see above)"
}

# ---------------------------------------------------------------------------------------------
mode=build
clean=0
verify_files=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --check) mode=check ;;
        --clean) clean=1 ;;
        --verify) mode=verify; shift; verify_files=("$@"); break ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

check_binutils
if (( clean )); then
    rm -rf "$STAGE"
fi

case "$mode" in
    verify)
        [[ ${#verify_files[@]} -gt 0 ]] || die "--verify needs ELF files"
        failed=0
        for f in "${verify_files[@]}"; do
            verify_elf "$f" || failed=1
        done
        exit "$failed"
        ;;
    build)
        tmp="$(mktemp -d)"
        trap 'rm -rf "$tmp"' EXIT
        mkdir "$tmp/elf" "$tmp/work"
        build_all "$tmp/elf" "$tmp/work"
        mkdir -p "$ROOT/examples/elf"
        rm -f "$ROOT"/examples/elf/*.elf
        cp "$tmp"/elf/*.elf "$ROOT/examples/elf/"
        echo "wrote:"
        ( cd "$ROOT" && sha256sum examples/elf/*.elf )
        ;;
    check)
        tmp="$(mktemp -d)"
        trap 'rm -rf "$tmp"' EXIT
        mkdir "$tmp/elf" "$tmp/work"
        build_all "$tmp/elf" "$tmp/work"
        mismatch=0
        for f in "$tmp"/elf/*.elf; do
            b="$(basename "$f")"
            if [[ ! -f "$ROOT/examples/elf/$b" ]]; then
                echo "MISSING: examples/elf/$b is not committed (a new example? run scripts/build-examples.sh)" >&2
                mismatch=1
            elif ! cmp -s "$f" "$ROOT/examples/elf/$b"; then
                echo "MISMATCH: examples/elf/$b differs from a fresh build (sha256 committed $(sha256sum <"$ROOT/examples/elf/$b" | cut -c1-16), rebuilt $(sha256sum <"$f" | cut -c1-16))" >&2
                mismatch=1
            fi
        done
        for f in "$ROOT"/examples/elf/*.elf; do
            [[ -e "$f" ]] || continue
            b="$(basename "$f")"
            if [[ ! -f "$tmp/elf/$b" ]]; then
                echo "STALE: examples/elf/$b has no source example any more" >&2
                mismatch=1
            fi
        done
        (( mismatch == 0 )) || die "examples/elf is not what the sources build (see above)"
        echo "check: every examples/elf/*.elf matches a fresh build byte for byte"
        ;;
esac
