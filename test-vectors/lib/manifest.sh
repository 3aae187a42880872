# manifest.json: scenarios, each starting from a factory device (model
# TC52, serial 21345522501234, clock T0, build time 1700000000, handlers
# Wifi = ok, Picky = check refuses {"bad":true}, Fail = run fails).
# A step feeds every line of `feed` in order; each line but the last must
# answer SG_NEED_MORE (or `each` when given), the last answers `expect`.
# `clock` sets the device clock for that step (test_profile_vectors keeps it
# for the following steps, run-scenarios goes back to the default: give it
# on every step that needs it); `state` is the trust
# state expected after the step. A scenario's optional `recovery` names the
# recovery certificate (DER, in profiles/) the device is built with.
write_manifest() {
  local T=$T0
  cat > manifest.json <<JSON
{
  "defaults": {"clock": $T, "build_time": 1700000000, "model": "TC52", "serial": "21345522501234"},
  "scenarios": [
    {"name": "unsigned profile on a factory device", "steps": [
      {"feed": "wifi.json", "expect": "SG_ACCEPTED", "state": "UNTRUSTED"},
      {"feed": "wifi-target-ok.json", "expect": "SG_ACCEPTED"},
      {"feed": "wifi-target-other.json", "expect": "SG_ERR_NOT_FOR_DEVICE"},
      {"feed": "wifi-expired.json", "expect": "SG_ERR_PROFILE_EXPIRED"},
      {"feed": "privkey-pem.json", "expect": "SG_ERR_PRIVATE_KEY"},
      {"feed": "unknown-member.json", "expect": "SG_ERR_PROFILE_FORMAT"},
      {"feed": "version2.json", "expect": "SG_ERR_PROFILE_VERSION"},
      {"feed": "broken.json", "expect": "SG_ERR_PROFILE_FORMAT"},
      {"feed": "long-seq.json", "expect": "SG_ERR_PROFILE_FORMAT"},
      {"feed": "long-decimal.json", "expect": "SG_ACCEPTED"},
      {"feed": "huge.json", "expect": "SG_ERR_TOO_LARGE"},
      {"feed": "turnon-unsigned.json", "expect": "SG_ERR_NO_POSSESSION", "state": "UNTRUSTED"},
      {"feed": "turnoff-unsigned.json", "expect": "SG_ERR_NOT_TRUSTED"},
      {"feed": "turnoff-admin-10.jws", "expect": "SG_ERR_NOT_TRUSTED"},
      {"feed": "rotate-admin-admin2.jws", "expect": "SG_ERR_NOT_TRUSTED", "state": "UNTRUSTED"}]},
    {"name": "signed profiles on a factory device", "steps": [
      {"feed": "wifi-admin2-x5c.jws", "expect": "SG_ACCEPTED", "state": "UNTRUSTED"},
      {"feed": "wifi-admin2-30.jws", "expect": "SG_ERR_UNKNOWN_SIGNER"},
      {"feed": "turnon-admin-by-admin2.jws", "expect": "SG_ERR_NO_POSSESSION", "state": "UNTRUSTED"},
      {"feed": "turnon-weak.jws", "expect": "SG_ERR_WEAK_KEY"},
      {"feed": "turnon-privkey.jws", "expect": "SG_ERR_PRIVATE_KEY"},
      {"feed": "x5c-garbage.jws", "expect": "SG_ERR_CERT_FORMAT"},
      {"feed": "turnon-admin-as-ca.jws", "expect": "SG_ERR_CERT_USAGE", "state": "UNTRUSTED"}]},
    {"name": "enrol with ES256 (pinned), use, replay, turn off, re-enrol", "steps": [
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "turnon-admin2.jws", "expect": "SG_ERR_ALREADY_TRUSTED"},
      {"feed": "wifi.json", "expect": "SG_ERR_UNSIGNED_ON_TRUSTED"},
      {"feed": "wifi-admin-5.jws", "expect": "SG_ACCEPTED"},
      {"feed": "wifi-admin-5.jws", "expect": "SG_ACCEPTED"},
      {"feed": "wifi-admin-4.jws", "expect": "SG_ERR_REPLAY"},
      {"feed": "wifi-admin2-x5c.jws", "expect": "SG_ERR_UNKNOWN_SIGNER"},
      {"feed": "wifi-admin2-30.jws", "expect": "SG_ERR_UNKNOWN_SIGNER"},
      {"feed": "turnoff-admin2.jws", "expect": "SG_ERR_UNKNOWN_SIGNER", "state": "TRUSTED"},
      {"feed": "turnoff-admin-10.jws", "expect": "SG_ACCEPTED", "state": "UNTRUSTED"},
      {"feed": "turnoff-admin-10.jws", "expect": "SG_ERR_NOT_TRUSTED", "state": "UNTRUSTED"},
      {"feed": "turnon-admin.jws", "expect": "SG_ERR_REPLAY", "state": "UNTRUSTED"},
      {"feed": "turnon-admin-11.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "turnoff-admin-10.jws", "expect": "SG_ERR_REPLAY", "state": "TRUSTED"},
      {"feed": "wifi-admin-5.jws", "expect": "SG_ERR_REPLAY", "state": "TRUSTED"}]},
    {"name": "claims, schema and handlers of signed profiles", "steps": [
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "wifi-admin-expired.jws", "expect": "SG_ERR_PROFILE_EXPIRED"},
      {"feed": "wifi-admin-future.jws", "expect": "SG_ERR_PROFILE_FUTURE"},
      {"feed": "wifi-admin-target-other.jws", "expect": "SG_ERR_NOT_FOR_DEVICE"},
      {"feed": "wifi-admin-noseq.jws", "expect": "SG_ERR_PROFILE_FORMAT"},
      {"feed": "wifi-admin-unknown-csp.jws", "expect": "SG_ERR_UNSUPPORTED_ACTION"},
      {"feed": "wifi-admin-picky.jws", "expect": "SG_ERR_ACTION_ARGS"},
      {"feed": "wifi-admin-fail.jws", "expect": "SG_ERR_HANDLER_FAILED"},
      {"feed": "wifi-admin-unknown-member.jws", "expect": "SG_ERR_PROFILE_FORMAT"},
      {"feed": "wifi-admin-v2.jws", "expect": "SG_ERR_PROFILE_VERSION"},
      {"feed": "wifi-admin-target-ok.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"}]},
    {"name": "JWS header rules", "steps": [
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "hdr-crit.jws", "expect": "SG_ERR_HEADER"},
      {"feed": "hdr-jku.jws", "expect": "SG_ERR_HEADER"},
      {"feed": "hdr-jwk.jws", "expect": "SG_ERR_HEADER"},
      {"feed": "hdr-x5u.jws", "expect": "SG_ERR_HEADER"},
      {"feed": "alg-none.jws", "expect": "SG_ERR_ALG"},
      {"feed": "alg-hs256.jws", "expect": "SG_ERR_ALG"},
      {"feed": "hdr-kid.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"}]},
    {"name": "enrol with ES384", "steps": [
      {"feed": "turnon-es384.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"}]},
    {"name": "enrol with RSA-2048 PS256 signed by the openssl CLI", "steps": [
      {"feed": "turnon-rsa-ps256.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"}]},
    {"name": "enrol with RSA-2048 RS256 signed by the openssl CLI", "steps": [
      {"feed": "turnon-rsa-rs256.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"}]},
    {"name": "CA anchor: chains, usage, attacker's root", "steps": [
      {"feed": "turnon-root-ca.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "wifi-ca-signer.jws", "expect": "SG_ACCEPTED"},
      {"feed": "wifi-ca-nointer.jws", "expect": "SG_ERR_CHAIN"},
      {"feed": "wifi-ca-evil.jws", "expect": "SG_ERR_CHAIN"},
      {"feed": "wifi-ca-nods.jws", "expect": "SG_ERR_CERT_USAGE"},
      {"feed": "wifi-ca-expired.jws", "expect": "SG_ERR_CERT_EXPIRED"},
      {"feed": "turnoff-ca-signer.jws", "expect": "SG_ERR_ANCHOR_KEY_REQUIRED", "state": "TRUSTED"},
      {"feed": "wifi-ca-tls.jws", "expect": "SG_ERR_CERT_USAGE"},
      {"feed": "wifi-ca-staging.jws", "expect": "SG_ERR_CERT_USAGE"},
      {"feed": "wifi-ca-root.jws", "expect": "SG_ACCEPTED"},
      {"feed": "turnoff-ca-tls.jws", "expect": "SG_ERR_ANCHOR_KEY_REQUIRED"},
      {"feed": "rotate-ca-tls-admin2.jws", "expect": "SG_ERR_ANCHOR_KEY_REQUIRED", "state": "TRUSTED"},
      {"feed": "wifi-hugee.jws", "expect": "SG_ERR_CERT_USAGE"},
      {"feed": "turnoff-ca-root.jws", "expect": "SG_ACCEPTED", "state": "UNTRUSTED"}]},
    {"name": "CA anchor: proof of possession by an EKU leaf of the CA", "steps": [
      {"feed": "turnon-root-ca-by-tls.jws", "expect": "SG_ERR_CERT_USAGE", "state": "UNTRUSTED"},
      {"feed": "turnon-root-ca-by-evil.jws", "expect": "SG_ERR_CHAIN", "state": "UNTRUSTED"},
      {"feed": "turnon-root-ca-by-signer.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "wifi-ca-signer.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"}]},
    {"name": "certificate not yet valid, one second early", "steps": [
      {"clock": 1777593599, "feed": "turnon-short.jws", "expect": "SG_ERR_CERT_NOT_YET_VALID", "state": "UNTRUSTED"},
      {"clock": 1777593600, "feed": "turnon-short.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"}]},
    {"name": "certificate expiry, to the second", "steps": [
      {"clock": 1777593600, "feed": "turnon-short.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"clock": 1780272000, "feed": "wifi-short.jws", "expect": "SG_ACCEPTED"},
      {"clock": 1780272001, "feed": "wifi-short.jws", "expect": "SG_ERR_CERT_EXPIRED"},
      {"clock": 1777593600, "feed": "wifi-short.jws", "expect": "SG_ACCEPTED"}]},
    {"name": "rotation signed by old and new key, activated at its time", "steps": [
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "rotate-only-admin.jws", "expect": "SG_ERR_ROTATION"},
      {"feed": "rotate-twice-admin.jws", "expect": "SG_ERR_ROTATION"},
      {"feed": "rotate-admin-admin2.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "rotate-admin-admin2.jws", "expect": "SG_ERR_REPLAY"},
      {"clock": $((T + 99)), "feed": "wifi-admin2-30.jws", "expect": "SG_ERR_UNKNOWN_SIGNER"},
      {"clock": $((T + 100)), "feed": "wifi-admin2-30.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "wifi-admin-31.jws", "expect": "SG_ERR_UNKNOWN_SIGNER"}]},
    {"name": "floors before enrolment: a stranger's barcodes move no floor", "steps": [
      {"feed": "wifi-stranger-maxseq.jws", "expect": "SG_ACCEPTED", "state": "UNTRUSTED"},
      {"feed": "wifi-stranger-skew.jws", "expect": "SG_ACCEPTED"},
      {"clock": $LATE, "feed": "wifi-stranger-late.jws", "expect": "SG_ACCEPTED"},
      {"clock": $T, "feed": "turnon-short.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "wifi-short.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"}]},
    {"name": "floors per key: a new owner starts clean", "steps": [
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "wifi-admin-5.jws", "expect": "SG_ACCEPTED"},
      {"feed": "turnoff-admin-10.jws", "expect": "SG_ACCEPTED", "state": "UNTRUSTED"},
      {"feed": "turnon-admin2-seq1.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "turnoff-admin-10.jws", "expect": "SG_ERR_UNKNOWN_SIGNER", "state": "TRUSTED"}]},
    {"name": "trust changes must carry exp, at most 7 days after iat", "steps": [
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "turnoff-admin-noexp.jws", "expect": "SG_ERR_EXP_REQUIRED"},
      {"feed": "turnoff-admin-longexp.jws", "expect": "SG_ERR_EXP_TOO_LONG"},
      {"feed": "turnoff-admin-exp7d1s.jws", "expect": "SG_ERR_EXP_TOO_LONG"},
      {"feed": "rotate-admin-admin2-noexp.jws", "expect": "SG_ERR_EXP_REQUIRED", "state": "TRUSTED"},
      {"clock": $((TRUST_IAT + 7 * 86400)), "feed": "turnoff-admin-10.jws", "expect": "SG_ERR_PROFILE_EXPIRED", "state": "TRUSTED"},
      {"clock": $((TRUST_IAT + 7 * 86400 - 1)), "feed": "turnoff-admin-10.jws", "expect": "SG_ACCEPTED", "state": "UNTRUSTED"}]},
    {"name": "an expensive stranger is refused before any signature math", "steps": [
      {"feed": "wifi-hugee.jws", "expect": "SG_ERR_KEY_PARAMS", "state": "UNTRUSTED"},
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "wifi-hugee.jws", "expect": "SG_ERR_UNKNOWN_SIGNER", "state": "TRUSTED"}]},
    {"name": "expired anchor: its own key may still turn off", "steps": [
      {"feed": "turnon-expiring.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"clock": 1780272000, "feed": "wifi-expiring.jws", "expect": "SG_ACCEPTED"},
      {"clock": $LATE, "feed": "wifi-expiring.jws", "expect": "SG_ERR_CERT_EXPIRED"},
      {"clock": $LATE, "feed": "turnoff-expiring-late.jws", "expect": "SG_ACCEPTED", "state": "UNTRUSTED"}]},
    {"name": "expired anchor: its own key may still rotate", "steps": [
      {"feed": "turnon-expiring.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"clock": $LATE, "feed": "rotate-expiring-admin2-late.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"clock": $LATE, "feed": "wifi-admin2-30.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"}]},
    {"name": "recovery certificate returns a trusted device to untrusted, floors kept", "recovery": "recovery-cert.der", "steps": [
      {"feed": "recover-by-recovery.jws", "expect": "SG_ERR_NOT_TRUSTED", "state": "UNTRUSTED"},
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "wifi-admin-5.jws", "expect": "SG_ACCEPTED"},
      {"feed": "recover-by-admin.jws", "expect": "SG_ERR_UNKNOWN_SIGNER"},
      {"feed": "recover-noexp.jws", "expect": "SG_ERR_EXP_REQUIRED", "state": "TRUSTED"},
      {"feed": "recover-by-recovery.jws", "expect": "SG_ACCEPTED", "state": "UNTRUSTED"},
      {"feed": "turnon-admin.jws", "expect": "SG_ERR_REPLAY", "state": "UNTRUSTED"},
      {"feed": "turnon-admin-11.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "recover-by-recovery.jws", "expect": "SG_ERR_REPLAY", "state": "TRUSTED"}]},
    {"name": "no recovery certificate: RecoverTrust does nothing", "steps": [
      {"feed": "turnon-admin.jws", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "recover-by-recovery.jws", "expect": "SG_ERR_NO_RECOVERY", "state": "TRUSTED"}]},
    {"name": "chunks out of order, repeated, mixed, tampered, malformed", "steps": [
      {"feed": "turnon-admin-shuffled.chunks", "expect": "SG_ACCEPTED", "state": "TRUSTED"},
      {"feed": "wifi-admin-5.chunks", "expect": "SG_ACCEPTED"},
      {"feed": "mixed-sets.chunks", "expect": "SG_ACCEPTED"},
      {"feed": "tampered.chunks", "expect": "SG_ERR_CHUNK_HASH"},
      {"feed": "chunk-index0.chunks", "expect": "SG_ERR_CHUNK_FORMAT"},
      {"feed": "chunk-uppercase.chunks", "expect": "SG_ERR_CHUNK_FORMAT"},
      {"feed": "chunk-leading-zero.chunks", "expect": "SG_ERR_CHUNK_FORMAT"},
      {"feed": "chunk-17.chunks", "expect": "SG_ERR_TOO_LARGE", "state": "TRUSTED"}]}
  ]
}
JSON
}
