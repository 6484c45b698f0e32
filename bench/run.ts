// `npm run bench [-- --json FILE]`: each benchmark against its baseline, measured in the same run on this machine.
import { writeFileSync } from 'node:fs';
import { envelopeBench } from './envelope.bench';
import { formatLine, machine, type BenchResult } from './harness';

const jsonIndex = process.argv.indexOf('--json');
const jsonFile = jsonIndex >= 0 ? process.argv[jsonIndex + 1] : undefined;
if (jsonIndex >= 0 && !jsonFile) {
  process.stderr.write('--json needs a file name\n');
  process.exit(2);
}

process.stdout.write(`Machine: ${machine()}\n`);
const results: BenchResult[] = [];
for (const bench of [envelopeBench]) {
  for (const result of await bench()) {
    results.push(result);
    process.stdout.write(`${formatLine(result)}\n`);
  }
}
process.stdout.write('Not yet measured: delivery, retention, index search, scale-out (see the performance issue).\n');
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
