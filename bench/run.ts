// `npm run bench [-- --json FILE]`: each benchmark against its baseline, measured in the same run on this machine.
import { writeFileSync } from 'node:fs';
import { envelopeBench } from './envelope.bench';
import { retentionBench } from './retention.bench';
import { searchBench } from './search.bench';
import { formatLine, machine, type BenchResult } from './harness';

const sizeIndex = process.argv.indexOf('--search-size');
const searchSize = sizeIndex >= 0 ? Number(process.argv[sizeIndex + 1]) : 1_000_000;
if (!Number.isInteger(searchSize) || searchSize < 1) {
  process.stderr.write('--search-size needs a whole number of index entries\n');
  process.exit(2);
}
const retentionIndex = process.argv.indexOf('--retention-size');
const retentionSize = retentionIndex >= 0 ? Number(process.argv[retentionIndex + 1]) : 100_000;
if (!Number.isInteger(retentionSize) || retentionSize < 1) {
  process.stderr.write('--retention-size needs a whole number of children\n');
  process.exit(2);
}
const jsonIndex = process.argv.indexOf('--json');
const jsonFile = jsonIndex >= 0 ? process.argv[jsonIndex + 1] : undefined;
if (jsonIndex >= 0 && !jsonFile) {
  process.stderr.write('--json needs a file name\n');
  process.exit(2);
}

process.stdout.write(`Machine: ${machine()}\n`);
const results: BenchResult[] = [];
for (const bench of [envelopeBench, () => searchBench(searchSize), () => retentionBench(retentionSize)]) {
  for (const result of await bench()) {
    results.push(result);
    process.stdout.write(`${formatLine(result)}\n`);
  }
}
process.stdout.write('Not yet measured: delivery, scale-out (see the performance issue).\n');
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
