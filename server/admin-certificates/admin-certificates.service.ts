import {
  certifyAdmin,
  revokeAdminCertificate,
  toBase64Url,
  verifyAdminCertificate,
  verifyAdminCertificateRevocation,
  fromBase64Url,
  type AdminCertificate,
  type AdminCertificateRevocation,
  type SignedAdminCertificateRevocation,
  type TrustRoots,
} from '../../crypto';
import { findUserByEmail, loadUserRecord, type UserRecord } from '../accounts/accounts.store';
import { actorOf, type SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import type { Database } from '../db';
import { ConflictError, NotFoundError } from '../errors';
import { latestHead, lockKeyLog } from '../keys/key-log.store';
import { findUserKeys, lockKeysOf } from '../keys/keys.store';
import { canCertifyAdmin, canReadAdminCertificates, canRevokeAdminCertificates, requireAllowed, type Decision } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import type { OrgRootKeys } from '../trust-roots/org-root-key';
import {
  allAdminCertificateRevocations,
  allAdminCertificates,
  certificateRowsOf,
  insertAdminCertificate,
  insertAdminCertificateRevocation,
} from './admin-certificates.store';

export interface SignedAdminCertificate {
  certificate: AdminCertificate;
  signature: string;
}

/** What the operator signs with must be the root clients are built with: what another key signs, no client accepts. */
function requireInstallationRoot(orgRoot: OrgRootKeys, trustRoots: TrustRoots): void {
  if (toBase64Url(orgRoot.publicKey) !== trustRoots.orgRootPublicKey) {
    throw new ConflictError(
      'wrong_org_root',
      `${orgRoot.file} is not this installation's organisation root (the trust roots name ${trustRoots.orgRootPublicKey}).`,
    );
  }
}

/**
 * Every revocation the organisation root signed, for clients to apply (and keep) when they check
 * attestations; like the certificates, each is verified by the client against its build's root.
 */
export async function listAdminCertificateRevocations(ctx: ServiceContext, signedIn: SignedIn): Promise<SignedAdminCertificateRevocation[]> {
  requireAllowed(canReadAdminCertificates(signedIn.actor));
  return (await allAdminCertificateRevocations(ctx.db)).map((row) => ({
    revocation: row.revocation as unknown as AdminCertificateRevocation,
    signature: row.signature,
  }));
}

/**
 * Every admin certificate, for clients to check admins' attestations with. The server cannot
 * make one: each client verifies it against the organisation root its build was made with. The
 * admin's name comes along for display ("confirmed by …"); it is the server's word, not signed.
 */
export async function listAdminCertificates(ctx: ServiceContext, signedIn: SignedIn): Promise<(SignedAdminCertificate & { name: string })[]> {
  requireAllowed(canReadAdminCertificates(signedIn.actor));
  return (await allAdminCertificates(ctx.db)).map((row) => ({
    certificate: row.certificate as unknown as AdminCertificate,
    signature: row.signature,
    name: row.name,
  }));
}

/**
 * Certifies the admin's current signing key, inside the caller's transaction, if policy allows
 * it; returns the decision. The org root signs; the row only stores what it signed.
 */
async function certifyInTransaction(
  ctx: ServiceContext,
  tx: Database,
  record: UserRecord,
  givenFingerprint: string | null,
  orgRoot: OrgRootKeys,
  detail: Record<string, unknown>,
): Promise<{ decision: Decision; signed?: SignedAdminCertificate }> {
  const now = ctx.clock();
  const { user } = record;
  await lockKeysOf(tx, user.id);
  const keys = await findUserKeys(tx, user.id);
  const fingerprint = keys?.fingerprint ?? null;
  const decision = canCertifyAdmin(actorOf(record, localDate(now)), fingerprint, givenFingerprint ?? fingerprint ?? '');
  if (!decision.allow || !keys) return { decision };
  const certificate: AdminCertificate = {
    v: 1,
    userId: user.id,
    role: user.role === 'system_admin' ? 'system_admin' : 'agency_admin',
    agencyId: user.role === 'system_admin' ? null : user.agencyId,
    signPublicKey: keys.signPublicKey,
    issuedAt: now.toISOString(),
  };
  const signature = certifyAdmin(certificate, orgRoot.privateKey);
  await insertAdminCertificate(tx, { userId: user.id, certificate: { ...certificate }, signature, createdAt: now });
  await appendAuditEntries(
    tx,
    [
      {
        actorId: null,
        agencyId: user.agencyId,
        action: 'admin.certified',
        subjectType: 'user',
        subjectId: user.id,
        detail: { ...detail, role: certificate.role, fingerprint: keys.fingerprint },
      },
    ],
    now,
  );
  return { decision, signed: { certificate, signature } };
}

/**
 * `npm run haven -- certify-admin`: the operator, holding the organisation root key, certifies the
 * admin with this email address for the keys whose fingerprint the admin read out to them.
 */
export async function certifyAdminAsOperator(
  ctx: ServiceContext,
  input: { email: string; fingerprint: string; orgRoot: OrgRootKeys; trustRoots: TrustRoots },
): Promise<SignedAdminCertificate & { user: { id: string; name: string; email: string } }> {
  requireInstallationRoot(input.orgRoot, input.trustRoots);
  const found = await findUserByEmail(ctx.db, input.email);
  const record = found && (await loadUserRecord(ctx.db, found.id));
  if (!record) throw new NotFoundError('user_not_found', 'No account has this email address.');
  const { decision, signed } = await ctx.db.transaction((tx) => certifyInTransaction(ctx, tx, record, input.fingerprint, input.orgRoot, { via: 'cli' }));
  requireAllowed(decision);
  if (!signed) throw new Error('certification allowed but nothing signed');
  // What was stored must be what clients will accept: checked against the roots they are built with.
  if (!verifyAdminCertificate(signed.certificate, signed.signature, fromBase64Url(input.trustRoots.orgRootPublicKey, 'orgRootPublicKey'))) {
    throw new Error('the certificate just signed does not verify against the trust roots');
  }
  return { ...signed, user: { id: record.user.id, name: record.user.name, email: record.user.email } };
}

/**
 * Demo installs only (started with --seed-demo, the org root key file at hand): an admin who
 * publishes keys is certified at once, audited as such. A real installation keeps the org root
 * offline and certifies admins with the command line.
 */
export async function certifyDemoAdmin(ctx: ServiceContext, tx: Database, userId: string): Promise<void> {
  if (!ctx.demoOrgRoot) return;
  const record = await loadUserRecord(tx, userId);
  if (!record || (record.user.role !== 'agency_admin' && record.user.role !== 'system_admin')) return;
  await certifyInTransaction(ctx, tx, record, null, ctx.demoOrgRoot, { via: 'demo' });
}

/**
 * The distinct signing keys of those stored certificates that the root really signed for this
 * user: a row edited in the database (another key put in its place) would otherwise have the
 * operator revoke the wrong key and leave the real one standing.
 */
function certifiedKeys(rows: { certificate: Record<string, unknown>; signature: string }[], userId: string, orgRootPublicKey: Uint8Array): string[] {
  const genuine = rows
    .map((r) => ({ certificate: r.certificate as unknown as AdminCertificate, signature: r.signature }))
    .filter((r) => r.certificate.userId === userId && verifyAdminCertificate(r.certificate, r.signature, orgRootPublicKey));
  return [...new Set(genuine.map((r) => r.certificate.signPublicKey))];
}

/**
 * `npm run haven -- revoke-admin-certificate`: the operator, holding the organisation root key,
 * revokes every certificate of this person's signing keys for key-log entries from `fromTreeSize`
 * on (default: the log's size now, under its lock, so an attestation logged a moment before stays
 * and one logged after does not count). Audited as done at the command line.
 */
export async function revokeAdminAsOperator(
  ctx: ServiceContext,
  input: { email: string; fromTreeSize: number | 'now'; orgRoot: OrgRootKeys; trustRoots: TrustRoots },
): Promise<{ user: { id: string; name: string; email: string }; revoked: SignedAdminCertificateRevocation[] }> {
  requireInstallationRoot(input.orgRoot, input.trustRoots);
  const found = await findUserByEmail(ctx.db, input.email);
  if (!found) throw new NotFoundError('user_not_found', 'No account has this email address.');
  const now = ctx.clock();
  const revoked = await ctx.db.transaction(async (tx) => {
    await lockKeyLog(tx);
    const logSize = (await latestHead(tx))?.treeSize ?? 0;
    const fromTreeSize = input.fromTreeSize === 'now' ? logSize : input.fromTreeSize;
    const keys = certifiedKeys(await certificateRowsOf(tx, found.id), found.id, input.orgRoot.publicKey);
    requireAllowed(canRevokeAdminCertificates(keys.length, fromTreeSize, logSize));
    const signed = keys.map((signPublicKey) => {
      const revocation: AdminCertificateRevocation = { v: 1, userId: found.id, signPublicKey, fromTreeSize, revokedAt: now.toISOString() };
      return { revocation, signature: revokeAdminCertificate(revocation, input.orgRoot.privateKey) };
    });
    for (const r of signed)
      await insertAdminCertificateRevocation(tx, { userId: found.id, revocation: { ...r.revocation }, signature: r.signature, createdAt: now });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: null,
          agencyId: found.agencyId,
          action: 'admin.certificate_revoked',
          subjectType: 'user',
          subjectId: found.id,
          detail: { via: 'cli', signPublicKeys: keys, fromTreeSize, logSize },
        },
      ],
      now,
    );
    return signed;
  });
  // What was stored must be what clients will accept: checked against the roots they are built with.
  const rootKey = fromBase64Url(input.trustRoots.orgRootPublicKey, 'orgRootPublicKey');
  if (!revoked.every((r) => verifyAdminCertificateRevocation(r.revocation, r.signature, rootKey))) {
    throw new Error('a revocation just signed does not verify against the trust roots');
  }
  return { user: { id: found.id, name: found.name, email: found.email }, revoked };
}
