import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  type AnalysisJson,
  type AnomalyKind,
  analyze,
  type CausalAnalysis,
  toAnalysisJson,
} from '@tickline/causal';
import { decodeOtlp, type SpanRecord } from '@tickline/otlp';

const USAGE = `usage: tickline analyze FILE... [options]

Analyses OTLP trace files (JSON: one request, an array of requests or JSON lines; or protobuf) offline:
Lamport's happened-before graph, anomalies, clock-offset bounds per host. '-' reads standard input.

  --json                 print the analysis as JSON (events, edges, anomalies, offsets, consistent, …)
  --min-latency-ms N     minimum one-way latency between hosts, tightens the offset bounds (default 0)
  --reference DOMAIN     clock domain (host.id / host.name / node) the offsets are relative to
                         (default: the domain with the most events)
  --drift-rate K         clock drift bound κ for the physical-clock view (default 1e-6)
  --fail-on WHAT         'anomalies': exit 1 when there is any anomaly;
                         'inconsistent': exit 1 when no clock offsets explain the timestamps
  -h, --help             show this help

Exit status: 0 done; 1 --fail-on matched; 2 unreadable input or bad options (reason on stderr).`;

/** The output streams and stdin of the command, injectable for tests. */
export interface AnalyzeIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  readStdin: () => Promise<Buffer>;
}

const defaultIo = (): AnalyzeIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
});

