# JWS helpers in shell + openssl CLI only (RFC 7515/7518). Sourced by
# test-vectors/generate. They double as the interop proof: the device
# verifies what the openssl CLI alone produced.

b64u() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
b64std() { openssl base64 -A; }
hex2bin() { perl -e 'local $/; my $h = <STDIN>; $h =~ s/\s//g; print pack("H*", $h)'; }
sha256_b64u() { openssl dgst -sha256 -binary "$1" | b64u; }

# DER ECDSA-Sig-Value on stdin -> fixed-size R||S on stdout (RFC 7518 §3.4)
ecdsa_der_to_raw() {
  local coord=$1 tmp
  tmp=$(mktemp)
  cat > "$tmp"
  openssl asn1parse -inform DER -in "$tmp" | awk -F: '/INTEGER/ {print $NF}' |
    while read -r h; do
      perl -e 'my ($h,$n)=@ARGV; $h =~ s/^(00)+//; $h = ("0" x (2*$n - length $h)) . $h; print $h' "$h" "$coord"
    done | tr -d '\n' | hex2bin
  rm -f "$tmp"
}

# sign_raw ALG KEY < signing-input > raw JWS signature
sign_raw() {
  case "$1" in
    ES256) openssl dgst -sha256 -sign "$2" | ecdsa_der_to_raw 32 ;;
    ES384) openssl dgst -sha384 -sign "$2" | ecdsa_der_to_raw 48 ;;
    RS256) openssl dgst -sha256 -sign "$2" ;;
    PS256) openssl dgst -sha256 -sign "$2" -sigopt rsa_padding_mode:pss \
             -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 ;;
    *) echo "sign_raw: unknown alg $1" >&2; return 1 ;;
  esac
}

# protected_header ALG CERT.der [extra JSON members, starting with a comma]
protected_header() {
  printf '{"alg":"%s","typ":"stagegate-profile+jws","x5t#S256":"%s"%s}' "$1" "$(sha256_b64u "$2")" "${3:-}"
}

# x5c_member CERT.der... -> ,"x5c":["...","..."]
x5c_member() {
  local out=',"x5c":[' sep='' c
  for c in "$@"; do out+="$sep\"$(b64std < "$c")\""; sep=','; done
  printf '%s]' "$out"
}

# jws_compact ALG KEY CERT.der PAYLOAD-FILE [extra header members]
jws_compact() {
  local h p s
  h=$(protected_header "$1" "$3" "${5:-}" | b64u)
  p=$(b64u < "$4")
  s=$(printf '%s.%s' "$h" "$p" | sign_raw "$1" "$2" | b64u)
  printf '%s.%s.%s' "$h" "$p" "$s"
}

# jws_general PAYLOAD-FILE ALG1 KEY1 CERT1 ALG2 KEY2 CERT2 [extra header 1]  (two signatures)
jws_general() {
  local p h1 h2 s1 s2
  p=$(b64u < "$1")
  h1=$(protected_header "$2" "$4" "${8:-}" | b64u)
  s1=$(printf '%s.%s' "$h1" "$p" | sign_raw "$2" "$3" | b64u)
  h2=$(protected_header "$5" "$7" | b64u)
  s2=$(printf '%s.%s' "$h2" "$p" | sign_raw "$5" "$6" | b64u)
  printf '{"payload":"%s","signatures":[{"protected":"%s","signature":"%s"},{"protected":"%s","signature":"%s"}]}' \
    "$p" "$h1" "$s1" "$h2" "$s2"
}

# split_chunks FILE N -> N lines "SG1:i/N:set:data" (DESIGN.md "Barcode chunks")
split_chunks() {
  local text n set len size i start
  text=$(cat "$1"); n=$2
  set=$(printf '%s' "$text" | openssl dgst -sha256 -r | cut -c1-12)
  len=${#text}; size=$(( (len + n - 1) / n ))
  for ((i = 1; i <= n; i++)); do
    start=$(( (i - 1) * size ))
    printf 'SG1:%d/%d:%s:%s\n' "$i" "$n" "$set" "${text:start:size}"
  done
}
