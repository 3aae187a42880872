#!/usr/bin/env python3
"""Seed inputs for fuzz_trustslot (layout: agent/src/trustslot.c; input
format: tests/fuzz/fuzz_trustslot.c). Run from anywhere; rewrites
fuzz_trustslot/ beside this script."""
import hashlib, os, struct

UNTRUSTED, TRUSTED, PINNED, CA = 0x5A0F, 0x3C96, 0x6E11, 0x6EC4

def tlv(tag, val):
    return struct.pack('<HH', tag, len(val)) + val

def payload(state, mode=0, anchor=b'', pending=b'', pmode=0, act=0, seq=0, time=0, former=()):
    p = tlv(1, struct.pack('<H', state)) + tlv(2, struct.pack('<H', mode))
    if anchor:
        p += tlv(3, anchor)
    if pending:
        p += tlv(4, pending) + tlv(5, struct.pack('<H', pmode)) + tlv(6, struct.pack('<Q', act))
    p += tlv(7, struct.pack('<Q', seq)) + tlv(8, struct.pack('<Q', time))
    if former:  # format 2: former anchors, (key SHA-256, seq floor) each
        p += tlv(9, b''.join(k + struct.pack('<Q', f) for k, f in former))
    return p

# Format 2 is what the agent writes; format 1 (no tag 9) is still read and
# is what the genesis record stays.
def record(gen, pl, digest=True, version=2):
    body = b'SGTS' + struct.pack('<HHII', version, 0, gen, len(pl)) + pl
    body += b'\0' * (-len(body) % 32)
    return body + (hashlib.sha256(body).digest() if digest else b'\0' * 32)

def fuzz_input(flags, a=b'', b=b''):
    return bytes([flags]) + struct.pack('<H', len(a)) + a + b

cert = bytes([0x30, 0x82, 0x00, 0x3c]) + bytes(range(60))
seeds = {
    'erased': fuzz_input(0),
    'genesis-in-b': fuzz_input(0, b=record(1, payload(UNTRUSTED), version=1)),
    'format1-trusted': fuzz_input(0, record(5, payload(TRUSTED, PINNED, cert, seq=5, time=1763900000), version=1)),
    'former-anchors': fuzz_input(0, record(6, payload(UNTRUSTED, time=1763900000,
                                                      former=[(bytes([0xA0]) * 32, 10), (bytes([0xA1]) * 32, 7)])),
                                 record(7, payload(TRUSTED, PINNED, cert, seq=11, time=1763900001,
                                                   former=[(bytes([0xA1]) * 32, 7)]))),
    'trusted-mirrored': fuzz_input(0, record(2, payload(TRUSTED, PINNED, cert, seq=5, time=1763900000)),
                                   record(3, payload(TRUSTED, PINNED, cert, seq=5, time=1763900000))),
    'rotation-fix-digest': fuzz_input(1, record(7, payload(TRUSTED, CA, cert, cert[:40], PINNED, 1764000000, 9, 9),
                                               digest=False)),
    'counter-above': fuzz_input(4 | (5 << 4), record(2, payload(UNTRUSTED, seq=1))),
    'torn-a': fuzz_input(0, record(4, payload(TRUSTED, CA, cert))[:50],
                         record(3, payload(TRUSTED, CA, cert))),
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fuzz_trustslot')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
