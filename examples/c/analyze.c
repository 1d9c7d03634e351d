/*
 * analyze.c: run a CSV ECG strip through the ecg-rhythm C interface and print the events as
 * JSON Lines, in the same form as `ecg-rhythm analyze STRIP.csv --jsonl`.
 *
 *   analyze STRIP.csv [--fs HZ] [--lead N]
 *
 * The CSV is the CLI's format (see read_csv below): `time_s,ecg_mv` (the sample rate comes from
 * the time column) or `ecg_mv` alone (give the sample rate with --fs). Samples are pushed in blocks, as a monitor's acquisition loop would, and
 * every event the engine writes into the event array is printed at once.
 *
 * Build and run: examples/c/run.sh STRIP.csv [--fs HZ]
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecg_rhythm.h"

/* Samples per push: about 0.7 s at 360 Hz. */
#define BLOCK 256
/* Event array per push: far more than a block can produce (a beat, a marker and a few
 * state changes per QRS). An overflow is reported, never ignored. */
#define EVENT_CAPACITY 64

static void die(const char *what, const char *detail) {
    fprintf(stderr, "analyze: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

/* ---- CSV ------------------------------------------------------------------------------- */

/* The CLI's CSV layout (src/io/csv.rs): a header line, then one row per sample. The first
 * column may be `time_s`; every other column is a signal whose name ends in its unit, `_mv` or
 * `_uv`; --lead picks the signal column (from 0). Blank lines and lines starting with `#` are
 * skipped; `NaN` marks a missing sample. The time column must be uniform, and an integer rate
 * consistent with the printed precision of the timestamps is taken as exact. */

#define MAX_COLUMNS 64
#define MAX_LINE 4096

typedef struct {
    float *samples_mv;
    size_t len;
    size_t cap;
    double *times_s;
    size_t times_cap;
    int has_time;
    int time_decimals;
} Strip;

static void *grow(void *p, size_t *cap, size_t len, size_t size) {
    if (len < *cap) return p;
    *cap = *cap ? 2 * *cap : 4096;
    p = realloc(p, *cap * size);
    if (!p) die("out of memory", NULL);
    return p;
}

/* Trim spaces, tabs and CR/LF in place. */
static char *trim(char *t) {
    while (*t == ' ' || *t == '\t') t++;
    size_t n = strlen(t);
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\r' || t[n - 1] == '\n'))
        t[--n] = '\0';
    return t;
}

/* Split `line` at commas into trimmed fields; returns the count (at most `max`+1). */
static int split(char *line, char **fields, int max) {
    int n = 0;
    char *start = line;
    for (;;) {
        char *comma = strchr(start, ',');
        if (comma) *comma = '\0';
        if (n <= max) fields[n] = trim(start);
        n++;
        if (!comma) return n;
        start = comma + 1;
    }
}

/* Parse a whole field as a double / float. */
static int parse_double(const char *t, double *out) {
    char *end = NULL;
    if (*t == '\0') return 0;
    *out = strtod(t, &end);
    return *end == '\0';
}

static int parse_float(const char *t, float *out) {
    char *end = NULL;
    if (*t == '\0') return 0;
    *out = strtof(t, &end);
    return *end == '\0';
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Digits after the decimal point of a number as written. */
static int decimals(const char *s) {
    const char *dot = strchr(s, '.');
    if (!dot) return 0;
    int n = 0;
    for (const char *c = dot + 1; *c && *c != 'e' && *c != 'E'; c++) n++;
    return n;
}

static void fail_line(const char *path, size_t lineno, const char *what) {
    fprintf(stderr, "analyze: %s: line %zu: %s\n", path, lineno, what);
    exit(2);
}

static void read_csv(const char *path, int lead, Strip *s) {
    FILE *f = fopen(path, "r");
    if (!f) die(path, strerror(errno));
    char line[MAX_LINE];
    char *fields[MAX_COLUMNS + 1];
    size_t lineno = 0;
    int columns = 0, col = -1;
    double scale = 1.0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (strlen(line) == sizeof line - 1 && line[sizeof line - 2] != '\n')
            fail_line(path, lineno, "line too long");
        char *t = trim(line);
        if (*t == '\0' || *t == '#') continue;
        int n = split(t, fields, MAX_COLUMNS);
        if (n > MAX_COLUMNS) fail_line(path, lineno, "too many columns");
        if (columns == 0) {
            for (int i = 0; i < n; i++)
                for (char *c = fields[i]; *c; c++) *c = (char)tolower((unsigned char)*c);
            s->has_time = strcmp(fields[0], "time_s") == 0;
            col = lead + s->has_time;
            if (col >= n) fail_line(path, lineno, "no such signal column (--lead)");
            if (ends_with(fields[col], "_mv")) {
                scale = 1.0;
            } else if (ends_with(fields[col], "_uv")) {
                scale = 0.001;
            } else {
                fail_line(path, lineno, "header must be `time_s,NAME_mv` or `NAME_mv` (or _uv)");
            }
            columns = n;
            continue;
        }
        if (n != columns) fail_line(path, lineno, "field count differs from the header");
        float v;
        if (!parse_float(fields[col], &v)) fail_line(path, lineno, "not a number");
        if (s->has_time) {
            double time_s;
            if (!parse_double(fields[0], &time_s)) fail_line(path, lineno, "time is not a number");
            if (s->len > 0 && !(time_s > s->times_s[s->len - 1]))
                fail_line(path, lineno, "time does not increase");
            s->times_s = grow(s->times_s, &s->times_cap, s->len, sizeof(double));
            s->times_s[s->len] = time_s;
            int d = decimals(fields[0]);
            if (d > s->time_decimals) s->time_decimals = d;
        }
        s->samples_mv = grow(s->samples_mv, &s->cap, s->len, sizeof(float));
        s->samples_mv[s->len++] = scale == 1.0 ? v : (float)((double)v * scale);
    }
    if (ferror(f)) die(path, strerror(errno));
    fclose(f);
    if (columns == 0) die(path, "empty file: no header line");
    if (s->len == 0) die(path, "no samples after the header");
}

/* The sample rate of a uniform time column: 1/period, or the integer rate when the timestamps'
 * printed precision cannot tell them apart. */
static double rate_from_times(const char *path, const Strip *s) {
    size_t n = s->len;
    if (n < 2) die(path, "one row only: the time column cannot give a sample rate");
    double first = s->times_s[0], span = s->times_s[n - 1] - first;
    double period = span / (double)(n - 1);
    double quantum = 0.5 * pow(10.0, -(double)s->time_decimals);
    double tolerance = 0.1 * period + quantum;
    for (size_t i = 0; i < n; i++)
        if (fabs(s->times_s[i] - (first + (double)i * period)) > tolerance)
            die(path, "time column is not uniform (gap or jitter)");
    double fs = 1.0 / period;
    double uncertainty = fs * (2.0 * quantum / span) + 1e-9 * fs;
    double whole = round(fs);
    return whole > 0.0 && fabs(fs - whole) <= uncertainty ? whole : fs;
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* Print a finite float the way serde_json does (shortest round-trip digits, Ryu's layout:
 * `60.0`, `788.8889`, `0.001234`, `1e-7`, `1.5e20`). */
static void print_f32(float v) {
    if (!isfinite(v)) {
        fputs("null", stdout);
        return;
    }
    if (v == 0.0f) {
        fputs(signbit(v) ? "-0.0" : "0.0", stdout);
        return;
    }
    char buf[64];
    int p = 0;
    for (; p < 9; p++) {
        snprintf(buf, sizeof buf, "%.*e", p, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    /* buf = [-]d[.ddd]e[+-]XX: collect the digits and the exponent. */
    const char *c = buf;
    if (*c == '-') {
        putchar('-');
        c++;
    }
    char digits[16];
    int len = 0;
    for (; *c && *c != 'e'; c++)
        if (*c != '.') digits[len++] = *c;
    int e10 = atoi(c + 1);
    while (len > 1 && digits[len - 1] == '0') len--;
    digits[len] = '\0';
    int k = e10 - len + 1; /* value = digits * 10^k */
    int kk = len + k;      /* 10^(kk-1) <= |value| < 10^kk */
    if (k >= 0 && kk <= 13) {
        printf("%s", digits);
        for (int i = len; i < kk; i++) putchar('0');
        fputs(".0", stdout);
    } else if (kk > 0 && kk <= 13) {
        printf("%.*s.%s", kk, digits, digits + kk);
    } else if (kk > -6 && kk <= 0) {
        fputs("0.", stdout);
        for (int i = 0; i < -kk; i++) putchar('0');
        fputs(digits, stdout);
    } else if (len == 1) {
        printf("%se%d", digits, kk - 1);
    } else {
        printf("%c.%se%d", digits[0], digits + 1, kk - 1);
    }
}

static const char *decision_name(EcgDecision d) {
    switch (d) {
    case ECG_DECISION_SHOCKABLE: return "shockable";
    case ECG_DECISION_NONSHOCKABLE: return "nonshockable";
    case ECG_DECISION_INDETERMINATE: return "indeterminate";
    default: return NULL;
    }
}

static const char *class_name(EcgRhythmClass c) {
    switch (c) {
    case ECG_RHYTHM_CLASS_VF: return "VF";
    case ECG_RHYTHM_CLASS_VT: return "VT";
    case ECG_RHYTHM_CLASS_SINUS: return "NSR";
    case ECG_RHYTHM_CLASS_IRREGULAR: return "AF";
    case ECG_RHYTHM_CLASS_BRADY: return "BRADY";
    case ECG_RHYTHM_CLASS_TACHY: return "TACHY";
    case ECG_RHYTHM_CLASS_OTHER: return "OTHER";
    case ECG_RHYTHM_CLASS_ASYSTOLE: return "ASYS";
    case ECG_RHYTHM_CLASS_UNKNOWN: return "UNKNOWN";
    default: return NULL;
    }
}

static const char *reason_name(EcgReason r) {
    switch (r) {
    case ECG_REASON_NOISE: return "noise";
    case ECG_REASON_SATURATION: return "saturation";
    case ECG_REASON_LEAD_OFF: return "lead_off";
    case ECG_REASON_MISSING: return "missing";
    case ECG_REASON_WARMUP: return "warmup";
    case ECG_REASON_VF: return "vf";
    case ECG_REASON_ASYSTOLE: return "asystole";
    case ECG_REASON_NO_RELIABLE_R: return "no_reliable_r";
    case ECG_REASON_LATE: return "late";
    case ECG_REASON_TOO_FAST: return "too_fast";
    case ECG_REASON_SELECTIVE: return "selective";
    case ECG_REASON_NOISY: return "noisy";
    default: return NULL;
    }
}

static void print_event(const EcgEvent *e) {
    unsigned long long sample = e->sample, emitted = e->emitted, start = e->start, end = e->end;
    switch (e->kind) {
    case ECG_EVENT_KIND_BEAT:
        printf("{\"kind\":\"beat\",\"sample\":%llu,\"emitted\":%llu", sample, emitted);
        if (!isnan(e->rr_ms)) {
            fputs(",\"rr_ms\":", stdout);
            print_f32(e->rr_ms);
        }
        break;
    case ECG_EVENT_KIND_SYNC:
        printf("{\"kind\":\"sync\",\"sample\":%llu,\"emitted\":%llu", sample, emitted);
        break;
    case ECG_EVENT_KIND_RHYTHM:
        printf("{\"kind\":\"rhythm\",\"start\":%llu,\"end\":%llu,\"emitted\":%llu,\"decision\":\"%s\","
               "\"score\":",
               start, end, emitted, decision_name(e->decision));
        print_f32(e->score);
        printf(",\"class\":\"%s\"", class_name(e->rhythm_class));
        if (!isnan(e->hr_bpm)) {
            fputs(",\"hr_bpm\":", stdout);
            print_f32(e->hr_bpm);
        }
        if (e->reason != ECG_REASON_NONE) printf(",\"reason\":\"%s\"", reason_name(e->reason));
        break;
    case ECG_EVENT_KIND_SYNC_STATE:
        printf("{\"kind\":\"sync_state\",\"emitted\":%llu,\"available\":%s", emitted,
               e->available ? "true" : "false");
        if (e->reason != ECG_REASON_NONE) printf(",\"reason\":\"%s\"", reason_name(e->reason));
        break;
    case ECG_EVENT_KIND_SYNC_WITHHELD:
        printf("{\"kind\":\"sync_withheld\",\"sample\":%llu,\"emitted\":%llu,\"reason\":\"%s\"",
               sample, emitted, reason_name(e->reason));
        break;
    case ECG_EVENT_KIND_QUALITY:
        printf("{\"kind\":\"quality\",\"start\":%llu", start);
        if (e->has_end) printf(",\"end\":%llu", end);
        printf(",\"emitted\":%llu,\"issue\":\"%s\"", emitted, reason_name(e->issue));
        break;
    default:
        fprintf(stderr, "analyze: unknown event kind %d\n", (int)e->kind);
        exit(2);
    }
    fputs("}\n", stdout);
}

/* ---- main ------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    const char *path = NULL;
    double given_fs = 0.0;
    int lead = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fs") == 0 && i + 1 < argc) {
            if (!parse_double(argv[++i], &given_fs) || !(given_fs > 0.0)) die("--fs", "not a rate");
        } else if (strcmp(argv[i], "--lead") == 0 && i + 1 < argc) {
            double v;
            if (!parse_double(argv[++i], &v) || v < 0 || v != (int)v) die("--lead", "not a column");
            lead = (int)v;
        } else if (!path && argv[i][0] != '-') {
            path = argv[i];
        } else {
            die("usage", "analyze STRIP.csv [--fs HZ] [--lead N]");
        }
    }
    if (!path) die("usage", "analyze STRIP.csv [--fs HZ] [--lead N]");

    Strip strip = {0};
    read_csv(path, lead, &strip);
    double rate;
    if (strip.has_time) {
        rate = rate_from_times(path, &strip);
        if (given_fs > 0.0 && fabs((given_fs - rate) / rate) > 0.001)
            die(path, "the time column and --fs disagree");
    } else if (given_fs > 0.0) {
        rate = given_fs;
    } else {
        die(path, "no `time_s` column: give the sample rate (--fs)");
        return 2;
    }
    float fs = (float)rate;

    EcgConfig config;
    ecg_config_default(fs, &config);
    char field[64] = "";
    EcgStatus status = ecg_config_check(&config, field, sizeof field);
    if (status != ECG_STATUS_OK) {
        fprintf(stderr, "analyze: %s: %s (field %s = %g)\n", path, ecg_status_message(status), field,
                (double)fs);
        return 2;
    }
    EcgEngine *engine = NULL;
    status = ecg_engine_new(&config, &engine);
    if (status != ECG_STATUS_OK) die("ecg_engine_new", ecg_status_message(status));

    EcgEvent events[EVENT_CAPACITY];
    for (size_t at = 0; at < strip.len; at += BLOCK) {
        size_t n = strip.len - at < BLOCK ? strip.len - at : BLOCK;
        EcgPushResult result;
        status = ecg_engine_push(engine, strip.samples_mv + at, n, events, EVENT_CAPACITY, &result);
        if (status != ECG_STATUS_OK) die("ecg_engine_push", ecg_status_message(status));
        for (size_t i = 0; i < result.written; i++) print_event(&events[i]);
    }
    ecg_engine_free(engine);
    free(strip.samples_mv);
    free(strip.times_s);
    if (fflush(stdout) != 0) die("stdout", strerror(errno));
    return 0;
}
