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
});
