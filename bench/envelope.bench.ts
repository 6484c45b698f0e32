import { randomUUID } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { canonicalJson, generateIdentity, keyFingerprint, openEnvelope, publicIdentity, ready, sealEnvelope, type EnvelopeHeader } from '../crypto';
import { timeSideBySide, type BenchResult } from './harness';

/**
 * Seal+sign and verify+open of a 1 KiB body for 5 recipients, against the raw libsodium calls
 * the envelope makes (the same key generation, AEAD, six sealed boxes, two hashes, one
 * signature; and on the other side one verification, one unseal, one AEAD open).
 */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export async function envelopeBench(): Promise<BenchResult[]> {
  await ready();
  await sodium.ready;
  const sender = generateIdentity();
  const recipients = Array.from({ length: 5 }, () => ({ userId: randomUUID(), keys: generateIdentity() })).sort((a, b) => (a.userId < b.userId ? -1 : 1));
  const senderId = randomUUID();
  const body = new Uint8Array(1024).fill(65);
  const header = (): EnvelopeHeader => ({
    v: 1,
    id: randomUUID(),
    kind: 'message',
    threadId: randomUUID(),
    childId: randomUUID(),
    senderId,
    senderKeyFingerprint: keyFingerprint(publicIdentity(sender)),
    recipients: recipients.map((r) => ({ userId: r.userId, keyFingerprint: keyFingerprint(publicIdentity(r.keys)) })),
    tier: 'welfare',
    record: { purpose: 'Benchmark', consent: { status: 'given', givenBy: 'parent', givenOn: '2026-01-01' } },
    sentAt: new Date().toISOString(),
    replyTo: null,
    corrects: null,
    correctionReason: null,
  });
  const seal = () =>
    sealEnvelope({
      header: header(),
      body,
      sender: { userId: senderId, signPrivateKey: sender.signPrivateKey, boxPublicKey: sender.boxPublicKey },
      recipients: recipients.map((r) => ({ userId: r.userId, boxPublicKey: r.keys.boxPublicKey })),
    });
  const sample = seal();
  const reader = recipients[0];
  if (!reader) throw new Error('no reader');
  // openEnvelope verifies the signature before it opens anything.
  const open = () => {
    openEnvelope(sample, { userId: reader.userId, boxPublicKey: reader.keys.boxPublicKey, boxPrivateKey: reader.keys.boxPrivateKey }, sender.signPublicKey);
  };

  const label = new TextEncoder().encode('haven/envelope/v1\u0000');
  const rawSeal = () => {
    const h = new TextEncoder().encode(canonicalJson(header()));
    const ad = new Uint8Array([...label, ...h]);
    const key = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    const nonce = sodium.randombytes_buf(24);
    const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(body, ad, null, nonce, key);
    const wrapped = [sender, ...recipients.map((r) => r.keys)].map((k) => sodium.crypto_box_seal(key, k.boxPublicKey));
    const ctHash = sodium.crypto_generichash(32, new Uint8Array([...nonce, ...ct]), null);
    const keysHash = sodium.crypto_generichash(32, concat(wrapped), null);
    sodium.crypto_sign_detached(new Uint8Array([...ad, 0, ...ctHash, ...keysHash]), sender.signPrivateKey);
  };
  // The same sizes as a real envelope: the header's bytes, six wrapped keys, a 1 KiB body.
  const rawAd = new Uint8Array([...label, ...new TextEncoder().encode(canonicalJson(sample.header))]);
  const rawKey = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
  const rawNonce = sodium.randombytes_buf(24);
  const rawCt = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(body, rawAd, null, rawNonce, rawKey);
  const rawWrappedAll = [sender, ...recipients.map((r) => r.keys)].map((k) => sodium.crypto_box_seal(rawKey, k.boxPublicKey));
  const rawWrapped = rawWrappedAll[1] ?? new Uint8Array();
  const signed = () =>
    new Uint8Array([
      ...rawAd,
      0,
      ...sodium.crypto_generichash(32, new Uint8Array([...rawNonce, ...rawCt]), null),
      ...sodium.crypto_generichash(32, concat(rawWrappedAll), null),
    ]);
  const rawSig = sodium.crypto_sign_detached(signed(), sender.signPrivateKey);
  const rawOpen = () => {
    sodium.crypto_sign_verify_detached(rawSig, signed(), sender.signPublicKey);
    const key = sodium.crypto_box_seal_open(rawWrapped, reader.keys.boxPublicKey, reader.keys.boxPrivateKey);
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, rawCt, rawAd, rawNonce, key);
  };

  const sealed = timeSideBySide(seal, rawSeal);
  const opened = timeSideBySide(open, rawOpen);
  return [
    { name: 'envelope-seal', ...sealed, ratio: sealed.haven / sealed.baseline, unit: 'µs/op', goal: '≤ 1.2× (lower is better)' },
    { name: 'envelope-open', ...opened, ratio: opened.haven / opened.baseline, unit: 'µs/op', goal: '≤ 1.2× (lower is better)' },
  ];
}
