import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCollector } from '@tickline/collector';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Demo, startDemo } from './demo.js';
import { SERVICES } from './services.js';

let directory: string;
let collector: Awaited<ReturnType<typeof createCollector>>;
let url: string;
let demo: Demo | undefined;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tickline-demo-'));
  collector = await createCollector({
    store: `sqlite:${join(directory, 'spans.db')}`,
    port: 0,
    viewerDir: null,
  });
  url = await collector.listen();
  demo = await startDemo({ collectorUrl: url, requestsPerSecond: 0 });
});

afterAll(async () => {
  await demo?.stop();
  await collector?.close();
  rmSync(directory, { recursive: true, force: true });
});

interface Json {
  traces: Array<{ traceId: string; services: string[]; spanCount: number }>;
  consistent: boolean;
  anomalies: Array<{ kind: string }>;
  edges: Array<{ type: string }>;
  offsets: Array<{ domain: string; reference: string; lowMs: number; highMs: number }>;
}

async function getJson(path: string): Promise<Json> {
  const response = await fetch(`${url}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

it('sends checkouts through four services whose traces the collector analyses, recovering the simulated clock offsets', async () => {
  for (let i = 0; i < 5; i++) expect(await demo?.checkout()).toMatchObject({ ok: true });
  // The services export in batches every 500 ms; stopping them flushes every span.
  await demo?.stop();
  demo = undefined;

  const { traces } = await getJson('/api/traces?limit=50');
  expect(traces).toHaveLength(5);
  for (const trace of traces) {
    expect(trace.services.sort()).toEqual(['inventory', 'orders', 'payments', 'storefront']);
    expect(trace.spanCount).toBeGreaterThanOrEqual(7);
  }
  const analysis = await getJson(`/api/traces/${traces[0]?.traceId}`);
  expect(analysis.consistent).toBe(true);
  expect(analysis.anomalies.filter((a: { kind: string }) => a.kind === 'clock-condition-violation')).toEqual(
    [],
  );
  // Every message edge is an exact (node, clock) match, not a parent/child guess.
  const messages = analysis.edges.filter((edge) => edge.type === 'message');
  expect(messages.length).toBeGreaterThanOrEqual(6);

  // Over the whole window, each host's offset interval contains the simulated truth.
  const { offsets } = await getJson(`/api/offsets?from=0&to=${Date.now() + 3_600_000}`);
  const skew = Object.fromEntries(SERVICES.map((service) => [service.host, service.skewMs]));
  const toleranceMs = 2; // process start-up time origins differ by a fraction of a millisecond
  for (const offset of offsets) {
    const truth = (skew[offset.domain] as number) - (skew[offset.reference] as number);
    expect(offset.lowMs).toBeLessThanOrEqual(truth + toleranceMs);
    expect(offset.highMs).toBeGreaterThanOrEqual(truth - toleranceMs);
  }
  expect(offsets.map((offset) => offset.domain).sort()).toEqual(['host-a', 'host-b', 'host-c']);
});
