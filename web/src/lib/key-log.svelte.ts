// Checks made in this browser before anyone's public keys are used (docs/key-log.md): the keys
// the directory hands over must be the person's newest entry in the signed, append-only key log,
// the log must only ever grow from the head this device kept, and an admin whom the organisation
// root certified must vouch for exactly those keys. The log's and the organisation root's public
// keys are the ones this client was built with (trust-roots.ts), never ones from the server. A
// correspondent whose keys changed since this device last saw them, or whose keys their agency has
// not confirmed, is flagged until the user acknowledges it, with the safety number to compare.
import type { KeyTrust, SignedAdminCertificate, SignedAdminCertificateRevocation } from '../../../crypto';
import { ApiError, adminCertificates, integrity, keyLog as logApi, keys as keysApi } from './api';
import { readState, writeState } from './idb';
import { identityKeys, loadCrypto } from './keys.svelte';
import { session } from './session.svelte';
import { keyLogPublicKey, orgRootPublicKey } from './trust-roots';
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
  /** Who vouches for these keys (crypto/key-trust.ts); unvouched keys get no written record and need the user's confirmation elsewhere. */
  trust: KeyTrust;
}

export interface KeyChange {
  userId: string;
  name: string;
  fingerprint: string;
  safetyNumber: string;
  /** The admin who confirmed the new keys, by name, or null when their agency has not confirmed them. */
  confirmedBy: string | null;
}

/** Someone whose keys no certified admin has confirmed, until the user has compared the safety number and accepted them. */
export interface UnconfirmedKey {
  userId: string;
  name: string;
  fingerprint: string;
  safetyNumber: string;
}

const FORKED =
  'Haven’s key directory has shown this device something different from before. Someone may be trying to read messages meant for others. Do not send information about children through Haven until your administrator has checked. Your messages so far are still safe on this device.';
const HEAD = 'key-log:head';
// The admin-certificate revocations this device has been shown, verified: kept, so that a server
// that later leaves one out cannot take it back (crypto keepRevocations).
const REVOCATIONS = 'key-log:revocations';
const seenKey = (me: string, userId: string) => `seen-fingerprint:${me}:${userId}`;
const acceptedKey = (me: string, userId: string) => `accepted-unconfirmed:${me}:${userId}`;

class KeyLogState {
  /** Correspondents whose keys changed since this device last saw them, until acknowledged. */
  changes = $state<KeyChange[]>([]);
  /** Correspondents whose keys their agency has not confirmed, until the user accepts them. */
  unconfirmed = $state<UnconfirmedKey[]>([]);
  /** Set when the log was shown to fork: sealing stops. */
  forked = $state<string | null>(null);
  // The admin certificates and the revocations kept, checked on use against the organisation root; fetched again when an attester is missing.
  private certificates: Promise<Certificates> | null = null;
  // Heads already compared with this device's in this session (size:root): a thread of messages
  // from one sender carries the same head many times, and one comparison (one proof) is enough.
  private readonly witnessed = new Set<string>();

  constructor() {
    session.onEnd(() => this.clear());
  }

  /** Blocks until the user acknowledges a change for any of these people. */
  pendingFor(userIds: readonly string[]): KeyChange[] {
    return this.changes.filter((c) => userIds.includes(c.userId));
  }

  /** Blocks sending (outside the special file) until the user accepts these people's unconfirmed keys. */
  unconfirmedFor(userIds: readonly string[]): UnconfirmedKey[] {
    return this.unconfirmed.filter((u) => userIds.includes(u.userId));
  }

  /** The user compared the safety number with the person: send to these unconfirmed keys from now on. */
  async acceptUnconfirmed(userId: string): Promise<void> {
    const me = identityKeys.userId;
    const pending = this.unconfirmed.find((u) => u.userId === userId);
    if (!me || !pending) return;
    await writeState(acceptedKey(me, userId), pending.fingerprint);
    this.unconfirmed = this.unconfirmed.filter((u) => u.userId !== userId);
  }

  /** The user has seen the new safety number: remember this fingerprint as the person's. */
  async acknowledge(userId: string): Promise<void> {
    const me = identityKeys.userId;
    const change = this.changes.find((c) => c.userId === userId);
    if (!me || !change) return;
    await writeState(seenKey(me, userId), change.fingerprint);
    this.changes = this.changes.filter((c) => c.userId !== userId);
    // The change notice said whether the new keys were confirmed: checking it accepts them either way.
    if (this.unconfirmed.some((u) => u.userId === userId && u.fingerprint === change.fingerprint)) await this.acceptUnconfirmed(userId);
  }

