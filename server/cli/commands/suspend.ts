import { z } from 'zod';
import { email, reason } from '../../shared/schemas';
import { uuid } from '../io';
import { defineCommand } from '../command';
import { EXIT } from '../io';

export const suspend = defineCommand({
  name: 'suspend',
  summary: 'Suspend a user',
  description: [
    'Suspends a user at once, as an admin does from the admin screen: they can no longer see or share',
    'anything, or administer. The reason is kept on the account and in the audit log. Reinstating is',
    'done from the admin screen.',
  ],
  positionals: [{ name: 'user', description: 'the user’s id or email address' }],
  options: {
    reason: { type: 'string', value: '<why>', description: 'why they are suspended (kept in the audit log)' },
  },
  input: z.strictObject({
    user: z.union([email, uuid], { message: 'expected a user id or an email address' }),
    reason,
  }),
  examples: ['suspend jordan.ellis@childrens.northmoor.example --reason "Left the council on 31 March"'],
  async run(ctx, input, io) {
    const { suspendUserAsOperator } = await import('../../accounts/operator.service');
    const record = await suspendUserAsOperator(ctx, input.user, input.reason);
    io.out(`Suspended ${record.user.name} <${record.user.email}> (user ${record.user.id}).`);
    return EXIT.ok;
  },
});
