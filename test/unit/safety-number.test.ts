import { beforeAll, describe, expect, it } from 'vitest';
import { ready, safetyNumber } from '../../crypto';

beforeAll(ready);

const a = { userId: 'a-user', fingerprint: '11'.repeat(32) };
const b = { userId: 'b-user', fingerprint: '22'.repeat(32) };

describe('safety number', () => {
  it('matches the known answer (computed independently with Python hashlib)', () => {
    expect(safetyNumber(a, b)).toBe('16762 89429 49314 26689 37636 60834');
  });

  it('is the same from both sides, and changes when either key changes', () => {
    expect(safetyNumber(b, a)).toBe(safetyNumber(a, b));
    expect(safetyNumber(a, { ...b, fingerprint: '23'.repeat(32) })).not.toBe(safetyNumber(a, b));
    expect(safetyNumber({ ...a, fingerprint: '12'.repeat(32) }, b)).not.toBe(safetyNumber(a, b));
    expect(safetyNumber(a, b)).toMatch(/^(\d{5} ){5}\d{5}$/);
  });
});
