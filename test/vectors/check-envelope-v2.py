#!/usr/bin/env python3
"""Independent check of test/vectors/envelope-v2.json (no libsodium): JCS, the signed layout,
BLAKE2b, Ed25519 (envelope and key-log head) and XChaCha20-Poly1305 opened with messageKey.
Run: python3 test/vectors/check-envelope-v2.py"""
import base64, hashlib, json, struct, sys
from pathlib import Path
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey, Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

v = json.loads((Path(__file__).parent / 'envelope-v2.json').read_text(encoding='utf-8'))
b64 = lambda s: base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
jcs = lambda o: json.dumps(o, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
blake = lambda b: hashlib.blake2b(b, digest_size=32).digest()

def hchacha20(key, nonce16):
    c = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] + list(struct.unpack('<8I', key)) + list(struct.unpack('<4I', nonce16))
    def rotl(x, n): return ((x << n) | (x >> (32 - n))) & 0xffffffff
    def qr(a, b, cc, d):
        c[a] = (c[a] + c[b]) & 0xffffffff; c[d] = rotl(c[d] ^ c[a], 16)
        c[cc] = (c[cc] + c[d]) & 0xffffffff; c[b] = rotl(c[b] ^ c[cc], 12)
        c[a] = (c[a] + c[b]) & 0xffffffff; c[d] = rotl(c[d] ^ c[a], 8)
        c[cc] = (c[cc] + c[d]) & 0xffffffff; c[b] = rotl(c[b] ^ c[cc], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack('<8I', *(c[0:4] + c[12:16]))

env, header = v['envelope'], v['header']
assert env['v'] == 2 and header['v'] == 2 and env['header'] == header
assert jcs(header) == v['headerJcs']
ad = b'haven/envelope/v2\x00' + v['headerJcs'].encode('utf-8')
assert ad.hex() == v['additionalData']
nonce, ct = b64(env['nonce']), b64(env['ciphertext'])
assert blake(nonce + ct).hex() == v['ciphertextHash']
wrapped = sorted(({'userId': k['userId'], 'wrappedKey': k['wrappedKey']} for k in env['wrappedKeys']), key=lambda k: k['userId'])
assert blake(jcs(wrapped).encode('utf-8')).hex() == v['wrappedKeysHash']
signing = ad + b'\x00' + bytes.fromhex(v['ciphertextHash']) + bytes.fromhex(v['wrappedKeysHash'])
assert signing.hex() == v['signingBytes']
sender_seed = bytes.fromhex(json.loads((Path(__file__).parent / 'envelope-v1.json').read_text(encoding='utf-8'))['people']['sender']['signSeed'])
Ed25519PrivateKey.from_private_bytes(sender_seed).public_key().verify(b64(env['signature']), signing)
head = header['keyLogHead']
log_key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v['logSeed'])).public_key()
assert base64.urlsafe_b64encode(log_key.public_bytes_raw()).rstrip(b'=').decode() == v['logPublicKey']
head_body = {k: head[k] for k in ('v', 'treeSize', 'rootHash', 'timestamp')}
log_key.verify(b64(head['signature']), b'haven/key-log-head/v1\x00' + jcs(head_body).encode('utf-8'))
sub = hchacha20(bytes.fromhex(v['messageKey']), nonce[:16])
body = ChaCha20Poly1305(sub).decrypt(b'\x00' * 4 + nonce[16:], ct, ad)
assert body.decode('utf-8') == v['body']
print('envelope-v2.json: JCS, layout, hashes, both signatures and the body check out')
