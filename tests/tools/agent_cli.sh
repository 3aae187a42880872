#!/usr/bin/env bash
# stagegate-agent's command line: exit statuses, partial scans, a corrupted
# or foreign state file (the device locks and refuses everything), inputs
# that are not barcodes, and the audit log.
#   usage: agent_cli.sh STAGEGATE-AGENT VECTORS-DIR [EMULATOR...]
set -uo pipefail
AGENT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
V=$(cd "$2" && pwd)
EMU=("${@:3}")
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh" agent-cli
run() { "${EMU[@]}" "$AGENT" --clock 1780000000 --build-time 1700000000 "$@" >out.txt 2>err.txt; }
# exits NAME WANT CMD-ARGS...: the agent exits WANT
exits() {
  local n=$1 want=$2; shift 2
  run "$@"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$n"; else bad "$n (exit $rc, want $want: $(head -c 200 out.txt err.txt))"; fi
}
has() { if grep -q -- "$2" "${3:-out.txt}"; then ok "$1"; else bad "$1 (no \"$2\" in $(head -c 300 "${3:-out.txt}"))"; fi; }

echo "== stagegate-agent command line"
exits "no arguments: usage" 1
exits "unknown command: usage" 1 --state d frobnicate
exits "bad option value: usage" 1 --state d --clock soon status
exits "unreadable input file: I/O error" 2 --state d feed no-such-file
exits "fresh device status: ok" 0 --state d status
has "fresh device is UNTRUSTED" "trust state:   UNTRUSTED"
head -n 2 "$V/turnon-admin.chunks" >partial.txt
# (--partial-idle 0: not carried over to the next run; agent_partial.sh tests that)
exits "two of three chunks: still waiting" 4 --state d --partial-idle 0 feed partial.txt
has "progress is reported" "2 of 3 scanned, waiting for 1"
exits "chunks from standard input, out of order: accepted" 0 --state d feed - <"$V/turnon-admin-shuffled.chunks"
exits "unsigned on trusted: rejected" 3 --state d feed "$V/wifi.json"
has "the reason is given" "SG_ERR_UNSIGNED_ON_TRUSTED"
exits "--json decision" 3 --state d --json feed "$V/wifi-admin-4.jws" "$V/wifi-admin-5.jws" "$V/wifi-admin-4.jws"
has "--json names the result" '"result":"SG_ERR_REPLAY"'
has "audit log records every decision" '"result":"SG_ERR_REPLAY"' d/events.jsonl
has "audit log names the signer" '"signer":"' d/events.jsonl
printf 'not a barcode image' >junk.png
exits "a file that is not an image: input error" 2 --state d scan junk.png
exits "status --json" 0 --state d --json status
has "status --json: trusted, pinned, floors" '"state":"TRUSTED","mode":"pinned","seq_floor":5'

# Corrupt both copies of the trust record: the device must lock.
cp d/trustslot.bin slot.orig
perl -e 'open my $f, "+<", $ARGV[0] or die; binmode $f;
  for my $off (40, 8192 + 40) { seek $f, $off, 0; read $f, my $b, 1; seek $f, $off, 0; print $f chr(ord($b) ^ 0x10) }' d/trustslot.bin
cmp -s d/trustslot.bin slot.orig && bad "corruption was not applied"
cp d/trustslot.bin slot.corrupt
exits "corrupt trust slot: status still answers" 0 --state d status
has "corrupt trust slot: LOCKED" "LOCKED"
exits "locked device refuses a valid signed profile" 3 --state d feed "$V/wifi-admin-5.jws"
has "locked: the reason is given" "SG_ERR_LOCKED"
if cmp -s d/trustslot.bin slot.corrupt; then ok "refusals left the slot as it was"; else bad "a refusal wrote to the slot"; fi
printf 'x' >d/trustslot.bin
exits "a trust-slot file of the wrong size: storage error" 2 --state d status
# Issue 9: the anchor's expiry is announced; a recovery certificate.
exits "TurnOn of a certificate that expires 2026-06-01" 0 --state e --clock 1777000000 feed "$V/turnon-expiring.jws"
exits "status 37 days before expiry" 0 --state e --clock 1777000000 status
if grep -q WARNING out.txt; then bad "a warning 37 days before expiry"; else ok "no warning 37 days before expiry"; fi
exits "status 3 days before expiry" 0 --state e status
has "warns 3 days before expiry" "WARNING:       anchor certificate expires in 3 days"
exits "status after expiry (JSON)" 0 --state e --json --clock 1780300000 status
has "warns after expiry" '"warning":"anchor certificate expired'
exits "RecoverTrust, no recovery certificate: rejected" 3 --state e feed "$V/recover-by-recovery.jws"
has "... as such" SG_ERR_NO_RECOVERY
exits "RecoverTrust with --recovery-cert: accepted" 0 --state e --recovery-cert "$V/recovery-cert.der" feed "$V/recover-by-recovery.jws"
exits "status: UNTRUSTED" 0 --state e status
has "recovered to UNTRUSTED" "trust state:   UNTRUSTED"
exits "--recovery-cert of a missing file: I/O error" 2 --state e --recovery-cert no-such.der status
finish
