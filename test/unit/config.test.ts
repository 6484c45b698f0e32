import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, servesHttps } from '../../server/config';

describe('configuration', () => {
  it('has working defaults for a newcomer', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HAVEN_DATA_DIR: './data', HAVEN_VETTING_RENEWAL_MONTHS: 36, HAVEN_TRAINING_RENEWAL_MONTHS: 24 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(servesHttps(config)).toBe(false);
    // A lock of an account everywhere only after many failures; hashing leaves a core to the event loop.
    expect(config).toMatchObject({ HAVEN_SIGNIN_FREE_FAILURES: 5, HAVEN_LOCKOUT_THRESHOLD: 50, HAVEN_PASSWORD_QUEUE: 16 });
    expect(config.HAVEN_PASSWORD_WORKERS).toBeGreaterThanOrEqual(1);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).PORT).toBe(3000);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['REDIS_URL', 'localhost:6379'],
    ['PUBLIC_URL', 'not a url'],
    ['HAVEN_TRAINING_RENEWAL_MONTHS', '0'],
    ['HAVEN_LOCKOUT_THRESHOLD', '-1'],
    ['HAVEN_PASSWORD_WORKERS', '0'],
    ['HAVEN_PASSWORD_QUEUE', 'many'],
    ['LOG_LEVEL', 'loud'],
    ['HAVEN_SEED_DEMO', 'yes please'],
    ['HAVEN_SMTP_URL', 'mail.example.org:587'],
    ['HAVEN_SMTP_STARTTLS', 'sometimes'],
    ['HAVEN_MAIL_FROM', 'Haven'],
    ['HAVEN_MAIL_DIGEST_MINUTES', '0'],
    ['HAVEN_MAIL_MAX_ATTEMPTS', '0'],
  ])('refuses %s=%s with one line naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(`${name}:`);
    expect(message).not.toContain('\n');
  });

  it('sets Secure cookies when served over https', () => {
    expect(servesHttps(loadConfig({ PUBLIC_URL: 'https://haven.example.org' }))).toBe(true);
  });

  it('e-mail: without SMTP nothing is needed; with it, a From address is, and a bad URL never echoes its password', () => {
    expect(loadConfig({})).toMatchObject({ HAVEN_MAIL_DIGEST_MINUTES: 15, HAVEN_SMTP_STARTTLS: 'required', HAVEN_MAIL_MAX_ATTEMPTS: 10 });
    expect(() => loadConfig({ HAVEN_SMTP_URL: 'smtp://haven:s3cret@mail.example.org:587' })).toThrow(/HAVEN_MAIL_FROM: HAVEN_SMTP_URL needs HAVEN_MAIL_FROM/);
    const ok = loadConfig({ HAVEN_SMTP_URL: 'smtps://haven:s3cret@mail.example.org', HAVEN_MAIL_FROM: 'Haven <haven@northmoor.example>' });
    expect(ok.HAVEN_SMTP_URL).toBe('smtps://haven:s3cret@mail.example.org');
    expect(() => loadConfig({ HAVEN_SMTP_URL: 'http://haven:s3cret@mail.example.org' })).toThrow(ConfigError);
    try {
      loadConfig({ HAVEN_SMTP_URL: 'http://haven:s3cret@mail.example.org' });
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});
