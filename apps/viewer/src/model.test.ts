import { readFileSync } from 'node:fs';
import { analyze, toAnalysisJson } from '@tickline/causal';
import { decodeOtlpJson } from '@tickline/otlp';
import { expect, it } from 'vitest';
import { formatInterval, formatMs, formatNanos } from './format';
import { AnalysisFormatError, readAnalysis, skewBetween } from './model';
import { TWO_HOSTS_FIXTURE } from './test-support';

it('reads the AnalysisJson of @tickline/causal', () => {
  const json = toAnalysisJson(analyze(decodeOtlpJson(readFileSync(TWO_HOSTS_FIXTURE, 'utf8')).spans));
  const analysis = readAnalysis(JSON.parse(JSON.stringify(json)));
  expect(analysis.events.length).toBe(json.events.length);
  expect(analysis.nodes.map((node) => node.node).sort()).toEqual([
    'billing/9c0d1e2f',
    'orders/5e6f7a8b',
    'web/a1b2c3d4',
  ]);
  const backwards = analysis.edges.filter((edge) => edge.backwards);
  expect(backwards.map((edge) => edge.delayMs)).toEqual(expect.arrayContaining([-39, -38]));
  expect(backwards.length).toBe(2);
  const orders = analysis.eventsById.get('2000000000000003:start')!;
  expect(orders.wallNanos - orders.correctedNanos).toBe(-40_500_000n);
  expect(skewBetween(analysis.offsets, 'host-a', 'host-b')).toEqual({ lowMs: -42, highMs: -39 });
  expect(skewBetween(analysis.offsets, 'host-b', 'host-a')).toEqual({ lowMs: 39, highMs: 42 });
});

it('tolerates missing and extra fields, and drops events it cannot place', () => {
  const analysis = readAnalysis({
    events: [
      { id: 'a:start', node: 'web/1', wallNanos: '1000', clock: 1, kind: 'send', extra: { deep: true } },
      { id: 'b:start', node: 'api/1', wallNanos: 2000, kind: 'weird' },
      { id: 'no-time', node: 'web/1' },
      'garbage',
    ],
    edges: [
      { from: 'a:start', to: 'b:start', type: 'message' },
      { from: 'a:start', to: 'missing', type: 'process' },
      { from: 'gone', to: 'b:start', type: 'message' },
    ],
    anomalies: [{ kind: 'backwards-message', from: 'a:start', to: 'b:start' }],
  });
  expect(analysis.events.map((event) => event.id)).toEqual(['a:start', 'b:start']);
  expect(analysis.eventsById.get('b:start')).toMatchObject({
    kind: 'local',
    clock: null,
    service: 'api',
    domain: 'api/1',
  });
  expect(analysis.eventsById.get('a:start')!.correctedNanos).toBe(1000n);
  expect(analysis.edges.map((edge) => [edge.from, edge.to, edge.dangling])).toEqual([
    ['a:start', 'b:start', false],
    ['gone', 'b:start', true],
  ]);
  expect(analysis.anomalies[0]!.magnitudeMs).toBe(0);
  expect(analysis.offsets).toEqual([]);
  expect(() => readAnalysis({ traces: [] })).toThrow(AnalysisFormatError);
});

it('formats durations, intervals and nanosecond times', () => {
  expect(formatMs(39)).toBe('39 ms');
  expect(formatMs(-40.5, { signed: true })).toBe('−40.5 ms');
  expect(formatMs(0.25)).toBe('250 µs');
  expect(formatMs(1500)).toBe('1.5 s');
  expect(formatInterval(-42, null)).toBe('[−42 ms, +∞]');
  expect(formatNanos(1_763_780_000_004_123_456n)).toBe('2025-11-22T02:53:20.004123Z');
});
