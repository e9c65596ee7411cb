#!/usr/bin/env node
// Whole analysis (decode OTLP JSON → span records → analyze) against JSON.parse of the same OTLP text,
// measured in the same process, for 100k and 1M spans. Also: linear growth and peak memory.
// JSON.parse's result is held until the file is parsed (as parsing one document holds it); the
// run that drops each line's value at once is shown beside it.
//
//   node bench/analyze/analyze.bench.mjs [--sizes 100000,1000000] [--runs 2] [--wall]
//   node bench/analyze/analyze.bench.mjs --write FILE [--sizes N]   (writes the synthetic file)
//
// Times are process CPU time (user + system) by default, so a shared, loaded machine skews them less;
// --wall measures wall-clock time instead.
// Each size runs in its own child process (node --max-old-space-size=12288) so peak memory is its own.
// The synthetic file is JSON lines (one exporter batch of one process per line: a 1M-span export is
// larger than the longest string V8 allows); both sides parse the same lines. Build first: `pnpm build`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    runs: { type: 'string', default: '2' },
    child: { type: 'string' },
    wall: { type: 'boolean', default: false },
    write: { type: 'string' },
  },
});

if (values.write !== undefined) {
  // The synthetic file itself, e.g. for `tickline analyze`: --write FILE [--sizes N] (the first size).
  const { writeFileSync } = await import('node:fs');
  writeFileSync(values.write, `${generate(Number(values.sizes.split(',')[0])).join('\n')}\n`);
} else if (values.child !== undefined) {
  await child(Number(values.child), Number(values.runs));
} else {
  parent();
}

