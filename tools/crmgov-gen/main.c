/*
 * main.c -- crmgov-gen's command line: parse options, build the world, let
 * the planters in, run the timeline, write the answer key, optionally verify.
 *
 * Everything else lives in modules that the unit tests link directly; this
 * file only wires them, so it holds no logic worth testing on its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "plant.h"
#include "sim.h"
#include "verify.h"
#include "world.h"

static const char usage_text[] =
    "usage: crmgov-gen [options]\n"
    "Writes a deterministic CRM activity dataset as JSON Lines (EVENTS.md format).\n"
    "\n"
    "World:\n"
    "  --seed N            PRNG seed; same options and seed give identical bytes (default 1)\n"
    "  --systems N         CRM systems: sf-prod, hs-main, b24-sales, sys-4, ... (default 3)\n"
    "  --automations N     automations per system at the start (default 12)\n"
    "  --users N           principals per system at the start, incl. one service user\n"
    "                      (default 20, or records-per-day/4 when that is larger)\n"
    "  --records N         records each system creates directly over --days days: leads 45%,\n"
    "                      tickets 35%, contacts 20%; conversions add deals and contacts on top\n"
    "                      (about 1.4x in all). Sets the daily rate records/days (default 1000)\n"
    "  --days N            length of the timeline in days (default 60)\n"
    "  --start YYYY-MM-DD  first day, UTC (default 2026-01-01)\n"
    "  --review-days N     days between re-approvals of each automation (default 28, max 30)\n"
    "  --modify-every N    mean days between approved modifications per system (default 10)\n"
    "\n"
    "Output:\n"
    "  --events N          stop after exactly N lines. Without --days the timeline runs on\n"
    "                      until N lines are written. When neither --days nor --records is\n"
    "                      given and N is large (over ~110k at 3 systems), the rate is set\n"
    "                      so N lines span about one year: --records N/(6*systems) over 365\n"
    "                      days. With --days, whichever ends first wins.\n"
    "  -o FILE             write to FILE instead of standard output\n"
    "\n"
    "Plants and checks:\n"
    "  --plant             add the documented governance problems (see --list-plants)\n"
    "  --answer-key FILE   write the expected findings as a sorted JSON array\n"
    "  --verify            re-read the output and check the world's invariants; with --plant,\n"
    "                      every violation must be in the answer key (exit 1 otherwise)\n"
    "  --check FILE        only verify an existing dataset (healthy unless --expect KEY)\n"
    "  --expect FILE       answer key to compare with in --check mode\n"
    "  --list-plants       list the registered planters and exit\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 ok, 1 verification failed, 2 usage or I/O error.\n";

typedef struct cli {
    gen_options opt;
    int records_given, users_given;
    const char *check_file;
    const char *expect_file;
    int list_plants;
} cli;

static int parse_count(const char *name, const char *text, long long lo, long long hi, long long *out)
{
    char *end;
    if (!text) {
        fprintf(stderr, "crmgov-gen: %s needs a value\n", name);
        return -1;
    }
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || end == text || v < lo || v > hi) {
        fprintf(stderr, "crmgov-gen: %s wants an integer in [%lld, %lld], got '%s'\n", name, lo,
                hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_int_opt(const char *name, const char *text, long long lo, long long hi, int *out)
{
    long long v;
    if (parse_count(name, text, lo, hi, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

static void defaults(cli *c)
{
    memset(c, 0, sizeof *c);
    c->opt.seed = 1;
    c->opt.systems = 3;
    c->opt.automations = 12;
    c->opt.users = 20;
    c->opt.records = 1000;
    c->opt.days = 60;
    c->opt.review_days = 28;
    c->opt.modify_every = 10;
    gen_parse_date("2026-01-01", &c->opt.start_day);
}

/* Returns 0 to run, 1 to exit 0 (help), -1 on a usage error. */
static int parse_args(int argc, char **argv, cli *c)
{
    defaults(c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long long n;
        int used = 1, rc = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            return 1;
        } else if (!strcmp(a, "--seed")) {
            rc = parse_count(a, v, 0, INT64_MAX, &n);
            c->opt.seed = (uint64_t)n;
        } else if (!strcmp(a, "--systems")) {
            rc = parse_int_opt(a, v, 1, 999, &c->opt.systems);
        } else if (!strcmp(a, "--automations")) {
            rc = parse_int_opt(a, v, 1, 1000, &c->opt.automations);
        } else if (!strcmp(a, "--users")) {
            rc = parse_int_opt(a, v, 6, 100000, &c->opt.users);
            c->users_given = 1;
        } else if (!strcmp(a, "--records")) {
            rc = parse_int_opt(a, v, 1, 1000000000, &c->opt.records);
            c->records_given = 1;
        } else if (!strcmp(a, "--days")) {
            rc = parse_int_opt(a, v, 1, 36500, &c->opt.days);
            c->opt.days_given = 1;
        } else if (!strcmp(a, "--events")) {
            rc = parse_count(a, v, 1, INT64_MAX, &n);
            c->opt.max_events = (uint64_t)n;
        } else if (!strcmp(a, "--review-days")) {
            rc = parse_int_opt(a, v, 2, 30, &c->opt.review_days);
        } else if (!strcmp(a, "--modify-every")) {
            rc = parse_int_opt(a, v, 1, 100000, &c->opt.modify_every);
        } else if (!strcmp(a, "--start")) {
            if (!v || gen_parse_date(v, &c->opt.start_day) != 0) {
                fprintf(stderr, "crmgov-gen: --start wants YYYY-MM-DD, got '%s'\n", v ? v : "");
                rc = -1;
            }
        } else if (!strcmp(a, "-o")) {
            c->opt.output = v;
            rc = v ? 0 : -1;
        } else if (!strcmp(a, "--answer-key")) {
            c->opt.answer_key = v;
            rc = v ? 0 : -1;
        } else if (!strcmp(a, "--check")) {
            c->check_file = v;
            rc = v ? 0 : -1;
        } else if (!strcmp(a, "--expect")) {
            c->expect_file = v;
            rc = v ? 0 : -1;
        } else {
            used = 0;
            if (!strcmp(a, "--plant"))
                c->opt.plant = 1;
            else if (!strcmp(a, "--verify"))
                c->opt.verify = 1;
            else if (!strcmp(a, "--list-plants"))
                c->list_plants = 1;
            else {
                fprintf(stderr, "crmgov-gen: unknown option '%s' (try --help)\n", a);
                return -1;
            }
        }
        if (rc != 0) {
            if (!v && strncmp(a, "--", 2) != 0)
                fprintf(stderr, "crmgov-gen: %s needs a value\n", a);
            else if (!v && (!strcmp(a, "--answer-key") || !strcmp(a, "--check") || !strcmp(a, "--expect")))
                fprintf(stderr, "crmgov-gen: %s needs a value\n", a);
            return -1;
        }
        i += used;
    }
    return 0;
}

