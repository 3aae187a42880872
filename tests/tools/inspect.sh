#!/usr/bin/env bash
# stagegate-sign inspect: certificate facts against openssl's, status
# (valid, expired, not yet valid, weak key), and profiles of every form.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign inspect"
make_keys
fp() { openssl x509 -inform "${3:-PEM}" -in "$1" -noout -fingerprint "-$2" | sed 's/.*=//'; }
# expect_fail_listing NAME REGEX CMD...: exit 2 with one stderr line, after
# printing the listing (inspect shows what it found, then fails).
expect_fail_listing() {
  local n=$1 re=$2; shift 2
  "$@" >fl.out 2>fl.err
  local rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l <fl.err)" -eq 1 ] && grep -Eq -- "$re" fl.err; then ok "$n"; else
    bad "$n (exit $rc; stderr: $(head -c 300 fl.err))"; fi
}

for c in ec256.pem rsa2048.der; do
  form=PEM; [ "${c##*.}" = der ] && form=DER
  "$TOOL" inspect "$c" >out.txt
  for d in sha256:SHA-256 sha1:SHA-1 md5:MD5; do
    check "$c: ${d#*:} fingerprint as openssl's" grep -q "^  ${d#*:}: *$(fp "$c" "${d%%:*}" $form)$" out.txt
  done
  serial=$(openssl x509 -inform $form -in "$c" -noout -serial | sed 's/serial=//; s/../&:/g; s/:$//')
  check "$c: serial" grep -q "^  serial: *$serial$" out.txt
  check "$c: status valid" grep -q "^  status: *valid$" out.txt
done
"$TOOL" inspect rsa2048.der >rsa.txt
check "RSA key line" grep -q "^  key: *RSA 2048 bits$" rsa.txt
"$TOOL" inspect ec384.pem >ec.txt
check "EC key line" grep -q "^  key: *EC P-384 (384 bits)$" ec.txt
check "subject" grep -q "^  subject: *CN=stagegate test ec384, O=Example$" ec.txt
check "validity printed" grep -q "^  not after: *20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T" ec.txt
"$TOOL" inspect rsa1024.pem >weak.txt
check "RSA-1024: weak key" grep -q "^  status: *weak key$" weak.txt

# Expired and not-yet-valid certificates, dated by `openssl ca`.
mkdir ca && touch ca/index.txt && echo 01 >ca/serial
cat >ca.cnf <<'C'
[ca]
default_ca = d
[d]
dir = ./ca
database = ./ca/index.txt
new_certs_dir = ./ca
serial = ./ca/serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
C
openssl req -new -key ec256.key -subj /CN=dated -out r.csr
for w in expired:20200101000000Z:20210101000000Z future:20990101000000Z:20991231000000Z; do
  IFS=: read -r name from to <<<"$w"
  openssl ca -batch -config ca.cnf -selfsign -keyfile ec256.key -in r.csr -startdate "$from" \
    -enddate "$to" -out $name.pem >/dev/null 2>&1
done
check "expired certificate" grep -q "^  status: *expired$" <("$TOOL" inspect expired.pem)
check "not-yet-valid certificate" grep -q "^  status: *not yet valid$" <("$TOOL" inspect future.pem)
cat ec256.pem rsa1024.pem >two.pem
check "two certificates in one PEM" grep -q "^certificate 2 of 2" <("$TOOL" inspect two.pem)

# --json for certificates.
"$TOOL" inspect --json ec256.pem >c.json
check "--json sha256 (lowercase hex)" test "$(json_get '{certificates}[0]{fingerprints}{sha256}' <c.json)" = \
  "$(openssl x509 -in ec256.pem -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)"
check "--json md5" test "$(json_get '{certificates}[0]{fingerprints}{md5}' <c.json)" = \
  "$(openssl x509 -in ec256.pem -noout -fingerprint -md5 | sed 's/.*=//; s/://g' | tr A-F a-f)"
check "--json status" test "$(json_get '{certificates}[0]{status}' <c.json)" = '["valid"]'
check "--json key" test "$(json_get '{certificates}[0]{key}' <c.json)" = '{"bits":256,"curve":"P-256","type":"EC"}'

# Profiles.
cert_profile "@ec256.pem" >p.json
"$TOOL" sign --key ec256.key --cert ec256.pem --seq 3 p.json >s.jws
"$TOOL" inspect s.jws >s.txt
check "compact: kind" grep -q "^JWS compact profile, 1 signature" s.txt
check "compact: alg" grep -q "^  alg: *ES256$" s.txt
check "compact: typ" grep -q "^  typ: *stagegate-profile+jws$" s.txt
check "compact: signer fingerprint = certificate SHA-256" \
  grep -q "^  signer SHA-256: $(fp ec256.pem sha256)$" s.txt
