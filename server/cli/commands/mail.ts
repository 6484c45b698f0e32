import { z } from 'zod';
import { defineCommand } from '../command';
import { EXIT, plural, uuid } from '../io';

export const mail = defineCommand({
  name: 'mail',
  summary: 'List e-mail notices that failed, and send them again',
  description: [
    '`mail failed` lists the notices that were not sent: id, kind, recipient address, attempts and the',
    'error (an SMTP reply code, or why it could not be sent) — never what the e-mail says. A notice is',
    'failed when the SMTP server refused it for good (a bounce: 5xx), when it was still not sent after',
    'HAVEN_MAIL_MAX_ATTEMPTS tries, or when the worker stopped half-way through sending it (it may have',
    'been delivered: check before retrying). `mail retry <id>` or `mail retry --all` puts them back in the',
    'queue with the same Message-ID; the workers send them within HAVEN_MAIL_SWEEP_SECONDS. Both are audited as',
    'done at the command line (the list names recipients; a retry can send a sign-in link again).',
  ],
  positionals: [
    { name: 'action', description: 'failed or retry' },
    { name: 'id', description: 'retry: the notice to send again' },
  ],
  options: { all: { type: 'boolean', description: 'retry: every failed notice' } },
  input: z
    .strictObject({
      action: z.enum(['failed', 'retry'], { message: 'expected failed or retry' }),
      id: uuid.optional(),
      all: z.boolean().optional(),
    })
    .refine((o) => o.action !== 'retry' || Boolean(o.id) !== Boolean(o.all), { message: 'retry needs one notice id or --all' })
    .refine((o) => o.action !== 'failed' || (!o.id && !o.all), { message: 'failed takes no id or --all' }),
  examples: ['mail failed', 'mail retry 5b0e8d7e-1c4f-4b1a-9f7e-2d3c4b5a6f70', 'mail retry --all'],
  async run(ctx, input, io) {
    const { listFailedMail, retryFailedMail } = await import('../../notifications/failed-mail.service');
    if (input.action === 'failed') {
      const failed = await listFailedMail(ctx);
      io.out(
        ...failed.map((f) =>
          [f.id, f.kind, f.to, `${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`, f.createdAt.toISOString(), f.lastError ?? ''].join('\t'),
        ),
      );
      io.note(`${plural(failed.length, 'failed notice')}.`);
      return EXIT.ok;
    }
    const requeued = await retryFailedMail(ctx, input.all ? 'all' : [input.id ?? '']);
    if (!input.all && requeued.length === 0) {
      io.note('haven: mail: there is no failed notice with that id.');
      return EXIT.failed;
    }
    ctx.outbox?.wake(requeued.map((r) => ({ id: r.id, notBefore: r.nextAttemptAt })));
    io.out(...requeued.map((r) => r.id));
    io.note(`${plural(requeued.length, 'notice')} queued again.`);
    return EXIT.ok;
  },
});
