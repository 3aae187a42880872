#!/usr/bin/env bash
# stagegate-sign batch (issue 12): one targeted profile per device of a
# fleet list, one PDF each or one PDF with a page per device; every device
# accepts its own sheet and refuses another's; bad lists are refused before
# anything is signed.   usage: batch.sh STAGEGATE-SIGN STAGEGATE-AGENT
AGENT=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign batch"
make_keys
agent() { # DIR MODEL SERIAL ARGS...
  local dir=$1 model=$2 serial=$3; shift 3
  "$AGENT" --state "$dir" --json --model "$model" --serial "$serial" "$@" >agent.out 2>agent.err
  tail -n 1 agent.out >last.json
}
result() { json_get '{result}' <last.json; }
cat >devices.csv <<'CSV'
model,serial
TC52, 21034
# the spare
TC52,21035

MC93,X-9
CSV
"$TOOL" new wifi >wifi.json
"$TOOL" batch --key ec256.key --cert ec256.pem --x5c --for factory --profile wifi.json \
  --out-dir fleet devices.csv >batch.txt
check "one line per device and a summary" test "$(grep -c ': [0-9]* symbol' batch.txt)" = 3 -a \
  "$(grep -c '^batch: 3 devices' batch.txt)" = 1
for d in TC52-21034 TC52-21035 MC93-X-9; do
  check "$d: .jws and .pdf" test -s fleet/$d.jws -a -s fleet/$d.pdf
done
check "TC52-21034 targets exactly that device" \
  test "$(compact_part fleet/TC52-21034.jws 2 | json_get '{target}')" = '{"models":["TC52"],"serials":["21034"]}'
check "the sheet names its device" grep -q "For: models TC52; serials 21034" <(pdftotext -layout fleet/TC52-21034.pdf -)
mkdir -p pages && pdftoppm -r 300 -gray fleet/TC52-21034.pdf pages/p
agent own TC52 21034 scan pages
check "the device scans its own printed sheet: accepted ($(result))" test "$(result)" = SG_ACCEPTED
agent other TC52 21035 feed fleet/TC52-21034.jws
check "another device refuses it ($(result))" test "$(result)" = SG_ERR_NOT_FOR_DEVICE
all=1
for f in fleet/*.jws; do verify_compact "$f" ec256.pem || all=0; done
check "every .jws verifies with openssl" test "$all" = 1

# One PDF, a page per device; a TurnOn per device (factory devices).
"$TOOL" new --cert ec256.pem turn-on-pinned >on.json
"$TOOL" batch --key ec256.key --cert ec256.pem --profile on.json --out-dir one \
  --one-pdf one/all.pdf devices.csv >one.txt
check "--one-pdf: one PDF" test -s one/all.pdf -a ! -e one/TC52-21034.pdf
pages=$(pdfinfo one/all.pdf | awk '/^Pages:/ {print $2}')
check "--one-pdf: a page per device ($pages)" test "$pages" = 3
check "--one-pdf: reported" grep -q "one/all.pdf: 3 devices, 3 pages" one.txt
mkdir -p p3 && pdftoppm -r 300 -gray -f 3 -l 3 one/all.pdf p3/p
agent mc MC93 X-9 scan p3
check "page 3 enrols MC93 X-9: accepted ($(result))" test "$(result)" = SG_ACCEPTED
agent tc TC52 21034 scan p3
check "page 3 enrols nobody else ($(result))" test "$(result)" = SG_ERR_NOT_FOR_DEVICE

# Bad lists: refused before anything is signed.
bad_list() { # NAME REGEX CONTENT
  printf '%b' "$3" >bad.csv
  rm -rf bad
  expect_fail "$1" 2 "$2" "$TOOL" batch --key ec256.key --cert ec256.pem --x5c --profile wifi.json --out-dir bad bad.csv
  check "$1: nothing written" test ! -e bad
}
bad_list "a line without a comma" 'bad.csv:2: expected "model,serial"' 'TC52,1\nTC52 2\n'
bad_list "three fields" 'bad.csv:1: expected "model,serial"' 'TC52,1,x\n'
bad_list "empty serial" 'bad.csv:1: empty serial' 'TC52, \n'
bad_list "a slash in a serial" "bad.csv:1: serial 'a/b': letters, digits" 'TC52,a/b\n'
bad_list "a device twice" 'bad.csv:3: TC52,1 is listed twice' 'TC52,1\nTC52,2\nTC52,1\n'
bad_list "no devices" 'bad.csv: no devices' '# nothing\n\n'
printf '{"stagegate":1,"target":{"models":["TC52"]},"actions":[{"csp":"Wifi"}]}' >t.json
expect_fail "a profile with its own target" 2 'has a "target" already' \
  "$TOOL" batch --key ec256.key --cert ec256.pem --profile t.json --out-dir e devices.csv
expect_fail "preflight per device (the device's own decision): TurnOn by another key" 2 \
  'preflight: this TurnOn deploys "CN=stagegate test ec256, O=Example" but is signed by "CN=stagegate test ec384, O=Example": every device refuses it \(UNKNOWN_SIGNER\)' \
  "$TOOL" batch --key ec384.key --cert ec384.pem --profile on.json --out-dir e2 devices.csv
check "... nothing signed is written" test -z "$(ls e2 2>/dev/null)"
expect_fail "missing --profile" 1 "batch needs --profile" "$TOOL" batch --out-dir e devices.csv
finish