/* Lines per directly created record at the default mix (measured), used to
 * size a benchmark timeline. */
#define LINES_PER_RECORD 6

/* A large --events alone gets a one-year timeline dense enough to hold it,
 * instead of decades at the demo density; people scale with the load. */
static void scale_for_events(cli *c)
{
    gen_options *o = &c->opt;
    if (o->max_events && !o->days_given && !c->records_given) {
        uint64_t per_system = o->max_events / ((uint64_t)LINES_PER_RECORD * (uint64_t)o->systems);
        uint64_t default_per_year = (uint64_t)o->records * 365 / (uint64_t)o->days;
        if (per_system > default_per_year) {
            o->days = 365;
            o->records = per_system > 1000000000 ? 1000000000 : (int)per_system;
        }
    }
    if (!c->users_given) {
        int per_day = (int)((long long)o->records / o->days);
        if (per_day / 4 > o->users)
            o->users = per_day / 4 > 100000 ? 100000 : per_day / 4;
    }
}

static int list_plants(void)
{
    const gen_planter *all[64];
    size_t n = plant_registry(all, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        printf("%-32s %-7s %s\n", all[i]->name, all[i]->rule, all[i]->summary);
    return 0;
}

static int check_only(const cli *c)
{
    FILE *in = fopen(c->check_file, "r");
    if (!in) {
        fprintf(stderr, "crmgov-gen: cannot open %s: %s\n", c->check_file, strerror(errno));
        return 2;
    }
    plant_key key = {0};
    if (c->expect_file && verify_read_key(c->expect_file, &key) != 0) {
        fprintf(stderr, "crmgov-gen: cannot read answer key %s\n", c->expect_file);
        fclose(in);
        return 2;
    }
    int rc = verify_stream(in, c->expect_file ? &key : NULL, stderr);
    fclose(in);
    plant_key_free(&key);
    return rc;
}

static int generate(cli *c)
{
    char err[256] = "";
    gen_world world;
    plant_key key = {0};
    plant_run run;
    memset(&run, 0, sizeof run);
    int status = 2;
    FILE *out = NULL, *copy = NULL;
    if (world_build(&world, &c->opt, err, sizeof err) != 0)
        goto done;
    if (c->opt.plant && plant_run_prepare(&run, &world, &key, err, sizeof err) != 0)
        goto done;
    out = c->opt.output ? fopen(c->opt.output, "w") : stdout;
    if (!out) {
        snprintf(err, sizeof err, "cannot write %s: %s", c->opt.output, strerror(errno));
        goto done;
    }
    if (c->opt.verify && !(copy = tmpfile())) {
        snprintf(err, sizeof err, "cannot create a temporary file for --verify");
        goto done;
    }
    emitter em;
    emit_init(&em, out, copy, c->opt.max_events);
    int rc = sim_run(&world, &em, c->opt.plant ? &run : NULL, err, sizeof err);
    if (emit_finish(&em) != 0 && rc == 0) {
        snprintf(err, sizeof err, "write error on output");
        rc = -1;
    }
    int64_t em_last_at = em.last_at;
    emit_free(&em);
    if (rc != 0)
        goto done;
    /* findings planted after the last written event never happened */
    plant_key_prune(&key, em_last_at);
    plant_key_sort(&key);
    if (c->opt.answer_key && plant_key_write(&key, c->opt.answer_key) != 0) {
        snprintf(err, sizeof err, "cannot write answer key %s", c->opt.answer_key);
        goto done;
    }
    status = 0;
    if (copy) {
        rewind(copy);
        status = verify_stream(copy, c->opt.plant ? &key : NULL, stderr);
    }
done:
    if (err[0])
        fprintf(stderr, "crmgov-gen: %s\n", err);
    if (copy)
        fclose(copy);
    if (out && out != stdout && fclose(out) != 0 && status == 0) {
        fprintf(stderr, "crmgov-gen: write error on %s\n", c->opt.output);
        status = 2;
    }
    plant_run_release(&run);
    plant_key_free(&key);
    world_free(&world);
    return status;
}

int main(int argc, char **argv)
{
    cli c;
    int rc = parse_args(argc, argv, &c);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (c.list_plants)
        return list_plants();
    if (c.check_file)
        return check_only(&c);
    scale_for_events(&c);
    return generate(&c);
}
