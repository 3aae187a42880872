# Test PKI with exact validity windows (openssl ca, so notBefore is ours).
# Every key here is TEST ONLY.

pki_init() {
  mkdir -p pki/db
  : > pki/db/index.txt
  echo 1000 > pki/db/serial
  cat > pki/ca.cnf <<'CNF'
[ ca ]
default_ca = test_ca
[ test_ca ]
database = pki/db/index.txt
serial = pki/db/serial
new_certs_dir = pki/db
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
organizationName = optional
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
[ leaf_ds ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = 1.3.6.1.5.5.7.3.36
[ leaf_staging ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = 1.3.6.1.4.1.55555.1
[ tls ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
[ signer_nokeyusage ]
basicConstraints = critical, CA:FALSE
[ no_ds ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = 1.3.6.1.5.5.7.3.36
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
[ inter ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
CNF
}

# newkey NAME TYPE  (p256 | p384 | rsa2048 | rsa3072 | rsa1024 | rsa4096-huge-e)
# rsa4096-huge-e: a 4000-bit public exponent, the "expensive stranger" of
# issue 9 (a verify with it costs ~47 normal ones; devices refuse it unread)
newkey() {
  case "$2" in
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "pki/$1.key.pem" ;;
    p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "pki/$1.key.pem" ;;
    rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "pki/$1.key.pem" ;;
    rsa3072) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "pki/$1.key.pem" ;;
    rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "pki/$1.key.pem" ;;
    rsa4096-huge-e)
      openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 \
        -pkeyopt "rsa_keygen_pubexp:$(perl -Mbigint -e 'my $e = 1; $e = $e * 2 ** 3999 + 2 ** 1000 + 1; print $e')" \
        -out "pki/$1.key.pem" ;;
  esac 2>/dev/null
}

# cert NAME ISSUER EXT START END   (ISSUER "self" for self-signed; dates YYYYMMDDHHMMSSZ)
cert() {
  local name=$1 issuer=$2 ext=$3 start=$4 end=$5
  openssl req -new -key "pki/$name.key.pem" -subj "/CN=stagegate test $name/O=stagegate test vectors" \
    -out "pki/$name.csr" 2>/dev/null
  if [ "$issuer" = self ]; then
    openssl ca -batch -config pki/ca.cnf -selfsign -keyfile "pki/$name.key.pem" -in "pki/$name.csr" \
      -startdate "$start" -enddate "$end" -extensions "$ext" -notext -out "pki/$name.crt.pem" 2>/dev/null
  else
    openssl ca -batch -config pki/ca.cnf -cert "pki/$issuer.crt.pem" -keyfile "pki/$issuer.key.pem" \
      -in "pki/$name.csr" -startdate "$start" -enddate "$end" -extensions "$ext" -notext \
      -out "pki/$name.crt.pem" 2>/dev/null
  fi
  openssl x509 -in "pki/$name.crt.pem" -outform DER -out "pki/$name.crt.der"
  rm -f "pki/$name.csr"
}
