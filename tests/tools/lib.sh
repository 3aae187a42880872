# Shared helpers for the stagegate-sign CLI tests (sourced, not run).
# Usage: source lib.sh "$TOOL". Creates a private temp dir (removed at exit),
# cds into it, and makes keys/certificates there at run time: nothing
# generated is committed.
set -uo pipefail

TOOL=${1:-}
[ -x "$TOOL" ] || { echo "usage: $0 path/to/stagegate-sign" >&2; exit 2; }
TOOL=$(cd "$(dirname "$TOOL")" && pwd)/$(basename "$TOOL")
# Committed fixtures (tests/tools/fixtures, made by its make-fixtures).
FX=$(cd "$(dirname "${BASH_SOURCE[0]}")/fixtures" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh" sign-test
# Never a terminal on stdin: the tool would prompt for passphrases there.
exec </dev/null

# expect_fail NAME EXIT-CODE REGEX CMD...: CMD exits with EXIT-CODE and prints
# exactly one line on stderr, matching REGEX (extended), and nothing on stdout.
expect_fail() {
  local n=$1 code=$2 re=$3; shift 3
  "$@" >fail.out 2>fail.err
  local rc=$?
  local lines
  lines=$(wc -l <fail.err)
  if [ "$rc" -eq "$code" ] && [ "$lines" -eq 1 ] && grep -Eq -- "$re" fail.err && [ ! -s fail.out ]; then
    ok "$n"
  else
    bad "$n (exit $rc, want $code; stderr: $(head -c 300 fail.err))"
  fi
}

b64u_decode() { # stdin: base64url text -> bytes
  perl -MMIME::Base64 -e 'local $/; my $s = <STDIN>; $s =~ s/\s+//g; $s =~ tr{-_}{+/};
    $s .= "=" x ((4 - length($s) % 4) % 4); print decode_base64($s)'
}
b64u_encode() { # stdin bytes -> base64url, no padding
  perl -MMIME::Base64 -e 'local $/; my $s = encode_base64(<STDIN>, ""); $s =~ tr{+/}{-_};
    $s =~ s/=+$//; print $s'
}
# JSON member by a perl path expression, e.g. json_get '{alg}' < header.json
json_get() {
  perl -MJSON::PP -e 'local $/; my $j = JSON::PP->new->allow_nonref->decode(<STDIN>);
    my $v = eval "\$j->$ARGV[0]"; die $@ if $@; print ref($v) ? JSON::PP->new->canonical->encode($v) : $v' "$1"
}
# ECDSA R||S (JWS) -> DER Ecdsa-Sig-Value, for openssl dgst.
raw2der() {
  perl -e 'local $/; my $raw = <STDIN>; my $n = length($raw) / 2;
    sub i { my $v = shift; $v =~ s/^\x00+//; $v = "\x00" if $v eq "";
      $v = "\x00$v" if ord($v) & 0x80; return "\x02" . chr(length $v) . $v }
    my $b = i(substr($raw, 0, $n)) . i(substr($raw, $n)); print "\x30" . chr(length $b) . $b'
}
cert_der_b64() { openssl x509 -in "$1" -outform DER | base64 -w0; }
cert_x5t() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | b64u_encode; }

