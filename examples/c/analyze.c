/*
 * analyze.c: run a CSV ECG strip through the ecg-rhythm C interface and print the events as
 * JSON Lines, in the same form as `ecg-rhythm analyze STRIP.csv --jsonl`.
 *
 *   analyze STRIP.csv [--fs HZ]
 *
 * The CSV is the CLI's format: a header line, then either two columns `time_s,ecg_mv` (the
 * sample rate is taken from the time column) or one column `ecg_mv` (the sample rate must be
 * given with --fs). Samples are pushed in blocks, as a monitor's acquisition loop would, and
 * every event the engine writes into the event array is printed at once.
 *
 * Build and run: examples/c/run.sh STRIP.csv [--fs HZ]
 */
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

typedef struct {
    float *samples_mv;
    size_t len;
    size_t cap;
    double first_time_s;
    double last_time_s;
    int has_time;
} Strip;

static void strip_push(Strip *s, float v) {
    if (s->len == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->samples_mv = realloc(s->samples_mv, s->cap * sizeof(float));
        if (!s->samples_mv) die("out of memory", NULL);
    }
    s->samples_mv[s->len++] = v;
}

/* Trim spaces, tabs and CR/LF in place. */
static char *trim(char *t) {
    while (*t == ' ' || *t == '\t') t++;
    size_t n = strlen(t);
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\r' || t[n - 1] == '\n'))
        t[--n] = '\0';
    return t;
}

/* Parse one number field; the whole (trimmed) field must be the number. */
static int parse_number(char *field, double *out) {
    char *t = trim(field);
    if (*t == '\0') return 0;
    char *end = NULL;
    errno = 0;
    *out = strtod(t, &end);
    return end && *end == '\0';
}

static int parse_float(char *field, float *out) {
    char *t = trim(field);
    if (*t == '\0') return 0;
    char *end = NULL;
    *out = strtof(t, &end);
    return end && *end == '\0';
}

static void read_csv(const char *path, Strip *s) {
    FILE *f = fopen(path, "r");
    if (!f) die(path, strerror(errno));
    char line[4096];
    size_t lineno = 0;
    int columns = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *t = trim(line);
        if (*t == '\0') continue;
        if (columns == 0) {
            if (strcmp(t, "time_s,ecg_mv") == 0) {
                columns = 2;
            } else if (strcmp(t, "ecg_mv") == 0) {
                columns = 1;
            } else {
                fprintf(stderr, "analyze: %s: line %zu: header must be `time_s,ecg_mv` or `ecg_mv`\n",
                        path, lineno);
                exit(2);
            }
            s->has_time = columns == 2;
            continue;
        }
        char *comma = strchr(t, ',');
        float v;
        if (columns == 2) {
            double time_s;
            if (!comma) goto bad;
            *comma = '\0';
            if (!parse_number(t, &time_s) || !parse_float(comma + 1, &v)) goto bad;
            if (s->len == 0) s->first_time_s = time_s;
            s->last_time_s = time_s;
        } else {
            if (comma || !parse_float(t, &v)) goto bad;
        }
        strip_push(s, v);
        continue;
    bad:
        fprintf(stderr, "analyze: %s: line %zu: not a valid row\n", path, lineno);
        exit(2);
    }
    if (ferror(f)) die(path, strerror(errno));
    fclose(f);
    if (columns == 0) die(path, "empty file: no header");
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
    float fs = 0.0f;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fs") == 0 && i + 1 < argc) {
            double v;
            if (!parse_number(argv[++i], &v)) die("--fs", "not a number");
            fs = (float)v;
        } else if (!path && argv[i][0] != '-') {
            path = argv[i];
        } else {
            die("usage", "analyze STRIP.csv [--fs HZ]");
        }
    }
    if (!path) die("usage", "analyze STRIP.csv [--fs HZ]");

    Strip strip = {0};
    read_csv(path, &strip);
    if (strip.has_time && fs == 0.0f) {
        if (strip.len < 2 || !(strip.last_time_s > strip.first_time_s))
            die(path, "the time column does not give a sample rate");
        fs = (float)((double)(strip.len - 1) / (strip.last_time_s - strip.first_time_s));
    }
    if (fs == 0.0f) die(path, "no time column: give the sample rate with --fs");

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
    if (fflush(stdout) != 0) die("stdout", strerror(errno));
    return 0;
}
