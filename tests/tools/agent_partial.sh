#!/usr/bin/env bash
# stagegate-agent: partial scans across one-shot runs (issue 14, 6). A
# handheld calls `scan IMAGE` or `feed` once per barcode; the chunks of an
# unfinished profile wait in STATE/partial.bin. Checked: resuming across
# runs, in any order; the file wiped when the profile completes, when
# another set starts, after the idle limit, with --partial-idle 0; a
# corrupt, foreign, future-dated, oversized, symlinked or forged file
# discarded with a message and never trusted beyond reassembly (a forged
# set still fails its hash; the slot is unchanged); `scan DIR` on a
# `stagegate-sign render` folder (symbols + sheet) applies a profile once.
#   usage: agent_partial.sh AGENT VECTORS-DIR IMAGES-DIR SIGN|- [EMULATOR...]
#   (SIGN: stagegate-sign for the render case, or - where it is not built)
set -uo pipefail
AGENT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
V=$(cd "$2" && pwd)
IMG=$(cd "$3" && pwd)/pdf417
SIGN=$4
[ "$SIGN" = - ] || SIGN=$(cd "$(dirname "$SIGN")" && pwd)/$(basename "$SIGN")
EMU=("${@:5}")
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh" agent-partial
T0=1780000000
CLOCK=$T0
run() { "${EMU[@]}" "$AGENT" --clock "$CLOCK" --build-time 1700000000 --model TC52 --serial 21345522501234 "$@" >out.txt 2>err.txt; }
exits() { # NAME WANT ARGS...
  local n=$1 want=$2; shift 2
  run "$@"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$n"; else bad "$n (exit $rc, want $want: $(head -c 300 out.txt err.txt))"; fi
}
has() { if grep -q -- "$2" "${3:-out.txt}"; then ok "$1"; else bad "$1 (no \"$2\" in $(head -c 300 "${3:-out.txt}"))"; fi; }
hasnt() { if grep -q -- "$2" "${3:-out.txt}"; then bad "$1 (\"$2\" found)"; else ok "$1"; fi; }
gone() { if [ -e "$1" ]; then bad "$2 ($1 still there)"; else ok "$2"; fi; }
there() { if [ -s "$1" ]; then ok "$2"; else bad "$2 ($1 missing)"; fi; }
for i in 1 2 3; do sed -n "${i}p" "$V/turnon-admin.chunks" >a$i; sed -n "${i}p" "$V/tampered.chunks" >t$i; done
sed -n 2p "$V/mixed-sets.chunks" >b1 # chunk 1 of a 2-chunk set
# mkpartial FILE SAVED-AT ID CHUNK-FILE...: a well-formed partial file, digest
# included (what a forger with write access to the state directory can make).
mkpartial() {
  perl -MDigest::SHA=sha256 -e '
    my ($out, $at, $id, @f) = @ARGV;
    my $b = "SGPARTL\0" . pack("V V", 1, scalar @f) . pack("V V", $at & 0xffffffff, $at >> 32)
          . pack("V", length $id) . $id;
    for (@f) { open my $h, "<", $_ or die; local $/; my $t = <$h>; $t =~ s/\r?\n\z//; $b .= pack("V", length $t) . $t }
    open my $o, ">", $out or die; binmode $o; print $o $b . sha256($b);' "$@"
}
ID="TC52 21345522501234"

echo "== one barcode per call: feed"
exits "chunk 2 alone: waiting" 4 --state d feed a2
there d/partial.bin "the partial scan is saved"
exits "chunk 3 in a second run: waiting" 4 --state d feed a3
has "the first chunk is resumed" "resumed a partial scan: 1 of 3"
has "two of three held" "2 of 3 scanned"
exits "chunk 1 in a third run: accepted" 0 --state d feed a1
has "accepted across three runs" "ACCEPTED  \"Trust admin\""
gone d/partial.bin "the partial scan is wiped when the profile completes"
gone d/partial.bin.tmp "no temporary file left"
exits "status: trusted" 0 --state d status
has "trusted by the profile scanned in three runs" "trust state:   TRUSTED"

echo "== one image per call: scan"
n=0
for img in "$IMG"/turnon-admin-shuffled.chunks-*.png; do
  n=$((n + 1))
  run --state s --json scan "$img"; rc=$?
  echo "$rc" >>rcs.txt
  cat out.txt >>scan.log
done
if [ "$(tr '\n' ' ' <rcs.txt)" = "4 4 4 0 " ]; then ok "scan per image (3, 1, 1 again, 2): waiting x3, then accepted"; else bad "scan per image exits: $(tr '\n' ' ' <rcs.txt)"; fi
has "scan per image: resumed in the second run" '"action":"resumed","have":1' scan.log
gone s/partial.bin "scan per image: nothing left after the profile completed"

echo "== another set starts"
exits "set A chunk 1" 4 --state e feed a1
exits "set B chunk 1 in the next run: the partial A is dropped" 4 --state e feed b1
has "the restart is reported" "another profile: the partial scan was dropped"
exits "set A chunks 2 and 3: A starts over without its chunk 1" 4 --state e feed a2 a3
has "only A's 2 and 3 are held" "2 of 3 scanned"
exits "set A chunk 1 completes it" 0 --state e feed a1

echo "== idle limit"
exits "chunk 1 at T" 4 --state f --partial-idle 60 feed a1
CLOCK=$((T0 + 61))
exits "chunk 2 at T+61 with a 60 s limit" 4 --state f --partial-idle 60 feed a2
has "the stale scan is discarded with a message" "partial scan discarded: idle for longer than the limit"
has "and not used" "1 of 3 scanned"
CLOCK=$((T0 + 120))
exits "chunk 3 at T+120 (59 s later): resumed" 4 --state f --partial-idle 60 feed a3
has "within the limit it is resumed" "resumed a partial scan: 1 of 3"
CLOCK=$T0
exits "clock now earlier than the save" 4 --state f --partial-idle 60 feed a1
has "a scan saved in the future is discarded" "saved later than the device's clock"
exits "--partial-idle 0: nothing kept" 4 --state g --partial-idle 0 feed a1
gone g/partial.bin "--partial-idle 0 saves nothing"

echo "== bad partial files are discarded, never trusted"
exits "a partial scan to spoil" 4 --state h feed a1
cp d/trustslot.bin slot.before 2>/dev/null
cp h/trustslot.bin h-slot.before
perl -e 'open my $f, "+<", $ARGV[0] or die; binmode $f; seek $f, 40, 0; read $f, my $b, 1; seek $f, 40, 0; print $f chr(ord($b) ^ 1)' h/partial.bin
exits "corrupt file: the new chunk alone" 4 --state h feed a2
has "corrupt: discarded" "partial scan discarded: corrupt (digest mismatch)"
has "corrupt: chunk 1 was not used" "1 of 3 scanned"
exits "saved under the identity TC52 21345522501234" 4 --state h feed a3
exits "another device identity" 4 --state h --serial 999 feed a1
has "foreign: discarded" "belongs to another device identity"
printf 'hello, I am not a partial scan' >h/partial.bin
exits "not a partial file" 4 --state h feed a1
has "not ours: discarded" "not a stagegate partial-scan file"
head -c 100000 /dev/zero >h/partial.bin
exits "an oversized file" 4 --state h feed a1
has "oversized: discarded" "larger than any partial scan can be"
rm -f h/partial.bin; ln -s ../a2 h/partial.bin
exits "a symlink in place of the file" 4 --state h feed a1
has "symlink: not followed, discarded" "partial scan discarded"
[ -L h/partial.bin ] && bad "the symlink is still there" || ok "the symlink is removed"
[ "$(cat a2)" = "$(sed -n 2p "$V/turnon-admin.chunks")" ] && ok "the symlink's target is untouched" || bad "symlink target changed"
mkpartial h/partial.bin $T0 "$ID" a1 a2 a3
exits "a forged file holding a whole set" 4 --state h feed b1
has "a complete set in a partial file: discarded" "chunks that are not one incomplete set"
mkpartial h/partial.bin $T0 "$ID" a1 a1
exits "a forged file with a repeated chunk" 4 --state h feed b1
has "a repeated chunk: discarded" "chunks that are not one incomplete set"
mkpartial h/partial.bin $T0 "$ID" a1 b1
exits "a forged file mixing two sets" 4 --state h feed a2
has "two sets: discarded" "chunks that are not one incomplete set"
printf '{"not":"a chunk"}\n' >bare
mkpartial h/partial.bin $T0 "$ID" bare
exits "a forged file holding a bare profile" 4 --state h feed a2
has "a bare profile: discarded, never applied" "holds a text that is not a chunk"
mkpartial h/partial.bin -1 "$ID" a1
exits "a forged file dated before 1970 (fuzzer finding: an overflow)" 4 --state h feed a2
has "dated before 1970: discarded" "partial scan discarded: dated before 1970"
mkpartial h/partial.bin $T0 "$ID" t1 t2
exits "a well-formed file of a tampered set: the last chunk" 3 --state h --json feed t3
has "resumed: it is only reassembly" '"action":"resumed","have":2'
has "the agent still checks the set's hash" '"result":"SG_ERR_CHUNK_HASH"'
gone h/partial.bin "the failed set is wiped"
if cmp -s h/trustslot.bin h-slot.before; then ok "no bad partial file changed the trust slot"; else bad "the trust slot changed"; fi

if [ "$SIGN" != - ]; then
  echo "== scan DIR on a stagegate-sign render folder"
  # --sheet png: a sheet image beside the symbols, which scan DIR reads too
  if "$SIGN" render --sheet png --capacity 64 --out-dir print "$V/wifi.json" >render.txt 2>&1; then
    k=$(grep -c ' symbol ' render.txt)
    [ "$k" -ge 2 ] && ok "render made $k symbols and a sheet" || bad "render made $k symbols: $(cat render.txt)"
    ls print/*sheet* >/dev/null 2>&1 && ok "the folder holds a sheet" || bad "no sheet in print/"
    exits "scan DIR: accepted" 0 --state r --json scan print
    n=$(grep -c '"event":"decision"' out.txt)
    [ "$n" -eq 1 ] && ok "exactly one decision for symbols + sheet" || bad "$n decisions: $(cat out.txt)"
    has "the sheet's symbols are reported as already read" '"event":"duplicate"'
    n=$(grep -c '"result":"SG_ACCEPTED"' r/events.jsonl)
    [ "$n" -eq 1 ] && ok "the audit log has one acceptance" || bad "audit log: $n acceptances"
    exits "scan DIR text output" 0 --state r2 scan print
    n=$(grep -c 'Wifi: ' out.txt)
    [ "$n" -eq 1 ] && ok "the Wi-Fi profile is applied once" || bad "applied $n times: $(cat out.txt)"
    has "text names the skipped sheet" "sheet.png: a barcode already read in this run: ignored"
  else
    bad "stagegate-sign render failed: $(cat render.txt)"
  fi
fi

finish
