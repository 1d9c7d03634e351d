#!/bin/sh
# Verify the WFDB reader and annotation writer against wfdb-python on every record of DATA
# (default ../shared/data); skips cleanly when DATA or wfdb-python is absent. See docs/io.md.
#   sh tools/check_io.sh [DATA]
set -e
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
if [ ! -d "$data" ]; then echo "check_io: $data absent, skipped"; exit 0; fi
if ! python3 -c 'import wfdb' 2>/dev/null; then echo "check_io: wfdb-python absent, skipped"; exit 0; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/dump" "$out/copies"
cargo run --release -q --example wfdb_dump -- "$data" "$out/dump"
python3 tools/check_wfdb.py "$data" "$out/dump"
cargo run --release -q --example annotations_copy -- "$data" "$out/copies"
cargo run --release -q -- analyze test-data/mitdb_100 --annotations-out "$out/copies/beats.atr" >/dev/null
python3 tools/check_wrann.py "$data" "$out/copies" "$out/copies/beats.atr" test-data/mitdb_100
