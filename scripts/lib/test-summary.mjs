// Adds up the vitest JSON reports of every package into one closing line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
const reports = [];
for (const group of ['packages', 'apps']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, 'test-results', 'vitest.json');
    if (existsSync(file)) reports.push([`${group}/${name}`, JSON.parse(readFileSync(file, 'utf8'))]);
  }
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const [name, report] of reports) {
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  console.log(`  ${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
if (reports.length === 0) {
  console.log('No test reports found: no test ran.');
  process.exit(1);
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