# verify_sig PROTECTED64 PAYLOAD64 SIG64 CERT.pem: openssl checks the
# signature over "PROTECTED64.PAYLOAD64" with the algorithm the header names.
verify_sig() {
  local h=$1 p=$2 s=$3 cert=$4 alg
  printf '%s.%s' "$h" "$p" >vs.in
  printf '%s' "$s" | b64u_decode >vs.raw
  alg=$(printf '%s' "$h" | b64u_decode | json_get '{alg}')
  openssl x509 -in "$cert" -pubkey -noout >vs.pub || return 1
  case $alg in
    ES256) raw2der <vs.raw >vs.der && openssl dgst -sha256 -verify vs.pub -signature vs.der vs.in ;;
    ES384) raw2der <vs.raw >vs.der && openssl dgst -sha384 -verify vs.pub -signature vs.der vs.in ;;
    RS256) openssl dgst -sha256 -verify vs.pub -signature vs.raw vs.in ;;
    PS256) openssl dgst -sha256 -verify vs.pub -sigopt rsa_padding_mode:pss \
             -sigopt rsa_pss_saltlen:32 -signature vs.raw vs.in ;;
    *) echo "unknown alg $alg" >&2; return 1 ;;
  esac >/dev/null 2>&1
}
# verify_compact FILE CERT.pem
verify_compact() {
  local h p s
  IFS=. read -r h p s <"$1"
  verify_sig "$h" "$p" "$s" "$2"
}
compact_part() { # FILE INDEX(1..3) -> decoded part
  cut -d. -f"$2" <"$1" | tr -d '\n' | b64u_decode
}

# Keys and self-signed certificates: ec256, ec384, rsa2048, rsa1024.
make_keys() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec256.key 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec384.key 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.key 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key 2>/dev/null
  local k
  for k in ec256 ec384 rsa2048 rsa1024; do
    openssl req -x509 -new -key $k.key -subj "/CN=stagegate test $k/O=Example" -days 365 \
      -out $k.pem 2>/dev/null
    openssl x509 -in $k.pem -outform DER -out $k.der
  done
}

# A CA and a leaf (ec256-leaf) it issued, for chains.
make_chain() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
  openssl req -x509 -new -key ca.key -subj "/CN=stagegate test CA" -days 365 \
    -addext basicConstraints=critical,CA:TRUE -out ca.pem 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key 2>/dev/null
  openssl req -new -key leaf.key -subj "/CN=stagegate test leaf" -out leaf.csr 2>/dev/null
  # id-kp-documentSigning (RFC 9336): what a signer under a "ca" anchor needs
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
    -extfile <(printf 'extendedKeyUsage=1.3.6.1.5.5.7.3.36\n') -out leaf.pem 2>/dev/null
  # Root -> intermediate -> ileaf, for x5c chains (x5c never carries the root).
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out inter.key 2>/dev/null
  openssl req -new -key inter.key -subj "/CN=stagegate test intermediate" -out inter.csr 2>/dev/null
  printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,digitalSignature\n' >inter.ext
  openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
    -extfile inter.ext -out inter.pem 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ileaf.key 2>/dev/null
  openssl req -new -key ileaf.key -subj "/CN=stagegate test ileaf" -out ileaf.csr 2>/dev/null
  openssl x509 -req -in ileaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 365 \
    -extfile <(printf 'extendedKeyUsage=1.3.6.1.5.5.7.3.36\n') -out ileaf.pem 2>/dev/null
}

# A TurnOn profile pointing at a certificate file.
turn_on_profile() { # CERT-REF
  cat <<EOF
{
  "stagegate": 1,
  "name": "Warehouse Wi-Fi",
  "actions": [
    { "csp": "Batch", "action": "TurnOnTrustedMode", "certificate": "$1", "anchor": "pinned" },
    { "csp": "Wifi", "settings": { "ssid": "wh-1" } }
  ]
}
EOF
}

# A profile carrying a certificate for a firmware CSP (not a TurnOn), for
# tests that sign one profile with many keys: preflight refuses a TurnOn
# signed by any key but the deployed certificate's.
cert_profile() { # CERT-REF
  cat <<EOF
{
  "stagegate": 1,
  "name": "Warehouse Wi-Fi",
  "actions": [
    { "csp": "CertMgr", "certificate": "$1" },
    { "csp": "Wifi", "settings": { "ssid": "wh-1" } }
  ]
}
EOF
}

# Is OpenSSL's legacy provider (RC2 for `pkcs12 -legacy`) available?
have_legacy() { openssl list -providers -provider legacy >/dev/null 2>&1; }
