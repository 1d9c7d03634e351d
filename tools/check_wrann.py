#!/usr/bin/env python3
"""Check that wfdb-python's rdann reads back annotation files written by ecg-rhythm.

    cargo run --release --example annotations_copy -- ../shared/data /tmp/copies
    cargo run --release -- analyze test-data/mitdb_100 --annotations-out /tmp/copies/beats.atr
    python3 tools/check_wrann.py ../shared/data /tmp/copies [/tmp/copies/beats.atr test-data/mitdb_100]

1. For every record in DATA/*/RECORDS: rdann of our copy OUT/DB_REC.atr must equal rdann of the
   original in sample, symbol, subtype, chan, num and aux_note.
2. Optionally, the beats file written by `analyze --annotations-out` must read back with the
   same samples as the `beat` events of `analyze --jsonl` on the same record.
"""
import json
import os
import subprocess
import sys

import wfdb


def fields(a):
    return [(int(a.sample[i]), a.symbol[i], int(a.subtype[i]), int(a.chan[i]), int(a.num[i]),
             a.aux_note[i]) for i in range(len(a.sample))]


def main():
    data, out = sys.argv[1:3]
    files = anns = 0
    bad = []
    for db in sorted(os.listdir(data)):
        rec_list = os.path.join(data, db, "RECORDS")
        if not os.path.exists(rec_list):
            continue
        for rec in open(rec_list).read().split():
            want = fields(wfdb.rdann(os.path.join(data, db, rec), "atr"))
            got = fields(wfdb.rdann(os.path.join(out, f"{db}_{rec}"), "atr"))
            files += 1
            anns += len(want)
            if got != want:
                bad.append(f"{db}/{rec}: {len(got)} vs {len(want)} annotations differ")
    for b in bad:
        print("DIFF", b)
    print(f"rdann of our copies: {files} files, {anns} annotations, {len(bad)} differences")
    if len(sys.argv) == 5:
        beats_atr, record = sys.argv[3:5]
        got = [int(s) for s in wfdb.rdann(beats_atr[:-4], "atr").sample]
        events = subprocess.run(["cargo", "run", "--release", "-q", "--", "analyze", record,
                                 "--jsonl"], capture_output=True, text=True, check=True).stdout
        want = [json.loads(l)["sample"] for l in events.splitlines()
                if json.loads(l)["kind"] == "beat"]
        same = got == want
        print(f"analyze --annotations-out: {len(got)} beats read back by rdann, "
              f"{'identical to' if same else 'DIFFERENT from'} the {len(want)} beat events")
        if not same:
            bad.append("beats")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