function parent() {
  const sizes = values.sizes.split(',').map(Number);
  const results = [];
  for (const size of sizes) {
    const run = spawnSync(
      process.execPath,
      [
        '--max-old-space-size=12288',
        '--expose-gc',
        fileURLToPath(import.meta.url),
        '--child',
        String(size),
        '--runs',
        values.runs,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
    );
    if (run.status !== 0) {
      console.error(`bench analyze: child for ${size} spans failed (${run.status})`);
      process.exit(1);
    }
    const line = run.stdout.trim().split('\n').at(-1);
    results.push(JSON.parse(line));
  }
  const ms = (value) => value.toFixed(0).padStart(8);
  console.log(
    `bench analyze — node ${process.version}, ${new Date().toISOString()}, ${values.wall ? 'wall-clock' : 'CPU'} time (min of ${values.runs} runs)`,
  );
  console.log(
    '   spans   MB text  JSON.parse   decode  analyze    whole  whole/parse  analyze/parse  peak RSS MB  heap after MB  (parse, values dropped: ms, whole/it)',
  );
  for (const r of results) {
    console.log(
      `${String(r.spans).padStart(8)} ${String(Math.round(r.textMb)).padStart(9)} ${ms(r.parseMs)}ms ${ms(r.decodeMs)}ms ${ms(r.analyzeMs)}ms ${ms(r.wholeMs)}ms ` +
        `${(r.wholeMs / r.parseMs).toFixed(2).padStart(12)} ${(r.analyzeMs / r.parseMs).toFixed(2).padStart(14)} ` +
        `${String(Math.round(r.maxRssMb)).padStart(12)} ${String(Math.round(r.heapAfterMb)).padStart(14)}` +
        `  (${ms(r.parseDropMs)}ms, ${(r.wholeMs / r.parseDropMs).toFixed(2)})`,
    );
  }
  if (results.length >= 2) {
    const [small, large] = [results[0], results.at(-1)];
    const factor = large.spans / small.spans;
    console.log(
      `growth ${small.spans} → ${large.spans} (×${factor}): whole ×${(large.wholeMs / small.wholeMs).toFixed(2)}, ` +
        `analyze ×${(large.analyzeMs / small.analyzeMs).toFixed(2)}, JSON.parse ×${(large.parseMs / small.parseMs).toFixed(2)}`,
    );
  }
  for (const r of results) {
    console.log(
      `${r.spans} spans: typed arrays ${Math.round(r.arrayBuffersMb)} MB; happenedBefore ${r.happenedBeforeMicros.toFixed(0)} µs/query ` +
        `(${r.happenedBeforeRelated}/1000 related), vectorTimestamp ${r.vectorTimestampMs.toFixed(1)} ms/event`,
    );
    console.log(
      `${r.spans} spans: ${r.nodes} nodes, ${r.domains} domains, ${r.messages} messages, anomalies ${JSON.stringify(r.anomalies)}, consistent ${r.consistent}`,
    );
  }
}

async function child(spanCount, runs) {
  const { analyze } = await import('@tickline/causal');
  const { decodeOtlpJson } = await import('@tickline/otlp');
  const lines = generate(spanCount);
  const textMb = lines.reduce((sum, line) => sum + line.length, 0) / 1e6;
  // CPU time of the process (user + system, all threads) as well as wall time: the machine may be shared.
  const clock = values.wall
    ? () => performance.now()
    : () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      };
  const time = (fn) => {
    globalThis.gc?.();
    const start = clock();
    const value = fn();
    return { ms: clock() - start, value };
  };
  // The baseline: JSON.parse of the file, whose result (like a whole-document parse) is held until
  // all of it is read: the decoded spans are held too. (`parseDropMs`: each line's value dropped
  // at once, a smaller job than parsing the file, shown for comparison: nothing it allocates
  // survives a scavenge.)
  const parseAll = () => lines.map((line) => JSON.parse(line)).length;
  const parseDropAll = () => {
    let count = 0;
    for (const line of lines) count += JSON.parse(line).resourceSpans.length;
    return count;
  };
  let parseMs = Number.POSITIVE_INFINITY;
  let parseDropMs = Number.POSITIVE_INFINITY;
  let decodeMs = Number.POSITIVE_INFINITY;
  let analyzeMs = Number.POSITIVE_INFINITY;
  let wholeMs = Number.POSITIVE_INFINITY;
  let analysis;
  // The analysis runs first, so that the peak RSS reported is its own (the parse baseline, which
  // holds the whole parsed file, runs after; its value is dropped before the next run).
  for (let run = 0; run < runs; run++) {
    analysis = undefined; // the previous run's spans and graph are garbage before this run starts
    const decode = time(() => {
      const spans = [];
      for (const line of lines) for (const span of decodeOtlpJson(line).spans) spans.push(span);
      return spans;
    });
    const analyzed = time(() => analyze(decode.value));
    decodeMs = Math.min(decodeMs, decode.ms);
    analyzeMs = Math.min(analyzeMs, analyzed.ms);
    wholeMs = Math.min(wholeMs, decode.ms + analyzed.ms);
    analysis = analyzed.value;
  }
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  for (let run = 0; run < runs; run++) {
    parseMs = Math.min(parseMs, time(parseAll).ms);
    parseDropMs = Math.min(parseDropMs, time(parseDropAll).ms);
  }
  const arrayBuffersMb = process.memoryUsage().arrayBuffers / 1e6;
  // Queries on the full graph: random pairs (most are concurrent or far apart), and vector timestamps.
  let seed = 7;
  const pick = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % analysis.eventCount;
  };
  const queries = time(() => {
    let related = 0;
    for (let i = 0; i < 1000; i++) if (analysis.happenedBefore(pick(), pick())) related++;
    return related;
  });
  const vectors = time(() => {
    let entries = 0;
    for (let i = 0; i < 20; i++) entries += Object.keys(analysis.vectorTimestamp(pick())).length;
    return entries;
  });
  globalThis.gc?.();
  const summary = analysis.summary;
  console.log(
    JSON.stringify({
      spans: summary.spans,
      textMb,
      parseMs,
      parseDropMs,
      decodeMs,
      analyzeMs,
      wholeMs,
      maxRssMb,
      heapAfterMb: process.memoryUsage().heapUsed / 1e6,
      arrayBuffersMb,
      happenedBeforeMicros: (queries.ms * 1000) / 1000,
      happenedBeforeRelated: queries.value,
      vectorTimestampMs: vectors.ms / 20,
      nodes: summary.nodes,
      domains: summary.domains,
      messages: summary.messages,
      anomalies: analysis.anomalyCounts,
      consistent: analysis.consistent,
    }),
  );
}

/**
 * Synthetic OTLP JSON lines: 240 nodes (services × instances) on 60 hosts, 8 hosts skewed by 5–60 ms;
 * client → server calls with nested downstream calls, INTERNAL spans, Tickline attributes per
 * docs/design.md §4 (server replies stamped in lamport.end.time_us). Deterministic.
 */
function flat(text) {
  return new TextDecoder().decode(Buffer.from(text));
}

