#!/bin/sh
# 0200: every bundled plugin passes the conformance suite of
# `crmgov plugin check`, and `crmgov plugins` lists each one with its kind,
# version, ABI and options.
. "$(dirname "$0")/lib.sh"
setup
write_config
count=0
for so in "$PLUGINS"/*.so; do
  expect_exit 0 "$CRMGOV" plugin check "$so"
  expect_contains "PASS " "$OUT" "$so passes the conformance suite"
  count=$((count + 1))
done
[ "$count" -gt 0 ] || fail "no plugin was built"
expect_exit 0 "$CRMGOV" plugins -c crmgov.ini --format json
expect_eq "$count" "$(printf '%s' "$OUT" | jq length)" "every plugin is listed"
expect_eq '"connector","1.1","path, follow, poll_interval, max_line, start_at"' \
  "$(printf '%s' "$OUT" | jq -r '.[] | select(.name == "jsonl") | [.kind, .abi, .options] | @csv')"
expect_exit 0 "$CRMGOV" plugins -c crmgov.ini --schema jsonl
expect_eq '["path"]' "$(printf '%s' "$OUT" | jq -c .required)" "the schema marks path required"
expect_eq 'false' "$(printf '%s' "$OUT" | jq -c .additionalProperties)"
expect_exit 0 "$CRMGOV" plugins -c crmgov.ini --info jsonl --format csv
expect_eq 'max_line,size,1M,,min 256; max 64M,longest accepted line; longer ones become dead letters' \
  "$(printf '%s\n' "$OUT" | grep '^max_line' | tr -d '\r')"
