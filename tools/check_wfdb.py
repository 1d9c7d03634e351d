#!/usr/bin/env python3
"""Compare our WFDB reader with wfdb-python on every record of a data folder.

    cargo run --release --example wfdb_dump -- ../shared/data /tmp/ours
    python3 tools/check_wfdb.py ../shared/data /tmp/ours [--crate /tmp/crate]

For every record listed in DATA/*/RECORDS and every signal it checks that our ADC samples equal
wfdb-python's d_signal, that our mV samples equal float32(p_signal) exactly (NaN where wfdb-python
has NaN), and that every annotation field (sample, symbol, subtype, chan, num, aux_note) is
identical. With --crate DIR it also checks dumps of the `wfdb` crate (DB_REC_S.adc as i32,
DB_REC_S.phys as f64) the same way. Prints one line per record with a difference and a summary;
exits 1 when anything differs.
"""
import json
import os
import sys

import numpy as np
import wfdb


def compare_signals(name, d_ref, p_ref, adc, mv, phys64=None):
    """Return a list of difference descriptions for one signal."""
    diffs = []
    if adc is None or len(adc) != len(d_ref):
        n = None if adc is None else len(adc)
        return [f"{name}: length {n} != wfdb-python {len(d_ref)}"]
    bad = np.nonzero(adc != d_ref)[0]
    if len(bad):
        diffs.append(f"{name}: {len(bad)} ADC samples differ, first at {bad[0]}: "
                     f"{adc[bad[0]]} != {d_ref[bad[0]]}")
    if mv is not None:
        ref32 = p_ref.astype(np.float32)
        same = (mv == ref32) | (np.isnan(mv) & np.isnan(ref32))
        bad = np.nonzero(~same)[0]
        if len(bad):
            diffs.append(f"{name}: {len(bad)} mV samples differ, first at {bad[0]}: "
                         f"{mv[bad[0]]!r} != {ref32[bad[0]]!r}")
    if phys64 is not None:
        same = (phys64 == p_ref) | (np.isnan(phys64) & np.isnan(p_ref))
        bad = np.nonzero(~same)[0]
        if len(bad):
            diffs.append(f"{name}: {len(bad)} physical samples differ, first at {bad[0]}: "
                         f"{phys64[bad[0]]!r} != {p_ref[bad[0]]!r}")
    return diffs


def load(path, dtype):
    return np.fromfile(path, dtype=dtype) if os.path.exists(path) else None


def main():
    args = sys.argv[1:]
    crate = None
    if "--crate" in args:
        i = args.index("--crate")
        crate = args[i + 1]
        del args[i:i + 2]
    data, ours = args
    records = signals = anns_checked = 0
    failures = []
    crate_failures = []
    for db in sorted(os.listdir(data)):
        rec_list = os.path.join(data, db, "RECORDS")
        if not os.path.exists(rec_list):
            continue
        for rec in open(rec_list).read().split():
            path = os.path.join(data, db, rec)
            stem = f"{db}_{rec}"
            d = wfdb.rdrecord(path, physical=False).d_signal
            p = wfdb.rdrecord(path).p_signal
            records += 1
            for s in range(d.shape[1]):
                signals += 1
                failures += compare_signals(
                    f"{db}/{rec} signal {s}", d[:, s], p[:, s],
                    load(os.path.join(ours, f"{stem}_{s}.adc"), "<i4"),
                    load(os.path.join(ours, f"{stem}_{s}.mv"), "<f4"))
                if crate:
                    crate_failures += compare_signals(
                        f"{db}/{rec} signal {s}", d[:, s], p[:, s],
                        load(os.path.join(crate, f"{stem}_{s}.adc"), "<i4"), None,
                        load(os.path.join(crate, f"{stem}_{s}.phys"), "<f8"))
            if not os.path.exists(path + ".atr"):
                continue
            a = wfdb.rdann(path, "atr")
            ref = [(int(a.sample[i]), a.symbol[i], int(a.subtype[i]), int(a.chan[i]),
                    int(a.num[i]), a.aux_note[i]) for i in range(len(a.sample))]
            tsv = os.path.join(ours, f"{stem}.ann.tsv")
            got = []
            if os.path.exists(tsv):
                for line in open(tsv, encoding="utf-8"):
                    f = line.rstrip("\n").split("\t")
                    got.append((int(f[0]), f[1], int(f[2]), int(f[3]), int(f[4]), json.loads(f[5])))
            anns_checked += len(ref)
            if got != ref:
                first = next((i for i, (x, y) in enumerate(zip(got, ref)) if x != y),
                             min(len(got), len(ref)))
                failures.append(f"{db}/{rec} annotations: {len(got)} vs wfdb-python {len(ref)}, "
                                f"first difference at #{first}: "
                                f"{got[first] if first < len(got) else None} != "
                                f"{ref[first] if first < len(ref) else None}")
    for f in failures:
        print("DIFF", f)
    print(f"ours vs wfdb-python {wfdb.__version__}: {records} records, {signals} signals, "
          f"{anns_checked} annotations, {len(failures)} differences")
    if crate:
        for f in crate_failures:
            print("CRATE DIFF", f)
        print(f"wfdb crate vs wfdb-python: {records} records, {signals} signals, "
              f"{len(crate_failures)} differences (the crate reads no annotations)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
