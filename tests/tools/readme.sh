#!/usr/bin/env bash
# The administrator walk-through of tools/sign/README.md, run as written:
# every ```sh block between the walkthrough markers, in order, with only
# stagegate-sign and openssl on the PATH it needs; then the printed sheets
# are scanned page by page by the device agent, which accepts the Turn On,
# the Wi-Fi profile and the Turn Off.   usage: readme.sh STAGEGATE-SIGN STAGEGATE-AGENT
AGENT=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
README=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tools/sign" && pwd)/README.md
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== tools/sign/README.md walk-through"
perl -ne 'if (/walkthrough:begin/) { $on = 1 } elsif (/walkthrough:end/) { $on = 0 }
  elsif ($on && /^```sh\s*$/) { $sh = 1 } elsif ($sh && /^```\s*$/) { $sh = 0 }
  elsif ($sh) { print }' "$README" >walkthrough.sh
check "the walk-through has commands" test "$(grep -c stagegate-sign walkthrough.sh)" -ge 8
mkdir -p bin && ln -s "$TOOL" bin/stagegate-sign
if PATH="$PWD/bin:$PATH" bash -e walkthrough.sh >walk.out 2>walk.err; then
  ok "the walk-through runs as written"
else
  bad "the walk-through runs as written: $(tail -n 3 walk.err)"
fi
check "it printed the Turn On sheet" test -s print/turn-on-sheet.pdf
check "inspect read the sheet back" grep -q "barcodes decoded and reassembled" walk.out
check "the sheet shows the staging certificate's SHA-256" \
  grep -q "SHA-256 $(openssl x509 -in staging.crt -noout -fingerprint -sha256 | cut -d= -f2)" \
  <(pdftotext -layout print/turn-on-sheet.pdf -)
scan() { # NAME PDF: the device scans the printed pages
  rm -rf pages && mkdir pages && pdftoppm -r 300 -gray "$2" pages/p
  "$AGENT" --state dev --json --model TC52 --serial 1 scan pages >agent.out 2>agent.err
  local r
  r=$(tail -n 1 agent.out | json_get '{result}')
  check "$1 from the printed sheet: accepted ($r)" test "$r" = SG_ACCEPTED
}
scan "Turn On" print/turn-on-sheet.pdf
scan "Wi-Fi" print/wifi-sheet.pdf
scan "Turn Off" print/turn-off-sheet.pdf
finish
