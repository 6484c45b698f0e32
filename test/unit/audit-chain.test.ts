import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, auditEntryHash, canonicalJson, hashToken, ready, type AuditChainEntry } from '../../crypto';

interface Vectors {
  genesis: string;
  entries: { entry: AuditChainEntry; canonical?: string; hash: string }[];
  tokenHash: { token: string; hash: string };
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/audit-chain-v1.json', import.meta.url), 'utf8')) as Vectors;

beforeAll(ready);

describe('audit chain v1 known answers', () => {
  it('starts from the documented genesis hash', () => {
    expect(AUDIT_GENESIS_HASH).toBe(vectors.genesis);
  });

  it('reproduces every vector, each chained to the previous one', () => {
    let previous = vectors.genesis;
    for (const { entry, canonical, hash } of vectors.entries) {
      if (canonical) expect(canonicalJson(entry)).toBe(canonical);
      expect(auditEntryHash(previous, entry)).toBe(hash);
      previous = hash;
    }
  });

  it('changes the hash when any field or the previous hash changes', () => {
    const first = vectors.entries[0];
    if (!first) throw new Error('vectors missing');
    const base = auditEntryHash(vectors.genesis, first.entry);
    const variants: AuditChainEntry[] = [
      { ...first.entry, seq: 2 },
      { ...first.entry, at: '2026-01-31T09:00:00.001Z' },
      { ...first.entry, actorId: '7d3f9a52-3c1e-4b7e-9d7a-0c6f1e2b3a4d' },
      { ...first.entry, agencyId: '7d3f9a52-3c1e-4b7e-9d7a-0c6f1e2b3a4d' },
      { ...first.entry, action: 'auth.signed_out' },
      { ...first.entry, subjectType: 'user' },
      { ...first.entry, subjectId: 'x' },
      { ...first.entry, detail: { ...first.entry.detail, users: 8 } },
    ];
    for (const variant of variants) expect(auditEntryHash(vectors.genesis, variant)).not.toBe(base);
    expect(auditEntryHash('11'.repeat(32), first.entry)).not.toBe(base);
  });

  it('hashes bearer tokens with a domain label', () => {
    expect(hashToken(vectors.tokenHash.token)).toBe(vectors.tokenHash.hash);
  });
});
