#!/usr/bin/env bash
# stagegate-agent --tpm against swtpm (run through tests/tpm/with-swtpm,
# which sets SG_TEST_TCTI and SG_SWTPM_PID): the restore-an-old-file
# attack after TurnOff, after a rotation and after a floor raise gives
# LOCKED with the TPM (and works without it: the attack is real), status
# names the counter, a cleared TPM under a slot holding state fails
# closed, and so does a TPM that disappears.
#   usage: agent_tpm.sh STAGEGATE-AGENT VECTORS-DIR [EMULATOR...]
set -uo pipefail
AGENT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
V=$(cd "$2" && pwd)
EMU=("${@:3}")
: "${SG_TEST_TCTI:?run me through tests/tpm/with-swtpm}"
source "$(dirname "${BASH_SOURCE[0]}")/../tools/checks.sh" agent-tpm
CLOCK=1780000000
# ag DIR INDEX|- ARGS...: the agent on state DIR, with the TPM counter at INDEX ("-": none)
ag() {
  local dir=$1 idx=$2; shift 2
  local tpm=()
  [ "$idx" != - ] && tpm=(--tpm "$SG_TEST_TCTI" --tpm-index "$idx")
  "${EMU[@]}" "$AGENT" --state "$dir" --clock "$CLOCK" --build-time 1700000000 \
    --model TC52 --serial 21345522501234 "${tpm[@]}" "$@" >out.txt 2>err.txt
}
# exits NAME WANT DIR INDEX ARGS...
exits() {
  local n=$1 want=$2; shift 2
  ag "$@"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$n"; else bad "$n (exit $rc, want $want: $(head -c 300 out.txt err.txt))"; fi
}
has() { if grep -q -- "$2" "${3:-out.txt}"; then ok "$1"; else bad "$1 (no \"$2\" in $(head -c 300 "${3:-out.txt}"))"; fi; }
state_is() { # NAME DIR INDEX STATE
  ag "$2" "$3" status
  has "$1" "trust state:   $4"
}

# attack NAME INDEX SETUP-FILES -- CHANGE-FILES -- CHECK-FILE: the slot is saved
# after SETUP, CHANGE is applied, the saved slot is copied back. With the
# TPM at INDEX the device is LOCKED and refuses CHECK-FILE; without a TPM
# ("-") the old state is back and CHECK-FILE is accepted.
attack() {
  local name=$1 idx=$2; shift 2
  local setup=() change=() check
  while [ "$1" != -- ]; do setup+=("$1"); shift; done; shift
  while [ "$1" != -- ]; do change+=("$1"); shift; done; shift
  check=$1
  local d="d-$idx"
  rm -rf "$d"
  for f in "${setup[@]}"; do exits "$name: setup $f" 0 "$d" "$idx" feed "$V/$f"; done
  cp "$d/trustslot.bin" saved.bin
  for f in "${change[@]}"; do
    case "$f" in clock=*) CLOCK=${f#clock=}; continue ;; esac
    exits "$name: $f" 0 "$d" "$idx" feed "$V/$f"
  done
  cp "$d/trustslot.bin" current.bin
  cp saved.bin "$d/trustslot.bin"
  if [ "$idx" = - ]; then
    exits "$name, no TPM: the restored slot brings back the old state ($check accepted)" 0 "$d" - feed "$V/$check"
  else
    state_is "$name: restored slot is LOCKED" "$d" "$idx" LOCKED
    exits "$name: $check refused" 3 "$d" "$idx" feed "$V/$check"
    has "$name: the reason is given" "SG_ERR_LOCKED"
    if cmp -s "$d/trustslot.bin" saved.bin; then ok "$name: the refusal wrote nothing"; else bad "$name: the refusal wrote to the slot"; fi
    cp current.bin "$d/trustslot.bin"
    exits "$name: the current slot still works" 0 "$d" "$idx" status
    has "$name: current slot not locked" "trust state:   UNTRUSTED\|trust state:   TRUSTED"
  fi
  CLOCK=1780000000
}

echo "== stagegate-agent --tpm against swtpm"
exits "fresh device with a TPM: status" 0 d0 0x01005700 status
has "status names the counter" "rollback protection: TPM NV counter 0x01005700"
exits "status --json" 0 d0 0x01005700 --json status
has "status --json names the counter" '"rollback_protection":"TPM NV counter 0x01005700"'
exits "without --tpm: status" 0 d0 - status
has "without --tpm: rollback protection none" "rollback protection: none"

