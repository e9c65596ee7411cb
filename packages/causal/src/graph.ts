import { type Attributes, LamportAttribute, SpanKind, type SpanRecord } from './model.js';

/** What an event is, from its span kind (docs/design.md §4). */
export const EventKind = { LOCAL: 0, SEND: 1, RECEIVE: 2 } as const;

/**
 * The happened-before graph in columnar form. Event `2k` is the start and `2k + 1` the end of the
 * k-th kept span. Every per-event column is a typed array indexed by the event number.
 * @internal
 */
export interface EventGraph {
  spans: SpanRecord[];
  /** Kept span k → index in the input array (exact duplicates are dropped). */
  spanSource: Int32Array;
  spanCount: number;
  eventCount: number;
  duplicateSpans: number;
  spansWithoutClock: number;
  /** Span k → node index. */
  spanNode: Int32Array;
  /** Span id label for spans whose id is shared with a span of another trace. */
  spanLabelOverride: Map<number, string>;
  spanIndexById: Map<string, number>;
  /** Lamport clock of each event; NaN when the span has no Tickline clock. */
  clock: Float64Array;
  /** Wall time in nanoseconds relative to {@link baseNanos}; exact integers. */
  wall: Float64Array;
  /** Whether the event's wall time came from `lamport.*.time_us`. */
  wallFromAttribute: Uint8Array;
  baseNanos: bigint;
  kind: Uint8Array;
  nodeNames: string[];
  nodeIndexByName: Map<string, number>;
  nodeHasClock: Uint8Array;
  nodeDomain: Int32Array;
  nodeService: string[];
  domainNames: string[];
  domainIndexByName: Map<string, number>;
  /** Events grouped per node, each group sorted by clock (or wall time for nodes without a clock). */
  nodeOrder: Int32Array;
  nodeStart: Int32Array;
  /** Position of each event inside its node's group. */
  position: Int32Array;
  /** The sender of the message each event received, or -1. */
  messageFrom: Int32Array;
  /** 1 when that message edge came from the CLIENT → SERVER parenthood fallback. */
  messageFallback: Uint8Array;
  messageCount: number;
  /** Out-going message edges, compressed rows: targets of event e are messageTargets[messageOutStart[e] .. messageOutStart[e+1]). */
  messageOutStart: Int32Array;
  messageTargets: Int32Array;
  dangling: { event: number; senderNode: string; senderClock: number }[];
  /** Topological level; valid for pruning only when {@link acyclic}. */
  rank: Int32Array;
  acyclic: boolean;
}

const SERVICE_NAME = 'service.name';
const SERVICE_INSTANCE_ID = 'service.instance.id';
const HOST_ID = 'host.id';
const HOST_NAME = 'host.name';

