import { describe, expect, it } from 'vitest';
import { describeDetail, words } from '../../web/src/lib/audit-words';

describe('audit detail in words', () => {
  it('keeps digests and hashes back, and says the rest in words with identifiers shortened', () => {
    const id = '2f1c9a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
    const { items, digests } = describeDetail({
      access: 'stated_reason',
      returned: [id],
      privateDigest: 'cf207e2a09c807596755c487b7b58f6d0480605f24062efed66db1cd23047a12',
      headHash: 'abc',
      ok: true,
    });
    expect(digests.map((d) => d.label)).toEqual(['Private digest', 'Head hash']);
    expect(items).toEqual([
      { label: 'Access', pieces: [{ text: 'stated reason' }] },
      { label: 'Returned', pieces: [{ id, short: '2f1c9a4e' }] },
      { label: 'Ok', pieces: [{ text: 'yes' }] },
    ]);
  });

  it('turns codes into words', () => {
    expect(words('privateDigest')).toBe('Private digest');
    expect(words('sign_in')).toBe('Sign in');
  });
});