  /** Each person's keys, checked against the key log; throws KeyCheckError saying why not. */
  async verify(people: readonly { id: string; name: string }[]): Promise<VerifiedKey[]> {
    const { verified, missing } = await this.verifyPublished(people);
    const [first] = missing;
    if (first) throw new KeyCheckError(`${first.name} has not set up encryption keys yet, so nothing can be sent to them.`);
    return verified;
  }

  /**
   * The keys of those of these people who have published any, checked against the key log as
   * `verify` does (throwing KeyCheckError when a check fails), and who has none yet: a written
   * record waits for them (envelope v3's pending readers). That someone has no keys is the
   * directory's word; the server checks the same list against its directory when it stores the
   * record, and a reader the record names as pending is only ever given a key grant.
   */
  async verifyPublished(people: readonly { id: string; name: string }[]): Promise<{ verified: VerifiedKey[]; missing: { id: string; name: string }[] }> {
    if (this.forked) throw new KeyCheckError(this.forked);
    const crypto = await loadCrypto();
    const logPublicKey = await this.pinnedLogKey();
    const { keys } = await keysApi.of(people.map((p) => p.id));
    const roots = { keyLogPublicKey, orgRootPublicKey };
    const verified: VerifiedKey[] = [];
    const missing: { id: string; name: string }[] = [];
    for (const person of people) {
      const published = keys.find((k) => k.userId === person.id);
      if (!published) {
        missing.push({ id: person.id, name: person.name });
        continue;
      }
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
      const check = ({ certificates, revocations }: Certificates) =>
        crypto.checkCorrespondentKeys({ userId: person.id, agencyId: published.agencyId, keys: identity, log, certificates, revocations, trustRoots: roots });
      let certificates = await this.certificatesOnce();
      let checked = check(certificates);
      // A certificate issued since this page loaded: fetch them again, once, before calling the keys unconfirmed.
      if (checked.ok && !checked.trust.vouched && checked.trust.reason === 'attester_not_certified') {
        this.certificates = null;
        certificates = await this.certificatesOnce();
        checked = check(certificates);
      }
      if (!checked.ok) throw refused;
      const decoded = crypto.decodePublicIdentity(identity);
      const key = { userId: person.id, name: person.name, fingerprint: checked.fingerprint, loggedAt: log.entry.loggedAt, ...decoded, trust: checked.trust };
      verified.push(key);
      await this.remember(person, key, confirmerName(checked.trust, certificates.certificates));
      await this.noteUnconfirmed(key);
    }
    return { verified, missing };
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
    this.unconfirmed = [];
    this.forked = null;
    this.certificates = null;
    this.witnessed.clear();
  }

  private certificatesOnce(): Promise<Certificates> {
    if (!this.certificates) {
      const loading = adminCertificates.list().then(async (answer) => {
        const crypto = await loadCrypto();
        const kept = (await readState<SignedAdminCertificateRevocation[]>(REVOCATIONS)) ?? [];
        const revocations = crypto.keepRevocations(Array.isArray(kept) ? kept : [], answer.revocations ?? [], orgRootPublicKey);
        // Kept as verified: anything in storage that no longer verifies (edited on this device) goes too.
        if (JSON.stringify(revocations) !== JSON.stringify(kept)) await writeState(REVOCATIONS, revocations);
        return { certificates: answer.certificates, revocations };
      });
      loading.catch(() => (this.certificates = null));
      this.certificates = loading;
    }
    return this.certificates;
  }

  /** Flags keys nobody certified vouches for, unless the user already accepted exactly these. */
  private async noteUnconfirmed(key: VerifiedKey): Promise<void> {
    const me = identityKeys.userId;
    const mine = identityKeys.fingerprint;
    if (!me || !mine || key.trust.vouched) return;
    if ((await readState<string>(acceptedKey(me, key.userId))) === key.fingerprint) return;
    if (this.unconfirmed.some((u) => u.userId === key.userId && u.fingerprint === key.fingerprint)) return;
    const crypto = await loadCrypto();
    const number = crypto.safetyNumber({ userId: me, fingerprint: mine }, { userId: key.userId, fingerprint: key.fingerprint });
    this.unconfirmed = [
      ...this.unconfirmed.filter((u) => u.userId !== key.userId),
      { userId: key.userId, name: key.name, fingerprint: key.fingerprint, safetyNumber: number },
    ];
  }

