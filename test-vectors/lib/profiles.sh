# Profile vectors: every row of the trust-policy table and every rejection
# reason, as scanned texts (one symbol per line) plus manifest.json saying
# what the device must answer at each step. Sourced by test-vectors/generate
# with the working directory at test-vectors/profiles.

IAT=1777000000        # 2026-04-24: issued-at of most profiles
T0=1780000000         # 2026-05-28: the scenarios' default clock
LONG_FROM=20250101000000Z
LONG_TO=20350101000000Z

# Trust changes (TurnOff, Rotate, RecoverTrust) must carry exp, at most 7
# days after iat (issue 9, defect 8): theirs are issued an hour before T0.
TRUST_IAT=$((T0 - 3600))
TRUST_EXP=",\"exp\":$((TRUST_IAT + 7 * 86400))"
# After the "expiring" anchor's notAfter (2026-06-01T00:00:00Z = 1780272000)
LATE=1780300000
LATE_IAT=$((LATE - 600))
LATE_EXP=",\"exp\":$((LATE_IAT + 6 * 86400))"

WIFI='[{"csp":"Wifi","settings":{"ssid":"wh-1"}}]'
TURNOFF='[{"csp":"Batch","action":"TurnOffTrustedMode"}]'
RECOVER='[{"csp":"Batch","action":"RecoverTrust"}]'
turnon() { printf '[{"csp":"Batch","action":"TurnOnTrustedMode","certificate":"%s","anchor":"%s"}]' "$(b64std < "pki/$1.crt.der")" "${2:-pinned}"; }
rotate() { printf '[{"csp":"Batch","action":"RotateTrustedCertificate","certificate":"%s","activate_at":%s}]' "$(b64std < "pki/$1.crt.der")" "$2"; }

# payload FILE NAME SEQ ACTIONS [extra members ,"k":v]  (seq "-" = none)
payload() {
  local seq=",\"seq\":$3"
  [ "$3" = - ] && seq=''
  printf '{"stagegate":1,"name":"%s"%s,"iat":%s%s,"actions":%s}' "$2" "$seq" "${IAT_OVERRIDE:-$IAT}" "${5:-}" "$4" > "work/$1.json"
}
# signed OUT ALG SIGNER PAYLOAD [extra header]   (signer key+cert from pki/)
signed() { jws_compact "$2" "pki/$3.key.pem" "pki/$3.crt.der" "work/$4.json" "${5:-}" > "$1"; }

make_pki() {
  pki_init
  newkey admin p256;     cert admin self leaf $LONG_FROM $LONG_TO
  newkey admin2 p256;    cert admin2 self leaf $LONG_FROM $LONG_TO
  newkey es384 p384;     cert es384 self leaf $LONG_FROM $LONG_TO
  newkey rsa rsa2048;    cert rsa self leaf $LONG_FROM $LONG_TO
  newkey rsa3072 rsa3072; cert rsa3072 self leaf $LONG_FROM $LONG_TO
  newkey weak rsa1024;   cert weak self leaf $LONG_FROM $LONG_TO
  newkey short p256;     cert short self leaf 20260501000000Z 20260601000000Z
  newkey root p256;      cert root self root $LONG_FROM $LONG_TO
  newkey inter p256;     cert inter root inter $LONG_FROM $LONG_TO
  newkey signer p256;    cert signer inter leaf_ds $LONG_FROM $LONG_TO
  newkey nods p256;      cert nods inter no_ds $LONG_FROM $LONG_TO
  newkey expsigner p256; cert expsigner inter leaf_ds 20250101000000Z 20260101000000Z
  newkey evilroot p256;  cert evilroot self root $LONG_FROM $LONG_TO
  newkey evilsigner p256; cert evilsigner evilroot leaf_ds $LONG_FROM $LONG_TO
  # issue 9: a TLS server certificate of the same CA, a staging-EKU leaf,
  # a self-made stranger, an anchor that expires, a recovery certificate,
  # and an RSA-4096 key with a 4000-bit public exponent
  newkey tls p256;       cert tls inter tls $LONG_FROM $LONG_TO
  newkey staging p256;   cert staging inter leaf_staging $LONG_FROM $LONG_TO
  newkey stranger p256;  cert stranger self leaf $LONG_FROM $LONG_TO
  newkey expiring p256;  cert expiring self leaf $LONG_FROM 20260601000000Z
  newkey recovery p256;  cert recovery self leaf $LONG_FROM $LONG_TO
  # OpenSSL will not verify with an exponent over 64 bits (so openssl ca
  # refuses the request): the certificate is made for a throwaway key and
  # the huge key swapped in (-force_pubkey). Devices refuse it before they
  # would check any signature, its own included.
  newkey hugee rsa4096-huge-e; newkey hugee-tmp p256
  cert hugee-tmp self leaf $LONG_FROM $LONG_TO
  openssl pkey -in pki/hugee.key.pem -pubout -out pki/hugee.pub.pem
  openssl x509 -in pki/hugee-tmp.crt.pem -signkey pki/hugee-tmp.key.pem -force_pubkey pki/hugee.pub.pem \
    -preserve_dates -out pki/hugee.crt.pem 2>/dev/null
  openssl x509 -in pki/hugee.crt.pem -outform DER -out pki/hugee.crt.der
  rm -f pki/hugee-tmp.* pki/hugee.pub.pem pki/hugee.csr
}

