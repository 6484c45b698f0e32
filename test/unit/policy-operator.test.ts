import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canRevokeAdminCertificates } from '../../server/policy';
import { code } from './policy-fixtures';

// The operator revoking an admin's certificates (server/policy/operator.policy.ts): only for
// someone certified, and never from a key-log size the log has not reached.
describe('revoking an admin’s certificates', () => {
  it('decides every number of certified keys × size revoked from × size of the log', () => {
    fc.assert(
      fc.property(fc.nat({ max: 3 }), fc.nat({ max: 50 }), fc.nat({ max: 50 }), (keys, from, logSize) => {
        const want = keys === 0 ? 'not_certified' : from > logSize ? 'beyond_log' : 'allow';
        expect(code(canRevokeAdminCertificates(keys, from, logSize))).toBe(want);
      }),
      { numRuns: 500 },
    );
  });

  it('allows revoking from the log’s own size (now) and from 0 (everything), and says how far the log goes when refused', () => {
    expect(code(canRevokeAdminCertificates(1, 12, 12))).toBe('allow');
    expect(code(canRevokeAdminCertificates(2, 0, 12))).toBe('allow');
    const refused = canRevokeAdminCertificates(1, 13, 12);
    expect(refused.allow).toBe(false);
    if (!refused.allow) expect(refused.reason.message).toContain('up to 12');
  });
});
