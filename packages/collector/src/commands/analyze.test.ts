import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { encodeOtlpJsonRequest, encodeOtlpProtobufRequest, type SpanRecord } from '@tickline/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './analyze.js';

const BASE = 1_763_780_000_000_000_000n;
const MS = 1_000_000n;

/**
 * One call from `web` (host W) to `api` (host A). With `skewMs` the api host's clock runs that far behind,
 * so the request arrives "before" it was sent.
 */
function call(index: number, skewMs: number): SpanRecord[] {
  const traceId = index.toString(16).padStart(32, '0');
  const clientId = (2 * index + 1).toString(16).padStart(16, '0');
  const serverId = (2 * index + 2).toString(16).padStart(16, '0');
  const at = (ms: number, skew = 0) => BASE + BigInt(index) * 100n * MS + BigInt(ms) * MS - BigInt(skew) * MS;
  const clock = 10 * index;
  return [
    {
      traceId,
      spanId: clientId,
      parentSpanId: undefined,
      name: 'GET /checkout',
      kind: 3,
      startTimeUnixNano: at(0),
      endTimeUnixNano: at(10),
      attributes: {
        'lamport.node': 'web/00000001',
        'lamport.start': clock + 1,
        'lamport.end': clock + 5,
        'lamport.recv.node': 'api/00000002',
        'lamport.recv.clock': clock + 4,
      },
      resource: { 'service.name': 'web', 'host.name': 'W' },
    },
    {
      traceId,
      spanId: serverId,
      parentSpanId: clientId,
      name: 'GET /price',
      kind: 2,
      startTimeUnixNano: at(2, skewMs),
      endTimeUnixNano: at(8, skewMs),
      attributes: {
        'lamport.node': 'api/00000002',
        'lamport.start': clock + 3,
        'lamport.end': clock + 4,
        'lamport.recv.node': 'web/00000001',
        'lamport.recv.clock': clock + 1,
      },
      resource: { 'service.name': 'api', 'host.name': 'A' },
    },
  ];
}

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += String(chunk);
  });
  stderr.on('data', (chunk) => {
    err += String(chunk);
  });
  return {
    io: { stdout, stderr, readStdin: async () => Buffer.alloc(0) },
    out: () => out,
    err: () => err,
  };
}

let directory: string;
let clean: string;
let skewed: string;
let skewedProtobuf: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tickline-analyze-'));
  clean = join(directory, 'clean.otlp.json');
  skewed = join(directory, 'skewed.otlp.json');
  skewedProtobuf = join(directory, 'skewed.otlp.pb');
  await writeFile(clean, JSON.stringify(encodeOtlpJsonRequest([...call(1, 0), ...call(2, 0)])));
  const skewedSpans = [...call(1, 5), ...call(2, 5), ...call(3, 5)];
  await writeFile(skewed, JSON.stringify(encodeOtlpJsonRequest(skewedSpans)));
  await writeFile(skewedProtobuf, encodeOtlpProtobufRequest(skewedSpans));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('tickline analyze', () => {
  it('prints a readable report and exits 0', async () => {
    const output = capture();
    expect(await run([skewed], output.io)).toBe(0);
    const report = output.out();
    expect(report).toContain('6 spans, 12 events, 2 nodes, 2 clock domains, 6 messages, 0 dangling');
    expect(report).toContain('backwards-message (3)');
    expect(report).toContain('web "GET /checkout" send@web/00000001 → api "GET /price" receive@api/00000002');
    expect(report).toMatch(/relative to A, μ = 0 ms/);
    expect(report).toMatch(/verdict: consistent/);
    expect(output.err()).toBe('');
  });

  it('prints the JSON shape with --json, from JSON and protobuf alike', async () => {
    for (const file of [skewed, skewedProtobuf]) {
      const output = capture();
      expect(await run([file, '--json', '--min-latency-ms', '0.5', '--reference', 'W'], output.io)).toBe(0);
      const json = JSON.parse(output.out());
      expect(json.consistent).toBe(true);
      expect(json.events).toHaveLength(12);
      expect(json.events[0]).toMatchObject({
        id: '0000000000000003:start',
        spanId: '0000000000000003',
        traceId: '00000000000000000000000000000001',
        node: 'web/00000001',
        domain: 'W',
        clock: 11,
        wallNanos: String(BASE + 100n * MS),
        kind: 'send',
      });
      expect(typeof json.events[0].correctedNanos).toBe('string');
      expect(json.edges.filter((edge: { type: string }) => edge.type === 'message')).toHaveLength(6);
      expect(json.anomalies).toHaveLength(3);
      expect(json.anomalies[0]).toMatchObject({ kind: 'backwards-message', magnitudeMs: 3 });
      const backwards = json.edges.filter((edge: { backwards?: boolean }) => edge.backwards);
      expect(backwards).toHaveLength(3);
      expect(backwards[0]).toMatchObject({ delayMs: -3, offsetLowMs: -6.5, offsetHighMs: -3.5 });
      const api = json.offsets.find((offset: { domain: string }) => offset.domain === 'A');
      // Request: θA − θW <= (2 − 5) − 0 − 0.5; reply: θW − θA <= 10 − (8 − 5) − 0.5.
      expect(api).toMatchObject({ reference: 'W', lowMs: -6.5, highMs: -3.5, estimateMs: -5 });
    }
  });

  it('exits 1 with --fail-on anomalies only when there are anomalies', async () => {
    expect(await run([skewed, '--fail-on', 'anomalies'], capture().io)).toBe(1);
    expect(await run([clean, '--fail-on', 'anomalies'], capture().io)).toBe(0);
    expect(await run([skewed, '--fail-on', 'inconsistent'], capture().io)).toBe(0);
  });

  it('exits 2 with the reason on stderr for unreadable input and bad options', async () => {
    const garbage = join(directory, 'garbage.json');
    await writeFile(garbage, '{"resourceSpans": [ {');
    for (const [args, reason] of [
      [[garbage], /garbage\.json is not a readable OTLP trace export/],
      [[join(directory, 'missing.json')], /cannot read .*missing\.json/],
      [[], /no input file/],
      [[clean, '--min-latency-ms=-3'], /--min-latency-ms must be a non-negative number/],
      [[clean, '--fail-on', 'everything'], /--fail-on must be/],
      [[clean, '--bogus'], /Unknown option/],
    ] as const) {
      const output = capture();
      expect(await run([...args], output.io)).toBe(2);
      expect(output.err()).toMatch(reason);
      expect(output.out()).toBe('');
    }
  });

  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
  it.skipIf(!existsSync(cli))(
    'runs as `tickline analyze` through the built CLI',
    async () => {
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [cli, 'analyze', skewed, '--fail-on', 'anomalies'],
          (error, stdout, stderr) => {
            resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
          },
        );
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('backwards-message (3)');
    },
    30_000,
  );
});
