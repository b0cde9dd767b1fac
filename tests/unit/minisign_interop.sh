#!/bin/sh
# tests/unit/minisign_interop.sh -- crmgov's minisign module against the real
# `minisign` binary, both directions, so "compatible with minisign" is a
# measured fact rather than a reading of the format notes.
#
#   (a) minisign makes the key and signs; crmgov verifies (and refuses a
#       changed file and a legacy signature with the right reasons);
#   (b) crmgov makes the key and signs; minisign verifies (also with -H,
#       which demands the prehashed format), and minisign signs with the
#       key crmgov made;
#   (c) crmgov signs with a password-protected key made by minisign.
#
# Exit status: 0 all passed, 1 a check failed, 77 skipped (no minisign, or
# no compiler to build the driver). The driver is $MINISIGN_TOOL when set
# (the Makefile builds tests/unit/minisign_tool.c), else it is built here
# from $CRMGOV_SOURCE_DIR (default: two folders above this script).
# shellcheck disable=SC2317,SC2016  # helpers run through check(); sh -c bodies expand later
set -u

if ! command -v minisign >/dev/null 2>&1; then
    echo "minisign not installed (apt-get install minisign): skipped"
    exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/crmgov-minisign-interop.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

tool=${MINISIGN_TOOL:-}
if [ -z "$tool" ]; then
    source_dir=${CRMGOV_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
    cc=${CC:-cc}
    if ! command -v "$cc" >/dev/null 2>&1 || ! pkg-config --exists libsodium; then
        echo "no C compiler or libsodium to build the driver: skipped"
        exit 77
    fi
    # shellcheck disable=SC2046
    if ! "$cc" -std=gnu11 -O1 -I"$source_dir/include" -I"$source_dir/core" \
        "$source_dir/core/minisign.c" "$source_dir/tests/unit/minisign_tool.c" \
        -o "$work/minisign_tool" $(pkg-config --cflags --libs libsodium); then
        echo "FAIL: could not build the driver"
        exit 1
    fi
    tool=$work/minisign_tool
fi

passed=0
failed=0
check() { # description, then a command that must succeed
    description=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $description"
    else
        failed=$((failed + 1))
        echo "FAIL $description"
        sed 's/^/     | /' "$work/out"
    fi
}
refused_with() { # expected message, then the command that must fail with it
    expected=$1
    shift
    ! "$@" >"$work/refusal" 2>&1 && grep -qF "$expected" "$work/refusal"
}
output_has() { # expected text, then the command that must succeed printing it
    expected=$1
    shift
    "$@" >"$work/output" 2>&1 && grep -qF "$expected" "$work/output"
}

cd "$work" || exit 1
head -c 100000 /dev/urandom >plugin.so
comment="name=interop version=1.2.3 abi=1.0"

# (a) minisign signs, crmgov verifies
check "minisign -G -W makes a key pair" minisign -G -W -p m.pub -s m.key
check "minisign signs a file" minisign -S -s m.key -m plugin.so -t "$comment"
check "crmgov verifies minisign's signature" \
    output_has "trusted comment: $comment" "$tool" verify m.pub plugin.so
cp plugin.so changed.so
printf 'x' >>changed.so
cp plugin.so.minisig changed.so.minisig
check "crmgov refuses minisign's signature on a changed file" \
    refused_with "signature does not match the file contents" "$tool" verify m.pub changed.so
cp plugin.so legacy.so
check "minisign signs in the legacy format" minisign -S -l -s m.key -m legacy.so -t "$comment"
check "crmgov refuses the legacy signature as legacy" \
    refused_with "legacy (non-prehashed) signature refused" "$tool" verify m.pub legacy.so

# (b) crmgov signs, minisign verifies
check "crmgov makes a key pair" "$tool" keygen c.pub c.key
cp plugin.so ours.so
check "crmgov signs a file" "$tool" sign c.key ours.so "$comment"
check "minisign verifies crmgov's signature" \
    output_has "Trusted comment: $comment" minisign -V -p c.pub -m ours.so
check "minisign -H (prehashed only) accepts it" minisign -V -H -q -p c.pub -m ours.so
check "minisign refuses it with another public key" \
    sh -c '! minisign -V -q -p m.pub -m ours.so'
check "minisign -R recreates crmgov's public key" minisign -R -s c.key -p recreated.pub -f
check "the recreated public key is the same key" \
    sh -c 'test "$(sed -n 2p c.pub)" = "$(sed -n 2p recreated.pub)"'
cp plugin.so theirs.so
check "minisign signs with a key crmgov made" minisign -S -s c.key -m theirs.so -t "$comment"
check "minisign verifies that signature" minisign -V -q -p c.pub -m theirs.so
check "crmgov verifies that signature" \
    output_has "trusted comment: $comment" "$tool" verify c.pub theirs.so
cat m.pub c.pub >trusted.keys 2>/dev/null
check "a trusted keys file holding both keys accepts both signers" \
    sh -c '"$1" verify trusted.keys plugin.so && "$1" verify trusted.keys ours.so' _ "$tool"

# (c) password-protected key from minisign (scrypt, about 1 GiB and seconds)
check "minisign makes a password-protected key" \
    sh -c 'printf "pw-interop\npw-interop\n" | minisign -G -p e.pub -s e.key'
cp plugin.so enc.so
check "crmgov refuses it without a password" \
    refused_with "a password is required" "$tool" sign e.key enc.so "$comment"
check "crmgov signs with it given the password" \
    env CRMGOV_MINISIGN_PASSWORD=pw-interop "$tool" sign e.key enc.so "$comment"
check "minisign verifies that signature" minisign -V -q -p e.pub -m enc.so

echo "minisign interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
exit 0
