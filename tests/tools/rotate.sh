#!/usr/bin/env bash
# stagegate-sign rotate: JWS General JSON with two signatures, the current
# anchor's first and the new certificate's second, each checked by openssl.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign rotate"
make_keys
export PW=rotate-pw
openssl pkcs12 -export -legacy -inkey rsa2048.key -in rsa2048.pem -passout env:PW -out new.pfx 2>/dev/null ||
  openssl pkcs12 -export -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
    -inkey rsa2048.key -in rsa2048.pem -passout env:PW -out new.pfx
cat >rot.json <<'J'
{ "stagegate": 1, "name": "Rotate to the RSA certificate",
  "actions": [ { "csp": "Batch", "action": "RotateTrustedCertificate" } ] }
J
# iat a minute ago: preflight judges with this computer's clock, as devices do.
IAT=$(( $(date +%s) - 60 ))
"$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-pfx new.pfx --new-pass-env PW \
  --seq 10 --iat $IAT --activate-at $((IAT + 100000)) rot.json >rot.jws
check "rotate exits 0" test -s rot.jws
check "output is JSON with payload and two signatures" \
  test "$(json_get '{signatures}' <rot.jws | perl -MJSON::PP -e 'print scalar @{decode_json(<STDIN>)}')" = 2
check "member order: payload, signatures[protected, signature]" \
  perl -ne 'exit !/^\{"payload":"[A-Za-z0-9_-]+","signatures":\[\{"protected":"[A-Za-z0-9_-]+","signature":"[A-Za-z0-9_-]+"\},\{"protected":"[A-Za-z0-9_-]+","signature":"[A-Za-z0-9_-]+"\}\]\}$/' rot.jws
P=$(json_get '{payload}' <rot.jws)
H0=$(json_get '{signatures}[0]{protected}' <rot.jws); S0=$(json_get '{signatures}[0]{signature}' <rot.jws)
H1=$(json_get '{signatures}[1]{protected}' <rot.jws); S1=$(json_get '{signatures}[1]{signature}' <rot.jws)
check "first signature: current anchor (x5t#S256)" \
  test "$(printf %s "$H0" | b64u_decode | json_get '{"x5t#S256"}')" = "$(cert_x5t ec256.pem)"
check "second signature: new certificate (x5t#S256)" \
  test "$(printf %s "$H1" | b64u_decode | json_get '{"x5t#S256"}')" = "$(cert_x5t rsa2048.pem)"
check "first signature verifies with the old key (ES256)" verify_sig "$H0" "$P" "$S0" ec256.pem
check "second signature verifies with the new key (PS256)" verify_sig "$H1" "$P" "$S1" rsa2048.pem
refute "first signature does not verify with the new key" verify_sig "$H0" "$P" "$S0" rsa2048.pem
printf %s "$P" | b64u_decode >payload.json
check "action certificate = new certificate's base64 DER" \
  test "$(json_get '{actions}[0]{certificate}' <payload.json)" = "$(cert_der_b64 rsa2048.pem)"
check "activate_at filled" test "$(json_get '{actions}[0]{activate_at}' <payload.json)" = $((IAT + 100000))
check "seq/iat filled" test "$(json_get '{seq}' <payload.json)/$(json_get '{iat}' <payload.json)" = 10/$IAT

# A profile without the action gets one; "@new.pem" is accepted.
echo '{"stagegate":1,"name":"r"}' >bare.json
"$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-key ec384.key --new-cert ec384.pem \
  --seq 11 --activate-at $((IAT + 100000)) --x5c bare.json >bare.jws
check "missing action is added" test "$(json_get '{payload}' <bare.jws | b64u_decode | json_get '{actions}[0]{action}')" = RotateTrustedCertificate
check "ES384 second signature with x5c verifies" verify_sig "$(json_get '{signatures}[1]{protected}' <bare.jws)" \
  "$(json_get '{payload}' <bare.jws)" "$(json_get '{signatures}[1]{signature}' <bare.jws)" ec384.pem
cat >at.json <<'J'
{ "stagegate": 1, "name": "rotate", "actions": [ { "csp": "Batch", "action": "RotateTrustedCertificate",
  "certificate": "@rsa2048.pem", "activate_at": 1765000000 } ] }
J
"$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-key rsa2048.key --new-cert rsa2048.pem \
  --seq 12 at.json >at.jws
check "@new certificate and activate_at from the file" \
  test "$(json_get '{payload}' <at.jws | b64u_decode | json_get '{actions}[0]{activate_at}')" = 1765000000

expect_fail "no activate_at" 1 "no activate_at" \
  "$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-key rsa2048.key --new-cert rsa2048.pem \
  --seq 12 rot.json
expect_fail "same certificate twice" 2 "same: nothing to rotate" \
  "$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-key ec256.key --new-cert ec256.pem \
  --seq 12 --activate-at 1 rot.json
expect_fail "action names another certificate" 2 "is not the new certificate" \
  "$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-key ec384.key --new-cert ec384.pem \
  --seq 12 at.json
expect_fail "new key missing" 1 "--new-key FILE with --new-cert FILE, or --new-pfx" \
  "$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --seq 12 --activate-at 1 rot.json
expect_fail "new .pfx without passphrase" 1 "--new-pfx needs its passphrase" \
  "$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-pfx new.pfx --seq 12 --activate-at 1 rot.json
expect_fail "old RSA-1024 refused" 2 "1024 bits refused" \
  "$TOOL" rotate --old-key rsa1024.key --old-cert rsa1024.pem --new-key ec256.key --new-cert ec256.pem \
  --seq 12 --activate-at 1 rot.json
finish
