#!/usr/bin/env python3
"""Cut the short real excerpts of test-data/ from ../shared/data and write their reference values.

    python3 tools/make_test_data.py ../shared/data test-data

Uses wfdb-python only (independent of our reader):
- each excerpt: rdrecord(sampfrom, sampto, physical=False) -> wrsamp with the original format,
  gains, baselines and signal names (repeated names numbered; ADC resolution and zero are wrsamp's defaults); rdann(sampfrom, sampto, shift_samps=True)
  -> wrann. When the excerpt starts inside a rhythm segment and has no annotation at sample 0, a
  rhythm annotation `+` repeating the rhythm in force (its aux string copied) is added at sample 0.
- reference values, read back from the excerpt files by wfdb-python:
  reference/NAME.samples.tsv  rdrecord(physical=False).d_signal and rdrecord().p_signal
  reference/NAME.atr.tsv      rdann(): sample, symbol, subtype, chan, num, aux_note (JSON)
- mitdb_100 as CSV (`time_s,mlii_mv`, times to 6 decimals, mV as Python's shortest float repr)
  and as 2-channel 16-bit WAV at 1 uV per LSB (stdlib `wave`, value = round(p_signal * 1000)).
"""
import json
import os
import sys
import wave

import numpy as np
import wfdb

# name, database, record, first sample, end sample (exclusive)
EXCERPTS = [
    ("mitdb_100", "mitdb", "100", 0, 60 * 360),
    ("mitdb_208", "mitdb", "208", 0, 60 * 360),
    ("nstdb_118e00", "nstdb", "118e00", 290 * 360, 320 * 360),
    ("vfdb_426", "vfdb", "426", 615 * 250, 675 * 250),
    ("cudb_cu26", "cudb", "cu26", 140 * 250, 210 * 250),
]


def cut(data, out, name, db, rec, start, end):
    src = os.path.join(data, db, rec)
    r = wfdb.rdrecord(src, sampfrom=start, sampto=end, physical=False)
    # wrsamp wants unique signal names (vfdb names both `ECG`): number repeats.
    names = [n if r.sig_name.count(n) == 1 else f"{n}{i}" for i, n in enumerate(r.sig_name)]
    wfdb.wrsamp(name, fs=r.fs, units=r.units, sig_name=names, d_signal=r.d_signal,
                fmt=r.fmt, adc_gain=r.adc_gain, baseline=r.baseline,
                comments=[f"Excerpt of {db}/{rec}, samples [{start}, {end}), "
                          "by tools/make_test_data.py"],
                write_dir=out)
    full = wfdb.rdann(src, "atr")
    a = wfdb.rdann(src, "atr", sampfrom=start, sampto=end - 1, shift_samps=True)
    sample = list(a.sample)
    symbol, subtype, chan, num, aux = (list(a.symbol), list(a.subtype), list(a.chan),
                                       list(a.num), list(a.aux_note))
    before = [i for i in range(len(full.sample))
              if full.sample[i] < start and full.symbol[i] == "+"]
    if before and (not sample or sample[0] != 0):
        i = before[-1]
        for lst, v in ((sample, 0), (symbol, "+"), (subtype, 0), (chan, int(full.chan[i])),
                       (num, int(full.num[i])), (aux, full.aux_note[i])):
            lst.insert(0, v)
    wfdb.wrann(name, "atr", np.array(sample, dtype=np.int64), symbol=symbol,
               subtype=np.array(subtype), chan=np.array(chan), num=np.array(num),
               aux_note=aux, write_dir=out)


def reference(out, name):
    path = os.path.join(out, name)
    d = wfdb.rdrecord(path, physical=False).d_signal
    p = wfdb.rdrecord(path).p_signal
    os.makedirs(os.path.join(out, "reference"), exist_ok=True)
    with open(os.path.join(out, "reference", name + ".samples.tsv"), "w") as f:
        f.write(f"# wfdb-python {wfdb.__version__}: rdrecord('{name}', physical=False).d_signal "
                f"then rdrecord('{name}').p_signal; one frame a line\n")
        f.write("\t".join([f"d{s}" for s in range(d.shape[1])] +
                          [f"p{s}" for s in range(d.shape[1])]) + "\n")
        for i in range(d.shape[0]):
            f.write("\t".join([str(int(v)) for v in d[i]] + [repr(float(v)) for v in p[i]]) + "\n")
    a = wfdb.rdann(path, "atr")
    with open(os.path.join(out, "reference", name + ".atr.tsv"), "w") as f:
        f.write(f"# wfdb-python {wfdb.__version__}: rdann('{name}', 'atr'); one annotation a line\n")
        f.write("sample\tsymbol\tsubtype\tchan\tnum\taux_note\n")
        for i in range(len(a.sample)):
            f.write(f"{int(a.sample[i])}\t{a.symbol[i]}\t{int(a.subtype[i])}\t{int(a.chan[i])}\t"
                    f"{int(a.num[i])}\t{json.dumps(a.aux_note[i])}\n")


def csv_and_wav(out, name):
    r = wfdb.rdrecord(os.path.join(out, name))
    p = r.p_signal
    with open(os.path.join(out, name + ".csv"), "w") as f:
        f.write(f"time_s,{r.sig_name[0].lower()}_mv\n")
        for i in range(p.shape[0]):
            f.write(f"{i / r.fs:.6f},{float(p[i, 0])!r}\n")
    microvolts = np.round(p * 1000.0).astype("<i2")
    with wave.open(os.path.join(out, name + ".wav"), "wb") as w:
        w.setnchannels(p.shape[1])
        w.setsampwidth(2)
        w.setframerate(int(r.fs))
        w.writeframes(microvolts.tobytes())


def main():
    data, out = sys.argv[1:3]
    for name, db, rec, start, end in EXCERPTS:
        cut(data, out, name, db, rec, start, end)
        reference(out, name)
    csv_and_wav(out, "mitdb_100")


if __name__ == "__main__":
    main()
