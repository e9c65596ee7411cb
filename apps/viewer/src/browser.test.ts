import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, toAnalysisJson } from '@tickline/causal';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  loadSpans,
  SHARED_FIXTURE,
  startViewerServer,
  TWO_HOSTS_FIXTURE,
  type ViewerServer,
} from './test-support';

const CHROMIUM = '/usr/bin/chromium';
const SKEWED_TRACE = '0af7651916cd43dd8448eb211c80319c';
const SAME_HOST_TRACE = '5b8efff798038103d269b633813fc60c';

const twoHosts = loadSpans(TWO_HOSTS_FIXTURE);
const sharedSpans = existsSync(SHARED_FIXTURE) ? loadSpans(SHARED_FIXTURE) : [];
const fileFixture = existsSync(SHARED_FIXTURE) ? SHARED_FIXTURE : TWO_HOSTS_FIXTURE;

let context: BrowserContext;
let userDataDir: string;
const servers: ViewerServer[] = [];

async function server(options: Parameters<typeof startViewerServer>[0]): Promise<ViewerServer> {
  const started = await startViewerServer(options);
  servers.push(started);
  return started;
}

async function openPage(url: string): Promise<Page> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('404')) problems.push(message.text());
  });
  (page as Page & { problems: string[] }).problems = problems;
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto(url);
  return page;
}

function problemsOf(page: Page): string[] {
  return (page as Page & { problems: string[] }).problems;
}

/** Endpoints of every drawn message arrow. */
function arrows(page: Page) {
  return page.$$eval('svg.diagram-svg line.message:not(.dangling)', (lines) =>
    lines.map((line) => ({
      x1: Number(line.getAttribute('x1')),
      x2: Number(line.getAttribute('x2')),
      backwards: line.getAttribute('data-backwards') === 'true',
      stroke: getComputedStyle(line).stroke,
    })),
  );
}

beforeAll(async () => {
  await ensureBuilt();
  userDataDir = mkdtempSync(join(tmpdir(), 'tickline-viewer-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await context?.close();
  await Promise.all(servers.map((running) => running.close()));
  if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true });
});