check "compact: no x5c, not checked" grep -q "not checked" s.txt
check "compact: payload pretty-printed" grep -q '"seq":[[:space:]]*3' s.txt
check "compact: certificate in the TurnOn described" grep -q "^certificate in actions\[0\]:" s.txt
check "--cert verifies" grep -q "verifies with --cert" <("$TOOL" inspect --cert ec256.pem s.jws)
expect_fail_listing "--cert of another signer" "a signature does not verify" \
  "$TOOL" inspect --cert ec384.pem s.jws
"$TOOL" sign --key rsa2048.key --cert rsa2048.pem --x5c --seq 3 p.json >x.jws
check "x5c: verifies with x5c[0]" grep -q "verifies with x5c\[0\]" <("$TOOL" inspect x.jws)
# Tamper with the payload: the signature no longer verifies.
IFS=. read -r h pl sg <x.jws
printf '%s.%s.%s\n' "$h" "$(compact_part x.jws 2 | sed 's/"seq":3/"seq":4/' | b64u_encode)" "$sg" >t.jws
expect_fail_listing "tampered payload reported" "a signature does not verify" "$TOOL" inspect t.jws
check "tampered: DOES NOT VERIFY in the listing" grep -q "DOES NOT VERIFY" <("$TOOL" inspect t.jws 2>/dev/null)
"$TOOL" inspect --json x.jws >x.json
check "--json compact: type, alg, verified" \
  test "$(json_get '{type}' <x.json)/$(json_get '{signatures}[0]{header}{alg}' <x.json)/$(json_get '{signatures}[0]{verified}' <x.json)" = jws-compact/PS256/true
check "--json compact: signer_sha256" test "$(json_get '{signatures}[0]{signer_sha256}' <x.json)" = \
  "$(openssl x509 -in rsa2048.pem -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)"
check "--json compact: payload object" test "$(json_get '{payload}{seq}' <x.json)" = 3
"$TOOL" rotate --old-key ec256.key --old-cert ec256.pem --new-key rsa2048.key --new-cert rsa2048.pem \
  --x5c --seq 4 --activate-at 1800000000 p.json >r.jws 2>/dev/null ||
  { echo '{"stagegate":1,"name":"rotate"}' >r0.json; "$TOOL" rotate --old-key ec256.key --old-cert ec256.pem \
    --new-key rsa2048.key --new-cert rsa2048.pem --x5c --seq 4 --activate-at 1800000000 r0.json >r.jws; }
"$TOOL" inspect r.jws >r.txt
check "general: two signatures" grep -q "^JWS General JSON profile, 2 signature" r.txt
check "general: both verify with x5c" test "$(grep -c 'verifies with x5c\[0\]' r.txt)" = 2
"$TOOL" inspect p.json >u.txt
check "bare JSON: unsigned profile" grep -q "^unsigned profile, 0 signature" u.txt

