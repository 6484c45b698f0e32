// Checks made in this browser before anyone's public keys are used (docs/key-log.md): the keys
// the directory hands over must be the person's newest entry in the signed, append-only key log,
// and the log must only ever grow from the head this device kept. The log's public key is the one
// this client was built with (trust-roots.ts), never one from the server. A correspondent whose keys changed since this device last saw them is
// flagged until the user acknowledges it, with their new safety number.
import { ApiError, keyLog as logApi, keys as keysApi } from './api';
import { readState, writeState } from './idb';
import { identityKeys, loadCrypto } from './keys.svelte';
import { session } from './session.svelte';
import { keyLogPublicKey } from './trust-roots';
import type { SignedTreeHead } from './types';

/** A check that failed, in plain words; nothing may be sent or trusted. */
export class KeyCheckError extends Error {
  override readonly name = 'KeyCheckError';
}

export interface VerifiedKey {
  userId: string;
  name: string;
  fingerprint: string;
  signPublicKey: Uint8Array;
  boxPublicKey: Uint8Array;
  /** When these keys entered the log: anything signed before then was signed with earlier keys. */
  loggedAt: string;
}

export interface KeyChange {
  userId: string;
  name: string;
  fingerprint: string;
  safetyNumber: string;
}

const FORKED =
  'Haven’s key directory has shown this device something different from before. Someone may be trying to read messages meant for others. Do not send information about children through Haven until your administrator has checked. Your messages so far are still safe on this device.';
const HEAD = 'key-log:head';
const seenKey = (me: string, userId: string) => `seen-fingerprint:${me}:${userId}`;

class KeyLogState {
  /** Correspondents whose keys changed since this device last saw them, until acknowledged. */
  changes = $state<KeyChange[]>([]);
  /** Set when the log was shown to fork: sealing stops. */
  forked = $state<string | null>(null);

  constructor() {
    session.onEnd(() => this.clear());
  }

  /** Blocks until the user acknowledges a change for any of these people. */
  pendingFor(userIds: readonly string[]): KeyChange[] {
    return this.changes.filter((c) => userIds.includes(c.userId));
  }

  /** The user has seen the new safety number: remember this fingerprint as the person's. */
  async acknowledge(userId: string): Promise<void> {
    const me = identityKeys.userId;
    const change = this.changes.find((c) => c.userId === userId);
    if (!me || !change) return;
    await writeState(seenKey(me, userId), change.fingerprint);
    this.changes = this.changes.filter((c) => c.userId !== userId);
  }

  /** Each person's keys, checked against the key log; throws KeyCheckError saying why not. */
  async verify(people: readonly { id: string; name: string }[]): Promise<VerifiedKey[]> {
    if (this.forked) throw new KeyCheckError(this.forked);
    const crypto = await loadCrypto();
    const logPublicKey = await this.pinnedLogKey();
    const { keys } = await keysApi.of(people.map((p) => p.id));
    const verified: VerifiedKey[] = [];
    for (const person of people) {
      const published = keys.find((k) => k.userId === person.id);
      if (!published) throw new KeyCheckError(`${person.name} has not set up encryption keys yet, so nothing can be sent to them.`);
      const refused = new KeyCheckError(
        `${person.name}’s security keys could not be verified against Haven’s key log, so we could not confirm them. Nothing was sent. Try again later, and if it keeps happening tell your administrator.`,
      );
      let log;
      try {
        log = await logApi.proof(person.id);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) throw refused;
        throw error;
      }
      await this.advance(log.head, logPublicKey);
      const identity = { signPublicKey: published.signPublicKey, boxPublicKey: published.boxPublicKey };
      if (!crypto.checkPublishedKeys({ userId: person.id, keys: identity, log, logPublicKey }).ok) throw refused;
      const decoded = crypto.decodePublicIdentity(identity);
      verified.push({ userId: person.id, name: person.name, fingerprint: log.entry.fingerprint, loggedAt: log.entry.loggedAt, ...decoded });
      await this.remember(person, log.entry.fingerprint);
    }
    return verified;
  }

  /** The safety number this user and `other` can compare, from keys checked against the log. */
  async safetyNumber(other: { id: string; name: string }): Promise<{ number: string; verified: VerifiedKey }> {
    const me = identityKeys.userId;
    const mine = identityKeys.fingerprint;
    if (!me || !mine) throw new KeyCheckError('Your own encryption keys are not set up in this browser yet.');
    const [verified] = await this.verify([other]);
    if (!verified) throw new KeyCheckError(`We could not confirm ${other.name}’s security keys.`);
    const crypto = await loadCrypto();
    return { number: crypto.safetyNumber({ userId: me, fingerprint: mine }, { userId: other.id, fingerprint: verified.fingerprint }), verified };
  }

  clear(): void {
    this.changes = [];
    this.forked = null;
  }

  /** The log key from this client's build (its trust roots), with the current head checked against it. */
  private async pinnedLogKey(): Promise<Uint8Array> {
    const { head } = await logApi.head();
    const key = keyLogPublicKey;
    if (head) await this.advance(head, key);
    return key;
  }

  /** Accepts `head` in place of the kept one only if the log grew from it (or on first sight, on its signature). */
  private async advance(head: SignedTreeHead, logPublicKey: Uint8Array): Promise<void> {
    const crypto = await loadCrypto();
    const kept = await readState<SignedTreeHead>(HEAD);
    if (!kept) {
      if (!crypto.verifyTreeHead(head, logPublicKey)) throw new KeyCheckError('Haven’s key directory could not be checked. Nothing was sent.');
      await writeState(HEAD, head);
      return;
    }
    if (head.treeSize === kept.treeSize && head.rootHash === kept.rootHash) return;
    const proof = head.treeSize > kept.treeSize ? (await logApi.consistency(kept.treeSize)).proof : [];
    const grown = crypto.checkLogGrowth({ oldHead: kept, newHead: head, proof, logPublicKey });
    if (grown.ok) return writeState(HEAD, head);
    switch (grown.reason) {
      case 'fork':
      case 'inconsistent':
        return this.fail(FORKED);
      case 'log_shrank':
        throw new KeyCheckError('Haven’s key directory showed this device an older view than before. Nothing was sent. Try again in a few minutes.');
      case 'bad_old_head':
      case 'bad_new_head':
      case 'malformed_proof':
        throw new KeyCheckError('Haven’s key directory could not be checked. Nothing was sent.');
    }
  }

  private fail(message: string): never {
    this.forked = message;
    throw new KeyCheckError(message);
  }

  /** Notes the person's fingerprint on first sight; flags a change from the one seen before. */
  private async remember(person: { id: string; name: string }, fingerprint: string): Promise<void> {
    const me = identityKeys.userId;
    const mine = identityKeys.fingerprint;
    if (!me || !mine) return;
    const seen = await readState<string>(seenKey(me, person.id));
    if (seen === undefined) return writeState(seenKey(me, person.id), fingerprint);
    if (seen === fingerprint || this.changes.some((c) => c.userId === person.id && c.fingerprint === fingerprint)) return;
    const crypto = await loadCrypto();
    const number = crypto.safetyNumber({ userId: me, fingerprint: mine }, { userId: person.id, fingerprint });
    this.changes = [...this.changes.filter((c) => c.userId !== person.id), { userId: person.id, name: person.name, fingerprint, safetyNumber: number }];
  }
}

export const keyLog = new KeyLogState();
