#!/usr/bin/env bash
# Builds and runs the libFuzzer targets on the STABLE toolchain: the sanitizer-coverage pass
# and its options are stable `-C` flags, so neither nightly nor cargo-fuzz is needed.
#
#   fuzz/fuzz.sh build                 # every target, into fuzz/target
#   fuzz/fuzz.sh run TARGET [SECONDS] [libFuzzer flags…]   # one campaign, bounded in time
#   fuzz/fuzz.sh replay TARGET FILE…   # run inputs once (a crash reproduces here)
#   fuzz/fuzz.sh cmin TARGET           # minimise fuzz/corpus/TARGET in place
#
# Campaigns run under `nice -n 19` on one core; the corpus grows in fuzz/corpus/TARGET (seed it
# with fuzz/seeds.py), crashes land in fuzz/artifacts/TARGET/.
set -euo pipefail
FUZZ="$(cd "$(dirname "$0")" && pwd)"
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$FUZZ/target}"
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
--cfg fuzzing"
BIN="$CARGO_TARGET_DIR/$TRIPLE/release"

build() {
    # `--target` keeps RUSTFLAGS off build scripts and proc macros (pest_derive), which must
    # not be instrumented.
    (cd "$FUZZ" && nice -n 10 cargo build --release --target "$TRIPLE" --bins "$@")
}

cmd="${1:-}"
shift || true
case "$cmd" in
build)
    build "$@"
    ;;
run)
    target="$1"
    seconds="${2:-600}"
    shift 2 || shift $#
    # FUZZ_NO_BUILD=1 runs the binary as built (e.g. while the sources are being edited).
    [ "${FUZZ_NO_BUILD:-0}" = 1 ] || build --bin "$target" >&2
    mkdir -p "$FUZZ/corpus/$target" "$FUZZ/artifacts/$target"
    # Cloudify imports resolve against the working directory: run in an empty scratch one.
    mkdir -p "$FUZZ/artifacts/cwd"
    cd "$FUZZ/artifacts/cwd"
    exec timeout --signal=INT "$((seconds + 60))" nice -n 19 "$BIN/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$FUZZ/artifacts/$target/" \
        "$@" "$FUZZ/corpus/$target"
    ;;
replay)
    target="$1"
    shift
    build --bin "$target" >&2
    exec "$BIN/$target" -runs=1 "$@"
    ;;
cmin)
    target="$1"
    build --bin "$target" >&2
    tmp="$FUZZ/corpus/$target.min"
    rm -rf "$tmp" && mkdir -p "$tmp"
    nice -n 19 "$BIN/$target" -merge=1 -timeout=10 -rss_limit_mb=2048 "$tmp" "$FUZZ/corpus/$target"
    rm -rf "$FUZZ/corpus/$target" && mv "$tmp" "$FUZZ/corpus/$target"
    ;;
*)
    sed -n '2,11p' "$0"
    exit 2
    ;;
esac
