/**
 * The checks of docs/design.md §4 on a set of exported spans, shared by the in-process and the
 * three-process tests. Returns the violations found, as readable strings (empty = contract holds).
 */

/** A span reduced to what the contract is about. */
export interface ContractSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** OTel SpanKind number: 0 INTERNAL, 1 SERVER, 2 CLIENT, 3 PRODUCER, 4 CONSUMER. */
  kind: number;
  name: string;
  service: string;
  startUs: number;
  endUs: number;
  attributes: Record<string, string | number | boolean | undefined>;
}

const SERVER = 1;
const CLIENT = 2;

export interface NodeEvent {
  node: string;
  clock: number;
  timeUs: number;
  what: string;
}

/** The two events of every span, with the wall time §4 and §5 give them. */
export function eventsOf(spans: readonly ContractSpan[]): NodeEvent[] {
  const events: NodeEvent[] = [];
  for (const span of spans) {
    const node = String(span.attributes['lamport.node']);
    const start = span.attributes['lamport.start.time_us'];
    const end = span.attributes['lamport.end.time_us'];
    events.push({
      node,
      clock: Number(span.attributes['lamport.start']),
      timeUs: start === undefined ? span.startUs : Number(start),
      what: `start of ${span.service} ${span.name}`,
    });
    events.push({
      node,
      clock: Number(span.attributes['lamport.end']),
      timeUs: end === undefined ? span.endUs : Number(end),
      what: `end of ${span.service} ${span.name}`,
    });
  }
  return events;
}

export function contractViolations(spans: readonly ContractSpan[]): string[] {
  const problems: string[] = [];
  const byId = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const describe = (span: ContractSpan) => `${span.service} ${span.name} (${span.spanId})`;
  for (const span of spans) {
    const a = span.attributes;
    if (typeof a['lamport.node'] !== 'string') problems.push(`${describe(span)}: no lamport.node`);
    if (!Number.isSafeInteger(a['lamport.start']) || !Number.isSafeInteger(a['lamport.end'])) {
      problems.push(`${describe(span)}: lamport.start/end missing or not integers`);
      continue;
    }
    if (!(Number(a['lamport.start']) < Number(a['lamport.end']))) {
      problems.push(
        `${describe(span)}: lamport.start ${a['lamport.start']} >= lamport.end ${a['lamport.end']}`,
      );
    }
    const parent =
      span.parentSpanId === undefined ? undefined : byId.get(`${span.traceId}/${span.parentSpanId}`);
    if (span.kind === SERVER && parent?.kind === CLIENT) {
      if (
        a['lamport.recv.clock'] !== parent.attributes['lamport.start'] ||
        a['lamport.recv.node'] !== parent.attributes['lamport.node']
      ) {
        problems.push(
          `${describe(span)}: recv (${a['lamport.recv.node']}, ${a['lamport.recv.clock']}) != client send (${parent.attributes['lamport.node']}, ${parent.attributes['lamport.start']})`,
        );
      }
      const pa = parent.attributes;
      if (pa['lamport.recv.clock'] !== a['lamport.end'] || pa['lamport.recv.node'] !== a['lamport.node']) {
        problems.push(
          `${describe(parent)}: recv (${pa['lamport.recv.node']}, ${pa['lamport.recv.clock']}) != server reply (${a['lamport.node']}, ${a['lamport.end']})`,
        );
      }
    }
  }
  const byNode = new Map<string, NodeEvent[]>();
  for (const event of eventsOf(spans)) {
    if (!Number.isSafeInteger(event.clock)) continue;
    const list = byNode.get(event.node) ?? [];
    byNode.set(event.node, list);
    list.push(event);
  }
  for (const [node, events] of byNode) {
    events.sort((x, y) => x.clock - y.clock);
    for (let index = 1; index < events.length; index += 1) {
      const before = events[index - 1]!;
      const after = events[index]!;
      if (before.clock === after.clock)
        problems.push(`${node}: clock ${after.clock} twice (${before.what}; ${after.what})`);
      if (after.timeUs < before.timeUs) {
        problems.push(
          `${node}: ${after.what} (clock ${after.clock}) at ${after.timeUs} µs is before ${before.what} (clock ${before.clock}) at ${before.timeUs} µs`,
        );
      }
    }
  }
  return problems;
}

/** Server spans paired with their client parents: how many message pairs the checks covered. */
export function clientServerPairs(spans: readonly ContractSpan[]): number {
  const byId = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  return spans.filter(
    (span) => span.kind === SERVER && byId.get(`${span.traceId}/${span.parentSpanId}`)?.kind === CLIENT,
  ).length;
}

/** Whether an event is a receive that merged a remote clock, and that clock. */
function mergedRemote(span: ContractSpan, which: 'start' | 'end'): number | undefined {
  const received = span.attributes['lamport.recv.clock'];
  if (typeof received !== 'number') return undefined;
  const receivesAtStart = span.kind === SERVER || span.kind === 4;
  return (which === 'start') === receivesAtStart ? received : undefined;
}

/**
 * Replays Lamport's IR1 and IR2 over each node's events, in clock order, from 0: every event
 * must be the previous value + 1, or for a receive max(previous, T_m) + 1. A tick no span
 * recorded, or a message merged or ticked twice, shows up as a mismatch.
 */
export function replayViolations(spans: readonly ContractSpan[]): string[] {
  const byNode = new Map<string, { clock: number; remote: number | undefined; what: string }[]>();
  for (const span of spans) {
    const node = String(span.attributes['lamport.node']);
    const list = byNode.get(node) ?? [];
    byNode.set(node, list);
    for (const which of ['start', 'end'] as const) {
      list.push({
        clock: Number(span.attributes[`lamport.${which}`]),
        remote: mergedRemote(span, which),
        what: `${which} of ${span.service} ${span.name} (${span.spanId})`,
      });
    }
  }
  const problems: string[] = [];
  for (const [node, events] of byNode) {
    events.sort((x, y) => x.clock - y.clock);
    let previous = 0;
    for (const event of events) {
      const expected = event.remote === undefined ? previous + 1 : Math.max(previous, event.remote) + 1;
      if (event.clock !== expected)
        problems.push(`${node}: ${event.what} is ${event.clock}, expected ${expected}`);
      previous = event.clock;
    }
  }
  return problems;
}

/**
 * Every message's send must not be later than its receive in wall time (all nodes here share one
 * host clock). `toleranceUs` absorbs the per-process time origin.
 */
export function backwardsMessages(spans: readonly ContractSpan[], toleranceUs: number): string[] {
  const sends = new Map<string, NodeEvent>();
  for (const event of eventsOf(spans)) sends.set(`${event.node}#${event.clock}`, event);
  const problems: string[] = [];
  for (const span of spans) {
    const received = span.attributes['lamport.recv.clock'];
    if (typeof received !== 'number') continue;
    const send = sends.get(`${span.attributes['lamport.recv.node']}#${received}`);
    if (send === undefined) continue;
    const atStart = span.kind === SERVER || span.kind === 4;
    const receiveTime = atStart
      ? Number(span.attributes['lamport.start.time_us'] ?? span.startUs)
      : Number(span.attributes['lamport.end.time_us'] ?? span.endUs);
    if (receiveTime + toleranceUs < send.timeUs) {
      problems.push(
        `${send.what} at ${send.timeUs} µs is after its receive (${atStart ? 'start' : 'end'} of ${span.service} ${span.name}) at ${receiveTime} µs`,
      );
    }
  }
  return problems;
}
