#!/usr/bin/env python3
"""Independent check of test/vectors/envelope-v3.json (no libsodium): JCS, the signed layout, the
envelope hash, BLAKE2b, Ed25519 (the sender's envelope and the granter's key grant), the key grant's
sealed box opened with the pending reader's key (X25519, HSalsa20, XSalsa20 and Poly1305 written
out or from pyca), and XChaCha20-Poly1305 opened with the key the grant carries.
Run: python3 test/vectors/check-envelope-v3.py"""
import base64, hashlib, json, struct
from pathlib import Path
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.poly1305 import Poly1305

here = Path(__file__).parent
v = json.loads((here / 'envelope-v3.json').read_text(encoding='utf-8'))
people = json.loads((here / 'envelope-v1.json').read_text(encoding='utf-8'))['people']
b64 = lambda s: base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
jcs = lambda o: json.dumps(o, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
blake = lambda b, n=32: hashlib.blake2b(b, digest_size=n).digest()
M = 0xffffffff
rotl = lambda x, n: ((x << n) | (x >> (32 - n))) & M

def hchacha20(key, nonce16):
    c = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] + list(struct.unpack('<8I', key)) + list(struct.unpack('<4I', nonce16))
    def qr(a, b, cc, d):
        c[a] = (c[a] + c[b]) & M; c[d] = rotl(c[d] ^ c[a], 16)
        c[cc] = (c[cc] + c[d]) & M; c[b] = rotl(c[b] ^ c[cc], 12)
        c[a] = (c[a] + c[b]) & M; c[d] = rotl(c[d] ^ c[a], 8)
        c[cc] = (c[cc] + c[d]) & M; c[b] = rotl(c[b] ^ c[cc], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack('<8I', *(c[0:4] + c[12:16]))

def salsa_rounds(x):
    def qr(a, b, c, d):
        x[b] ^= rotl((x[a] + x[d]) & M, 7); x[c] ^= rotl((x[b] + x[a]) & M, 9)
        x[d] ^= rotl((x[c] + x[b]) & M, 13); x[a] ^= rotl((x[d] + x[c]) & M, 18)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(5, 9, 13, 1); qr(10, 14, 2, 6); qr(15, 3, 7, 11)
        qr(0, 1, 2, 3); qr(5, 6, 7, 4); qr(10, 11, 8, 9); qr(15, 12, 13, 14)

def salsa_state(key, middle16):
    k, n = struct.unpack('<8I', key), struct.unpack('<4I', middle16)
    return [0x61707865, k[0], k[1], k[2], k[3], 0x3320646e, n[0], n[1], n[2], n[3], 0x79622d32, k[4], k[5], k[6], k[7], 0x6b206574]

def hsalsa20(key, nonce16):
    x = salsa_state(key, nonce16)
    salsa_rounds(x)
    return struct.pack('<8I', *(x[i] for i in (0, 5, 10, 15, 6, 7, 8, 9)))

def salsa20_stream(key, nonce8, length):
    out = b''
    for block in range((length + 63) // 64):
        x0 = salsa_state(key, nonce8 + struct.pack('<Q', block))
        x = list(x0)
        salsa_rounds(x)
        out += struct.pack('<16I', *((a + b) & M for a, b in zip(x, x0)))
    return out[:length]

def seal_open(sealed, box_seed):
    """crypto_box_seal_open: ephemeral key ‖ Poly1305 tag ‖ XSalsa20 ciphertext."""
    sk = hashlib.sha512(box_seed).digest()[:32]
    me = X25519PrivateKey.from_private_bytes(sk)
    pk = me.public_key().public_bytes_raw()
    eph, tag, ct = sealed[:32], sealed[32:48], sealed[48:]
    k = hsalsa20(me.exchange(X25519PublicKey.from_public_bytes(eph)), b'\x00' * 16)
    nonce = blake(eph + pk, 24)
    stream = salsa20_stream(hsalsa20(k, nonce[:16]), nonce[16:], 32 + len(ct))
    Poly1305.verify_tag(stream[:32], ct, tag)
    return bytes(a ^ b for a, b in zip(ct, stream[32:]))

env, header, grant = v['envelope'], v['header'], v['grant']
sender, granter, pending = people['sender'], people['recipients'][0], people['recipients'][1]
assert env['v'] == 3 and header['v'] == 3 and env['header'] == header
assert header['pending'] == [pending['userId']] and [r['userId'] for r in header['recipients']] == [granter['userId']]
assert sorted(k['userId'] for k in env['wrappedKeys']) == sorted([sender['userId'], granter['userId']])
assert jcs(header) == v['headerJcs']
ad = b'haven/envelope/v3\x00' + v['headerJcs'].encode('utf-8')
assert ad.hex() == v['additionalData']
nonce, ct = b64(env['nonce']), b64(env['ciphertext'])
wrapped = sorted(({'userId': k['userId'], 'wrappedKey': k['wrappedKey']} for k in env['wrappedKeys']), key=lambda k: k['userId'])
signing = ad + b'\x00' + blake(nonce + ct) + blake(jcs(wrapped).encode('utf-8'))
assert signing.hex() == v['signingBytes']
Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sender['signSeed'])).public_key().verify(b64(env['signature']), signing)
assert blake(signing).hex() == v['envelopeHash'] == grant['envelopeHash']
assert grant['messageId'] == header['id'] and grant['userId'] == pending['userId'] and grant['granterId'] == granter['userId']
assert grant['granterKeyFingerprint'] == granter['keyFingerprint'] and grant['keyFingerprint'] == pending['keyFingerprint']
unsigned = {k: grant[k] for k in grant if k != 'signature'}
grant_signing = b'haven/key-grant/v1\x00' + jcs(unsigned).encode('utf-8')
assert grant_signing.hex() == v['grantSigningBytes']
Ed25519PrivateKey.from_private_bytes(bytes.fromhex(granter['signSeed'])).public_key().verify(b64(grant['signature']), grant_signing)
message_key = seal_open(b64(grant['wrappedKey']), bytes.fromhex(pending['boxSeed']))
assert message_key.hex() == v['messageKey']
body = ChaCha20Poly1305(hchacha20(message_key, nonce[:16])).decrypt(b'\x00' * 4 + nonce[16:], ct, ad)
assert body.decode('utf-8') == v['body']
print('envelope-v3.json: JCS, layout, hashes, both signatures, the grant and the body check out')
