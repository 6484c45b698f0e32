import { attestationBody, consistencyQuery, keyBackupBody, keysQuery, proofQuery, publishKeysBody } from '../../keys/keys.schema';
import { type ApiOperation, byId, created, json, noContent } from '../api-operation';

/** The routes in server/keys/keys.routes.ts. */
export const keysOperations: ApiOperation[] = [
  { method: 'get', path: '/keys/me', tag: 'Keys', summary: 'My published public keys', ok: json('`{ keys: Keys | null }`.') },
  {
    method: 'put',
    path: '/keys/me',
    tag: 'Keys',
    summary: 'Publish my public keys (`replace: true` to replace them, warning correspondents)',
    body: publishKeysBody,
    ok: created('`{ keys }`; 200 when the same keys were already published.'),
  },
  {
    method: 'put',
    path: '/keys/backup',
    tag: 'Keys',
    summary: 'Store my encrypted key backup (the server cannot open it)',
    body: keyBackupBody,
    ok: noContent(),
  },
  {
    method: 'get',
    path: '/keys/backup/status',
    tag: 'Keys',
    summary: 'Whether I have a key backup (not the backup itself)',
    ok: json('`{ exists, savedAt }` (`savedAt` null without a backup).'),
  },
  {
    method: 'get',
    path: '/keys/backup',
    tag: 'Keys',
    summary: 'My encrypted key backup (read is audited)',
    ok: json('`{ backup }`; 404 `no_key_backup` without one.'),
  },
  {
    method: 'get',
    path: '/keys',
    tag: 'Keys',
    summary: 'Public keys of up to 50 users',
    query: keysQuery,
    ok: json('`{ keys: [{ userId, signPublicKey, boxPublicKey, fingerprint, createdAt, agencyId }] }` (users without keys are left out).'),
  },
  {
    method: 'post',
    path: '/users/:id/key-attestation',
    tag: 'Keys',
    summary: "An admin's signed binding of a user to their key fingerprint",
    params: byId,
    body: attestationBody,
    ok: noContent(),
  },
  {
    method: 'get',
    path: '/key-log/head',
    tag: 'Keys',
    summary: "The key log's signed tree head",
    ok: json('`{ head: SignedTreeHead | null }` (the key that signs it is in the client build’s trust roots, never in an answer).'),
  },
  {
    method: 'get',
    path: '/key-log/proof',
    tag: 'Keys',
    summary: "Inclusion proof for a user's newest key-log entry",
    query: proofQuery,
    ok: json('`{ entry, index, proof, head }`.'),
  },
  {
    method: 'get',
    path: '/key-log/consistency',
    tag: 'Keys',
    summary: 'Consistency proof from a tree size the client kept',
    query: consistencyQuery,
    ok: json('`{ proof, head, from }`.'),
  },
  {
    method: 'get',
    path: '/admin-certificates',
    tag: 'Keys',
    summary: "Admin certificates and their revocations: the organisation root's signatures over admins' signing keys",
    ok: json(
      '`{ certificates: [{ certificate: AdminCertificate, signature, name }], revocations: [{ revocation: AdminCertificateRevocation, signature }] }`; clients verify each against the org root in their build (the name is for display only) and keep the revocations they have seen.',
    ),
  },
];