# The command line: --tpm=TCTI, --tpm without one (the default device,
# absent here: the device locks and says why), bad indices.
run_raw() { "${EMU[@]}" "$AGENT" --state "$@" >out.txt 2>err.txt; }
run_raw d0 "--tpm=$SG_TEST_TCTI" --tpm-index 0x01005700 status
has "--tpm=TCTI" "rollback protection: TPM NV counter 0x01005700"
if [ ! -e /dev/tpmrm0 ]; then
  run_raw d0 --tpm status
  has "--tpm alone: the default TCTI" "device:/dev/tpmrm0" err.txt
  has "--tpm alone, no TPM here: LOCKED" "trust state:   LOCKED"
fi
run_raw d0 --tpm "$SG_TEST_TCTI" --tpm-index zz status; rc=$?
if [ "$rc" -eq 1 ]; then ok "--tpm-index zz: usage"; else bad "--tpm-index zz: exit $rc"; fi
run_raw d0 --tpm=tabrmd status; rc=$?
if [ "$rc" -eq 1 ]; then ok "--tpm=X without a TCTI shape: usage"; else bad "--tpm=tabrmd: exit $rc"; fi
run_raw d0 --tpm "$SG_TEST_TCTI" --tpm-index 0x81000001 status
has "an index outside the NV range: refused" "must lie in" err.txt
has "an index outside the NV range: LOCKED" "trust state:   LOCKED"

# TurnOff, then the slot from before it: trusted again by the old admin.
attack "after TurnOff" - turnon-admin.jws -- turnoff-admin-10.jws -- wifi-admin-5.jws
attack "after TurnOff" 0x01005710 turnon-admin.jws -- turnoff-admin-10.jws -- wifi-admin-5.jws
# A rotation to admin2 (activated at its time), then the slot from before: the old anchor.
attack "after a rotation" - turnon-admin.jws -- rotate-admin-admin2.jws clock=1780000100 wifi-admin2-30.jws -- wifi-admin-31.jws
attack "after a rotation" 0x01005720 turnon-admin.jws -- rotate-admin-admin2.jws clock=1780000100 wifi-admin2-30.jws -- wifi-admin-31.jws
# The replay floor raised by seq 5, then the slot from before: seq 5 replays.
attack "after a floor raise" - turnon-admin.jws wifi-admin-4.jws -- wifi-admin-5.jws -- wifi-admin-5.jws
attack "after a floor raise" 0x01005730 turnon-admin.jws wifi-admin-4.jws -- wifi-admin-5.jws -- wifi-admin-5.jws

# Deleting the state altogether is no way back to a factory device.
rm -f d-0x01005710/trustslot.bin
state_is "deleted slot with the counter above 0: LOCKED" d-0x01005710 0x01005710 LOCKED

# The TPM cleared (index gone) under a slot holding state: fail closed,
# never a counter restarted at 0.
exits "index missing under a slot with state: status answers" 0 d-0x01005720 0x01005740 status
has "index missing: LOCKED" "trust state:   LOCKED"
has "index missing: says why" "missing, but the trust slot holds state" err.txt
has "index missing: status says the counter is unavailable" "unavailable"
exits "index missing: profiles refused" 3 d-0x01005720 0x01005740 feed "$V/wifi-admin2-30.jws"
exits "index still not defined by that" 0 d-0x01005720 0x01005740 status
has "index still missing" "trust state:   LOCKED"

# No TPM at this address: the device locks.
exits "no TPM: status answers" 0 d-0x01005730 - status
has "no TPM, no --tpm: trusted" "trust state:   TRUSTED"
SAVE=$SG_TEST_TCTI
SG_TEST_TCTI="swtpm:host=127.0.0.1,port=1"
exits "unreachable TPM: status answers" 0 d-0x01005730 0x01005730 status
has "unreachable TPM: LOCKED" "trust state:   LOCKED"
exits "unreachable TPM: profiles refused" 3 d-0x01005730 0x01005730 feed "$V/wifi-admin-5.jws"
SG_TEST_TCTI=$SAVE

# Normal use: TurnOn, TurnOff, TurnOn again (each a store raising the
# counter) stays current (hundreds of stores: test_tpm_counter).
exits "TurnOn" 0 d-many 0x01005750 feed "$V/turnon-admin.jws"
exits "TurnOff" 0 d-many 0x01005750 feed "$V/turnoff-admin-10.jws"
exits "TurnOn again" 0 d-many 0x01005750 feed "$V/turnon-admin-11.jws"
state_is "TurnOn, TurnOff, TurnOn: TRUSTED" d-many 0x01005750 TRUSTED
exits "and in use" 0 d-many 0x01005750 feed "$V/wifi-admin-31.jws"

