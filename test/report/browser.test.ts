import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeReport } from '../../src/report/report.js';
import { ROOT } from '../helpers/cli.js';
import { evalRun, videoRun } from '../helpers/report-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

test('the report renders in headless Chromium: no console error, no request leaves the page, every image decodes', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (the browser test of the HTML report needs it)`);
  const d = mkdtempSync(path.join(os.tmpdir(), 'depthkit-browser-'));
  const a = await evalRun(path.join(d, 'baseline'), { noise: 0.1 });
  const b = await evalRun(path.join(d, 'candidate'), { noise: 0.25, seed: 5 });
  const v = videoRun(path.join(d, 'video'));
  const { out } = await writeReport([a, b, v], { out: path.join(d, 'report.html'), now: new Date('2026-11-25T12:00:00Z') });

  const context = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'depthkit-chromium-')), {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 900 },
  });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url().slice(0, 100)}`));
    page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) problems.push(`outside request: ${r.url().slice(0, 100)}`); });
    await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });
    const images = await page.evaluate(() => Array.from(document.images, (i) => ({ alt: i.alt, complete: i.complete, width: i.naturalWidth })));
    // 2 x 2 eval histograms + 5 video curves + 2 x 3 worst strips.
    assert.equal(images.length, 15);
    for (const img of images) assert.ok(img.complete && img.width > 0, `image "${img.alt}" did not decode`);
    const title = await page.title();
    assert.equal(title, 'depthkit report: baseline/run vs candidate/run vs video');
    const best = await page.locator('table.summary td.best').count();
    assert.ok(best >= 9, `${best} best cells highlighted`);
    mkdirSync(path.join(ROOT, 'test/artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test/artifacts/report.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
