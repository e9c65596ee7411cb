// bench/ingest: the bare decode + insert loop alone (SQLite, no writer thread), for `node --cpu-prof`;
// prints decode-only, rows-only and insert rates so the split is visible without a profiler.
// Run: node --cpu-prof --cpu-prof-dir /tmp/prof bench/ingest/profile-bare.mjs [--requests 150]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteSpanStore } from '@tickline/collector';
import { decodeOtlpProtobuf } from '@tickline/otlp';
import { makeRequest } from './requests.mjs';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '150' } } });
const REQUESTS = Number(values.requests);
const requests = Array.from({ length: REQUESTS }, (_, sequence) => makeRequest(sequence));
const rate = (spans, started) =>
  `${Math.round(spans / ((performance.now() - started) / 1000)).toLocaleString('en-US')} spans/s`;

let started = performance.now();
for (const request of requests) decodeOtlpProtobuf(request);
console.log(`decode only        ${rate(REQUESTS * 1000, started)}`);

const directory = mkdtempSync(join(tmpdir(), 'tickline-profile-ingest-'));
try {
  const store = SqliteSpanStore.open(join(directory, 'bare.db'), { writerThread: false });
  started = performance.now();
  let spans = 0;
  for (const request of requests) spans += await store.insertSpans(decodeOtlpProtobuf(request).spans);
  console.log(`decode + insert    ${rate(spans, started)}`);
  await store.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
