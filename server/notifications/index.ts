// E-mail notices through a durable outbox (docs/notifications.md): what other domains may use.
export { queueNotices, wakeOutbox, newMessageNotices, queueDigests, digestsAlongside, type Notice, type Recipient } from './outbox.service';
export { calendarDate, inviteToken, type EventContent, type MailContent } from './mail-content';
export type { DigestNotice } from './outbox.store';
export { mailSetup, type MailSetup } from './mail-setup';
