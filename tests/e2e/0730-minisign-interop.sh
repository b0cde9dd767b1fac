#!/bin/sh
# 0730: crmgov and the real `minisign` (Debian package) read each other's
# keys and signatures, both ways: what `crmgov plugin sign` writes, minisign
# verifies (also with -H, prehashed only); what minisign signs -- with a key
# from crmgov keygen or from minisign -G, password-protected too -- crmgov
# verifies and loads under plugin_policy = signed; a minisign signature
# without crmgov's trusted comment is refused. Then the library-level
# interop script (tests/unit/minisign_interop.sh) with its driver.
. "$(dirname "$0")/lib.sh"
command -v minisign >/dev/null || skip "minisign not installed (apt-get install minisign)"
setup
mkdir p
cp "$BUILDDIR/testplugins/good.so" p/
chmod 0755 p p/good.so
comment="name=good version=0.0.1 abi=1.1"
printf '[core]\ndatabase = %s/t.db\nplugin_dir = p\nlog_level = warn\nplugin_policy = signed\ntrusted_keys = trusted.keys\n[layer:x]\nplugin = good\ntarget = sf\n' "$T" > c.ini

# crmgov signs, minisign verifies
"$CRMGOV" keygen -o c.key >/dev/null
expect_exit 0 "$CRMGOV" plugin sign p/good.so --key c.key
expect_exit 0 minisign -V -p c.key.pub -m p/good.so
expect_contains "Trusted comment: $comment" "$OUT"
expect_exit 0 minisign -V -H -q -p c.key.pub -m p/good.so
# minisign accepts crmgov's secret key file too
cp p/good.so theirs.so
expect_exit 0 minisign -S -s c.key -m theirs.so -t "$comment"
expect_exit 0 minisign -V -q -p c.key.pub -m theirs.so

# minisign makes the key and signs, crmgov verifies and loads
expect_exit 0 minisign -G -W -p m.pub -s m.key
expect_exit 0 minisign -S -s m.key -m p/good.so -t "$comment"
cp m.pub trusted.keys
expect_exit 0 "$CRMGOV" plugin verify p/good.so --pubkey m.pub
# minisign writes the id without leading zeros; crmgov always prints 16 digits
id=$(sed -n 1p m.pub | awk '{ id = $NF; while (length(id) < 16) id = "0" id; print id }')
expect_contains "p/good.so: ok, signed by key $id for good 0.0.1 (ABI 1.1)" "$OUT"
expect_exit 0 "$CRMGOV" check-config -c c.ini
expect_exit 0 "$CRMGOV" plugin verify p/good.so -c c.ini
# a trusted keys file of both public keys trusts both signers
cat m.pub c.key.pub > trusted.keys
expect_exit 0 "$CRMGOV" check-config -c c.ini
"$CRMGOV" plugin sign p/good.so --key c.key >/dev/null
expect_exit 0 "$CRMGOV" check-config -c c.ini

# minisign's default trusted comment does not name the plugin
expect_exit 0 minisign -S -s m.key -m p/good.so
expect_exit 1 "$CRMGOV" plugin verify p/good.so --pubkey trusted.keys
expect_eq "p/good.so: trusted comment lacks a valid name=, version= or abi=MAJOR.MINOR" "$OUT"

# a password-protected minisign key signs through crmgov (password on stdin)
printf 'pw-0730\npw-0730\n' | minisign -G -p e.pub -s e.key >/dev/null 2>&1 || fail "minisign -G"
printf 'wrong\n' | "$CRMGOV" plugin sign p/good.so --key e.key >/dev/null 2>err.txt &&
  fail "a wrong password signed"
expect_eq "crmgov plugin sign: e.key: wrong password for the secret key" "$(cat err.txt)"
printf 'pw-0730\n' | "$CRMGOV" plugin sign p/good.so --key e.key >/dev/null || fail "sign with password"
expect_exit 0 minisign -V -q -p e.pub -m p/good.so

# the library against minisign, with the driver the Makefile builds
tool="$BUILDDIR/tests/minisign_tool"
if [ -x "$tool" ]; then
  MINISIGN_TOOL=$tool sh "$SRC/tests/unit/minisign_interop.sh" > interop.out 2>&1
else
  sh "$SRC/tests/unit/minisign_interop.sh" > interop.out 2>&1
fi
rc=$?
[ "$rc" = 0 ] || { cat interop.out; fail "tests/unit/minisign_interop.sh exited $rc"; }
expect_contains " passed, 0 failed" "$(tail -n 1 interop.out)"
exit 0
