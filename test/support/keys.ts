import { proveKeyPossession, publicIdentity, type IdentityKeys } from '../../crypto';
import type { ApiClient, ApiResponse } from './client';

export type PublishedKeys = { keys: { userId: string; fingerprint: string } };

/** The signed-in user's id, as their browser knows it from the session. */
export async function sessionUserId(api: ApiClient): Promise<string> {
  const res = await api.get<{ session: { user: { id: string } } | null }>('/api/session');
  const id = res.body.session?.user.id;
  if (!id) throw new Error('not signed in');
  return id;
}

/** The body a browser sends to publish these keys: the public halves and the proof that it holds them. */
export function keyPublicationBody(userId: string, identity: IdentityKeys, replace = false) {
  const publication = { userId, ...publicIdentity(identity) };
  const proof = proveKeyPossession(publication, identity.signPrivateKey);
  return { signPublicKey: publication.signPublicKey, boxPublicKey: publication.boxPublicKey, proof, ...(replace ? { replace } : {}) };
}

/** Publishes keys as the web client does (PUT /api/keys/me with a proof of possession). */
export async function publishKeys<T = PublishedKeys>(api: ApiClient, identity: IdentityKeys, options: { replace?: boolean } = {}): Promise<ApiResponse<T>> {
  return api.request<T>('PUT', '/api/keys/me', keyPublicationBody(await sessionUserId(api), identity, options.replace));
}