function isClockValue(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function stringAttribute(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Grows an Int32Array-backed list without per-item objects. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

/** Builds the event graph: nodes, domains, wall times, process order, message edges, ranks. */
export function buildEventGraph(spans: SpanRecord[]): EventGraph {
  const inputCount = spans.length;
  const spanSource = new Int32Array(inputCount);
  const spanNode = new Int32Array(inputCount);
  const clock = new Float64Array(inputCount * 2);
  const wall = new Float64Array(inputCount * 2);
  const wallFromAttribute = new Uint8Array(inputCount * 2);
  const kind = new Uint8Array(inputCount * 2);
  const spanIndexById = new Map<string, number>();
  const spanLabelOverride = new Map<number, string>();
  const nodeNames: string[] = [];
  const nodeIndexByName = new Map<string, number>();
  const nodeHasClockList: number[] = [];
  const nodeDomainList: number[] = [];
  const nodeService: string[] = [];
  const domainNames: string[] = [];
  const domainIndexByName = new Map<string, number>();
  const pseudoNodeByResource = new Map<Attributes, number>();
  const pseudoNodeByName = new Map<string, number>();
  const receiveEvents = new IntList(inputCount);
  const receiveClocks: number[] = [];
  const receiveNodes: string[] = [];
  const fallbackServers = new IntList(16);

  const first = spans[0];
  const baseNanos = first === undefined ? 0n : (first.startTimeUnixNano / 1000n) * 1000n;
  const baseMicros = Number(baseNanos / 1000n);

  let duplicateSpans = 0;
  let spansWithoutClock = 0;
  let lastNodeName: string | undefined;
  let lastNodeIndex = -1;

  const domainOf = (resource: Attributes, nodeName: string): number => {
    const name = stringAttribute(resource, HOST_ID) ?? stringAttribute(resource, HOST_NAME) ?? nodeName;
    let index = domainIndexByName.get(name);
    if (index === undefined) {
      index = domainNames.length;
      domainNames.push(name);
      domainIndexByName.set(name, index);
    }
    return index;
  };
  const addNode = (name: string, resource: Attributes, hasClock: boolean): number => {
    const index = nodeNames.length;
    nodeNames.push(name);
    // Only Tickline nodes can be named by lamport.recv.node; pseudo nodes live in their own map.
    if (hasClock) nodeIndexByName.set(name, index);
    else pseudoNodeByName.set(name, index);
    nodeHasClockList.push(hasClock ? 1 : 0);
    nodeDomainList.push(domainOf(resource, name));
    nodeService.push(stringAttribute(resource, SERVICE_NAME) ?? 'unknown_service');
    return index;
  };

  let k = 0;
  for (let source = 0; source < inputCount; source++) {
    const span = spans[source]!;
    const previous = spanIndexById.get(span.spanId);
    if (previous !== undefined) {
      const previousSpan = spans[spanSource[previous]!]!;
      if (previousSpan.traceId === span.traceId) {
        duplicateSpans++;
        continue;
      }
      let suffix = 2;
      while (spanIndexById.has(`${span.spanId}~${suffix}`)) suffix++;
      const label = `${span.spanId}~${suffix}`;
      spanIndexById.set(label, k);
      spanLabelOverride.set(k, label);
    } else {
      spanIndexById.set(span.spanId, k);
    }
    spanSource[k] = source;
    const attributes = span.attributes;
    const nodeName = attributes[LamportAttribute.NODE];
    const startClock = attributes[LamportAttribute.START];
    const endClock = attributes[LamportAttribute.END];
    const start = 2 * k;
    const end = start + 1;
    let node: number;
    if (
      typeof nodeName === 'string' &&
      nodeName.length > 0 &&
      isClockValue(startClock) &&
      isClockValue(endClock)
    ) {
      if (nodeName === lastNodeName) {
        node = lastNodeIndex;
      } else {
        node = nodeIndexByName.get(nodeName) ?? addNode(nodeName, span.resource, true);
        lastNodeName = nodeName;
        lastNodeIndex = node;
      }
      clock[start] = startClock;
      clock[end] = endClock;
    } else {
      spansWithoutClock++;
      const resource = span.resource;
      let pseudo = pseudoNodeByResource.get(resource);
      if (pseudo === undefined) {
        const service = stringAttribute(resource, SERVICE_NAME) ?? 'unknown_service';
        const host = stringAttribute(resource, HOST_ID) ?? stringAttribute(resource, HOST_NAME);
        const instance = stringAttribute(resource, SERVICE_INSTANCE_ID);
        const name = `otel:${service}${instance === undefined ? '' : `#${instance}`}${host === undefined ? '' : `@${host}`}`;
        pseudo = pseudoNodeByName.get(name) ?? addNode(name, resource, false);
        pseudoNodeByResource.set(resource, pseudo);
      }
      node = pseudo;
      clock[start] = Number.NaN;
      clock[end] = Number.NaN;
    }
    spanNode[k] = node;

    const startMicros = attributes[LamportAttribute.START_TIME_US];
    if (typeof startMicros === 'number' && Number.isSafeInteger(startMicros)) {
      wall[start] = (startMicros - baseMicros) * 1000;
      wallFromAttribute[start] = 1;
    } else {
      wall[start] = Number(span.startTimeUnixNano - baseNanos);
    }
    const endMicros = attributes[LamportAttribute.END_TIME_US];
    if (typeof endMicros === 'number' && Number.isSafeInteger(endMicros)) {
      wall[end] = (endMicros - baseMicros) * 1000;
      wallFromAttribute[end] = 1;
    } else {
      wall[end] = Number(span.endTimeUnixNano - baseNanos);
    }

    const spanKind = span.kind;
    let receive = -1;
    if (spanKind === SpanKind.CLIENT) {
      kind[start] = EventKind.SEND;
      kind[end] = EventKind.RECEIVE;
      receive = end;
    } else if (spanKind === SpanKind.SERVER) {
      kind[start] = EventKind.RECEIVE;
      kind[end] = EventKind.SEND;
      receive = start;
    } else if (spanKind === SpanKind.PRODUCER) {
      kind[start] = EventKind.SEND;
    } else if (spanKind === SpanKind.CONSUMER) {
      kind[start] = EventKind.RECEIVE;
      receive = start;
    }
    if (receive >= 0) {
      const receiveNode = attributes[LamportAttribute.RECV_NODE];
      const receiveClock = attributes[LamportAttribute.RECV_CLOCK];
      if (typeof receiveNode === 'string' && isClockValue(receiveClock)) {
        receiveEvents.push(receive);
        receiveClocks.push(receiveClock);
        receiveNodes.push(receiveNode);
      } else if (spanKind === SpanKind.SERVER && span.parentSpanId !== undefined) {
        fallbackServers.push(k);
      }
    }
    k++;
  }

  const spanCount = k;
  const eventCount = 2 * k;
  const nodeCount = nodeNames.length;
  const nodeHasClock = Uint8Array.from(nodeHasClockList);
  const nodeDomain = Int32Array.from(nodeDomainList);

  // Group events by node (counting sort), then sort each group.
  const nodeStart = new Int32Array(nodeCount + 1);
  for (let span = 0; span < spanCount; span++) nodeStart[spanNode[span]! + 1]! += 2;
  for (let node = 0; node < nodeCount; node++) nodeStart[node + 1]! += nodeStart[node]!;
  const fill = nodeStart.slice(0, nodeCount);
  const nodeOrder = new Int32Array(eventCount);
  for (let event = 0; event < eventCount; event++) {
    const node = spanNode[event >> 1]!;
    nodeOrder[fill[node]!++] = event;
  }
  const byWall = (a: number, b: number): number => wall[a]! - wall[b]! || a - b;
  let keys = new Float64Array(0);
  for (let node = 0; node < nodeCount; node++) {
    const from = nodeStart[node]!;
    const to = nodeStart[node + 1]!;
    const group = nodeOrder.subarray(from, to);
    const length = to - from;
    if (nodeHasClock[node] === 0) {
      group.sort(byWall);
      continue;
    }
    let minimum = Number.POSITIVE_INFINITY;
    let maximum = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < length; i++) {
      const value = clock[group[i]!]!;
      if (value < minimum) minimum = value;
      if (value > maximum) maximum = value;
    }
    if ((maximum - minimum + 1) * length < Number.MAX_SAFE_INTEGER) {
      // Pack (clock, position) into one exact float so the native typed-array sort does the work.
      if (keys.length < length) keys = new Float64Array(Math.max(length, keys.length * 2));
      const packed = keys.subarray(0, length);
      for (let i = 0; i < length; i++) packed[i] = (clock[group[i]!]! - minimum) * length + i;
      packed.sort();
      const events = group.slice();
      for (let i = 0; i < length; i++) group[i] = events[packed[i]! % length]!;
    } else {
      group.sort((a, b) => clock[a]! - clock[b]! || a - b);
    }
    // Equal clocks on one node are a clock-condition problem; order them by wall time, then id.
    for (let i = 1; i < length; i++) {
      if (clock[group[i]!] !== clock[group[i - 1]!]) continue;
      let j = i + 1;
      while (j < length && clock[group[j]!] === clock[group[i]!]) j++;
      group.subarray(i - 1, j).sort(byWall);
      i = j - 1;
    }
  }
  const position = new Int32Array(eventCount);
  for (let node = 0; node < nodeCount; node++) {
    const from = nodeStart[node]!;
    const to = nodeStart[node + 1]!;
    for (let i = from; i < to; i++) position[nodeOrder[i]!] = i - from;
  }

  // Message edges from lamport.recv.* (exact), by binary search of the sender's clock in its node.
  const messageFrom = new Int32Array(eventCount).fill(-1);
  const messageFallback = new Uint8Array(eventCount);
  const dangling: EventGraph['dangling'] = [];
  let messageCount = 0;
  let lastSenderName: string | undefined;
  let lastSenderNode: number | undefined;
  for (let i = 0; i < receiveEvents.length; i++) {
    const receive = receiveEvents.data[i]!;
    const senderName = receiveNodes[i]!;
    const senderClock = receiveClocks[i]!;
    let sender: number | undefined;
    if (senderName === lastSenderName) {
      sender = lastSenderNode;
    } else {
      sender = nodeIndexByName.get(senderName);
      lastSenderName = senderName;
      lastSenderNode = sender;
    }
    let found = -1;
    if (sender !== undefined && nodeHasClock[sender] === 1) {
      let low = nodeStart[sender]!;
      let high = nodeStart[sender + 1]! - 1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        const value = clock[nodeOrder[middle]!]!;
        if (value < senderClock) low = middle + 1;
        else high = middle - 1;
      }
      if (low < nodeStart[sender + 1]! && clock[nodeOrder[low]!] === senderClock) found = nodeOrder[low]!;
    }
    if (found >= 0 && found !== receive) {
      messageFrom[receive] = found;
      messageCount++;
    } else {
      dangling.push({ event: receive, senderNode: senderName, senderClock });
    }
  }

  // Fallback: CLIENT parent → SERVER child on another node (request start→start, reply end→end).
  for (let i = 0; i < fallbackServers.length; i++) {
    const server = fallbackServers.data[i]!;
    const serverSpan = spans[spanSource[server]!]!;
    const client = spanIndexById.get(serverSpan.parentSpanId!);
    if (client === undefined) continue;
    const clientSpan = spans[spanSource[client]!]!;
    if (clientSpan.kind !== SpanKind.CLIENT || clientSpan.traceId !== serverSpan.traceId) continue;
    if (spanNode[client] === spanNode[server]) continue;
    if (messageFrom[2 * server] === -1) {
      messageFrom[2 * server] = 2 * client;
      messageFallback[2 * server] = 1;
      messageCount++;
    }
    const clientAttributes = clientSpan.attributes;
    const hasReply =
      typeof clientAttributes[LamportAttribute.RECV_NODE] === 'string' &&
      isClockValue(clientAttributes[LamportAttribute.RECV_CLOCK]);
    if (!hasReply && messageFrom[2 * client + 1] === -1) {
      messageFrom[2 * client + 1] = 2 * server + 1;
      messageFallback[2 * client + 1] = 1;
      messageCount++;
    }
  }

  // Out-going message edges as compressed rows.
  const messageOutStart = new Int32Array(eventCount + 1);
  for (let event = 0; event < eventCount; event++) {
    const from = messageFrom[event]!;
    if (from >= 0) messageOutStart[from + 1]!++;
  }
  for (let event = 0; event < eventCount; event++) messageOutStart[event + 1]! += messageOutStart[event]!;
  const messageTargets = new Int32Array(messageCount);
  const cursor = messageOutStart.slice(0, eventCount);
  for (let event = 0; event < eventCount; event++) {
    const from = messageFrom[event]!;
    if (from >= 0) messageTargets[cursor[from]!++] = event;
  }

  // Topological levels (Kahn): a → b implies rank(a) < rank(b) whenever the graph is acyclic.
  const rank = new Int32Array(eventCount);
  const indegree = new Uint8Array(eventCount);
  const queue = new Int32Array(eventCount);
  let tail = 0;
  for (let event = 0; event < eventCount; event++) {
    const degree = (position[event]! > 0 ? 1 : 0) + (messageFrom[event]! >= 0 ? 1 : 0);
    indegree[event] = degree;
    if (degree === 0) queue[tail++] = event;
  }
  let head = 0;
  while (head < tail) {
    const event = queue[head++]!;
    const next = rank[event]! + 1;
    const node = spanNode[event >> 1]!;
    const successorSlot = nodeStart[node]! + position[event]! + 1;
    if (successorSlot < nodeStart[node + 1]!) {
      const successor = nodeOrder[successorSlot]!;
      if (rank[successor]! < next) rank[successor] = next;
      if (--indegree[successor]! === 0) queue[tail++] = successor;
    }
    const edgeEnd = messageOutStart[event + 1]!;
    for (let edge = messageOutStart[event]!; edge < edgeEnd; edge++) {
      const successor = messageTargets[edge]!;
      if (rank[successor]! < next) rank[successor] = next;
      if (--indegree[successor]! === 0) queue[tail++] = successor;
    }
  }

  return {
    spans,
    spanSource: spanSource.subarray(0, spanCount),
    spanCount,
    eventCount,
    duplicateSpans,
    spansWithoutClock,
    spanNode: spanNode.subarray(0, spanCount),
    spanLabelOverride,
    spanIndexById,
    clock: clock.subarray(0, eventCount),
    wall: wall.subarray(0, eventCount),
    wallFromAttribute: wallFromAttribute.subarray(0, eventCount),
    baseNanos,
    kind: kind.subarray(0, eventCount),
    nodeNames,
    nodeIndexByName,
    nodeHasClock,
    nodeDomain,
    nodeService,
    domainNames,
    domainIndexByName,
    nodeOrder,
    nodeStart,
    position,
    messageFrom,
    messageFallback,
    messageCount,
    messageOutStart,
    messageTargets,
    dangling,
    rank,
    acyclic: tail === eventCount,
  };
}
