// Self-registration and invite acceptance: both end waiting for an admin to verify.
import { ApiError, agencies, auth } from './api';
import type { DirectoryAgency, InviteDetails } from './types';

export type Loadable<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; message: string; code: string };

function failure(error: unknown): { state: 'failed'; message: string; code: string } {
  if (error instanceof ApiError) return { state: 'failed', message: error.message, code: error.code };
  return { state: 'failed', message: 'Something went wrong. Try again.', code: 'unknown' };
}

export class RegisterState {
  directory = $state<Loadable<DirectoryAgency[]>>({ state: 'loading' });

  readonly nonSignatories = $derived(this.directory.state === 'ready' ? this.directory.value.filter((a) => !a.protocolSigned) : []);

  async load(): Promise<void> {
    this.directory = { state: 'loading' };
    try {
      const res = await agencies.directory();
      const sorted = [...res.agencies].sort((a, b) => a.name.localeCompare(b.name));
      this.directory = { state: 'ready', value: sorted };
    } catch (error) {
      this.directory = failure(error);
    }
  }

  async register(body: { email: string; name: string; password: string; agencyId: string }): Promise<void> {
    await auth.register(body);
  }
}

export class InviteState {
  invite = $state<Loadable<InviteDetails>>({ state: 'loading' });

  constructor(readonly token: string) {}

  async load(): Promise<void> {
    this.invite = { state: 'loading' };
    try {
      this.invite = { state: 'ready', value: await auth.getInvite(this.token) };
    } catch (error) {
      this.invite = failure(error);
    }
  }

  async accept(body: { name: string; password: string }): Promise<void> {
    await auth.acceptInvite(this.token, body);
  }
}