# Factory provisioning as docs/incoming/tpm.md says, with tpm2-tools: the
# agent uses the pre-defined pair. Here on a slot that already holds state
# (a device moving to the TPM): the counter starts at 0 and the first
# store raises it to the slot's generation.
export TPM2TOOLS_TCTI=$SG_TEST_TCTI
if tpm2_nvdefine 0x01005760 -C o -s 8 -a "authread|authwrite|no_da|nt=counter" >tools.txt 2>&1 &&
   tpm2_nvdefine 0x01005761 -C o -s 8 -a "authread|authwrite|no_da|writedefine" >>tools.txt 2>&1; then
  ok "tpm2-tools: the documented indices are defined"
else
  bad "tpm2-tools: tpm2_nvdefine failed: $(head -c 300 tools.txt)"
fi
exits "pre-provisioned pair under a slot with state: status" 0 "d--" 0x01005760 status
has "pre-provisioned pair: the old state loads" "trust state:   TRUSTED"
has "pre-provisioned pair: named" "rollback protection: TPM NV counter 0x01005760"
cp d--/trustslot.bin migrated.bin
exits "pre-provisioned pair: a profile is stored" 0 "d--" 0x01005760 feed "$V/wifi-admin-31.jws"
nv() { tpm2_nvread "$1" -s 8 2>/dev/null | od -An -tx1 | tr -d ' \n'; }
raw=$((16#$(nv 0x01005760))); base=$((16#$(nv 0x01005761)))
if [ "$raw" -gt "$base" ]; then ok "the counter moved above its base ($((raw - base)))"; else bad "counter $raw, base $base"; fi
cp migrated.bin d--/trustslot.bin
state_is "pre-provisioned pair: the slot from before that store is LOCKED" "d--" 0x01005760 LOCKED

# Platform firmware may define the pair in the platform hierarchy instead.
if tpm2_nvdefine 0x01005770 -C p -s 8 -a "authread|authwrite|no_da|platformcreate|nt=counter" >tools.txt 2>&1 &&
   tpm2_nvdefine 0x01005771 -C p -s 8 -a "authread|authwrite|no_da|platformcreate|writedefine" >>tools.txt 2>&1; then
  ok "tpm2-tools: a platform-hierarchy pair is defined"
else
  bad "tpm2-tools: platform tpm2_nvdefine failed: $(head -c 300 tools.txt)"
fi
exits "platform pair: TurnOn" 0 d-plat 0x01005770 feed "$V/turnon-admin.jws"

# The TPM cleared (TPM2_Clear deletes every owner index): a slot holding
# state is LOCKED and says why; it is not taken for a factory device.
cp d-many/trustslot.bin d-many.bin
if tpm2_clear -c p >tools.txt 2>&1; then ok "tpm2_clear"; else bad "tpm2_clear: $(head -c 300 tools.txt)"; fi
state_is "cleared TPM: LOCKED" d-many 0x01005750 LOCKED
has "cleared TPM: says why" "missing, but the trust slot holds state" err.txt
if cmp -s d-many/trustslot.bin d-many.bin; then ok "cleared TPM: nothing written"; else bad "cleared TPM: the slot changed"; fi
state_is "cleared TPM: a platform-hierarchy pair survives" d-plat 0x01005770 TRUSTED
# Recovery is a factory reset: a new (erased) slot defines a new pair.
rm d-many/trustslot.bin
state_is "after a factory reset: UNTRUSTED" d-many 0x01005750 UNTRUSTED
exits "after a factory reset: enrol again" 0 d-many 0x01005750 feed "$V/turnon-admin-11.jws"

# The TPM disappears: every later run fails closed.
exits "before the TPM goes: TurnOn" 0 d-kill 0x01005790 feed "$V/turnon-admin.jws"
cp d-kill/trustslot.bin before-kill.bin
kill -KILL "${SG_SWTPM_PID:?}"
sleep 0.2
state_is "TPM gone: LOCKED" d-kill 0x01005790 LOCKED
exits "TPM gone: profiles refused" 3 d-kill 0x01005790 feed "$V/wifi-admin-5.jws"
if cmp -s d-kill/trustslot.bin before-kill.bin; then ok "TPM gone: nothing written"; else bad "TPM gone: the slot changed"; fi
finish
