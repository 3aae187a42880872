#!/usr/bin/env bash
# stagegate-sign with .pfx (PKCS#12) keys as `openssl pkcs12 -export` writes
# them: the OpenSSL 3 default (PBES2/AES-256-CBC, MAC HMAC-SHA256) and the
# legacy format (-legacy: RC2-40 certificates, 3DES key, MAC HMAC-SHA1),
# plus 3DES-only, no-MAC, long and non-ASCII passphrases, and chains.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1"
echo "== stagegate-sign sign --pfx"
make_keys
make_chain
cert_profile "@ec256.pem" >p.json
export PW='s3cret pass'

# Legacy exports need OpenSSL's legacy provider (RC2). Without it, the
# closest openssl can write is 3DES for both parts with a SHA-1 MAC.
if have_legacy; then
  LEGACY=(-legacy)
  echo "  (legacy provider available: -legacy writes RC2-40 + 3DES)"
else
  LEGACY=(-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1)
  echo "  (no legacy provider: legacy variant made with PBE-SHA1-3DES, RC2 untested here)"
fi
has_oid() { od -An -v -tx1 "$1" | tr -d ' \n' | grep -q "$2"; }
OID_RC2_40=2a864886f70d010c0106   # pbeWithSHAAnd40BitRC2-CBC
OID_3DES=2a864886f70d010c0103     # pbeWithSHAAnd3-KeyTripleDES-CBC
OID_PBES2=2a864886f70d01050d      # PBES2
OID_AES256=60864801650304012a     # aes256-CBC

for k in ec256 ec384 rsa2048; do
  openssl pkcs12 -export -inkey $k.key -in $k.pem -passout env:PW -out $k.aes.pfx
  openssl pkcs12 -export "${LEGACY[@]}" -inkey $k.key -in $k.pem -passout env:PW \
    -out $k.legacy.pfx 2>/dev/null
  for v in aes legacy; do
    "$TOOL" sign --pfx $k.$v.pfx --pass-env PW --seq 1 p.json >$k.$v.jws
    check "$k $v .pfx: openssl verifies" verify_compact $k.$v.jws $k.pem
    check "$k $v .pfx: x5t#S256 is the certificate's" \
      test "$(compact_part $k.$v.jws 1 | json_get '{"x5t#S256"}')" = "$(cert_x5t $k.pem)"
    expect_fail "$k $v .pfx: wrong passphrase" 2 "$k.$v.pfx: wrong passphrase .*or the file is damaged" \
      "$TOOL" sign --pfx $k.$v.pfx --pass 'wrong pass' --seq 1 p.json
  done
done
check "AES .pfx really is PBES2 + AES-256" has_oid ec256.aes.pfx $OID_PBES2
check "AES .pfx has an AES-256-CBC OID" has_oid ec256.aes.pfx $OID_AES256
if have_legacy; then
  check "legacy .pfx really uses RC2-40" has_oid ec256.legacy.pfx $OID_RC2_40
fi
check "legacy .pfx really uses 3DES" has_oid ec256.legacy.pfx $OID_3DES
"$TOOL" sign --pfx rsa2048.legacy.pfx --pass-env PW --alg RS256 --seq 1 p.json >rs.jws
check "RS256 from a legacy .pfx" verify_compact rs.jws rsa2048.pem

# Passphrase sources.
printf '%s\n' "$PW" >pw.txt
"$TOOL" sign --pfx ec256.aes.pfx --pass-file pw.txt --seq 1 p.json >pf.jws
check "--pass-file (first line, newline dropped)" verify_compact pf.jws ec256.pem
"$TOOL" sign --pfx ec256.legacy.pfx --pass "$PW" --seq 1 p.json >pp.jws
check "--pass on the command line" verify_compact pp.jws ec256.pem
expect_fail "no passphrase for --pfx" 1 "needs its passphrase" \
  "$TOOL" sign --pfx ec256.aes.pfx --seq 1 p.json
expect_fail "two passphrase sources" 1 "give one of --pass" \
  "$TOOL" sign --pfx ec256.aes.pfx --pass a --pass-env PW --seq 1 p.json
expect_fail "unset environment variable" 2 "NO_SUCH_VAR .* is not set" \
  "$TOOL" sign --pfx ec256.aes.pfx --pass-env NO_SUCH_VAR --seq 1 p.json
expect_fail "--pfx with --key" 1 "either --pfx or --key" \
  "$TOOL" sign --pfx ec256.aes.pfx --key ec256.key --pass-env PW --seq 1 p.json
expect_fail "PEM given as --pfx" 2 "a PEM file, not a .pfx" \
  "$TOOL" sign --pfx ec256.key --pass-env PW --seq 1 p.json
head -c 100 ec256.aes.pfx >trunc.pfx
expect_fail "truncated .pfx" 2 "trunc.pfx: not a PKCS#12" \
  "$TOOL" sign --pfx trunc.pfx --pass-env PW --seq 1 p.json

