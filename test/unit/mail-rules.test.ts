import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestDecision, digestDueAt, digestHeldUntil } from '../../server/notifications/digest-rules';
import { classifySendError, retryDelayMs } from '../../server/notifications/retry-rules';

const MINUTE = 60_000;
const at = (iso: string) => new Date(iso);

describe('digest rules', () => {
  it('a new message waits one period, so an online reader reads it first and later ones join it', () => {
    expect(digestDueAt(at('2026-12-04T10:00:00Z'), 15 * MINUTE)).toEqual(at('2026-12-04T10:15:00Z'));
  });

  it('no digest within a period of the last one sent to that person', () => {
    const period = 15 * MINUTE;
    expect(digestHeldUntil(null, period, at('2026-12-04T10:00:00Z'))).toBeNull();
    expect(digestHeldUntil(at('2026-12-04T09:50:00Z'), period, at('2026-12-04T10:00:00Z'))).toEqual(at('2026-12-04T10:05:00Z'));
    expect(digestHeldUntil(at('2026-12-04T09:45:00Z'), period, at('2026-12-04T10:00:00Z'))).toBeNull();
  });

  it('over any run of sends, two digests to one person are always at least a period apart', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 30 }), (gaps, minutes) => {
        const period = minutes * MINUTE;
        let now = at('2026-12-04T00:00:00Z').getTime();
        let last: Date | null = null;
        const sent: number[] = [];
        for (const gap of gaps) {
          now += gap * MINUTE;
          const held = digestHeldUntil(last, period, new Date(now));
          const when = held ? held.getTime() : now;
          sent.push(when);
          last = new Date(when);
          now = when;
        }
        for (let i = 1; i < sent.length; i++) expect((sent[i] ?? 0) - (sent[i - 1] ?? 0)).toBeGreaterThanOrEqual(period);
      }),
    );
  });

  it('says nothing when nothing is unread', () => {
    expect(digestDecision(0)).toBe('skip');
    expect(digestDecision(3)).toBe('send');
  });
});

describe('retries', () => {
  it('wait doubles from the configured first wait, up to 64 times it', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => retryDelayMs(n, 60_000) / 60_000)).toEqual([1, 2, 4, 8, 16, 32, 64, 64, 64]);
    expect(retryDelayMs(0, 1_000)).toBe(1_000);
  });

  it('a 5xx answer is a bounce, final; a 4xx answer or a lost connection is tried again', () => {
    const bounce = classifySendError(
      Object.assign(new Error('x'), { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <lily@example.org>: no such user' }),
    );
    expect(bounce).toEqual({ permanent: true, summary: 'SMTP 550 5.1.1 (refused for good)' });
    expect(classifySendError(Object.assign(new Error('x'), { code: 'EENVELOPE', responseCode: 451, response: '451 4.3.0 try later' }))).toEqual({
      permanent: false,
      summary: 'SMTP 451 4.3.0 (try again later)',
    });
    expect(classifySendError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' }))).toEqual({
      permanent: false,
      summary: 'could not reach the SMTP server (ESOCKET)',
    });
    // The installation's settings, not the message: an operator fixes them, the e-mail waits.
    expect(classifySendError(Object.assign(new Error('x'), { code: 'EAUTH', responseCode: 535 })).permanent).toBe(false);
    expect(classifySendError('nonsense').permanent).toBe(false);
  });

  it('never keeps the server’s free text, which may quote the address', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 400, max: 599 }), fc.string(), (response, responseCode, code) => {
        const { summary } = classifySendError({ response, responseCode, code });
        expect(summary).toMatch(
          /^(SMTP \d{3}( [245]\.\d{1,3}\.\d{1,3})? \((refused for good|try again later)\)|SMTP authentication refused.*|SMTP server offers no usable TLS|could not reach the SMTP server \([A-Z_a-z ]+\))$/,
        );
        if (response.length > 12 && !/^[245.\d\s]+$/.test(response)) expect(summary).not.toContain(response);
      }),
    );
  });
});
