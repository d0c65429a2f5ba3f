// node:test reporter: counts passed and failed tests (not suites) and writes the totals to
// the file named by MCPBOX_TEST_SUMMARY, for scripts/test.mjs to print as its last line.
import { writeFileSync } from 'node:fs';

export default async function* summaryReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    const type = event.data?.details?.type;
    if (event.type === 'test:pass' && type !== 'suite') {
      if (event.data.skip || event.data.todo) skipped++;
      else passed++;
    } else if (event.type === 'test:fail' && type !== 'suite') failed++;
    else if (event.type === 'test:fail' && type === 'suite' && event.data.details?.error?.failureType === 'hookFailed')
      failed++;
  }
  if (process.env.MCPBOX_TEST_SUMMARY)
    writeFileSync(process.env.MCPBOX_TEST_SUMMARY, JSON.stringify({ passed, failed, skipped }));
  yield '';
}
