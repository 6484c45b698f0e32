// `npm run bench [-- --json FILE] [--only NAMES]`: each benchmark against its baseline, measured in
// the same run on this machine. See docs/performance.md for what each compares.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { deliveryBench } from './delivery.bench';
import { envelopeBench } from './envelope.bench';
import { retentionBench } from './retention.bench';
import { searchBench } from './search.bench';
import { attachmentsBench } from './attachments.bench';
import { signInLoadBench } from './signin-load.bench';
import { formatLine, machine, type BenchResult } from './harness';

const count = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a whole number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be above 0`);
const optionsSchema = z.object({
  json: z.string().min(1).optional(),
  only: z
    .string()
    .transform((s) => s.split(','))
    .pipe(
      z.array(
        z.enum(['envelope', 'search', 'retention', 'delivery', 'signin-load', 'attachments'], {
          error: '--only takes envelope, search, retention, delivery, signin-load and attachments',
        }),
      ),
    )
    .optional(),
  'search-size': count('--search-size').default(1_000_000),
  'retention-size': count('--retention-size').default(100_000),
  'delivery-users': count('--delivery-users').default(1_000),
  'delivery-rate': count('--delivery-rate').default(100),
  'delivery-seconds': count('--delivery-seconds').default(10),
  'attachments-mb': count('--attachments-mb').default(100),
});

function readOptions(): z.infer<typeof optionsSchema> {
  try {
    const { values } = parseArgs({
      options: Object.fromEntries(
        ['json', 'only', 'search-size', 'retention-size', 'delivery-users', 'delivery-rate', 'delivery-seconds', 'attachments-mb'].map((name) => [
          name,
          { type: 'string' as const },
        ]),
      ),
    });
    const parsed = optionsSchema.safeParse(values);
    if (parsed.success) return parsed.data;
    process.stderr.write(`${parsed.error.issues[0]?.message ?? 'bad option'}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(2);
}

const options = readOptions();
const selected = new Set(options.only ?? ['envelope', 'search', 'retention', 'delivery', 'signin-load', 'attachments']);
const benches: [string, () => Promise<BenchResult[]>][] = [
  ['envelope', envelopeBench],
  ['search', () => searchBench(options['search-size'])],
  ['retention', () => retentionBench(options['retention-size'])],
  [
    'delivery',
    () =>
      deliveryBench(
        {
          users: options['delivery-users'],
          ratePerSecond: options['delivery-rate'],
          seconds: options['delivery-seconds'],
          throughputMessages: 3_000,
          rounds: 3,
          window: 64,
          redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        },
        (line) => process.stdout.write(`${line}\n`),
      ),
  ],
  ['signin-load', () => signInLoadBench({ attackers: 50, seconds: 10, timingRounds: 60 }, (line) => process.stdout.write(`${line}\n`))],
  ['attachments', () => attachmentsBench({ megabytes: options['attachments-mb'], rounds: 8 }, (line) => process.stdout.write(`${line}\n`))],
];

process.stdout.write(`Machine: ${machine()}\n`);
const results: BenchResult[] = [];
for (const [name, bench] of benches) {
  if (!selected.has(name)) continue;
  for (const result of await bench()) {
    results.push(result);
    process.stdout.write(`${formatLine(result)}\n`);
  }
}
if (options.json) writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
