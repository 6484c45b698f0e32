import type { CalendarDate, HavenLink, MailContent } from './mail-content';

export interface RenderedMail {
  subject: string;
  text: string;
}

// Protocol times are local times: every date is written as it is in England.
const whenFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const dayFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

/** Assembled from the parts: the literals between them differ between ICU versions ("Wednesday, 1 July" or "Wednesday 1 July"). */
function words(format: Intl.DateTimeFormat, instant: Date): string {
  const part = (type: Intl.DateTimeFormatPartTypes) => format.formatToParts(instant).find((p) => p.type === type)?.value ?? '';
  const date = `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`;
  return format.resolvedOptions().hour ? `${date} at ${part('hour')}:${part('minute')}` : date;
}

const when = (instant: Date) => words(whenFormat, instant);
const day = (date: CalendarDate) => words(dayFormat, new Date(`${date}T00:00:00Z`));
const count = (n: number) => String(Math.max(0, Math.floor(n)));

const FOOTER = [
  '',
  '--',
  'This e-mail comes from Haven. It never contains names, case details or message content:',
  'sign in to Haven to see them. Please do not reply to it.',
].join('\n');

function mail(subject: string, ...lines: string[]): RenderedMail {
  return { subject, text: `${lines.join('\n')}\n${FOOTER}\n` };
}

/**
 * The words of every e-mail Haven sends. Pure, and content-free by construction: the input is a
 * kind with counts, dates, a round and (for an invitation) a token, plus Haven's own address —
 * there is no parameter a name, a reason or a message could travel in (test/unit/mail-templates.test.ts).
 */
