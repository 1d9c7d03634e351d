#!/usr/bin/env bash
# Check that the C example prints the same events as the CLI:
#   examples/c/compare.sh STRIP.csv [--fs HZ]
# Runs `examples/c/run.sh` and `ecg-rhythm analyze STRIP.csv --jsonl` with the same arguments and
# compares their event lines byte for byte — every kind: `beat`, `sync`, `rhythm`, `sync_state`,
# `sync_withheld`, `quality`. Exits non-zero on any difference or when the strip produced no beats
# at all.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
pick() { grep -E '^\{"kind":"' || true; }
"$root/examples/c/run.sh" "$@" | pick >"$tmp/c.jsonl"
"$root/target/release/ecg-rhythm" analyze "$@" --jsonl | pick >"$tmp/cli.jsonl"
count() { grep -c "\"kind\":\"$1\"" "$tmp/cli.jsonl" || true; }
echo "CLI events: $(count beat) beat, $(count sync) sync, $(count rhythm) rhythm," \
    "$(count sync_state) sync_state, $(count sync_withheld) sync_withheld, $(count quality) quality"
if ! grep -q '"kind":"beat"' "$tmp/cli.jsonl"; then
    echo "compare: the CLI found no beats in $1: nothing to compare" >&2
    exit 1
fi
if cmp -s "$tmp/c.jsonl" "$tmp/cli.jsonl"; then
    echo "C example and CLI agree: $(wc -l <"$tmp/c.jsonl") identical lines"
else
    echo "compare: C example and CLI differ on $1:" >&2
    diff "$tmp/cli.jsonl" "$tmp/c.jsonl" | head -20 >&2
    exit 1
fi