  /** The newest head this device has checked, for the envelopes it seals (envelope v2's keyLogHead). */
  async newestHead(): Promise<SignedTreeHead | null> {
    return (await readState<SignedTreeHead>(HEAD)) ?? null;
  }

  /**
   * Compares the head another client saw (an envelope v2's, signed by its sender) with this
   * device's (docs/key-log.md, "Forks"). The server must prove that the smaller extends the
   * larger, and any head it answers with must agree with the ones in hand: two heads of one size
   * with different roots, or a larger head that does not extend the smaller, are a fork — sealing
   * stops and the pair goes to the system admins. A consistent newer head is kept. Never throws:
   * when nothing can be concluded (no proof, a head not signed by the build's log key), the next
   * key check looks at the log again.
   */
  async witness(theirs: SignedTreeHead): Promise<void> {
    let seen: string | null = null;
    try {
      const crypto = await loadCrypto();
      const mine = await readState<SignedTreeHead>(HEAD);
      if (!mine || (mine.treeSize === theirs.treeSize && mine.rootHash === theirs.rootHash)) return;
      seen = `${mine.treeSize}:${mine.rootHash}/${theirs.treeSize}:${theirs.rootHash}`;
      if (this.witnessed.has(seen)) return;
      this.witnessed.add(seen);
      const [smaller, larger] = mine.treeSize <= theirs.treeSize ? [mine, theirs] : [theirs, mine];
      let proof: string[] = [];
      if (smaller.treeSize !== larger.treeSize) {
        const answer = await logApi.consistency(smaller.treeSize, larger.treeSize);
        // A head the server answers with that contradicts one in hand is itself the fork.
        for (const [held, served] of [
          [larger, answer.head],
          [smaller, answer.from],
        ] as const) {
          if (!served) continue;
          const same = crypto.compareSeenHeads({ mine: held, theirs: served, proof: [], logPublicKey: keyLogPublicKey });
          if (same.result === 'fork') return this.forkSeen(same.heads);
        }
        proof = answer.proof;
      }
      const compared = crypto.compareSeenHeads({ mine, theirs, proof, logPublicKey: keyLogPublicKey });
      if (compared.result === 'fork') return this.forkSeen(compared.heads);
      if (compared.result === 'consistent' && compared.newer.treeSize > mine.treeSize) await writeState(HEAD, compared.newer);
    } catch (error) {
      // Nothing concluded: compare this pair again next time it is seen.
      if (seen) this.witnessed.delete(seen);
      console.warn('Could not compare key-log heads now', error);
    }
  }

  /** Two heads the log key signed that cannot both be true: stop sealing, and tell the system admins (best effort). */
  private forkSeen(heads: [SignedTreeHead, SignedTreeHead]): void {
    this.forked = FORKED;
    integrity.report({ kind: 'key_log_fork', heads }).catch((error: unknown) => console.error(error));
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
        this.forkSeen([kept, head]);
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

  /** Notes the person's fingerprint on first sight; flags a change from the one seen before, saying who confirmed the new keys. */
  private async remember(person: { id: string; name: string }, key: VerifiedKey, confirmedBy: string | null): Promise<void> {
    const fingerprint = key.fingerprint;
    const me = identityKeys.userId;
    const mine = identityKeys.fingerprint;
    if (!me || !mine) return;
    const seen = await readState<string>(seenKey(me, person.id));
    if (seen === undefined) return writeState(seenKey(me, person.id), fingerprint);
    if (seen === fingerprint || this.changes.some((c) => c.userId === person.id && c.fingerprint === fingerprint)) return;
    const crypto = await loadCrypto();
    const number = crypto.safetyNumber({ userId: me, fingerprint: mine }, { userId: person.id, fingerprint });
    this.changes = [
      ...this.changes.filter((c) => c.userId !== person.id),
      { userId: person.id, name: person.name, fingerprint, safetyNumber: number, confirmedBy },
    ];
  }
}

/** An admin certificate as the server lists it, with the admin's name for display (the name is the server's word, the rest is checked). */
type NamedCertificate = SignedAdminCertificate & { name: string };
interface Certificates {
  certificates: NamedCertificate[];
  revocations: SignedAdminCertificateRevocation[];
}

function confirmerName(trust: KeyTrust, certificates: NamedCertificate[]): string | null {
  if (!trust.vouched) return null;
  return certificates.find((c) => c.certificate.userId === trust.by.adminId)?.name ?? 'an admin';
}

export const keyLog = new KeyLogState();
