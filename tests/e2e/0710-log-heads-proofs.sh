#!/bin/sh
# 0710: signed tree heads and proofs as an outsider sees them: `log head`
# (text and JSON; minisign verifies the head), heads every checkpoint_every
# entries and at shutdown, `log head --sign`, inclusion and consistency
# proofs checked both by `crmgov log check-proof` and by the two scripts of
# docs/auditlog.md run exactly as printed there (minisign, jq, xxd, base64,
# sha256sum), edited proofs refused, `log show` filters, and a log without
# a signing key.
. "$(dirname "$0")/lib.sh"
for tool in jq minisign xxd sha256sum base64; do
  command -v "$tool" >/dev/null || skip "$tool not installed"
done
setup

# the scripts, exactly as docs/auditlog.md prints them
doc_script() {
  awk -v marker="<!-- script: $1 -->" '
    $0 == marker { armed = 1; next }
    armed && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }' "$SRC/docs/auditlog.md" > "$1"
  [ -s "$1" ] || fail "docs/auditlog.md has no script $1"
}
doc_script check-inclusion.sh
doc_script check-consistency.sh

"$CRMGOV" keygen -o log.key >/dev/null
i=1
while [ $i -le 7 ]; do
  printf '{"type":"change","system":"sf","at":"2026-03-0%dT10:00:00Z","id":"CR-%d","automation":"wf-1","state":"approved","author":"u-1","approvers":["u-2","u-3"],"definition_hash":"%064d","status":"active"}\n' "$i" "$i" "$i"
  i=$((i + 1))
done > events.jsonl
write_config "signing_key = log.key
checkpoint_every = 1
[connector:in]
plugin = jsonl
path = events.jsonl"
expect_exit 0 "$CRMGOV" run --once -c crmgov.ini
# 2 load entries + 7 change records, a head at every size
expect_exit 0 "$CRMGOV" log verify -c crmgov.ini --pubkey log.key.pub
expect_contains "ok: 9 entries" "$OUT"
expect_contains "signed heads: 9, latest at size 9" "$OUT"

# the head, as text and as JSON; minisign checks it
expect_exit 0 "$CRMGOV" log head -c crmgov.ini
expect_eq "size    9" "$(printf '%s\n' "$OUT" | sed -n 2p)"
expect_eq "signed  by key $(sed -n 1p log.key.pub | awk '{print $NF}')" "$(printf '%s\n' "$OUT" | sed -n 5p)"
expect_exit 0 "$CRMGOV" log head -c crmgov.ini --format json
printf '%s\n' "$OUT" > head-9.json
jq -j .checkpoint head-9.json > head.txt
jq -j .signature head-9.json > head.txt.minisig
minisign -V -p log.key.pub -m head.txt > mv.out 2>&1 || { cat mv.out; fail "minisign refused the head"; }
expect_contains "Trusted comment: crmgov tree head size=9 root=$(jq -r .root head-9.json)" "$(cat mv.out)"
expect_eq "9" "$(sed -n 2p head.txt)" "checkpoint size line"

# inclusion: every entry, checked by crmgov and by the documented script
seq=1
while [ $seq -le 9 ]; do
  expect_exit 0 "$CRMGOV" log prove $seq -c crmgov.ini
  printf '%s\n' "$OUT" > p$seq.json
  expect_exit 0 "$CRMGOV" log check-proof p$seq.json --pubkey log.key.pub
  expect_eq "ok: the proof holds and its head is signed by a trusted key" "$OUT"
  expect_exit 0 sh check-inclusion.sh p$seq.json log.key.pub
  expect_eq "ok: entry $seq is in the log of 9 entries with root $(jq -r .root head-9.json)" "$OUT"
  seq=$((seq + 1))
done
# against an older head (--size), and an entry of the exported proof edited
expect_exit 0 "$CRMGOV" log prove 3 --size 4 -c crmgov.ini
printf '%s\n' "$OUT" > p3-4.json
expect_exit 0 sh check-inclusion.sh p3-4.json log.key.pub
expect_contains "is in the log of 4 entries" "$OUT"
jq '.entry |= sub("CR-4"; "CR-5")' p6.json > edited.json
expect_exit 1 "$CRMGOV" log check-proof edited.json --pubkey log.key.pub
expect_eq "FAILED: proof: leaf_hash is not the hash of the entry" "$OUT"
cat p6.json edited.json > two-proofs.json
expect_exit 1 "$CRMGOV" log check-proof two-proofs.json --pubkey log.key.pub
expect_eq "FAILED: proof: not a JSON object with a 'type'" "$OUT"
jq 'del(.leaf_hash)' edited.json > edited2.json
expect_exit 1 "$CRMGOV" log check-proof edited2.json --pubkey log.key.pub
expect_eq "FAILED: inclusion proof: proof does not match the root" "$OUT"
expect_exit 1 sh check-inclusion.sh edited2.json log.key.pub
expect_eq "FAILED: the path does not lead to the signed root" "$OUT"
jq '.head.checkpoint |= sub("\n9\n"; "\n10\n") | .head.size = 10' p6.json > edited3.json
expect_exit 1 "$CRMGOV" log check-proof edited3.json --pubkey log.key.pub
expect_eq "FAILED: signature: does not match the checkpoint" "$OUT"
expect_exit 1 sh check-inclusion.sh edited3.json log.key.pub
expect_eq "FAILED: head signature" "$OUT"
expect_exit 2 "$CRMGOV" log prove 10 -c crmgov.ini
expect_eq "crmgov log prove: seq 10 is not in the tree of size 9" "$ERR"
expect_exit 2 "$CRMGOV" log prove 1 --size 12 -c crmgov.ini
expect_eq "crmgov log prove: no signed head of size 12 (the log has 9 entries)" "$ERR"
sqlite3 crmgov.db ".backup damaged.db"
sed "s#^database = .*#database = $T/damaged.db#" crmgov.ini > damaged.ini
sqlite3 damaged.db "UPDATE audit_log SET actor = 'mallory' WHERE seq = 4"
expect_exit 1 "$CRMGOV" log prove 4 -c damaged.ini
expect_eq "crmgov log prove: entry seq 4 does not match its leaf hash; run 'crmgov log verify'" "$ERR"

