import { describe, expect, it } from 'vitest';
import {
  ROLES,
  canClearConcern,
  canContributeToIndex,
  canCorrectShare,
  canOverrideShield,
  canReadIndex,
  canReopenDecision,
  canShare,
  canShareWith,
  canShield,
  canUseConversations,
  canReach,
  canManageOwnKeys,
  canUseThread,
  canVerifyEntryDetails,
  type Actor,
  type RecipientFacts,
  type Role,
} from '../../server/policy';
import { A, B, STATUSES, code, signedA, signedB, unsignedB } from './policy-fixtures';

const actor = (role: Role, over: Partial<Actor> = {}): Actor => ({ id: 'me', role, agencyId: A, status: 'verified', mfaEnrolled: true, ...over });
const everyone = ROLES.flatMap((role) => STATUSES.flatMap((status) => [true, false].map((mfa) => [role, status, mfa] as const)));

describe('reading the index', () => {
  it.each(everyone)('%s, %s, two-factor %s', (role, status, mfa) => {
    const expected = !mfa ? 'mfa_not_enrolled' : status === 'suspended' ? 'suspended' : status === 'pending' ? 'not_verified' : 'allow';
    expect(code(canReadIndex(actor(role, { status, mfaEnrolled: mfa })))).toBe(expected);
  });
});

describe('contributing to the index and sharing need full sharing rights', () => {
  it.each(everyone)('%s, %s, two-factor %s', (role, status, mfa) => {
    const a = actor(role, { status, mfaEnrolled: mfa });
    const allowed = status === 'verified' && mfa;
    expect(canContributeToIndex(a, signedA).allow).toBe(allowed);
    expect(canShare(a, signedA).allow).toBe(allowed);
    expect(canShare(a, { id: A, protocolSigned: false }).allow).toBe(false);
    expect(code(canShare(a, null))).not.toBe('allow');
  });
});

describe('conversations and the live connection', () => {
  it.each(everyone)('%s, %s, two-factor %s', (role, status, mfa) => {
    const a = actor(role, { status, mfaEnrolled: mfa });
    // Suspended and unverified users have neither; a lapsed verification still reads.
    const standing = status === 'suspended' ? 'suspended' : status === 'pending' ? 'not_verified' : 'allow';
    expect(code(canUseConversations(a))).toBe(standing);
    expect(code(canUseThread(a, { participantIds: ['someone', 'me'] }))).toBe(standing);
    expect(code(canUseThread(a, { participantIds: ['someone', 'else'] }))).toBe(standing === 'allow' ? 'not_a_participant' : standing);
  });
});

describe('what a session reaches, by standing', () => {
  it.each(everyone)('%s, %s, two-factor %s', (role, status, mfa) => {
    const a = actor(role, { status, mfaEnrolled: mfa });
    // Signing out is always open; the own account closes only on suspension; the service also needs verification.
    expect(code(canReach(a, 'sign_out'))).toBe('allow');
    expect(code(canReach(a, 'own_account'))).toBe(status === 'suspended' ? 'suspended' : 'allow');
    expect(code(canManageOwnKeys(a))).toBe(status === 'suspended' ? 'suspended' : 'allow');
    expect(code(canReach(a, 'service'))).toBe(status === 'suspended' ? 'suspended' : status === 'pending' ? 'not_verified' : 'allow');
  });
});

describe('shielding and overriding', () => {
  it.each(ROLES.flatMap((role) => STATUSES.map((status) => [role, status] as const)))('%s (%s)', (role, status) => {
    const authorised = role !== 'practitioner';
    const expected = !authorised ? 'not_authorised_to_shield' : status !== 'verified' ? 'actor_not_verified' : 'allow';
    expect(code(canShield(actor(role, { status })))).toBe(expected);
    expect(code(canOverrideShield(actor(role, { status })))).toBe(expected);
  });
});

describe('concerns and entry details', () => {
  it.each(ROLES)('%s clearing a concern of their own agency and of another', (role) => {
    expect(code(canClearConcern(actor(role), signedA, { agencyId: A }))).toBe('allow');
    expect(code(canClearConcern(actor(role), signedA, { agencyId: B }))).toBe(role === 'system_admin' ? 'allow' : 'other_agency');
  });

  it('only an agency holding or serving the entry confirms its details', () => {
    expect(code(canVerifyEntryDetails(actor('practitioner'), signedA, { sourceAgencyId: A, involvedAgencyIds: [] }))).toBe('allow');
    expect(code(canVerifyEntryDetails(actor('practitioner'), signedA, { sourceAgencyId: B, involvedAgencyIds: [A] }))).toBe('allow');
    expect(code(canVerifyEntryDetails(actor('practitioner'), signedA, { sourceAgencyId: B, involvedAgencyIds: [B] }))).toBe('not_involved');
  });
});

describe('recipients of a share', () => {
  const recipient = (over: Partial<RecipientFacts> = {}): RecipientFacts => ({
    user: { id: 'them', status: 'verified' },
    agency: signedB,
    agencyInvolved: true,
    needToKnowReason: null,
    ...over,
  });

  it.each(STATUSES)('a recipient whose account is %s', (status) => {
    expect(code(canShareWith(actor('practitioner'), recipient({ user: { id: 'them', status } })))).toBe(
      status === 'verified' ? 'allow' : 'recipient_not_verified',
    );
  });

  it.each([
    ['involved agency', {}, 'allow'],
    ['not involved, reason recorded', { agencyInvolved: false, needToKnowReason: 'Joint visit today' }, 'allow'],
    ['not involved, no reason', { agencyInvolved: false }, 'need_to_know_missing'],
    ['agency that has not signed', { agency: unsignedB }, 'recipient_agency_not_signatory'],
    ['no agency at all', { agency: null }, 'recipient_no_agency'],
    ['themselves', { user: { id: 'me', status: 'verified' as const } }, 'recipient_is_sender'],
    ['a named person outside Haven of a signatory agency', { user: null }, 'allow'],
    ['a named person of an agency that has not signed', { user: null, agency: unsignedB }, 'recipient_agency_not_signatory'],
  ] as const)('%s', (_label, over, expected) => {
    expect(code(canShareWith(actor('practitioner'), recipient(over)))).toBe(expected);
  });
});

describe('corrections and reopening', () => {
  it.each(ROLES)('%s correcting their own entry and someone else’s', (role) => {
    expect(code(canCorrectShare(actor(role), signedA, { senderId: 'me' }))).toBe('allow');
    expect(code(canCorrectShare(actor(role), signedA, { senderId: 'other' }))).toBe('not_the_sender');
    expect(code(canCorrectShare(actor(role, { status: 'expired' }), signedA, { senderId: 'me' }))).toBe('verification_expired');
  });

  it.each(ROLES)('%s reopening a decision of their own agency and of another', (role) => {
    expect(code(canReopenDecision(actor(role), signedA, { senderAgencyId: A }))).toBe('allow');
    expect(code(canReopenDecision(actor(role), signedA, { senderAgencyId: B }))).toBe('other_agency');
    expect(code(canReopenDecision(actor(role, { agencyId: B }), signedB, { senderAgencyId: B }))).toBe('allow');
  });
});
