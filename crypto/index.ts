// The public surface of crypto/: pure functions over bytes and strings, no I/O.
export { ready } from './sodium';
export { CryptoError, CanonicalisationError } from './errors';
export { canonicalJson } from './canonical-json';
export { blake2b256, hashToken, sessionCsrfToken } from './hash';
export { randomToken, randomBytes16 } from './random';
export { hashPassword, verifyPassword, passwordNeedsRehash } from './password';
export { AUDIT_GENESIS_HASH, auditEntryHash, keyedAuditEntryHash, auditPrivateDigest, type AuditChainEntry } from './audit-chain';
export { AUDIT_ANCHOR_LABEL, auditAnchorMessage, signAuditAnchor, verifyAuditAnchor, type AuditAnchor } from './audit-anchor';
export { INSTALLATION_KEY_LABEL, deriveInstallationKey } from './installation-key';
export { passkeyBinding, passkeyBindingHolds, type PasskeyFacts } from './passkey-binding';
export { toHex, fromHex, utf8, constantTimeEqual, toBase64Url } from './bytes';
export { DecryptError, MalformedInputError } from './errors';
export { fromBase64Url } from './bytes';
export { generateIdentity, publicIdentity, decodePublicIdentity, keyFingerprint, type IdentityKeys, type PublicIdentity } from './identity';
export {
  sealNote,
  openNote,
  sealedNoteMessage,
  signSealedNote,
  SEALED_NOTE_V2_LABEL,
  SEALED_NOTE_V2_SIGNATURE_LABEL,
  type SealedNote,
  type SealedNoteV1,
  type SealedNoteV2,
  type NoteKey,
  type NoteContext,
  type OpenedNote,
} from './sealed-note';
export {
  leafHash,
  nodeHash,
  emptyTreeHash,
  treeHead,
  inclusionProof,
  consistencyProof,
  verifyInclusion,
  verifyConsistency,
  MerkleRangeError,
  MERKLE_HASH_BYTES,
} from './merkle';
export {
  KEY_ATTESTATION_LABEL,
  KEY_LOG_HEAD_LABEL,
  keyLogLeaf,
  keyLogLeafHash,
  keyAttestationMessage,
  attestKey,
  verifyAttestation,
  treeHeadMessage,
  signTreeHead,
  verifyTreeHead,
  checkKeyAgainstLog,
  checkLogGrowth,
  emptyKeyLogRoot,
  type KeyLogEntry,
  type KeyBinding,
  type TreeHead,
  type SignedTreeHead,
  type KeyLogCheck,
  type KeyInclusionFailure,
  type LogGrowthFailure,
} from './key-log';
export { SignatureError, MalformedEnvelopeError } from './envelope-errors';
export {
  assertHeaderShape,
  ENVELOPE_KINDS,
  ENVELOPE_TIERS,
  MAX_RECORD_DEPTH,
  type EnvelopeHeader,
  type EnvelopeHeaderV1,
  type EnvelopeHeaderV2,
  type EnvelopeHeaderV3,
  type EnvelopeRecipient,
  type EnvelopeKind,
  type EnvelopeTier,
} from './envelope-header';
export {
  sealEnvelope,
  parseEnvelope,
  verifyEnvelope,
  openEnvelope,
  envelopeSigningBytes,
  ENVELOPE_V1_LABEL,
  ENVELOPE_V2_LABEL,
  ENVELOPE_V3_LABEL,
  type Envelope,
  type WrappedKey,
  type SealEnvelopeInput,
  type EnvelopeReader,
} from './envelope';
export {
  KEY_GRANT_V1_LABEL,
  grantEnvelopeKey,
  parseKeyGrant,
  keyGrantSigningBytes,
  envelopeHash,
  checkKeyGrantFits,
  verifyKeyGrant,
  openEnvelopeWithGrant,
  type KeyGrant,
  type Granter,
} from './key-grant';
export { randomSeed, signingKeyPairFromSeed } from './identity';
export {
  KEY_POSSESSION_LABEL,
  isSigningPublicKey,
  isBoxPublicKey,
  isEncodedPublicKey,
  keyPossessionMessage,
  proveKeyPossession,
  verifyKeyPossession,
  type KeyPublication,
} from './key-possession';
export { checkPublishedKeys, checkCorrespondentKeys } from './key-log-client';
export { backupKeys, restoreKeys, KEY_BACKUP_KDF, type KeyBackup } from './key-backup';
export { newRecoveryKey, formatRecoveryKey, parseRecoveryKey, wrapKeysWithRecoveryKey, restoreKeysWithRecoveryKey, type RecoveryKeyWrap } from './recovery-key';
export { safetyNumber } from './safety-number';
export {
  ADMIN_CERTIFICATE_LABEL,
  ADMIN_CERTIFICATE_REVOCATION_LABEL,
  adminCertificateMessage,
  adminCertificateRevocationMessage,
  certifyAdmin,
  revokeAdminCertificate,
  verifyAdminCertificate,
  verifyAdminCertificateRevocation,
  parseTrustRoots,
  type AdminCertificate,
  type AdminCertificateRevocation,
  type TrustRoots,
} from './admin-certificate';
export {
  checkKeyTrust,
  keepRevocations,
  type KeyTrust,
  type KeyVoucher,
  type SignedAdminCertificate,
  type SignedAdminCertificateRevocation,
  type UnvouchedReason,
} from './key-trust';
export { compareSeenHeads, type HeadComparison } from './key-log-gossip';
export { checkEnvelopePlacement, PLACEMENT_PROBLEMS, type EnvelopeListing, type Placement, type PlacementProblem } from './envelope-placement';
export {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_CHUNK_OVERHEAD,
  ATTACHMENT_HEADER_BYTES,
  AttachmentDecryptor,
  AttachmentEncryptor,
  attachmentChunkAd,
  attachmentChunkCount,
  attachmentCiphertextBytes,
  attachmentPaddedBytes,
  decryptAttachment,
  encryptAttachment,
  newAttachmentKey,
  padmeBucket,
  type AttachmentExpectation,
} from './attachment-stream';
export {
  attachmentDescriptor,
  attachmentExpectation,
  decodeBody,
  encodeBodyWithAttachments,
  type AttachmentDescriptor,
  type BodyWithAttachments,
} from './attachment-descriptor';
