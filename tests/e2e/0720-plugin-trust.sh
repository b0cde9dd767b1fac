#!/bin/sh
# 0720: plugin_policy = signed and pinned through the real binary: each
# refusal is one line "FILE:LINE: PATH: reason" with exit status 2 --
# unsigned, one flipped byte, wrong key, edited trusted comment, renamed
# file, symlink, file or folder writable by others or by the group, legacy
# signature, sha256 pin missing or wrong -- and every decision (file,
# sha256, key id, result) is in the audit log.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
setup
mkdir p
cp "$BUILDDIR/testplugins/good.so" "$BUILDDIR/testplugins/init_fails.so" p/
chmod 0755 p p/*.so
"$CRMGOV" keygen -o vendor.key >/dev/null
"$CRMGOV" keygen -o other.key >/dev/null
cp vendor.key.pub trusted.keys
good_sha=$(sha256sum p/good.so | cut -c1-64)
vendor_id=$(sed -n 1p vendor.key.pub | awk '{print $NF}')

# config POLICY PLUGIN [EXTRA SECTION LINES]: [layer:x] at line 7, plugin = at 8
config() {
  printf '[core]\ndatabase = %s/t.db\nplugin_dir = p\nlog_level = warn\nplugin_policy = %s\ntrusted_keys = trusted.keys\n[layer:x]\nplugin = %s\ntarget = sf\n%s' \
    "$T" "$1" "$2" "${3:-}" > c.ini
}
check() { # POLICY PLUGIN STATUS [EXPECTED STDERR] [EXTRA]
  config "$1" "$2" "${5:-}"
  expect_exit "$3" "$CRMGOV" check-config -c c.ini
  [ $# -lt 4 ] || expect_eq "$4" "$ERR"
}

expect_exit 0 "$CRMGOV" plugin sign p/good.so --key vendor.key
expect_eq "p/good.so.minisig: signed by key $vendor_id (trusted comment: name=good version=0.0.1 abi=1.1)" "$OUT"
check signed good 0
expect_exit 0 "$CRMGOV" plugin verify p/good.so --pubkey trusted.keys
expect_eq "p/good.so: ok, signed by key $vendor_id for good 0.0.1 (ABI 1.1), sha256 $good_sha" "$OUT"
check signed init_fails 2 "c.ini:8: p/init_fails.so: not signed: p/init_fails.so.minisig is missing (plugin_policy = signed)"
expect_exit 1 "$CRMGOV" plugin verify p/init_fails.so --pubkey trusted.keys
expect_eq "p/init_fails.so: not signed: p/init_fails.so.minisig is missing (plugin_policy = signed)" "$OUT"

# one flipped byte
cp p/good.so good.orig
byte=$(od -An -tu1 -j 4000 -N 1 p/good.so | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of=p/good.so bs=1 seek=4000 conv=notrunc 2>/dev/null
check signed good 2 "c.ini:8: p/good.so: signature does not match the file contents"
cp good.orig p/good.so

# signed by a key that is not trusted
"$CRMGOV" plugin sign p/good.so --key other.key >/dev/null
check signed good 2 "c.ini:8: p/good.so: signed by a key that is not in the trusted keys"
"$CRMGOV" plugin sign p/good.so --key vendor.key >/dev/null

# the trusted comment edited
cp p/good.so.minisig sig.orig
sed 's/^trusted comment: name=good version=0.0.1/trusted comment: name=good version=0.0.2/' sig.orig > p/good.so.minisig
check signed good 2 "c.ini:8: p/good.so: trusted comment signature invalid (the trusted comment was edited)"
cp sig.orig p/good.so.minisig

# a renamed copy, with its signature
cp p/good.so p/alias.so
cp p/good.so.minisig p/alias.so.minisig
check signed alias 2 "c.ini:8: p/alias.so: the signature is for plugin 'good', not 'alias' (renamed file?)"
check any alias 2 "c.ini:8: p/alias.so: declares the name 'good'; the file must be named good.so"
rm p/alias.so p/alias.so.minisig

# a symbolic link
ln -s good.so p/linked.so
check signed linked 2 "c.ini:8: p/linked.so: is a symbolic link; give the real file"
rm p/linked.so

# modes of the file and its folder
for m in 0757:"the file is writable by others (mode 0757)" 0775:"the file is writable by its group (mode 0775)"; do
  chmod "${m%%:*}" p/good.so
  check signed good 2 "c.ini:8: p/good.so: ${m#*:}"
done
chmod 0755 p/good.so
for m in 0757:"its folder is writable by others (mode 0757)" 0775:"its folder is writable by its group (mode 0775)"; do
  chmod "${m%%:*}" p
  check any good 2 "c.ini:8: p/good.so: ${m#*:}"
done
chmod 0755 p

# the legacy (non-prehashed) format, made by minisign itself
if command -v minisign >/dev/null; then
  minisign -S -l -s vendor.key -m p/good.so -t "name=good version=0.0.1 abi=1.1" >/dev/null 2>&1 ||
    fail "minisign -S -l"
  check signed good 2 "c.ini:8: p/good.so: legacy (non-prehashed) signature refused; re-sign with a current minisign or crmgov"
  cp sig.orig p/good.so.minisig
fi

# pinned
check pinned good 2 "c.ini:8: p/good.so: no sha256 pin in its section (plugin_policy = pinned)"
check pinned good 0 "" "sha256 = $good_sha
"
wrong=$(printf '%064d' 0)
check pinned good 2 "c.ini:8: p/good.so: sha256 $good_sha does not match the pinned $wrong" "sha256 = $wrong
"
check any good 2 "c.ini:8: p/good.so: sha256 $good_sha does not match the pinned $wrong" "sha256 = $wrong
"
check pinned good 2 "c.ini:10: option 'sha256' of [layer:x]: expected 64 hexadecimal digits (the output of sha256sum FILE)" "sha256 = abc
"
# a second section using the plugin checks its own pin
check pinned good 2 "c.ini:12: p/good.so: sha256 $good_sha does not match the pinned $wrong" "sha256 = $good_sha
[layer:y]
plugin = good
target = sf
sha256 = $wrong
"

# [core] errors
printf '[core]\ndatabase = %s/t.db\nplugin_dir = p\nplugin_policy = signed\n' "$T" > c.ini
expect_exit 2 "$CRMGOV" check-config -c c.ini
expect_eq "c.ini:4: plugin_policy = signed needs trusted_keys = FILE in [core]" "$ERR"
printf 'not a key\n' > bad.keys
printf '[core]\ndatabase = %s/t.db\nplugin_dir = p\nplugin_policy = signed\ntrusted_keys = bad.keys\n' "$T" > c.ini
expect_exit 2 "$CRMGOV" check-config -c c.ini
expect_eq "c.ini:5: trusted_keys bad.keys: line 1: malformed public key" "$ERR"
cp vendor.key loose.key
chmod 0644 loose.key
printf '[core]\ndatabase = %s/t.db\nplugin_dir = p\nsigning_key = loose.key\n' "$T" > c.ini
expect_exit 2 "$CRMGOV" check-config -c c.ini
expect_eq "c.ini:4: signing_key loose.key: may be read by others (mode 0644); chmod 600 it" "$ERR"

# `crmgov plugins` lists the folder under the policy: the unsigned file is refused
config signed good
expect_exit 1 "$CRMGOV" plugins -c c.ini --format csv
expect_eq "crmgov: p/init_fails.so: not signed: p/init_fails.so.minisig is missing (plugin_policy = signed)" "$ERR"
expect_eq "good" "$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f1)"

# every decision is in the audit log: a refused start, then a signed load
config signed init_fails
expect_exit 2 "$CRMGOV" run --once -c c.ini
config signed good
expect_exit 0 "$CRMGOV" run --once -c c.ini
expect_exit 0 "$CRMGOV" run --once -c c.ini   # the same load again: not repeated
expect_exit 0 "$CRMGOV" log show -c c.ini --action plugin.load --format json
expect_eq '[{"seq":1,"subject":"init_fails","file":"p/init_fails.so","sha256":"'"$(sha256sum p/init_fails.so | cut -c1-64)"'","key_id":null,"policy":"signed","result":"refused","reason":"p/init_fails.so: not signed: p/init_fails.so.minisig is missing (plugin_policy = signed)"},{"seq":2,"subject":"good","file":"p/good.so","sha256":"'"$good_sha"'","key_id":"'"$vendor_id"'","policy":"signed","result":"loaded","reason":null}]' \
  "$(printf '%s' "$OUT" | jq -c '[.[] | {seq, subject, file: .details.file, sha256: .details.sha256, key_id: .details.key_id, policy: .details.policy, result: .details.result, reason: .details.reason}]')"
expect_exit 0 "$CRMGOV" log verify -c c.ini
exit 0