export function renderMail(content: MailContent, link: HavenLink): RenderedMail {
  switch (content.kind) {
    case 'new_messages': {
      const n = count(content.unread);
      const one = n === '1';
      return mail(
        `You have ${n} new secure ${one ? 'message' : 'messages'}`,
        `You have ${n} new secure ${one ? 'message' : 'messages'} in Haven.`,
        '',
        `Sign in to read ${one ? 'it' : 'them'}: ${link}/#/conversations`,
      );
    }
    case 'invitation':
      return mail(
        'You are invited to join Haven',
        'An administrator has invited you to join Haven, the secure service agencies use to share',
        'information about the children they work with.',
        '',
        `Set up your account with this link. It works once, until ${when(content.expiresAt)}:`,
        `${link}/#/invite/${content.token}`,
        '',
        'If you were not expecting this, you can ignore this e-mail.',
      );
    case 'account_verified':
      return mail(
        'Your Haven account is verified',
        'An administrator has verified your Haven account: you can now share through Haven.',
        `Your verification runs until ${day(content.expiresOn)}, and is renewed with your vetting check and training.`,
        '',
        `${link}/`,
      );
    case 'account_suspended':
      return mail(
        'Your Haven account is suspended',
        'Your Haven account has been suspended and you have been signed out everywhere.',
        "If you do not know why, ask your agency's Haven administrator.",
      );
    case 'account_reinstated':
      return mail('Your Haven account is reinstated', 'Your Haven account has been reinstated: you can sign in again.', '', `${link}/`);
    case 'new_sign_in':
      return mail(
        'New sign-in to your Haven account',
        `Your Haven account was signed in to on ${when(content.at)}.`,
        '',
        "If this was you, there is nothing to do. If it was not, tell your agency's Haven administrator",
        'at once: they can suspend the account, which signs it out everywhere.',
        '',
        `${link}/#/account`,
      );
    case 'password_reset':
      return mail(
        'Reset your Haven password',
        'Someone asked to reset the password of your Haven account.',
        '',
        `To choose a new password, use this link. It works once, until ${when(content.expiresAt)}, and you will`,
        'need the code from your authenticator app:',
        `${link}/#/reset-password/${content.token}`,
        '',
        'If you did not ask, you can ignore this e-mail: your password has not changed.',
      );
    case 'password_changed':
      return mail(
        'Your Haven password was changed',
        `The password of your Haven account was changed on ${when(content.at)}, and every session was signed out.`,
        '',
        "If this was not you, tell your agency's Haven administrator at once: they can suspend the account.",
        '',
        `${link}/#/account`,
      );
    case 'passkey_added':
      return mail(
        'A passkey was added to your Haven account',
        `A passkey was added to your Haven account on ${when(content.at)}. It can be used to sign in.`,
        '',
        'If this was you, there is nothing to do. If it was not, remove it from your account page and tell',
        "your agency's Haven administrator at once: they can suspend the account, which signs it out everywhere.",
        '',
        `${link}/#/account`,
      );
    case 'mfa_recovery_link':
      return mail(
        'Set up your Haven sign-in again',
        "Your agency's Haven administrator checked who you are and started the recovery of your two-factor sign-in.",
        '',
        `Use this link to sign in with your password and set up your authenticator app again. It works once,`,
        `until ${when(content.expiresAt)}:`,
        `${link}/#/recover/${content.token}`,
        '',
        'If you did not ask your administrator for this, do not use the link: sign in with your password and your',
        `authenticator app, cancel the recovery from your account page (${link}/#/account), and tell your administrator.`,
      );
    case 'mfa_recovery_started':
      return mail(
        'Recovery of your Haven sign-in was started',
        `On ${when(content.at)} an administrator started the recovery of the two-factor sign-in of your Haven account.`,
        'Every session of the account is signed out when the recovery link is e-mailed to you.',
        '',
        'If you did not ask for this, sign in with your password and your authenticator app and cancel it from your',
        `account page, ${link}/#/account, and tell your agency's Haven administrator at once.`,
      );
    case 'mfa_recovery_cancelled':
      if (content.byThePerson) {
        return mail(
          'Recovery of your Haven sign-in was cancelled',
          `On ${when(content.at)} the recovery of the two-factor sign-in of your Haven account was cancelled from your own`,
          'account page, signed in as you. Any recovery link you were sent no longer works, and your admins were told.',
          '',
          "If this was not you, someone has signed in as you: tell your agency's Haven administrator at once.",
        );
      }
      return mail(
        'Recovery of your Haven sign-in was cancelled',
        `On ${when(content.at)} an administrator cancelled the recovery of the two-factor sign-in of your Haven account.`,
        'Any recovery link you were sent no longer works.',
        '',
        "If you still cannot sign in, ask your agency's Haven administrator to start a new recovery.",
      );
    case 'mfa_recovery_admin_alert': {
      if (content.stage === 'disowned') {
        return mail(
          'Warning: a Haven sign-in recovery the person did not ask for',
          `On ${when(content.at)} a person whose account you administer cancelled a recovery of their lost second factor,`,
          'signed in with their current one, and said they never asked for it. Someone may have posed as them to take',
          'over their account. Check in Haven who started it and how their identity was checked, and speak to that admin:',
          `${link}/#/admin/users`,
        );
      }
      const what = {
        requested: 'was started',
        confirmed: 'was confirmed by a second admin',
        completed: 'was completed',
        cancelled: 'was cancelled',
        cancelled_by_person: 'was cancelled by the person, who no longer needs it',
      }[content.stage];
      return mail(
        'A Haven sign-in recovery needs your attention',
        `On ${when(content.at)} the recovery of a lost second factor for an account you administer ${what}.`,
        '',
        `Check it in Haven: ${link}/#/admin/users`,
        '',
        'If you know nothing of it, speak to the admin who started it before anyone confirms it.',
      );
    }
    case 'mfa_recovered':
      return mail(
        'Your Haven authenticator was replaced',
        `On ${when(content.at)} a new authenticator app was set up for your Haven account with a recovery link,`,
        'and every other session was signed out.',
        '',
        "If this was not you, tell your agency's Haven administrator at once: they can suspend the account.",
        '',
        `${link}/#/account`,
      );
    case 'obligation_reminder':
      return mail(
        `A written record is due by ${when(content.dueAt)}`,
        'After an emergency verbal share you must file a written record in Haven.',
        `It is due by ${when(content.dueAt)}.`,
        '',
        `See what is due: ${link}/#/obligations`,
      );
    case 'obligation_overdue':
      return mail(
        'A written record is overdue',
        `A written record you must file in Haven was due by ${when(content.dueAt)} and is overdue.`,
        'It has been escalated to an administrator.',
        '',
        `See what is due: ${link}/#/obligations`,
      );
    case 'obligation_escalation': {
      const again = content.round > 1;
      return mail(
        again ? `A written record is still overdue (escalation ${count(content.round)})` : 'A written record is overdue',
        `A designated officer's written record was due by ${when(content.dueAt)} and has not been filed.`,
        again ? `It is escalated to you again, as an administrator (escalation ${count(content.round)}).` : 'It is escalated to you, as an administrator.',
        '',
        `See the escalations: ${link}/#/admin/escalations`,
      );
    }
  }
}