describe('viewer in a real browser', () => {
  it('draws one lane per node, an arrow per message, and backwards messages in red with their skew bound', async () => {
    const running = await server({ spans: [...twoHosts, ...sharedSpans] });
    const page = await openPage(`${running.url}#/trace/${SKEWED_TRACE}`);
    const expected = toAnalysisJson(analyze(twoHosts.filter((span) => span.traceId === SKEWED_TRACE)));
    const messages = expected.edges.filter((edge) => edge.type === 'message');
    const backwards = messages.filter((edge) => edge.backwards);
    expect(backwards.length).toBe(2);

    await page.waitForSelector('svg.diagram-svg g.lane');
    expect(
      await page.$$eval('svg.diagram-svg g.lane', (lanes) =>
        lanes.map((lane) => lane.getAttribute('data-node')),
      ),
    ).toEqual(['web/a1b2c3d4', 'orders/5e6f7a8b', 'billing/9c0d1e2f']);
    expect(await page.locator('svg.diagram-svg g.event').count()).toBe(expected.events.length);
    const drawn = await arrows(page);
    expect(drawn.length).toBe(messages.length);
    const red = drawn.filter((arrow) => arrow.backwards);
    expect(red.length).toBe(backwards.length);
    for (const arrow of red) {
      expect(arrow.stroke).toBe('rgb(198, 40, 40)');
      // In the wall-clock layout a backwards message points right to left.
      expect(arrow.x2).toBeLessThan(arrow.x1);
    }
    for (const arrow of drawn.filter((candidate) => !candidate.backwards))
      expect(arrow.stroke).not.toBe('rgb(198, 40, 40)');
    const labels = await page.locator('.backwards-label').allTextContents();
    expect(
      labels.some((label) => label.includes('39 ms backwards') && label.includes('[−42 ms, −39 ms]')),
    ).toBe(true);

    // Panels: the trace list with anomaly counts, anomalies and the offsets of both hosts.
    await page.waitForSelector(`a.trace[data-trace-id="${SAME_HOST_TRACE}"]`);
    expect(await page.locator(`a.trace[data-trace-id="${SKEWED_TRACE}"] .badge`).textContent()).toBe('2');
    expect(await page.locator('#anomaly-list button.anomaly').count()).toBe(2);
    expect(await page.locator('.offset-table tbody tr').count()).toBe(2);
    expect(await page.locator('.offset-table tr[data-domain="host-b"]').textContent()).toContain(
      '[−42 ms, −39 ms]',
    );

    // Clicking an anomaly highlights its message.
    await page.locator('#anomaly-list button.anomaly').first().click();
    expect(await page.locator('svg.diagram-svg .message-halo').count()).toBe(1);
    expect(await page.locator('#details').textContent()).toContain('θ(host-b) − θ(host-a)');

    // The corrected and Lamport layouts have no backwards arrows.
    for (const mode of ['corrected', 'lamport']) {
      await page.click(`#layout-switch button[data-mode="${mode}"]`);
      await page.waitForSelector(`svg.diagram-svg[data-mode="${mode}"]`);
      for (const arrow of await arrows(page)) expect(arrow.x2).toBeGreaterThan(arrow.x1);
    }
    await page.click('#layout-switch button[data-mode="wall"]');

    // Wheel zooms in around the pointer; Fit goes back.
    const spread = () =>
      page.$$eval('svg.diagram-svg g.event circle:last-of-type', (circles) => {
        const xs = circles.map((circle) => Number(circle.getAttribute('cx')));
        return Math.max(...xs) - Math.min(...xs);
      });
    const fitted = await spread();
    const gap = () =>
      page.$$eval('svg.diagram-svg g.event[data-event-id^="100000000000000"] .dot', (dots) => {
        const x = (id: string) =>
          Number(
            dots.find((dot) => dot.parentElement?.getAttribute('data-event-id') === id)?.getAttribute('cx'),
          );
        return x('1000000000000002:start') - x('1000000000000001:start');
      });
    const gapBefore = await gap();
    expect(gapBefore).toBeGreaterThan(0);
    const pointer = (await page
      .locator('svg.diagram-svg g.event[data-event-id="1000000000000002:start"]')
      .boundingBox())!;
    await page.mouse.move(pointer.x + pointer.width / 2, pointer.y + 4);
    await page.mouse.wheel(0, -600);
    const zoom = () => page.$eval('svg.diagram-svg', (svg) => Number(svg.getAttribute('data-zoom')));
    await expect.poll(zoom).toBeGreaterThan(1.5);
    // Zoomed in around them, two events near the pointer are drawn further apart.
    expect(await gap()).toBeGreaterThan(gapBefore * 1.5);
    await page.click('#reset-view');
    await expect.poll(zoom).toBe(1);
    expect(await spread()).toBeCloseTo(fitted, 3);

    // Another trace from the list.
    await page.click(`a.trace[data-trace-id="${SAME_HOST_TRACE}"]`);
    await page.waitForFunction(() => document.querySelectorAll('svg.diagram-svg g.lane').length === 2);
    expect((await arrows(page)).length).toBe(2);
    expect(page.url()).toContain(`#/trace/${SAME_HOST_TRACE}`);
    const screenshot = process.env.VIEWER_SCREENSHOT;
    if (screenshot) {
      // Development aid: VIEWER_SCREENSHOT=/tmp/viewer.png writes a few views to look at.
      await page.goto(`${running.url}#/trace/${SKEWED_TRACE}`);
      await page.waitForFunction(() => document.querySelectorAll('svg.diagram-svg g.lane').length === 3);
      await page.screenshot({ path: screenshot, fullPage: true });
      await page.click('svg.diagram-svg g.event[data-event-id="1000000000000009:start"]');
      await page.screenshot({ path: screenshot.replace(/\.png$/, '-selected.png'), fullPage: true });
      await page.click('#layout-switch button[data-mode="lamport"]');
      await page.screenshot({ path: screenshot.replace(/\.png$/, '-lamport.png'), fullPage: true });
      await page.click('#layout-switch button[data-mode="wall"]');
      await page.click(`a.trace[data-trace-id="${sharedSpans[0]?.traceId ?? SAME_HOST_TRACE}"]`);
      await page.waitForTimeout(500);
      await page.screenshot({ path: screenshot.replace(/\.png$/, '-shared.png'), fullPage: true });
      await page.setViewportSize({ width: 800, height: 1000 });
      await page.screenshot({ path: screenshot.replace(/\.png$/, '-narrow.png'), fullPage: true });
    }
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('selecting an event keeps its causal past and future and greys what is concurrent', async () => {
    const running = await server({ spans: twoHosts });
    const page = await openPage(`${running.url}#/trace/${SKEWED_TRACE}`);
    await page.waitForSelector('svg.diagram-svg g.event');
    // cache.lookup on web runs while orders and billing handle the request: concurrent with them.
    await page.click('svg.diagram-svg g.event[data-event-id="1000000000000009:start"]');
    const relation = (id: string) =>
      page.$eval(`svg.diagram-svg g.event[data-event-id="${id}"]`, (node) => ({
        classes: node.getAttribute('class') ?? '',
        fill: getComputedStyle(node.querySelector('.dot')!).fill,
      }));
    const selected = await relation('1000000000000009:start');
    expect(selected.classes).toContain('selected');
    const before = await relation('1000000000000002:start');
    expect(before.classes).toContain('past');
    expect(before.fill).toBe('rgb(11, 107, 184)');
    const after = await relation('1000000000000002:end');
    expect(after.classes).toContain('future');
    for (const concurrent of ['2000000000000003:start', '3000000000000005:start', '2000000000000003:end']) {
      const state = await relation(concurrent);
      expect(state.classes).toContain('concurrent');
      expect(state.fill).toBe('rgb(227, 230, 233)');
    }
    const details = await page.locator('#details').textContent();
    expect(details).toContain('cache.lookup');
    expect(details).toContain('web/a1b2c3d4');
    // Keyboard: Escape clears the selection.
    await page.focus('svg.diagram-svg g.event[data-event-id="1000000000000001:start"]');
    await page.keyboard.press('Escape');
    expect(await page.locator('svg.diagram-svg g.event.concurrent').count()).toBe(0);
    // Enter selects the focused event.
    await page.focus('svg.diagram-svg g.event[data-event-id="3000000000000005:start"]');
    await page.keyboard.press('Enter');
    expect((await relation('3000000000000005:start')).classes).toContain('selected');
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('without a collector, says so and still analyses an OTLP JSON file opened from disk', async () => {
    const running = await server({});
    const page = await openPage(running.url);
    await page.waitForFunction(() =>
      document.getElementById('status')?.textContent?.includes('No collector'),
    );
    const expected = toAnalysisJson(analyze(loadSpans(fileFixture)));
    await page.setInputFiles('#file-input', fileFixture);
    await page.waitForSelector('svg.diagram-svg g.lane');
    expect(await page.locator('svg.diagram-svg g.lane').count()).toBe(expected.nodes.length);
    expect((await arrows(page)).length).toBe(expected.edges.filter((edge) => edge.type === 'message').length);
    expect(await page.locator('svg.diagram-svg g.event').count()).toBe(expected.events.length);
    expect(await page.locator('#source-label').textContent()).toContain('.otlp.json');
    expect(await page.locator('.offset-table tbody tr').count()).toBe(expected.offsets.length);
    // A file that is not OTLP JSON is reported, not thrown.
    await page.setInputFiles('#file-input', {
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"resourceSpans": 5'),
    });
    await page.waitForFunction(() => document.getElementById('source-label')?.classList.contains('error'));
    expect(await page.locator('#source-label').textContent()).toContain('broken.json');
    // Drag and drop works as well as the file input.
    await page.evaluate(
      (text) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], 'dropped.otlp.json', { type: 'application/json' }));
        window.dispatchEvent(
          new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
      },
      readFileSync(TWO_HOSTS_FIXTURE, 'utf8'),
    );
    await page.waitForFunction(() =>
      document.getElementById('source-label')?.textContent?.includes('dropped.otlp.json'),
    );
    expect(await page.locator('svg.diagram-svg g.lane').count()).toBe(3);
    expect((await arrows(page)).filter((arrow) => arrow.backwards).length).toBe(2);
    expect(problemsOf(page)).toEqual([]);
    await page.close();
  });

  it('asks for a token when the API answers 401 and sends it as a bearer token', async () => {
    const running = await server({ spans: twoHosts, token: 's3cret-token' });
    const page = await openPage(running.url);
    await page.waitForSelector('#token-form:not([hidden])');
    expect(await page.locator('#status').textContent()).toContain('Token required');
    await page.fill('#token-input', 's3cret-token');
    await page.click('#token-form button[type="submit"]');
    await page.waitForSelector(`a.trace[data-trace-id="${SKEWED_TRACE}"]`);
    // The first anomalous trace opens by itself.
    await page.waitForFunction(() => document.querySelectorAll('svg.diagram-svg g.lane').length === 3);
    expect(await page.evaluate(() => sessionStorage.getItem('tickline.token'))).toBe('s3cret-token');
    expect(await page.locator('#token-form').isHidden()).toBe(true);
    await page.close();
  });
});
