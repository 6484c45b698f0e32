import { expect } from 'vitest';
import type { Clock } from '../../server/shared/clock';
import { ApiClient } from './client';
import type { TestHaven } from './haven';

/**
 * Signed-in clients for the demo people. Each TOTP code signs in once, so tests share one
 * client per person; `forget()` after moving the clock past session lifetimes.
 */
export class People {
  private readonly clients = new Map<string, ApiClient>();

  constructor(
    private readonly haven: () => TestHaven,
    private readonly clock: Clock = () => new Date(),
  ) {}

  async as(name: string): Promise<ApiClient> {
    const cached = this.clients.get(name);
    if (cached) return cached;
    const c = new ApiClient(this.haven().url);
    const res = await c.signIn(this.haven().account(name), this.clock());
    expect(res.status, `signing in ${name}`).toBe(200);
    this.clients.set(name, c);
    return c;
  }

  forget(): void {
    this.clients.clear();
  }
}
