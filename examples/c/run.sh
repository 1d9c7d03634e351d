#!/usr/bin/env bash
# Build examples/c/analyze.c against the release static library and run it:
#   examples/c/run.sh STRIP.csv [--fs HZ]
# Prints the event stream as JSON Lines, like `ecg-rhythm analyze STRIP.csv --jsonl`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cc="${CC:-cc}"
out="$root/target/release/examples-c"
mkdir -p "$out"
cargo build --release --lib --quiet --manifest-path "$root/Cargo.toml"
# The native libraries a Rust `std` static library needs on Linux/glibc.
"$cc" -std=c99 -O2 -Wall -Wextra -Werror -I"$root/include" "$root/examples/c/analyze.c" \
    "$root/target/release/libecg_rhythm.a" -lpthread -ldl -lm -o "$out/analyze"
exec "$out/analyze" "$@"
