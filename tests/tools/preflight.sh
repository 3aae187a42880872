#!/usr/bin/env bash
# stagegate-sign preflight (issue 12): what every device refuses is refused
# before anything is written, one test per refusal, each with the fix in
# the message; no --force. And what preflight lets through, the device
# accepts: a TurnOn (anchor "ca") signed from a .p12 chain with the CA's
# key, then a leaf under that CA.   usage: preflight.sh STAGEGATE-SIGN STAGEGATE-AGENT
AGENT=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign preflight"
make_keys
make_chain
agent() { # DIR ARGS...
  local dir=$1; shift
  "$AGENT" --state "$dir" --json --model TC52 --serial 0001 "$@" >agent.out 2>agent.err
  tail -n 1 agent.out >last.json
}
result() { json_get '{result}' <last.json; }
# refused NAME REGEX ARGS...: sign exits 2 with REGEX and writes no --out file.
refused() {
  local n=$1 re=$2; shift 2
  rm -f out.jws
  expect_fail "$n" 2 "preflight: .*$re" "$TOOL" sign --out out.jws "$@"
  check "$n: nothing written" test ! -e out.jws
}

# 1. TurnOn not signed by the key of the certificate it deploys.
"$TOOL" new --cert ec256.pem turn-on-pinned >on.json
refused "TurnOn signed by another key" \
  'deploys "CN=stagegate test ec256, O=Example" but is signed by "CN=stagegate test ec384, O=Example": every device refuses it \(NO_POSSESSION\)\. Sign it with the key of the certificate it deploys' \
  --key ec384.key --cert ec384.pem on.json
"$TOOL" new --cert ca.pem turn-on-ca >ca-on.json
refused "CA TurnOn signed by a leaf under the CA" "NO_POSSESSION.*the CA's own key" \
  --key leaf.key --cert leaf.pem --x5c ca-on.json
# 2. The deployed certificate is unfit for its anchor mode.
"$TOOL" new --cert ileaf.pem turn-on-ca >notca.json
refused "anchor ca with a certificate that is not a CA" 'anchor "ca" needs a CA certificate.*"CN=stagegate test ileaf" is not one.*CERT_USAGE' \
  --key ileaf.key --cert ileaf.pem notca.json
openssl req -x509 -new -key ec384.key -subj "/CN=no signing" -days 365 \
  -addext keyUsage=critical,keyEncipherment -out nosign.pem 2>/dev/null
"$TOOL" new --cert nosign.pem turn-on-pinned >nosign.json
refused "anchor pinned with a certificate not allowed to sign" 'keyUsage digitalSignature.*CERT_USAGE' \
  --key ec384.key --cert nosign.pem nosign.json
# 3. Signed for factory devices without x5c.
"$TOOL" new wifi >wifi.json
refused "signed for factory devices without x5c" \
  'factory devices without x5c: a device not in Trusted Mode does not know "CN=stagegate test ec256, O=Example" \(UNKNOWN_SIGNER\)\. Add --x5c' \
  --key ec256.key --cert ec256.pem --for factory wifi.json
"$TOOL" sign --key ec256.key --cert ec256.pem --for factory --x5c --out fw.jws wifi.json
check "... with --x5c it is signed" test -s fw.jws
agent factory feed fw.jws
check "... and a factory device accepts it ($(result))" test "$(result)" = SG_ACCEPTED
# 4. Trust changes: exp at most 7 days after iat (absent: see test_sign_units).
"$TOOL" new turn-off >off.json
refused "TurnOff expiring after more than 7 days" "TurnOffTrustedMode expires 30 days after iat: devices accept at most 7" \
  --key ec256.key --cert ec256.pem --exp +30d off.json
"$TOOL" sign --key ec256.key --cert ec256.pem --exp +7d --out off7.jws off.json
check "TurnOff with exp +7d is signed" test -s off7.jws
refused "TurnOff for factory devices" "TurnOffTrustedMode for factory devices.*NOT_TRUSTED" \
  --key ec256.key --cert ec256.pem --for factory off.json
"$TOOL" new rotate >rot.json
rm -f out.jws
expect_fail "Rotate expiring after more than 7 days" 2 "preflight: RotateTrustedCertificate expires 8 days after iat" \
  "$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-key ec384.key --new-cert ec384.pem \
  --activate-at +1d --exp +8d --out out.jws rot.json
check "Rotate refused: nothing written" test ! -e out.jws
# 5. x5c carrying the root.
refused "x5c with the root from --chain" \
  'x5c would carry the root "CN=stagegate test CA": devices hold their anchor.*Give --chain FILE with the intermediates only' \
  --key ileaf.key --cert ileaf.pem --chain ca.pem --x5c wifi.json
openssl pkcs12 -export -inkey ileaf.key -in ileaf.pem -certfile <(cat inter.pem ca.pem) \
  -passout pass:pw -out full.p12
refused ".p12 with leaf, intermediate and root" 'x5c would carry the root' \
  --pfx full.p12 --pass pw --x5c wifi.json
"$TOOL" sign --pfx full.p12 --pass pw --chain inter.pem --x5c --out fixed.jws wifi.json
check "... --chain with the intermediate only: x5c = [leaf, intermediate]" \
  test "$(compact_part fixed.jws 1 | json_get '{x5c}')" = "[\"$(cert_der_b64 ileaf.pem)\",\"$(cert_der_b64 inter.pem)\"]"
# No --force.
expect_fail "no --force" 1 "unknown option '--force'" \
  "$TOOL" sign --force --key ec384.key --cert ec384.pem on.json

# Accepted by the device: a TurnOn (anchor ca) for the intermediate CA,
# signed from its .p12 (key, certificate and the root above it), then a
# Wi-Fi profile signed by a leaf under it with x5c.
openssl pkcs12 -export -inkey inter.key -in inter.pem -certfile ca.pem -passout pass:pw -out inter.p12
"$TOOL" new --cert inter.pem --name "Trust the staging CA" turn-on-ca >inter-on.json
"$TOOL" sign --pfx inter.p12 --pass pw --out inter-on.jws inter-on.json
check "TurnOn from the CA's .p12: signed" test -s inter-on.jws
agent dev feed inter-on.jws
check "TurnOn from the CA's .p12 chain: the device accepts it ($(result))" test "$(result)" = SG_ACCEPTED
"$TOOL" sign --key ileaf.key --cert ileaf.pem --x5c --out leaf-wifi.jws wifi.json
agent dev feed leaf-wifi.jws
check "then a leaf under that CA with x5c: accepted ($(result))" test "$(result)" = SG_ACCEPTED
"$TOOL" sign --key ec256.key --cert ec256.pem --out on-ok.jws on.json
agent dev2 feed on-ok.jws
check "a pinned TurnOn preflight passes is accepted ($(result))" test "$(result)" = SG_ACCEPTED
finish