function generate(spanCount) {
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hostCount = 60;
  const hostOffsetUs = Array.from({ length: hostCount }, (_, host) =>
    host < 8
      ? Math.round((random() < 0.5 ? -1 : 1) * (5000 + random() * 55000))
      : Math.round((random() - 0.5) * 400),
  );
  const services = ['gateway', 'orders', 'billing', 'inventory', 'pricing', 'users', 'search', 'shipping'];
  const nodes = Array.from({ length: 240 }, (_, index) => {
    const service = services[index % services.length];
    const host = index % hostCount;
    return {
      name: `${service}/${(0x10000000 + index * 7919).toString(16)}`,
      service,
      host,
      clock: 0,
      batch: [],
      resource: JSON.stringify({
        attributes: [
          { key: 'service.name', value: { stringValue: service } },
          { key: 'host.name', value: { stringValue: `host-${host}` } },
        ],
      }),
    };
  });
  const lines = [];
  const BATCH = 2000;
  const flush = (node) => {
    // Each line as reading the file gives it: a flat string decoded from bytes (built by
    // concatenation, it would be a tree of string pieces that JSON.parse and the decoder first
    // flatten, and that some string builtins only handle on a slow path).
    lines.push(
      flat(
        `{"resourceSpans":[{"resource":${node.resource},"scopeSpans":[{"scope":{"name":"@tickline/otel","version":"0.1.0"},"spans":[${node.batch.join(',')}]}]}]}`,
      ),
    );
    node.batch = [];
  };
  const baseUs = 1_763_780_000_000_000;
  let produced = 0;
  let spanNumber = 0;
  let traceNumber = 0;
  let now = 0; // true time, µs
  const hex16 = (value) => value.toString(16).padStart(16, '0');
  const wallUs = (node, trueUs) => baseUs + trueUs + hostOffsetUs[node.host];
  const emit = (node, span) => {
    node.batch.push(span);
    produced++;
    if (node.batch.length >= BATCH) flush(node);
  };
  const attribute = (key, value) =>
    typeof value === 'string'
      ? `{"key":"${key}","value":{"stringValue":"${value}"}}`
      : `{"key":"${key}","value":{"intValue":"${value}"}}`;
  const span = (traceId, spanId, parentId, name, kind, startUs, endUs, attributes) =>
    `{"traceId":"${traceId}","spanId":"${spanId}"${parentId ? `,"parentSpanId":"${parentId}"` : ''},"name":"${name}","kind":${kind},` +
    `"startTimeUnixNano":"${startUs}000","endTimeUnixNano":"${endUs}000","attributes":[${attributes.join(',')}],"status":{}}`;

  // One call from `client` to `server`, handled with `depth` more levels of downstream calls.
  const call = (traceId, parentId, client, server, depth) => {
    const clientId = hex16(++spanNumber);
    const serverId = hex16(++spanNumber);
    const sendClock = ++client.clock;
    const sendUs = now;
    now += 150 + Math.floor(random() * 900);
    server.clock = Math.max(server.clock, sendClock) + 1;
    const receiveClock = server.clock;
    const receiveUs = now;
    now += 20 + Math.floor(random() * 200);
    if (random() < 0.4) {
      const internalStart = ++server.clock;
      const startUs = now;
      now += 30 + Math.floor(random() * 300);
      const internalEnd = ++server.clock;
      emit(
        server,
        span(
          traceId,
          hex16(++spanNumber),
          serverId,
          'SELECT',
          1,
          wallUs(server, startUs),
          wallUs(server, now),
          [
            attribute('lamport.node', server.name),
            attribute('lamport.start', internalStart),
            attribute('lamport.end', internalEnd),
          ],
        ),
      );
    }
    if (depth > 0) {
      const downstream = random() < 0.5 ? 1 : 2;
      for (let i = 0; i < downstream; i++) {
        const next = nodes[Math.floor(random() * nodes.length)];
        if (next !== server) call(traceId, serverId, server, next, depth - 1);
      }
    }
    const replyClock = ++server.clock;
    const replyUs = now;
    now += 150 + Math.floor(random() * 900);
    client.clock = Math.max(client.clock, replyClock) + 1;
    const doneClock = client.clock;
    const doneUs = now;
    now += 5 + Math.floor(random() * 50);
    emit(
      server,
      span(
        traceId,
        serverId,
        clientId,
        `GET /${server.service}`,
        2,
        wallUs(server, receiveUs),
        wallUs(server, replyUs) + 40,
        [
          attribute('lamport.node', server.name),
          attribute('lamport.start', receiveClock),
          attribute('lamport.end', replyClock),
          attribute('lamport.recv.node', client.name),
          attribute('lamport.recv.clock', sendClock),
          attribute('lamport.end.time_us', wallUs(server, replyUs)),
        ],
      ),
    );
    emit(
      client,
      span(
        traceId,
        clientId,
        parentId,
        `GET /${server.service}`,
        3,
        wallUs(client, sendUs),
        wallUs(client, doneUs),
        [
          attribute('lamport.node', client.name),
          attribute('lamport.start', sendClock),
          attribute('lamport.end', doneClock),
          attribute('lamport.recv.node', server.name),
          attribute('lamport.recv.clock', replyClock),
        ],
      ),
    );
  };
  while (produced < spanCount) {
    const traceId = (++traceNumber).toString(16).padStart(32, '0');
    const client = nodes[Math.floor(random() * nodes.length)];
    let server = nodes[Math.floor(random() * nodes.length)];
    if (server === client) server = nodes[(nodes.indexOf(client) + 1) % nodes.length];
    call(traceId, undefined, client, server, 2);
  }
  for (const node of nodes) if (node.batch.length > 0) flush(node);
  return lines;
}
