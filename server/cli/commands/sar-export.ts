import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { defineCommand } from '../command';
import { EXIT, plural, uuid } from '../io';

export const sarExport = defineCommand({
  name: 'sar-export',
  summary: 'Export a subject access request about a child',
  description: [
    'Produces the export of a subject access request recorded in the admin screen: everything Haven',
    'holds about the child in date order, with protected third parties redacted (message content is',
    'end-to-end encrypted and only listed). Without --request, the child’s open request is used.',
    'It holds personal data: the file is created readable by you only, and never overwritten.',
  ],
  positionals: [{ name: 'childId', description: 'the child’s id on the index' }],
  options: {
    request: { type: 'string', value: '<id>', description: 'which request about the child (default: the open one, else the newest)' },
    format: { type: 'string', value: 'json|html', description: 'json (default) or a printable html page (default html when --out ends in .html)' },
    out: { type: 'string', value: '<file>', description: 'write to this new file instead of stdout' },
  },
  input: z
    .strictObject({
      childId: uuid,
      request: uuid.optional(),
      format: z.enum(['json', 'html'], { message: 'expected json or html' }).optional(),
      out: z.string().min(1, 'expected a file name').optional(),
    })
    .transform((o) => ({ ...o, format: o.format ?? (o.out?.toLowerCase().endsWith('.html') ? 'html' : 'json') })),
  examples: ['sar-export 5b0e8d7e-1c4f-4b1a-9f7e-2d3c4b5a6f70 --out lily-sar.html'],
  async run(ctx, input, io) {
    // The file is claimed before the export is made (and audited), so a name already taken costs nothing.
    let fd: number | undefined;
    if (input.out) {
      try {
        fd = openSync(input.out, 'wx', 0o600);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        io.note(`haven: sar-export: cannot create ${input.out}: ${code === 'EEXIST' ? 'the file already exists (choose a new name)' : (code ?? 'error')}`);
        return EXIT.failed;
      }
    }
    try {
      const { exportRequestAsOperator } = await import('../../subject-access/operator-export');
      const { requestId, data, html } = await exportRequestAsOperator(ctx, input.childId, input.request);
      const content = input.format === 'html' ? html : `${JSON.stringify(data, null, 2)}\n`;
      if (fd === undefined) {
        io.write(content);
      } else {
        writeFileSync(fd, content);
        io.note(`Wrote the export of request ${requestId} (${plural(data.events.length, 'event')}) to ${input.out}.`);
      }
      return EXIT.ok;
    } catch (error) {
      if (fd !== undefined && input.out) rmSync(input.out, { force: true });
      throw error;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  },
});
