import { certifyAdmin, toBase64Url, verifyAdminCertificate, fromBase64Url, type AdminCertificate, type TrustRoots } from '../../crypto';
import { findUserByEmail, loadUserRecord, type UserRecord } from '../accounts/accounts.store';
import { actorOf, type SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import type { Database } from '../db';
import { ConflictError, NotFoundError } from '../errors';
import { findUserKeys, lockKeysOf } from '../keys/keys.store';
import { canCertifyAdmin, canReadAdminCertificates, requireAllowed, type Decision } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import type { OrgRootKeys } from '../trust-roots/org-root-key';
import { allAdminCertificates, insertAdminCertificate } from './admin-certificates.store';

export interface SignedAdminCertificate {
  certificate: AdminCertificate;
  signature: string;
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
  if (toBase64Url(input.orgRoot.publicKey) !== input.trustRoots.orgRootPublicKey) {
    throw new ConflictError(
      'wrong_org_root',
      `${input.orgRoot.file} is not this installation's organisation root (the trust roots name ${input.trustRoots.orgRootPublicKey}).`,
    );
  }
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
