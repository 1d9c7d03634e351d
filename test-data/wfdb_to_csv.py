#!/usr/bin/env python3
"""Cut a CSV strip (`time_s,ecg_mv`, mV) out of a format-212 WFDB record.

    wfdb_to_csv.py RECORD LEAD START_S SECONDS > strip.csv

Values are written with the few digits the ADC resolution needs ((adc - baseline) / gain), so
they parse back to the same f32 the WFDB reader produces; times (from 0) with six decimals,
from which the CSV reader recovers the integer sample rate.
"""
import sys


def main():
    record, lead, start_s, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    lines = [l.split() for l in open(record + ".hea") if l.strip() and not l.startswith("#")]
    nsig, fs = int(lines[0][1]), float(lines[0][2])
    sig = lines[1 + lead]
    if sig[1] != "212":
        sys.exit("only format 212")
    gain_field = sig[2].split("/")[0]
    gain = float(gain_field.split("(")[0])
    baseline = int(gain_field.split("(")[1].rstrip(")")) if "(" in gain_field else int(sig[4])
    raw = open(record.rsplit("/", 1)[0] + "/" + sig[0], "rb").read()
    values = []
    for i in range(0, len(raw) - 2, 3):
        b0, b1, b2 = raw[i], raw[i + 1], raw[i + 2]
        for v in (((b1 & 0x0F) << 8) | b0, ((b1 & 0xF0) << 4) | b2):
            values.append(v - 0x1000 if v & 0x800 else v)
    frames = values[lead::nsig]
    a, n = int(start_s * fs), int(seconds * fs)
    out = ["time_s,ecg_mv"]
    for i, adc in enumerate(frames[a : a + n]):
        out.append("%.6f,%r" % (i / fs, round((adc - baseline) / gain, 6)))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
