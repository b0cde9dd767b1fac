#!/bin/sh
# 0120: every configuration error stops with one line `file:line: what`,
# exit status 2, before anything starts (fail closed).
. "$(dirname "$0")/lib.sh"
setup
mkdir p conf.d
cp "$BUILDDIR/testplugins/good.so" p/
core="[core]
database = $T/t.db
plugin_dir = p"

bad() { # bad EXPECTED-STDERR  (with c.ini written by the caller)
  expect_exit 2 "$CRMGOV" check-config -c c.ini
  expect_eq "$1" "$ERR"
  [ ! -e "$T/t.db" ] || fail "a refused configuration created the database"
}

printf '%s\n[layer:x]\nplugin = good\ntarget = sf\nwindw = 3d\n' "$core" > c.ini
bad "c.ini:7: unknown option 'windw' for plugin good (allowed: window, limit, target, plugin, enabled, sha256; did you mean 'window'?)"

printf '%s\n[layer:x]\nplugin = good\ntarget = sf\nlimit = many\n' "$core" > c.ini
bad "c.ini:7: option 'limit' of plugin good: 'many' is not a whole number"

printf '%s\n[layer:x]\nplugin = good\ntarget = sf\nlimit = 0\n' "$core" > c.ini
bad "c.ini:7: option 'limit' of plugin good: '0' is less than the minimum, 1"

printf '%s\n[layer:x]\nplugin = good\ntarget = sf\nwindow = 3 days\n' "$core" > c.ini
bad "c.ini:7: option 'window' of plugin good: '3 days' is not a duration (like 30s, 15m, 90d, 1h30m)"

printf '%s\n[layer:x]\nplugin = good\n' "$core" > c.ini
bad "c.ini:4: plugin good needs option 'target' in [layer:x]"

printf '%s\n[layer:x]\nplugin = good\ntarget = sf\ntarget = hs\n' "$core" > c.ini
bad "c.ini:7: option 'target' is set twice in [layer:x] (first at c.ini:6)"

printf '%s\n[layerx]\nplugin = good\n' "$core" > c.ini
bad "c.ini:4: unknown section [layerx] (sections are [core], [contacts], [connector:NAME], [layer:NAME] and [sink:NAME]; NAME uses a-z, 0-9, _ and -)"

printf '%s\n[layer:x]\nplugin = good\n  target = sf\n' "$core" > c.ini
bad "c.ini:6: indented line: write 'key = value' at the start of the line (continuation lines are not supported)"

printf '%s\n[layer:x]\nplugin = good\ntarget sf\n' "$core" > c.ini
bad "c.ini:6: syntax error: expected '[section]', 'key = value' or a comment"

printf '%s\nlog_level = loud\n' "$core" > c.ini
bad "c.ini:4: option 'log_level' of [core]: 'loud' is not one of error, warn, info, debug"

# Debian's inih would cut a long line at 200 bytes and read the rest as a
# second `key = value`: here the overflow would have set plugin_dir.
pad=$(printf '%0180d' 0)
printf '%s\n[layer:x]\nplugin = good\ntarget = %s plugin_dir = /tmp/evil\n' "$core" "$pad" > c.ini
bad "c.ini:6: line is 212 characters long; the longest allowed is 198"

# includes: a loop through two files, a missing literal file, an error inside
printf '%s\ninclude = conf.d/a.ini\n' "$core" > c.ini
printf '[core]\ninclude = b.ini\n' > conf.d/a.ini
printf '[core]\ninclude = a.ini\n' > conf.d/b.ini
bad "conf.d/b.ini:2: include loop: 'conf.d/a.ini' includes itself (through line 2)"

printf '%s\ninclude = conf.d/none.ini\n' "$core" > c.ini
bad "c.ini:4: include 'conf.d/none.ini': no such file"

printf '%s\ninclude = conf.d/*.ini\n' "$core" > c.ini
rm conf.d/*.ini
printf '[layer:x]\nplugin = good\ntarget = sf\nlimit = -3\n' > conf.d/x.ini
bad "conf.d/x.ini:4: option 'limit' of plugin good: '-3' is less than the minimum, 1"

# an include glob that matches nothing is fine; the included section is used
rm conf.d/x.ini
printf '%s\ninclude = conf.d/*.ini\n' "$core" > c.ini
expect_exit 0 "$CRMGOV" check-config -c c.ini
printf '[layer:x]\nplugin = good\ntarget = sf\n' > conf.d/x.ini
expect_exit 0 "$CRMGOV" check-config -c c.ini
expect_contains "[layer:x] plugin good 0.0.1 (conf.d/x.ini:1)" "$OUT"

expect_exit 2 "$CRMGOV" check-config -c does-not-exist.ini
expect_eq "does-not-exist.ini: cannot read: No such file or directory" "$ERR"

# the same refusals stop `run` before anything starts
printf '%s\n[layer:x]\nplugin = good\ntarget = sf\nwindw = 3d\n' "$core" > c.ini
expect_exit 2 "$CRMGOV" run --once -c c.ini
expect_contains "c.ini:7: unknown option 'windw'" "$ERR"
