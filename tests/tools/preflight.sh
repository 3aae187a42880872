#!/usr/bin/env bash
# stagegate-sign preflight (issue 12): the signed text is fed to the device
# library's own agent (a factory device, or one trusted with the anchor)
# before anything is written, and what it refuses is refused here, one
# test per refusal, each with the device's reason and the fix in the
# message; no --force. And what preflight lets through, stagegate-agent
# accepts: TurnOns (anchor "ca") from .p12 chains with the CA's key and
# with a leaf carrying id-kp-documentSigning (RFC 9336) under the CA.
#   usage: preflight.sh STAGEGATE-SIGN STAGEGATE-AGENT
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
# A leaf under the CA WITHOUT the document-signing EKU (a TLS client cert).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out noeku.key 2>/dev/null
openssl req -new -key noeku.key -subj "/CN=stagegate test tls leaf" -out noeku.csr 2>/dev/null
openssl x509 -req -in noeku.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
  -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out noeku.pem 2>/dev/null
# hand_sign KEY CERT PAYLOAD.json: a compact JWS (ES256, x5c = [CERT]) made
# with the openssl CLI, for what stagegate-sign refuses to write.
hand_sign() {
  local der h p
  der=$(cert_der_b64 "$2")
  h=$(printf '{"alg":"ES256","typ":"stagegate-profile+jws","x5t#S256":"%s","x5c":["%s"]}' \
    "$(cert_x5t "$2")" "$der" | b64u_encode)
  p=$(b64u_encode <"$3")
  printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$1" |
    perl -e 'local $/; my $d = <STDIN>; my ($r, $s) = unpack("x2 x C/a x C/a", substr($d, 0));
      for ($r, $s) { s/^\x00+//; $_ = ("\x00" x (32 - length)) . $_ } print $r . $s' >hs.sig
  printf '%s.%s.%s\n' "$h" "$p" "$(b64u_encode <hs.sig)"
}

# 1. TurnOn not signed by the key of the certificate it deploys.
"$TOOL" new --cert ec256.pem turn-on-pinned >on.json
refused "TurnOn signed by another key (no x5c: the device does not know it)" \
  'deploys "CN=stagegate test ec256, O=Example" but is signed by "CN=stagegate test ec384, O=Example": every device refuses it \(UNKNOWN_SIGNER\)\. Sign it with the key of the certificate it deploys' \
  --key ec384.key --cert ec384.pem on.json
refused "TurnOn signed by another key (x5c: no proof of possession)" \
  'deploys "CN=stagegate test ec256, O=Example" but is signed by "CN=stagegate test ec384, O=Example": every device refuses it \(NO_POSSESSION\)\. Sign it with the key of the certificate it deploys' \
  --key ec384.key --cert ec384.pem --x5c on.json
"$TOOL" new --cert ca.pem turn-on-ca >ca-on.json
refused "CA TurnOn signed by a stranger" "deploys \"CN=stagegate test CA\" but is signed by \"CN=stagegate test ec384, O=Example\": every device refuses it \(CERT_USAGE\).*the CA.s own key.*or a leaf the CA issued with the document-signing EKU" \
  --key ec384.key --cert ec384.pem --x5c ca-on.json
refused "CA TurnOn signed by an EKU leaf without x5c" \
  'signed by "CN=stagegate test leaf" without x5c: a factory device cannot see that it chains to "CN=stagegate test CA" \(UNKNOWN_SIGNER\)\. Add --x5c' \
  --key leaf.key --cert leaf.pem ca-on.json
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
# Issue 9 defect 2: TurnOn with "anchor": "ca" proves possession by the CA
# key itself OR by a leaf carrying id-kp-documentSigning that chains to the
# deployed CA. A .p12 holding the leaf key, the leaf and the CA:
openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile ca.pem -passout pass:pw -out leaf.p12
"$TOOL" new --cert ca.pem --name "Trust the staging CA" turn-on-ca >ca-on.json
"$TOOL" sign --pfx leaf.p12 --pass pw --chain none --x5c --out eku-on.jws ca-on.json
check "TurnOn (anchor ca) from an EKU leaf's .p12: signed" test -s eku-on.jws
check "... its x5c is the leaf alone (the CA it deploys is not repeated)" \
  test "$(compact_part eku-on.jws 1 | json_get '{x5c}')" = "[\"$(cert_der_b64 leaf.pem)\"]"
agent eku feed eku-on.jws
check "... and the device accepts it ($(result))" test "$(result)" = SG_ACCEPTED
"$AGENT" --state eku status >eku-status.txt 2>&1
check "... trusting the CA, anchor ca" grep -q '^anchor (ca): *CN=stagegate test CA$' eku-status.txt
# The same with a leaf WITHOUT that EKU under the same CA: preflight says
# why and how to fix it, and the device refuses it too.
openssl pkcs12 -export -inkey noeku.key -in noeku.pem -certfile ca.pem -passout pass:pw -out noeku.p12
refused "TurnOn (anchor ca) from a leaf without the document-signing EKU" \
  '"CN=stagegate test tls leaf" has no document-signing EKU \(id-kp-documentSigning, 1\.3\.6\.1\.5\.5\.7\.3\.36\): devices enrolling the CA "CN=stagegate test CA" refuse its signature \(CERT_USAGE\)\. Sign with the CA.s own key, or with a certificate the CA issued with extendedKeyUsage = 1\.3\.6\.1\.5\.5\.7\.3\.36' \
  --pfx noeku.p12 --pass pw --chain none --x5c ca-on.json
compact_part eku-on.jws 2 >eku-payload.json
hand_sign noeku.key noeku.pem eku-payload.json >noeku-on.jws
agent noeku feed noeku-on.jws
check "... the device refuses it as well ($(result))" test "$(result)" = SG_ERR_CERT_USAGE
hand_sign leaf.key leaf.pem eku-payload.json >eku-hand.jws
agent eku-hand feed eku-hand.jws
check "... while the same hand-made JWS by the EKU leaf is accepted ($(result))" test "$(result)" = SG_ACCEPTED

# Devices trusting the CA (--anchor, or the CA the .p12 brings).
"$TOOL" sign --pfx leaf.p12 --pass pw --chain none --x5c --out eku-wifi.jws wifi.json
check "Wi-Fi by the EKU leaf for devices under its .p12's CA: signed" test -s eku-wifi.jws
agent eku feed eku-wifi.jws
check "... and accepted by the device trusting the CA ($(result))" test "$(result)" = SG_ACCEPTED
refused "Wi-Fi by a leaf without the EKU, devices under its .p12's CA" \
  'has no document-signing EKU.*devices under "CN=stagegate test CA" refuse its signature \(CERT_USAGE\).*--anchor' \
  --pfx noeku.p12 --pass pw --chain none --x5c wifi.json
refused "Wi-Fi by a leaf without the EKU, --anchor the CA" 'devices under "CN=stagegate test CA".*\(CERT_USAGE\)' \
  --key noeku.key --cert noeku.pem --anchor ca.pem --x5c wifi.json
refused "Wi-Fi by the EKU leaf without x5c, --anchor the CA" \
  'devices trusting the CA "CN=stagegate test CA" know the signer "CN=stagegate test leaf" only from x5c \(UNKNOWN_SIGNER\)\. Add --x5c' \
  --key leaf.key --cert leaf.pem --anchor ca.pem wifi.json
refused "TurnOff under a CA anchor signed by a leaf" \
  'TurnOffTrustedMode under the CA anchor "CN=stagegate test CA" must be signed by the CA.s own key, not by "CN=stagegate test leaf" \(ANCHOR_KEY_REQUIRED\)' \
  --key leaf.key --cert leaf.pem --anchor ca.pem --x5c off.json
"$TOOL" sign --key ca.key --cert ca.pem --out ca-off.jws off.json
agent eku feed ca-off.jws
check "... the CA's own key turns it off: accepted ($(result))" test "$(result)" = SG_ACCEPTED
refused "a stranger's key for devices pinned to another certificate" \
  'signed by "CN=stagegate test ec384, O=Example", but devices trusting "CN=stagegate test ec256, O=Example" \(anchor pinned\) accept only that certificate.s key \(UNKNOWN_SIGNER\)' \
  --key ec384.key --cert ec384.pem --anchor ec256.pem wifi.json
refused "a TurnOn of another certificate for devices already trusting one" \
  'devices trusting "CN=stagegate test ec384, O=Example" already trust "CN=stagegate test ec384, O=Example" and refuse a TurnOn of "CN=stagegate test ec256, O=Example" \(ALREADY_TRUSTED\)' \
  --key ec256.key --cert ec256.pem --for trusted --anchor ec384.pem on.json
refused "a profile issued in the future" '"iat" is more than 300 s ahead of this computer.s clock: devices refuse it until then \(PROFILE_FUTURE\)' \
  --key ec256.key --cert ec256.pem --iat "$(( $(date +%s) + 3600 ))" wifi.json
refused "a profile already expired" '"exp" has passed: devices refuse it \(PROFILE_EXPIRED\)' \
  --key ec256.key --cert ec256.pem --iat 2020-01-01 --exp 2020-01-02 wifi.json
expect_fail "--anchor with --for factory" 1 "--anchor names what devices in Trusted Mode hold" \
  "$TOOL" sign --key ec256.key --cert ec256.pem --for factory --anchor ec256.pem --x5c wifi.json
finish
