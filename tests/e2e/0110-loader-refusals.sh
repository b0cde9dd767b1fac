#!/bin/sh
# 0110: the loader accepts a good plugin and refuses each bad one with one
# line naming the file and the reason, exit status 2, nothing started.
. "$(dirname "$0")/lib.sh"
setup
mkdir p
for f in good wrong_major newer_minor v2_symbol no_symbol no_start bad_default init_fails; do
  cp "$BUILDDIR/testplugins/$f.so" p/
done
chmod 0755 p p/*.so

# check-config with one [layer:x] section using plugin $1
check() {
  printf '[core]\ndatabase = %s/t.db\nplugin_dir = p\n[layer:x]\nplugin = %s\ntarget = sf\n' "$T" "$1" > c.ini
  expect_exit "$2" "$CRMGOV" check-config -c c.ini
}

check good 0
expect_contains "[layer:x] plugin good 0.0.1 (c.ini:4)" "$OUT"

check wrong_major 2
expect_eq "c.ini:5: p/wrong_major.so: built for ABI 2.0, core has ABI 1.1" "$ERR"
check newer_minor 2
expect_eq "c.ini:5: p/newer_minor.so: built for ABI 1.3, core has ABI 1.1" "$ERR"
check v2_symbol 2
expect_eq "c.ini:5: p/v2_symbol.so: built for ABI 2 (exports crmgov_plugin_v2), core has ABI 1.1" "$ERR"
check no_symbol 2
expect_eq "c.ini:5: p/no_symbol.so: no crmgov_plugin_v1 symbol: not a crmgov plugin" "$ERR"
check no_start 2
expect_eq "c.ini:5: p/no_start.so: plugin no_start lacks the required operation 'start'" "$ERR"
check bad_default 2
expect_eq "c.ini:5: p/bad_default.so: plugin bad_default declares a bad option table: option 'window': default '7x' is not a duration (like 30s, 15m, 90d, 1h30m)" "$ERR"
check missing 2
expect_eq "c.ini:5: plugin 'missing' not found (looked for p/missing.so)" "$ERR"

# a plugin whose file name differs from its declared name
cp p/good.so p/alias.so
check alias 2
expect_eq "c.ini:5: p/alias.so: declares the name 'good'; the file must be named good.so" "$ERR"
rm p/alias.so

# two files declaring one name: `crmgov plugins` reports the second, exit 1
cp p/good.so p/zz_copy.so
printf '[core]\ndatabase = %s/t.db\nplugin_dir = p\n' "$T" > c.ini
expect_exit 1 "$CRMGOV" plugins -c c.ini
expect_contains "crmgov: p/zz_copy.so: duplicate plugin name 'good' (already loaded from p/good.so)" "$ERR"
rm p/zz_copy.so

# writable by others: the file, then its folder
chmod o+w p/good.so
check good 2
expect_eq "c.ini:5: p/good.so: the file is writable by others (mode 0757)" "$ERR"
chmod o-w p/good.so
chmod o+w p
check good 2
expect_eq "c.ini:5: p/good.so: its folder is writable by others (mode 0757)" "$ERR"
chmod o-w p

# a symbolic link is not followed
ln -s good.so p/linked.so
check linked 2
expect_eq "c.ini:5: p/linked.so: is a symbolic link; give the real file" "$ERR"
rm p/linked.so

# a plugin used in a section of the wrong kind
printf '[core]\ndatabase = %s/t.db\nplugin_dir = p\n[sink:x]\nplugin = good\ntarget = sf\n' "$T" > c.ini
expect_exit 2 "$CRMGOV" check-config -c c.ini
expect_eq "c.ini:4: plugin good is a layer, not a sink ([layer:x] would run it)" "$ERR"

# init failure: one line, exit 2, and nothing stays behind
printf '[core]\ndatabase = %s/t.db\nplugin_dir = p\n[layer:a]\nplugin = good\ntarget = sf\n[layer:b]\nplugin = init_fails\ntarget = sf\n' "$T" > c.ini
expect_exit 2 "$CRMGOV" run --once -c c.ini
expect_eq "c.ini:7: [layer:b] could not start: the licence server at 127.0.0.1:9 did not answer" "$ERR"
expect_eq "" "$OUT" "nothing ran"
