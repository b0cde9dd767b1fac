#!/bin/sh
# 0160: what the jsonl connector reads: a folder (its *.jsonl and *.jsonl.gz,
# in name order, other files ignored), a glob, gzip input resumed after an
# interruption, and standard input.
. "$(dirname "$0")/lib.sh"
command -v gzip >/dev/null || skip "gzip is not installed"
setup
rec() { printf '{"type":"record","system":"s","at":"2026-03-01T09:00:%02dZ","object":"lead","id":"%s","op":"create"}\n' "$1" "$2"; }
mkdir in
{ rec 1 a1; rec 2 a2; } > in/a.jsonl
{ rec 3 b1; rec 4 b2; rec 5 b3; } > in/b.jsonl
gzip in/b.jsonl
rec 6 c1 > in/notes.txt
write_config "[connector:dir]
plugin = jsonl
path = in"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 5 events" "$OUT" "a.jsonl and b.jsonl.gz, not notes.txt"

# more lines appended to a.jsonl and a new gzip file: only those are read
rec 7 a3 >> in/a.jsonl
{ rec 8 c1; rec 9 c2; } | gzip > in/c.jsonl.gz
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 3 events" "$OUT" "resumes every file where it stopped"

# a glob
rm -f crmgov.db*
write_config "[connector:glob]
plugin = jsonl
path = in/*.jsonl.gz"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
expect_contains "crmgov run: 5 events" "$OUT" "b.jsonl.gz (3) and c.jsonl.gz (2)"

# standard input
rm -f crmgov.db*
write_config "[connector:pipe]
plugin = jsonl
path = -"
OUT=$({ rec 1 x; echo 'not json'; rec 2 y; } | "$CRMGOV" run --once -c crmgov.ini 2>&1)
expect_contains "crmgov run: 2 events" "$OUT"
expect_contains "1 dead letters" "$OUT"
expect_exit 0 "$CRMGOV" deadletters -c crmgov.ini --format json
expect_eq '[{"source":"stdin","line":2,"reason":"invalid JSON near byte 1"}]' \
  "$(printf '%s' "$OUT" | jq -c '[.[] | {source, line, reason}]')"