# consistency: from every earlier head to the latest
old=1
while [ $old -le 9 ]; do
  "$CRMGOV" log prove --consistency $old --size $old -c crmgov.ini > /dev/null ||
    fail "proof of size $old to itself"
  # the head an auditor saved back then
  sqlite3 -json crmgov.db "SELECT checkpoint, signature FROM audit_heads WHERE size = $old" |
    jq '.[0]' > saved-$old.json
  expect_exit 0 "$CRMGOV" log prove --consistency $old -c crmgov.ini
  printf '%s\n' "$OUT" > c$old.json
  expect_exit 0 "$CRMGOV" log check-proof c$old.json --pubkey log.key.pub --state saved-$old.json
  expect_exit 0 sh check-consistency.sh c$old.json log.key.pub saved-$old.json
  if [ $old -lt 9 ]; then
    expect_eq "ok: the log of 9 entries extends your saved head of $old entries" "$OUT"
  else
    expect_eq "ok: same head" "$OUT"
  fi
  old=$((old + 1))
done
expect_exit 1 "$CRMGOV" log check-proof c3.json --pubkey log.key.pub --state saved-4.json
expect_eq "FAILED: proof: it starts from size 3, not from your saved head" "$OUT"
expect_exit 1 sh check-consistency.sh c3.json log.key.pub saved-4.json
expect_eq "FAILED: the proof starts from another size" "$OUT"
jq '.path[0] = "'"$(printf '%064d' 0)"'"' c5.json > c5-bad.json
expect_exit 1 "$CRMGOV" log check-proof c5-bad.json --pubkey log.key.pub --state saved-5.json
expect_eq "FAILED: consistency proof: proof does not match the root" "$OUT"
expect_exit 1 sh check-consistency.sh c5-bad.json log.key.pub saved-5.json

# log show
expect_exit 0 "$CRMGOV" log show -c crmgov.ini --action change.recorded --format json
expect_eq 7 "$(printf '%s' "$OUT" | jq length)"
expect_eq '{"seq":5,"actor":"u-1","subject":"sf/wf-1","change":"CR-3","approvers":["u-2","u-3"]}' \
  "$(printf '%s' "$OUT" | jq -c '.[2] | {seq, actor, subject, change: .details.change, approvers: .details.approvers}')"
expect_exit 0 "$CRMGOV" log show -c crmgov.ini --since 8 --format csv
expect_eq "seq
8
9" "$(printf '%s\n' "$OUT" | cut -d, -f1)"
expect_exit 0 "$CRMGOV" log show -c crmgov.ini --since 2026-03-06 --action change.recorded --format json
expect_eq "8 9" "$(printf '%s' "$OUT" | jq -r '[.[].seq] | join(" ")')"
expect_exit 0 "$CRMGOV" log show -c crmgov.ini --actor nobody --format json
expect_eq "[]" "$OUT"
expect_exit 2 "$CRMGOV" log show -c crmgov.ini --since yesterday
expect_eq "crmgov log: --since must be a seq, a date (2026-03-01) or an RFC 3339 time (see 'crmgov help log')" "$ERR"

# --sign signs the current size when the log grew without a head
sqlite3 crmgov.db "DELETE FROM audit_heads WHERE size = 9"
expect_exit 0 "$CRMGOV" log head -c crmgov.ini --sign --format json
expect_eq "9" "$(printf '%s' "$OUT" | jq .size)"
expect_exit 0 "$CRMGOV" log verify -c crmgov.ini --pubkey log.key.pub --state head-9.json
expect_contains "saved head: size 9, same root" "$OUT"

# without a signing key: an unsigned current head, still useful with --state
mkdir plain && cd plain || fail "cd"
cp ../events.jsonl .
printf '[core]\ndatabase = %s/plain/crmgov.db\nplugin_dir = %s\nlog_level = warn\n[connector:in]\nplugin = jsonl\npath = events.jsonl\n' "$T" "$PLUGINS" > plain.ini
expect_exit 0 "$CRMGOV" run --once -c plain.ini
expect_exit 0 "$CRMGOV" log head -c plain.ini --format json
expect_eq "crmgov log head: no signed head yet (set [core] signing_key); this is the current head, unsigned" "$ERR"
expect_eq "9 null" "$(printf '%s' "$OUT" | jq -r '"\(.size) \(.signature)"')"
printf '%s\n' "$OUT" > unsigned.json
expect_exit 0 "$CRMGOV" log verify -c plain.ini --state unsigned.json
expect_eq "ok: 9 entries, root $(jq -r .root unsigned.json)
signed heads: none
saved head: size 9, same root" "$OUT"
expect_exit 2 "$CRMGOV" log head -c plain.ini --sign
expect_eq "crmgov log head: --sign needs [core] signing_key" "$ERR"
expect_exit 0 "$CRMGOV" log prove 2 -c plain.ini
printf '%s\n' "$OUT" > unsigned-proof.json
expect_exit 0 "$CRMGOV" log check-proof unsigned-proof.json
expect_eq "ok: the proof holds (the head's signature was not checked: give --pubkey FILE)" "$OUT"
expect_exit 1 "$CRMGOV" log check-proof unsigned-proof.json --pubkey ../log.key.pub
expect_eq "FAILED: the head is not signed" "$OUT"
exit 0