# Passphrases longer than mbedTLS's PKCS#12 KDF limit, and non-ASCII ones
# (OpenSSL 3 encodes them from UTF-8).
for pw in 'a much longer passphrase, well beyond thirty-one characters' 'pässwörd-€-😀'; do
  for v in aes legacy; do
    if [ $v = aes ]; then opts=(); else opts=("${LEGACY[@]}"); fi
    openssl pkcs12 -export "${opts[@]}" -inkey rsa2048.key -in rsa2048.pem -passout "pass:$pw" \
      -out pw.pfx 2>/dev/null
    "$TOOL" sign --pfx pw.pfx --pass "$pw" --seq 1 p.json >pw.jws
    check "$v .pfx, passphrase '${pw:0:12}...' (${#pw} chars)" verify_compact pw.jws rsa2048.pem
  done
done

# 3DES for both parts with a SHA-1 MAC (works without the legacy provider).
openssl pkcs12 -export -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
  -inkey ec384.key -in ec384.pem -passout env:PW -out 3des.pfx
"$TOOL" sign --pfx 3des.pfx --pass-env PW --seq 1 p.json >3des.jws
check "3DES-only .pfx" verify_compact 3des.jws ec384.pem
# The other PKCS#12 PBE ciphers, for certificates and key alike.
if have_legacy; then
  for pbe in PBE-SHA1-RC2-128 PBE-SHA1-RC2-40 PBE-SHA1-2DES; do
    openssl pkcs12 -export -provider legacy -provider default -certpbe $pbe -keypbe $pbe \
      -inkey ec256.key -in ec256.pem -passout env:PW -out pbe.pfx
    "$TOOL" sign --pfx pbe.pfx --pass-env PW --seq 1 p.json >pbe.jws
    check "$pbe for certificates and key" verify_compact pbe.jws ec256.pem
  done
fi
# Unencrypted certificates (-certpbe NONE).
openssl pkcs12 -export -certpbe NONE -inkey ec256.key -in ec256.pem -passout env:PW -out nocertenc.pfx
"$TOOL" sign --pfx nocertenc.pfx --pass-env PW --seq 1 p.json >nce.jws
check "unencrypted certificate bag" verify_compact nce.jws ec256.pem
# No MAC: a wrong passphrase surfaces as a decryption failure.
openssl pkcs12 -export -nomac -inkey ec256.key -in ec256.pem -passout env:PW -out nomac.pfx
"$TOOL" sign --pfx nomac.pfx --pass-env PW --seq 1 p.json >nomac.jws
check "no-MAC .pfx" verify_compact nomac.jws ec256.pem
expect_fail "no-MAC .pfx, wrong passphrase" 2 "nomac.pfx: wrong passphrase, or the key file is damaged" \
  "$TOOL" sign --pfx nomac.pfx --pass nope --seq 1 p.json
# The padding-valid-by-chance case on purpose (issue 16): a committed no-MAC
# .pfx and a wrong passphrase that decrypts its key bag with valid padding.
"$TOOL" sign --pfx "$FX/wrongpad.nomac.pfx" --pass secret-pw --seq 1 p.json >wp.jws
check "fixture no-MAC .pfx opens with its passphrase" verify_compact wp.jws "$FX/wrongpad.pem"
check "fixture: openssl gets past the padding with the wrong passphrase" \
  bash -c "! openssl pkcs12 -in '$FX/wrongpad.nomac.pfx' -nocerts -noenc -passin file:'$FX/wrongpad.pfx.wrong' 2>&1 | grep -q 'bad decrypt'"
expect_fail "padding-valid wrong passphrase on a no-MAC .pfx" 2 \
  "wrongpad.nomac.pfx: wrong passphrase, or the key file is damaged" \
  "$TOOL" sign --pfx "$FX/wrongpad.nomac.pfx" --pass-file "$FX/wrongpad.pfx.wrong" --seq 1 p.json

# Chain: the .pfx's other certificates become x5c's intermediates.
openssl pkcs12 -export -inkey ileaf.key -in ileaf.pem -certfile inter.pem -passout env:PW -out chain.pfx
"$TOOL" sign --pfx chain.pfx --pass-env PW --x5c --seq 1 p.json >chain.jws
check "chain .pfx verifies with the leaf" verify_compact chain.jws ileaf.pem
check "chain .pfx: x5c = [leaf, intermediate]" \
  test "$(compact_part chain.jws 1 | json_get '{x5c}')" = "[\"$(cert_der_b64 ileaf.pem)\",\"$(cert_der_b64 inter.pem)\"]"
# A .pfx with certificates only, and one with a weak key.
openssl pkcs12 -export -nokeys -in ca.pem -passout env:PW -out certonly.pfx
expect_fail ".pfx without a key" 2 "certonly.pfx: holds no private key" \
  "$TOOL" sign --pfx certonly.pfx --pass-env PW --seq 1 p.json
RSA1024_PFX=rsa1024.pfx
openssl pkcs12 -export -inkey rsa1024.key -in rsa1024.pem -passout env:PW -out $RSA1024_PFX
expect_fail "RSA-1024 key from a .pfx refused" 2 "RSA key of 1024 bits refused" \
  "$TOOL" sign --pfx $RSA1024_PFX --pass-env PW --seq 1 p.json
finish