/** `tickline analyze`: returns 0, 1 (--fail-on matched) or 2 (unreadable input, bad options). */
export async function run(argv: string[], io: AnalyzeIo = defaultIo()): Promise<number> {
  const fail = (message: string, usage = false): number => {
    io.stderr.write(`tickline analyze: ${message}\n${usage ? `\n${USAGE}\n` : ''}`);
    return 2;
  };
  let values: Record<string, string | boolean | undefined>;
  let files: string[];
  try {
    ({ values, positionals: files } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        'min-latency-ms': { type: 'string' },
        reference: { type: 'string' },
        'drift-rate': { type: 'string' },
        'fail-on': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    return fail((error as Error).message, true);
  }
  if (values.help === true) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (files.length === 0) return fail('no input file given', true);
  const failOn = values['fail-on'] as string | undefined;
  if (failOn !== undefined && failOn !== 'anomalies' && failOn !== 'inconsistent') {
    return fail(`--fail-on must be 'anomalies' or 'inconsistent', got '${failOn}'`, true);
  }
  const number = (name: string): number | undefined | Error => {
    const text = values[name] as string | undefined;
    if (text === undefined) return undefined;
    const value = Number(text);
    return text.trim() === '' || !Number.isFinite(value) || value < 0
      ? new Error(`--${name} must be a non-negative number, got '${text}'`)
      : value;
  };
  const minLatencyMs = number('min-latency-ms');
  const driftRate = number('drift-rate');
  if (minLatencyMs instanceof Error) return fail(minLatencyMs.message, true);
  if (driftRate instanceof Error) return fail(driftRate.message, true);

  const spans: SpanRecord[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = file === '-' ? await io.readStdin() : await readFile(file);
    } catch (error) {
      return fail(`cannot read ${file}: ${(error as Error).message}`);
    }
    try {
      const result = decodeOtlp(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (result.rejectedSpans > 0) {
        io.stderr.write(
          `tickline analyze: ${file}: ${result.rejectedSpans} span(s) rejected: ${result.errors.join('; ')}\n`,
        );
      }
      for (const span of result.spans) spans.push(span);
    } catch (error) {
      return fail(`${file} is not a readable OTLP trace export: ${(error as Error).message}`);
    }
  }

  let analysis: CausalAnalysis;
  try {
    analysis = analyze(spans, {
      ...(minLatencyMs === undefined ? {} : { minLatencyMs }),
      ...(driftRate === undefined ? {} : { driftRate }),
      ...(values.reference === undefined ? {} : { referenceDomain: values.reference as string }),
    });
  } catch (error) {
    return fail((error as Error).message, true);
  }
  for (const warning of analysis.warnings) io.stderr.write(`tickline analyze: warning: ${warning}\n`);

  if (values.json === true) await writeJson(io.stdout, toAnalysisJson(analysis));
  else await write(io.stdout, formatReport(analysis));

  if (failOn === 'anomalies' && analysis.anomalies.length > 0) return 1;
  if (failOn === 'inconsistent' && !analysis.consistent) return 1;
  return 0;
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** Writes the JSON piece by piece: a million-span analysis is larger than the longest string V8 allows. */
async function writeJson(stream: NodeJS.WritableStream, json: AnalysisJson): Promise<void> {
  const { events, edges, ...rest } = json;
  const writeArray = async (items: unknown[]): Promise<void> => {
    await write(stream, '[');
    for (let i = 0; i < items.length; i += 2000) {
      const chunk = items.slice(i, i + 2000).map((item) => JSON.stringify(item));
      await write(stream, (i === 0 ? '' : ',') + chunk.join(','));
    }
    await write(stream, ']');
  };
  await write(stream, '{"events":');
  await writeArray(events);
  await write(stream, ',"edges":');
  await writeArray(edges);
  const tail = JSON.stringify(rest);
  await write(stream, tail === '{}' ? '}\n' : `,${tail.slice(1)}\n`);
}

const ANOMALY_KINDS: AnomalyKind[] = [
  'backwards-message',
  'local-clock-regression',
  'clock-condition-violation',
  'inconsistent-offsets',
];
const WORST_SHOWN = 10;
const OFFSETS_SHOWN = 20;

function formatMs(value: number | null, signed = false): string {
  if (value === null) return 'unbounded';
  const text = Math.abs(value) >= 1000 ? value.toFixed(1) : value.toFixed(3);
  return signed && value >= 0 ? `+${text}` : text;
}

function plural(count: number, word: string, many = `${word}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? word : many}`;
}

/** The human-readable report of `tickline analyze` (80–120 columns). */
export function formatReport(analysis: CausalAnalysis): string {
  const lines: string[] = [];
  const summary = analysis.summary;
  lines.push(
    `${plural(summary.spans, 'span')}, ${plural(summary.events, 'event')}, ${plural(summary.nodes, 'node')}, ` +
      `${plural(summary.domains, 'clock domain')}, ${plural(summary.messages, 'message')}` +
      `${summary.fallbackMessages > 0 ? ` (${summary.fallbackMessages} from span parenthood)` : ''}, ` +
      `${summary.dangling} dangling`,
  );
  const notes: string[] = [];
  if (summary.duplicateSpans > 0) notes.push(`${plural(summary.duplicateSpans, 'duplicate span')} ignored`);
  if (summary.spansWithoutClock > 0)
    notes.push(`${plural(summary.spansWithoutClock, 'span')} without Tickline clock`);
  if (notes.length > 0) lines.push(notes.join(', '));

  const describe = (id: string): string => {
    const event = analysis.event(id);
    return `${event.service} "${truncate(event.spanName, 32)}" ${event.kind}@${truncate(event.node, 28)}`;
  };
  const counts = analysis.anomalyCounts;
  const all = analysis.anomalies;
  lines.push('', `anomalies: ${ANOMALY_KINDS.map((kind) => `${counts[kind]} ${kind}`).join(', ')}`);
  for (const kind of ANOMALY_KINDS) {
    if (counts[kind] === 0) continue;
    const ofKind = all.filter((anomaly) => anomaly.kind === kind);
    lines.push(
      '',
      `${kind} (${ofKind.length})${ofKind.length > WORST_SHOWN ? `, worst ${WORST_SHOWN}` : ''}:`,
    );
    for (const anomaly of ofKind.slice(0, WORST_SHOWN)) {
      if (kind === 'inconsistent-offsets') {
        lines.push(
          `  ${formatMs(anomaly.magnitudeMs).padStart(10)} ms  cycle ${anomaly.cycle!.join(' → ')} → ${anomaly.cycle![0]}`,
        );
        for (const message of anomaly.messages ?? []) {
          lines.push(`                 ${message.from} → ${message.to}`);
        }
        continue;
      }
      const size =
        kind === 'clock-condition-violation'
          ? `${anomaly.clockDelta} tick${anomaly.clockDelta === 1 ? '' : 's'}`.padStart(13)
          : `${formatMs(anomaly.magnitudeMs).padStart(10)} ms`;
      lines.push(`  ${size}  ${describe(anomaly.from)} → ${describe(anomaly.to)}`);
      lines.push(
        `                 ${anomaly.from} → ${anomaly.to}${anomaly.edge ? ` (${anomaly.edge} edge)` : ''}`,
      );
    }
  }

  const offsets = analysis.offsets;
  if (offsets.length > 0) {
    lines.push(
      '',
      `clock offsets θ (host clock − reference clock) relative to ${analysis.reference}, μ = ${analysis.minLatencyMs} ms;`,
      'corrected time = wall time − estimate',
      `  ${'domain'.padEnd(30)} ${'low ms'.padStart(12)} ${'high ms'.padStart(12)} ${'estimate ms'.padStart(12)}  nodes  events`,
    );
    // The reference first, then the largest offsets: the hosts to look at.
    const ordered = [...offsets].sort(
      (a, b) =>
        Number(b.domain === analysis.reference) - Number(a.domain === analysis.reference) ||
        Number(a.consistent) - Number(b.consistent) ||
        Math.abs(b.estimateMs) - Math.abs(a.estimateMs),
    );
    for (const offset of ordered.slice(0, OFFSETS_SHOWN)) {
      let name = truncate(offset.domain, 30);
      if (offset.domain === offset.reference) name = truncate(`${offset.domain} (ref)`, 30);
      const note =
        (offset.reference !== analysis.reference && offset.domain !== offset.reference
          ? `  (relative to ${offset.reference})`
          : '') + (offset.consistent ? '' : '  INCONSISTENT');
      lines.push(
        `  ${name.padEnd(30)} ${formatMs(offset.lowMs, true).padStart(12)} ${formatMs(offset.highMs, true).padStart(12)} ` +
          `${formatMs(offset.estimateMs, true).padStart(12)}  ${String(offset.nodes.length).padStart(5)}  ` +
          `${String(offset.events).padStart(6)}${note}`,
      );
    }
    if (ordered.length > OFFSETS_SHOWN) {
      const rest = ordered.slice(OFFSETS_SHOWN);
      const largest = Math.max(...rest.map((offset) => Math.abs(offset.estimateMs)));
      lines.push(
        `  … ${rest.length} more domains, estimates within ±${formatMs(largest)} ms (--json lists all)`,
      );
    }
  }

  const physical = analysis.physical;
  if (physical.edges > 0) {
    lines.push(
      '',
      'physical clocks (Lamport §4; arcs = ordered clock-domain pairs; delays in corrected time):',
      `  μ = ${formatMs(physical.minimumDelayMs)} ms (min delay)  ξ = ${formatMs(physical.unpredictableDelayMs)} ms (delay spread)  ` +
        `τ = ${formatMs(physical.longestGapMs)} ms (longest gap)  d = ${physical.diameter}` +
        `${physical.stronglyConnected ? '' : ' (not strongly connected)'}  κ = ${physical.driftRate.toExponential()}`,
      `  bound ε = d(2κτ + ξ) = ${formatMs(physical.boundMs)} ms; measured spread of offsets = ${formatMs(physical.measuredSpreadMs)} ms`,
    );
  }
  const dangling = analysis.danglingMessages;
  if (dangling.length > 0) {
    lines.push('', `dangling messages (sender not exported): ${dangling.length}`);
    for (const message of dangling.slice(0, 3)) {
      lines.push(`  ${message.to} ← ${message.senderNode} clock ${message.senderClock}`);
    }
  }
  const total = all.length;
  const backwards = counts['backwards-message'];
  lines.push(
    '',
    analysis.consistent
      ? `verdict: consistent — ${total === 0 ? 'no anomalies' : `${plural(total, 'anomaly', 'anomalies')}`}` +
          (backwards > 0 ? `; ${plural(backwards, 'backwards message')} explained by clock offsets` : '')
      : `verdict: INCONSISTENT — ${plural(total, 'anomaly', 'anomalies')}; ` +
          `${counts['clock-condition-violation']} clock-condition violation(s), ${counts['inconsistent-offsets']} offset cycle(s)`,
  );
  return `${lines.join('\n')}\n`;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
