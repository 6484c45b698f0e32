// The public surface of crypto/: pure functions over bytes and strings, no I/O.
export { ready } from './sodium';
export { CryptoError, CanonicalisationError } from './errors';
export { canonicalJson } from './canonical-json';
export { blake2b256, hashToken } from './hash';
export { randomToken } from './random';
export { hashPassword, verifyPassword, passwordNeedsRehash } from './password';
export { AUDIT_GENESIS_HASH, auditEntryHash, type AuditChainEntry } from './audit-chain';
export { toHex, fromHex, utf8, constantTimeEqual } from './bytes';
export { DecryptError, MalformedInputError } from './errors';
export { fromBase64Url } from './bytes';
export { generateIdentity, publicIdentity, decodePublicIdentity, keyFingerprint, type IdentityKeys, type PublicIdentity } from './identity';
export { sealNote, openNote, type SealedNote, type NoteContext } from './sealed-note';