make_profiles() {
  mkdir -p work
  # --- unsigned
  payload wifi "Warehouse Wi-Fi" - "$WIFI";  cp work/wifi.json wifi.json
  payload t "Wi-Fi for TC52 21345522501234" - "$WIFI" ',"target":{"models":["TC52"],"serials":["21345522501234"]}'; cp work/t.json wifi-target-ok.json
  payload t "Wi-Fi for MC33" - "$WIFI" ',"target":{"models":["MC33"]}'; cp work/t.json wifi-target-other.json
  payload t "Expired Wi-Fi" - "$WIFI" ',"exp":1700000001'; cp work/t.json wifi-expired.json
  payload t "TurnOn without signature" 1 "$(turnon admin)"; cp work/t.json turnon-unsigned.json
  payload t "TurnOff without signature" 1 "$TURNOFF"; cp work/t.json turnoff-unsigned.json
  payload t "Wi-Fi carrying a key" - '[{"csp":"Wifi","settings":{"eap_key":"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----"}}]'; cp work/t.json privkey-pem.json
  payload t "Unknown member" - "$WIFI" ',"colour":"red"'; cp work/t.json unknown-member.json
  printf '{"stagegate":2,"name":"Future format","actions":%s}' "$WIFI" > version2.json
  printf '{"stagegate":1,"name":"Broken",' > broken.json
  # numbers that make strtod work hard (its bignum path allocates: on Cortex-M
  # from the static pool). cJSON itself refuses numbers over 63 characters.
  printf '{"stagegate":1,"name":"Long seq","seq":123456789012345678901234567890123456789,"actions":%s}' "$WIFI" > long-seq.json
  printf '{"stagegate":1,"name":"Long decimals","actions":[{"csp":"Wifi","settings":{"ssid":"wh-1","gain":1.000000000000000000000000000000000000001e-300}}]}' > long-decimal.json
  # an unsigned profile bigger than SG_MAX_PROFILE (8 KiB)
  perl -e 'print q({"stagegate":1,"name":"Huge","actions":[{"csp":"Wifi","pad":").("x" x 9000).q("}]})' > huge.json

  # --- enrolment (TurnOn) and proof of possession
  payload t "Trust admin" 1 "$(turnon admin)";        signed turnon-admin.jws ES256 admin t
  payload t "Trust admin again" 11 "$(turnon admin)"; signed turnon-admin-11.jws ES256 admin t
  payload t "Trust admin (wrong signer)" 1 "$(turnon admin)"
  signed turnon-admin-by-admin2.jws ES256 admin2 t "$(x5c_member pki/admin2.crt.der)"
  payload t "Trust admin2" 12 "$(turnon admin2)";     signed turnon-admin2.jws ES256 admin2 t
  payload t "Trust ES384" 1 "$(turnon es384)";        signed turnon-es384.jws ES384 es384 t
  payload t "Trust RSA (PS256)" 1 "$(turnon rsa)";    signed turnon-rsa-ps256.jws PS256 rsa t
  payload t "Trust RSA (RS256)" 1 "$(turnon rsa)";    signed turnon-rsa-rs256.jws RS256 rsa t
  payload t "Trust RSA-3072 (RS256)" 1 "$(turnon rsa3072)"; signed turnon-rsa3072-rs256.jws RS256 rsa3072 t
  payload t "Trust RSA-1024" 1 "$(turnon weak)";      signed turnon-weak.jws RS256 weak t
  payload t "Trust root CA" 1 "$(turnon root ca)";    signed turnon-root-ca.jws ES256 root t
  payload t "Trust a leaf as CA" 1 "$(turnon admin ca)"; signed turnon-admin-as-ca.jws ES256 admin t
  payload t "Trust short-lived" 1 "$(turnon short)";  signed turnon-short.jws ES256 short t
  # the certificate field carries the admin's PKCS#8 private key instead
  openssl pkcs8 -topk8 -nocrypt -in pki/admin.key.pem -outform DER -out work/admin.p8.der
  printf '{"stagegate":1,"name":"Key smuggling","seq":1,"iat":%s,"actions":[{"csp":"Batch","action":"TurnOnTrustedMode","certificate":"%s"}]}' \
    "$IAT" "$(b64std < work/admin.p8.der)" > work/t.json
  signed turnon-privkey.jws ES256 admin t

  # --- signed profiles on a device trusting admin (pinned)
  payload t "Wi-Fi 5" 5 "$WIFI";                    signed wifi-admin-5.jws ES256 admin t
  payload t "Wi-Fi 4" 4 "$WIFI";                    signed wifi-admin-4.jws ES256 admin t
  payload t "Wi-Fi by admin2" 6 "$WIFI";            signed wifi-admin2-x5c.jws ES256 admin2 t "$(x5c_member pki/admin2.crt.der)"
  payload t "Wi-Fi by admin2" 30 "$WIFI";           signed wifi-admin2-30.jws ES256 admin2 t
  payload t "Wi-Fi 31" 31 "$WIFI";                  signed wifi-admin-31.jws ES256 admin t
  payload t "Expired" 5 "$WIFI" ',"exp":1700000001'; signed wifi-admin-expired.jws ES256 admin t
  IAT_OVERRIDE=1790000000 payload t "From the future" 5 "$WIFI"; signed wifi-admin-future.jws ES256 admin t
  payload t "For MC33" 5 "$WIFI" ',"target":{"models":["MC33"]}'; signed wifi-admin-target-other.jws ES256 admin t
  payload t "For this TC52" 5 "$WIFI" ',"target":{"models":["TC52"],"serials":["21345522501234"]}'; signed wifi-admin-target-ok.jws ES256 admin t
  payload t "No seq" - "$WIFI";                     signed wifi-admin-noseq.jws ES256 admin t
  payload t "Unknown CSP" 5 '[{"csp":"Nope"}]';     signed wifi-admin-unknown-csp.jws ES256 admin t
  payload t "Picky refuses" 5 '[{"csp":"Picky","bad":true}]'; signed wifi-admin-picky.jws ES256 admin t
  payload t "Handler fails" 5 '[{"csp":"Wifi"},{"csp":"Fail"}]'; signed wifi-admin-fail.jws ES256 admin t
  payload t "Unknown member" 5 "$WIFI" ',"colour":"red"'; signed wifi-admin-unknown-member.jws ES256 admin t
  printf '{"stagegate":2,"name":"v2","seq":5,"iat":%s,"actions":%s}' "$IAT" "$WIFI" > work/t.json
  signed wifi-admin-v2.jws ES256 admin t
  IAT_OVERRIDE=$TRUST_IAT payload t "Turn off" 10 "$TURNOFF" "$TRUST_EXP"; signed turnoff-admin-10.jws ES256 admin t
  IAT_OVERRIDE=$TRUST_IAT payload t "Turn off by admin2" 13 "$TURNOFF" "$TRUST_EXP"; signed turnoff-admin2.jws ES256 admin2 t "$(x5c_member pki/admin2.crt.der)"
  # trust changes without exp, or living longer than 7 days
  IAT_OVERRIDE=$TRUST_IAT payload t "Turn off, no exp" 10 "$TURNOFF"; signed turnoff-admin-noexp.jws ES256 admin t
  IAT_OVERRIDE=$TRUST_IAT payload t "Turn off, 8 days" 10 "$TURNOFF" ",\"exp\":$((TRUST_IAT + 8 * 86400))"; signed turnoff-admin-longexp.jws ES256 admin t
  IAT_OVERRIDE=$TRUST_IAT payload t "Turn off, exp 7 days + 1 s" 10 "$TURNOFF" ",\"exp\":$((TRUST_IAT + 7 * 86400 + 1))"; signed turnoff-admin-exp7d1s.jws ES256 admin t
  IAT_OVERRIDE=$TRUST_IAT payload t "Rotate to admin2, no exp" 20 "$(rotate admin2 $((T0 + 100)))"
  jws_general work/t.json ES256 pki/admin.key.pem pki/admin.crt.der ES256 pki/admin2.key.pem pki/admin2.crt.der > rotate-admin-admin2-noexp.jws
  # a new owner's key starts with no floor of its own
  payload t "Trust admin2 (seq 1)" 1 "$(turnon admin2)"; signed turnon-admin2-seq1.jws ES256 admin2 t

  # --- floors before enrolment: a stranger's barcodes on a factory device
  payload t "Stranger, seq 2^53-1" 9007199254740991 "$WIFI"; signed wifi-stranger-maxseq.jws ES256 stranger t "$(x5c_member pki/stranger.crt.der)"
  IAT_OVERRIDE=$((T0 + 300)) payload t "Stranger, iat at the skew limit" 2 "$WIFI"; signed wifi-stranger-skew.jws ES256 stranger t "$(x5c_member pki/stranger.crt.der)"
  IAT_OVERRIDE=$LATE payload t "Stranger, clock set forward" 3 "$WIFI"; signed wifi-stranger-late.jws ES256 stranger t "$(x5c_member pki/stranger.crt.der)"

  # --- the expensive stranger: RSA-4096, 4000-bit exponent, in x5c
  payload t "Huge exponent" 5 "$WIFI"; signed wifi-hugee.jws RS256 hugee t "$(x5c_member pki/hugee.crt.der)"

  # --- an anchor that expires (notAfter 2026-06-01T00:00:00Z)
  payload t "Trust expiring" 1 "$(turnon expiring)"; signed turnon-expiring.jws ES256 expiring t
  payload t "Wi-Fi by expiring" 5 "$WIFI";          signed wifi-expiring.jws ES256 expiring t
  IAT_OVERRIDE=$LATE_IAT payload t "Turn off after expiry" 10 "$TURNOFF" "$LATE_EXP"; signed turnoff-expiring-late.jws ES256 expiring t
  IAT_OVERRIDE=$LATE_IAT payload t "Rotate after expiry" 20 "$(rotate admin2 0)" "$LATE_EXP"
  jws_general work/t.json ES256 pki/expiring.key.pem pki/expiring.crt.der ES256 pki/admin2.key.pem pki/admin2.crt.der > rotate-expiring-admin2-late.jws

  # --- recovery (RecoverTrust), signed by the firmware's recovery certificate
  cp pki/recovery.crt.der recovery-cert.der
  IAT_OVERRIDE=$TRUST_IAT payload t "Recover" 1 "$RECOVER" "$TRUST_EXP"; signed recover-by-recovery.jws ES256 recovery t
  signed recover-by-admin.jws ES256 admin t
  IAT_OVERRIDE=$TRUST_IAT payload t "Recover, no exp" 2 "$RECOVER"; signed recover-noexp.jws ES256 recovery t

  # --- header rules (validly signed by admin; only the header is wrong)
  payload t "Header test" 5 "$WIFI"
  signed hdr-crit.jws ES256 admin t ',"crit":["exp"]'
  signed hdr-jku.jws ES256 admin t ',"jku":"https://attacker.example/keys"'
  signed hdr-jwk.jws ES256 admin t ',"jwk":{"kty":"EC"}'
  signed hdr-x5u.jws ES256 admin t ',"x5u":"https://attacker.example/cert"'
  signed hdr-kid.jws ES256 admin t ',"kid":"admin-2026"'
  # alg "none": no signature at all
  printf '%s.%s.' "$(printf '{"alg":"none","typ":"stagegate-profile+jws","x5t#S256":"%s"}' "$(sha256_b64u pki/admin.crt.der)" | b64u)" \
    "$(b64u < work/t.json)" > alg-none.jws
  # HS256 keyed with the (public) anchor certificate: the classic confusion
  local h p s
  h=$(printf '{"alg":"HS256","typ":"stagegate-profile+jws","x5t#S256":"%s"}' "$(sha256_b64u pki/admin.crt.der)" | b64u)
  p=$(b64u < work/t.json)
  s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(od -An -tx1 -v pki/admin.crt.der | tr -d ' \n')" -binary | b64u)
  printf '%s.%s.%s' "$h" "$p" "$s" > alg-hs256.jws
  # x5c whose leaf is not a certificate (x5t#S256 names those bytes)
  printf '\x30\x03\x02\x01\x00' > work/notcert.der
  jws_compact ES256 pki/admin.key.pem work/notcert.der work/t.json "$(x5c_member work/notcert.der)" > x5c-garbage.jws

  # --- CA anchor: signers chain to root through inter
  payload t "Wi-Fi by CA leaf" 5 "$WIFI"
  signed wifi-ca-signer.jws ES256 signer t "$(x5c_member pki/signer.crt.der pki/inter.crt.der)"
  signed wifi-ca-nointer.jws ES256 signer t "$(x5c_member pki/signer.crt.der)"
  signed wifi-ca-evil.jws ES256 evilsigner t "$(x5c_member pki/evilsigner.crt.der pki/evilroot.crt.der)"
  signed wifi-ca-nods.jws ES256 nods t "$(x5c_member pki/nods.crt.der pki/inter.crt.der)"
  signed wifi-ca-expired.jws ES256 expsigner t "$(x5c_member pki/expsigner.crt.der pki/inter.crt.der)"
  IAT_OVERRIDE=$TRUST_IAT payload t "Turn off by CA leaf" 10 "$TURNOFF" "$TRUST_EXP"
  signed turnoff-ca-signer.jws ES256 signer t "$(x5c_member pki/signer.crt.der pki/inter.crt.der)"
  signed turnoff-ca-tls.jws ES256 tls t "$(x5c_member pki/tls.crt.der pki/inter.crt.der)"
  signed turnoff-ca-root.jws ES256 root t
  payload t "Wi-Fi by the CA's TLS server certificate" 5 "$WIFI"
  signed wifi-ca-tls.jws ES256 tls t "$(x5c_member pki/tls.crt.der pki/inter.crt.der)"
  payload t "Wi-Fi by a staging-EKU leaf" 5 "$WIFI"
  signed wifi-ca-staging.jws ES256 staging t "$(x5c_member pki/staging.crt.der pki/inter.crt.der)"
  payload t "Wi-Fi by the CA itself" 6 "$WIFI";     signed wifi-ca-root.jws ES256 root t
  # Rotate the CA anchor to a key of the attacker's: a TLS leaf + admin2
  IAT_OVERRIDE=$TRUST_IAT payload t "Rotate CA to admin2" 20 "$(rotate admin2 $T0)" "$TRUST_EXP"
  jws_general work/t.json ES256 pki/tls.key.pem pki/tls.crt.der ES256 pki/admin2.key.pem pki/admin2.crt.der \
    "$(x5c_member pki/tls.crt.der pki/inter.crt.der)" > rotate-ca-tls-admin2.jws
  # TurnOn of a CA anchor, proof of possession by an EKU leaf of that CA
  payload t "Trust root CA (by EKU leaf)" 1 "$(turnon root ca)"
  signed turnon-root-ca-by-signer.jws ES256 signer t "$(x5c_member pki/signer.crt.der pki/inter.crt.der)"
  signed turnon-root-ca-by-tls.jws ES256 tls t "$(x5c_member pki/tls.crt.der pki/inter.crt.der)"
  signed turnon-root-ca-by-evil.jws ES256 evilsigner t "$(x5c_member pki/evilsigner.crt.der pki/evilroot.crt.der)"

  # --- certificate validity, to the second
  payload t "Wi-Fi by short-lived" 2 "$WIFI"; signed wifi-short.jws ES256 short t

  # --- rotation admin -> admin2, activating at T0+100
  IAT_OVERRIDE=$TRUST_IAT payload t "Rotate to admin2" 20 "$(rotate admin2 $((T0 + 100)))" "$TRUST_EXP"
  jws_general work/t.json ES256 pki/admin.key.pem pki/admin.crt.der ES256 pki/admin2.key.pem pki/admin2.crt.der > rotate-admin-admin2.jws
  jws_general work/t.json ES256 pki/admin.key.pem pki/admin.crt.der ES256 pki/admin.key.pem pki/admin.crt.der > rotate-twice-admin.jws
  signed rotate-only-admin.jws ES256 admin t

  # --- ~2 KB profiles for tests/bench and the Cortex-M firmware's memory
  # report, the same payload under every algorithm (seq 40: above every
  # other vector)
  local nets='' i
  for i in $(seq 1 26); do nets+="${nets:+,}{\"ssid\":\"warehouse-$i\",\"psk\":\"correct-horse-battery-$i\"}"; done
  payload t "Benchmark 2 KB" 40 "[{\"csp\":\"Wifi\",\"networks\":[$nets]}]"
  signed bench-es256.jws ES256 admin t
  signed bench-rs256.jws RS256 rsa t
  signed bench-es384.jws ES384 es384 t
  signed bench-ps256.jws PS256 rsa t
  signed bench-rs256-3072.jws RS256 rsa3072 t

  # --- chunks
  split_chunks turnon-admin.jws 3 > turnon-admin.chunks
  { sed -n 3p turnon-admin.chunks; sed -n 1p turnon-admin.chunks; sed -n 1p turnon-admin.chunks; sed -n 2p turnon-admin.chunks; } > turnon-admin-shuffled.chunks
  split_chunks wifi-admin-5.jws 2 > wifi-admin-5.chunks
  # one chunk of another profile in the middle: the first set restarts
  { sed -n 1p turnon-admin.chunks; sed -n 1p wifi-admin-5.chunks; sed -n 2p wifi-admin-5.chunks; } > mixed-sets.chunks
  # a data character changed: the set id no longer matches
  { sed -n 1p turnon-admin.chunks; sed -n 2p turnon-admin.chunks | sed 's/\(.\)$/\1X/'; sed -n 3p turnon-admin.chunks; } > tampered.chunks
  printf 'SG1:0/3:0123456789ab:data\n' > chunk-index0.chunks
  printf 'SG1:1/3:0123456789AB:data\n' > chunk-uppercase.chunks
  printf 'SG1:01/3:0123456789ab:data\n' > chunk-leading-zero.chunks
  printf 'SG1:1/17:0123456789ab:data\n' > chunk-17.chunks
  rm -rf work
}