# The device's answer (envelope parser, verification, schema: the device's
# code). Each vector below is refused by the device at the step that
# test-vectors/profiles/manifest.json gives; inspect must give the same
# reason, exit 2, and never say "verifies" for it, even when the signature
# itself is good (hdr-crit, unknown-member and v2 are signed by admin).
V="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../test-vectors/profiles" && pwd)"
for want in hdr-crit.jws:SG_ERR_HEADER hdr-jku.jws:SG_ERR_HEADER hdr-jwk.jws:SG_ERR_HEADER \
            hdr-x5u.jws:SG_ERR_HEADER alg-none.jws:SG_ERR_ALG alg-hs256.jws:SG_ERR_ALG \
            wifi-admin-unknown-member.jws:SG_ERR_PROFILE_FORMAT wifi-admin-v2.jws:SG_ERR_PROFILE_VERSION \
            turnon-privkey.jws:SG_ERR_PRIVATE_KEY unknown-member.json:SG_ERR_PROFILE_FORMAT \
            privkey-pem.json:SG_ERR_PRIVATE_KEY; do
  f=${want%%:*} code=${want#*:}
  grep -q "\"feed\": \"$f\", \"expect\": \"$code\"" "$V/manifest.json" ||
    bad "$f: the manifest no longer expects $code (update this list)"
  expect_fail_listing "$f: refused as the device does ($code)" "device refuses this profile: $code" \
    "$TOOL" inspect --cert "$V/pki/admin.crt.pem" "$V/$f"
  check "$f: listing says REFUSES $code" grep -q "^device: *REFUSES: $code " fl.out
  check "$f: never 'verifies'" bash -c "! grep -q 'verifies' fl.out"
done
"$TOOL" inspect --json --cert "$V/pki/admin.crt.pem" "$V/hdr-crit.jws" >crit.json 2>/dev/null
check "--json: the device's result" test "$(json_get '{device}{result}' <crit.json)" = SG_ERR_HEADER
check "--json: signature not verified" test "$(json_get '{signatures}[0]{verified}' <crit.json)" = false
"$TOOL" inspect --cert "$V/pki/admin.crt.pem" "$V/wifi-admin-5.jws" >good.txt
check "a profile the device parses: verifies, well-formed" \
  grep -q "verifies with --cert" good.txt && grep -q "^device: *envelope and profile well-formed" good.txt

expect_fail "a chunk is not a profile" 2 "barcode chunk" bash -c "echo 'SG1:1/2:0123456789ab:x' >c.txt; \"$TOOL\" inspect c.txt"
expect_fail "garbage" 2 "not a JWS compact" bash -c "echo 'hello' >g.txt; \"$TOOL\" inspect g.txt"
# --- Issue 12: .pfx, PEM bundles, printed sheets and images, expiry warning.
openssl pkcs12 -export -inkey ec256.key -in ec256.pem -passout pass:pfx-pw -out ec256.pfx
"$TOOL" inspect --pass pfx-pw ec256.pfx >pfx.txt 2>pfx.err
check ".pfx: the key described, never shown" grep -q "PKCS#12 with a private key (EC P-256) matching its certificate" pfx.txt
check ".pfx: its certificate's SHA-256 as openssl's" grep -q "^  SHA-256: *$(fp ec256.pem sha256)$" pfx.txt
refute ".pfx: no key material printed" grep -q "PRIVATE KEY" pfx.txt
expect_fail ".pfx: wrong passphrase" 2 "ec256.pfx: wrong passphrase" "$TOOL" inspect --pass nope ec256.pfx
expect_fail ".pfx: no passphrase and no terminal" 1 "needs its passphrase" "$TOOL" inspect ec256.pfx
cat ec256.key ec256.pem ec384.pem >bundle.pem
"$TOOL" inspect bundle.pem >bundle.txt
check "PEM bundle: both certificates" test "$(grep -c '^certificate [12] of 2' bundle.txt)" = 2
check "PEM bundle: the key is named, not shown" grep -q "^also in the file: PRIVATE KEY (not shown)$" bundle.txt
expect_fail "PEM with only a key" 2 "without certificates \\(PRIVATE KEY\\)" "$TOOL" inspect ec256.key
turn_on_profile "@ec256.pem" >on.json
"$TOOL" sign --key ec256.key --cert ec256.pem --x5c --seq 3 --out on.jws on.json
"$TOOL" render --out-dir sheet on.jws >/dev/null
"$TOOL" inspect sheet/on-sheet.pdf >pdf.txt
n=$(ls sheet/on-[0-9]*.png | wc -l)
check "PDF sheet: $n barcodes decoded and reassembled" grep -q "on-sheet.pdf: $n barcodes decoded and reassembled ($(wc -c <on.jws | awk '{print $1 - 1}') bytes)" pdf.txt
check "PDF sheet: the signature verifies with x5c[0]" grep -q "verifies with x5c\\[0\\]" pdf.txt
check "PDF sheet: the payload shown" grep -q '"seq":[[:space:]]*3' pdf.txt
"$TOOL" render --sheet none --out-dir one --symbology qr on.json >/dev/null
"$TOOL" inspect one/on-1.png >png.txt
check "PNG of a bare unsigned profile: shown" grep -q "1 barcode decoded" png.txt
check "PNG: unsigned profile" grep -q "^unsigned profile" png.txt
expect_fail "PNG with one chunk of several" 2 "on-1.png: chunk 2 of $n is missing" "$TOOL" inspect sheet/on-1.png
printf '%s' '%PDF-1.4 broken' >broken.pdf
expect_fail "a broken PDF" 2 "broken.pdf: pdftoppm cannot read it" "$TOOL" inspect broken.pdf
# Expiring within 30 days: status and a warning on stderr.
openssl req -x509 -new -key ec256.key -subj "/CN=soon" -days 10 -out soon.pem 2>/dev/null
"$TOOL" inspect soon.pem >soon.txt 2>soon.err
check "expiring certificate: status says so" grep -Eq "^  status: *valid, EXPIRES WITHIN 30 DAYS \(in (9|10) days\)$" soon.txt
check "expiring certificate: warning on stderr" grep -q "warning: CN=soon: EXPIRES WITHIN 30 DAYS" soon.err
openssl req -x509 -new -key ec256.key -subj "/CN=later" -days 40 -out later.pem 2>/dev/null
check "40 days left: no warning" grep -q "^  status: *valid$" <("$TOOL" inspect later.pem 2>&1)
finish
