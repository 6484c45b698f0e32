import { sharingStatus, type Actor, type DenyReason } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { loadUserRecord, userNames, type UserRecord } from './accounts.store';
import { passkeysOf } from './passkeys.store';
import type { SessionStage } from './sessions.store';
import { mentionedUserIds, toUserView, type UserView } from './user-view';
import { userStatusOn } from './verification-rules';

/** A resolved, live session: who is signed in, how far, and what policy says they are. */
export interface SignedIn {
  tokenHash: string;
  stage: SessionStage;
  record: UserRecord;
  actor: Actor;
}

export interface SessionView {
  stage: SessionStage;
  user: UserView;
  sharing: { allowed: boolean; reasons: DenyReason[] };
  /** Half-way through signing in: whether a passkey may stand for the code (the account has one). */
  passkeyOffered?: boolean;
}

export function actorOf(record: UserRecord, today: string): Actor {
  return {
    id: record.user.id,
    role: record.user.role,
    agencyId: record.user.agencyId,
    status: userStatusOn(today, record.user, record.verification),
    mfaEnrolled: record.user.totpEnrolledAt !== null,
  };
}

export async function signedInAs(ctx: ServiceContext, tokenHash: string, stage: SessionStage, userId: string): Promise<SignedIn | null> {
  const record = await loadUserRecord(ctx.db, userId);
  return record ? signedInWith(ctx, tokenHash, stage, record) : null;
}

export function signedInWith(ctx: ServiceContext, tokenHash: string, stage: SessionStage, record: UserRecord): SignedIn {
  return { tokenHash, stage, record, actor: actorOf(record, localDate(ctx.clock())) };
}

export async function sessionView(ctx: ServiceContext, signedIn: SignedIn): Promise<SessionView> {
  const names = await userNames(ctx.db, mentionedUserIds([signedIn.record]));
  const agency = signedIn.record.agency;
  const view: SessionView = {
    stage: signedIn.stage,
    user: toUserView(signedIn.record, localDate(ctx.clock()), names),
    sharing: sharingStatus(signedIn.actor, agency && { id: agency.id, protocolSigned: agency.protocolSigned }),
  };
  if (signedIn.stage === 'mfa_required') view.passkeyOffered = (await passkeysOf(ctx.db, signedIn.record.user.id)).length > 0;
  return view;
}
