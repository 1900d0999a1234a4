// Adds up the vitest JSON reports of every package (unit and VM runs) into one closing line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
const reports = [];
for (const group of ['packages', 'apps']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const results = join(dir, name, 'test-results');
    if (!existsSync(results)) continue;
    for (const file of readdirSync(results).filter((f) => f.startsWith('vitest') && f.endsWith('.json')))
      reports.push([`${group}/${name}/${file}`, JSON.parse(readFileSync(join(results, file), 'utf8'))]);
  }
}
// Playwright's JSON report (e2e/).
const playwright = join(root, 'e2e', 'test-results', 'playwright.json');
if (existsSync(playwright)) {
  const { stats } = JSON.parse(readFileSync(playwright, 'utf8'));
  reports.push([
    'e2e/playwright.json',
    {
      numPassedTests: stats.expected + stats.flaky,
      numFailedTests: stats.unexpected,
      numPendingTests: stats.skipped,
      numTodoTests: 0,
    },
  ]);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const [name, report] of reports) {
  passed += report.numPassedTests;
  // A suite that fails before its tests run (a hook) counts once.
  failed += report.numFailedTests || report.numFailedTestSuites || 0;
  skipped += report.numPendingTests + report.numTodoTests;
  console.log(`  ${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
if (reports.length === 0) {
  console.log('No test reports found: no test ran.');
  process.exit(1);
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
