// bench/ingest: spans per second through the collector end to end (OTLP protobuf over HTTP, 1,000-span
// requests, each answered only after its spans committed), next to the bare decode + insert loop on the
// same store measured in the same run (efficiency = end to end / bare). SQLite and PostgreSQL.
// Run: pnpm turbo run build --filter @tickline/collector... && node bench/ingest/ingest.bench.mjs [--seconds 8] [--connections 8] [--no-postgres]
//      [--collector-node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof"] (profiles the collector's main and writer threads)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PostgresSpanStore, SqliteSpanStore } from '@tickline/collector';
import { decodeOtlpProtobuf } from '@tickline/otlp';
import { startPostgres } from './postgres.mjs';
import { makeRequest } from './requests.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '8' },
    'no-postgres': { type: 'boolean', default: false },
    // Extra node flags for the collector process, e.g. --collector-node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof" (space-separated).
    'collector-node-flags': { type: 'string', default: '' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const SPANS_PER_REQUEST = 1000;
const cli = createRequire(import.meta.url)
  .resolve('@tickline/collector/package.json')
  .replace('package.json', 'dist/cli.js');

let sequence = 0;
const prepared = [];
/** Distinct requests (fresh ids: idempotent inserts would skip the work for repeats). */
function prepare(count) {
  while (prepared.length < count) prepared.push(makeRequest(sequence++));
}

/** CPU seconds used by a process so far (Linux /proc; user + system). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds per thread of a process: the main thread and its busiest other thread (the SQLite writer). */
function threadCpuSeconds(pid) {
  const result = { main: Number.NaN, other: new Map() };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const seconds = cpuSeconds(`${pid}/task/${tid}`);
      if (tid === String(pid)) result.main = seconds;
      else result.other.set(tid, seconds);
    }
  } catch {}
  return result;
}

/** CPU per thread used between two {@link threadCpuSeconds} readings: main and busiest other thread. */
function threadCpuUsed(before, after) {
  let busiest = 0;
  for (const [tid, seconds] of after.other)
    busiest = Math.max(busiest, seconds - (before.other.get(tid) ?? 0));
  return { main: after.main - before.main, writer: busiest };
}

async function bare(store, seconds) {
  let spans = 0;
  let index = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const request = prepared[index++ % prepared.length];
    const result = decodeOtlpProtobuf(request);
    spans += await store.insertSpans(result.spans);
    if (index % prepared.length === 0) break;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    rate: spans / ((performance.now() - started) / 1000),
    perCpuSecond: spans / ((cpu.user + cpu.system) / 1e6),
  };
}

async function startCollector(storeUrl) {
  const flags = values['collector-node-flags'].split(' ').filter((flag) => flag !== '');
  const child = spawn(process.execPath, [...flags, cli, 'collector', '--port', '0', '--store', storeUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`collector exited ${code}: ${output}`)));
  });
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/**
 * POSTs one protobuf body and resolves to the status once the reply has been read. node:http with a
 * keep-alive agent, as the OpenTelemetry Node exporters send (and about half the client CPU of fetch,
 * which matters: the client shares the machine's cores with the collector).
 */
function post(target, body, agent) {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: '/v1/traces',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
      },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => resolve(response.statusCode));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function endToEnd(url, seconds) {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let spans = 0;
  let index = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline && index < prepared.length) {
      const body = prepared[index++];
      const status = await post(target, body, agent);
      if (status === 200) spans += SPANS_PER_REQUEST;
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  agent.destroy();
  const elapsed = (performance.now() - started) / 1000;
  return { rate: spans / elapsed, seconds: elapsed, failures, exhausted: index >= prepared.length };
}

const format = (rate) => `${Math.round(rate).toLocaleString('en-US').padStart(9)} spans/s`;

async function runStore(label, openBare, collectorStoreUrl) {
  // Enough distinct requests for both phases at up to ~150k spans/s.
  prepare(Math.ceil((150_000 * SECONDS) / SPANS_PER_REQUEST));
  const store = await openBare();
  const bareRate = await bare(store, SECONDS);
  await store.close();
  const collector = await startCollector(collectorStoreUrl);
  const cpuBefore = cpuSeconds(collector.pid);
  const threadsBefore = threadCpuSeconds(collector.pid);
  const clientCpuBefore = process.cpuUsage();
  const e2e = await endToEnd(collector.url, SECONDS);
  const collectorCpu = cpuSeconds(collector.pid) - cpuBefore;
  const threads = threadCpuUsed(threadsBefore, threadCpuSeconds(collector.pid));
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const microsPerSpan = (seconds) => ((seconds * 1e6) / (e2e.rate * e2e.seconds)).toFixed(1);
  await collector.stop();
  console.log(
    `${label.padEnd(9)} bare decode+insert ${format(bareRate.rate)} | end to end ${format(e2e.rate)} | efficiency ${(e2e.rate / bareRate.rate).toFixed(2)}${e2e.failures ? ` | ${e2e.failures} non-200` : ''}${e2e.exhausted ? ' (ran out of prepared requests)' : ''}`,
  );
  console.log(
    `${''.padEnd(9)} per CPU-second (less sensitive to a loaded machine): bare ${format(bareRate.perCpuSecond)} | collector process ${format((e2e.rate * e2e.seconds) / collectorCpu)}${label === 'postgres' ? ' (PostgreSQL server CPU not counted)' : ''}`,
  );
  console.log(
    `${''.padEnd(9)} CPU µs per span: collector main thread ${microsPerSpan(threads.main)} | busiest other thread ${microsPerSpan(threads.writer)}${label === 'sqlite' ? ' (the SQLite writer)' : ''} | bench client ${microsPerSpan((clientCpu.user + clientCpu.system) / 1e6)}`,
  );
}

console.log(
  `bench/ingest: ${SPANS_PER_REQUEST}-span protobuf requests, ${CONNECTIONS} connections, ${SECONDS}s per phase, node ${process.version}, load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores`,
);
const directory = mkdtempSync(join(tmpdir(), 'tickline-bench-ingest-'));
try {
  await runStore(
    'sqlite',
    async () => SqliteSpanStore.open(join(directory, 'bare.db'), { writerThread: false }),
    `sqlite:${join(directory, 'collector.db')}`,
  );
  if (!values['no-postgres']) {
    const postgres = await startPostgres();
    try {
      const bareUrl = postgres.createDatabase('bare');
      await runStore(
        'postgres',
        async () => PostgresSpanStore.open(bareUrl),
        postgres.createDatabase('collector'),
      );
    } finally {
      postgres.stop();
    }
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
