// Opens a running job's page in the Flink web dashboard with Debian's Chromium, headless, and
// prints what a person would see: the job graph's operator names, then one metric chosen in the
// operator's Metrics tab with its value. Keeps a screenshot of each page.
//
//   node check-dashboard.mjs REST_URL JOB_ID VERTEX_ID METRIC SCREENSHOT_DIR
import { chromium } from 'playwright-core';

const [base, job, vertex, metric, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // This machine's network is closed: no background connections, no sandbox as root.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${base}/#/job/running/${job}/overview`);
  await page.waitForSelector('svg g.node', { timeout: 60000 });
  const nodes = await page.$$eval('svg g.node', els => els.map(e => e.textContent.replace(/\s+/g, ' ').trim()));
  for (const n of nodes) console.log(`node: ${n}`);
  await page.screenshot({ path: `${shots}/job-graph.png` });

  await page.goto(`${base}/#/job/running/${job}/overview/${vertex}/metrics`);
  const select = page.locator('nz-select').first();
  await select.waitFor({ timeout: 60000 });
  await select.click();
  await page.keyboard.type(metric);
  await page.locator('nz-option-item').filter({ hasText: metric }).first().click();
  const card = page.locator('flink-job-overview-drawer-chart, nz-card, .ant-card').filter({ hasText: metric }).first();
  await card.waitFor({ timeout: 60000 });
  await card.getByText('Numeric', { exact: true }).click();
  await page.waitForTimeout(4000);
  console.log(`metric: ${(await card.textContent()).replace(/\s+/g, ' ').trim()}`);
  await page.screenshot({ path: `${shots}/metric.png` });
} finally {
  await browser.close();
}
