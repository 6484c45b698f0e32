import type { SignedIn } from '../accounts/session-view';
import { canSeeMailSetup, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { mailSetup, type MailSetup } from './mail-setup';

/** For the admin screens: whether e-mail goes to an SMTP server, or is written to a folder because none is set up. */
export function mailStatus(ctx: ServiceContext, signedIn: SignedIn): MailSetup {
  requireAllowed(canSeeMailSetup(signedIn.actor));
  return mailSetup(ctx.config);
}
