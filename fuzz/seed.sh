#!/bin/sh
# Seed the fuzz corpora (fuzz/corpus/TARGET, git-ignored) from the excerpts in test-data/.
# Each seed starts with the selector bytes the entry point in src/io/fuzz.rs expects.
set -e
cd "$(dirname "$0")"
td=../test-data
mkdir -p corpus/wfdb_header corpus/wfdb_signal corpus/wfdb_annotations corpus/wav corpus/csv
for f in "$td"/*.hea; do cp "$f" corpus/wfdb_header/; done
for f in "$td"/*.atr; do cp "$f" corpus/wfdb_annotations/; done
# wfdb_signal: selector (format 212, 2 signals), signal 0, 300 samples, checksum 0, then data.
printf '\003\000\054\001\000\000' > corpus/wfdb_signal/mitdb_100
head -c 900 "$td/mitdb_100.dat" >> corpus/wfdb_signal/mitdb_100
printf '\004\001\054\001\000\000' > corpus/wfdb_signal/nstdb_118e00
head -c 1200 "$td/nstdb_118e00.dat" >> corpus/wfdb_signal/nstdb_118e00
# wav: lead 0, then the first 2 kB of the strip (a truncated data chunk) and a whole tiny file.
printf '\000' > corpus/wav/mitdb_100_head
head -c 2048 "$td/mitdb_100.wav" >> corpus/wav/mitdb_100_head
# csv: lead 0 with and without a given rate, first 40 lines.
printf '\000' > corpus/csv/mitdb_100_head
head -n 40 "$td/mitdb_100.csv" >> corpus/csv/mitdb_100_head
printf '\004ecg_mv\n0.1\n-0.2\nNaN\n' > corpus/csv/single_column
