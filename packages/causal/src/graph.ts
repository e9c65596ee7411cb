import { type Attributes, LamportAttribute, SpanKind, type SpanRecord } from '@tickline/otlp';

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
  /** Span ids → kept span, for looking spans up by id (open addressing; see {@link findSpan}). */
  spanTable: Int32Array;
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
  /**
   * A topological level: a → b implies rank(a) < rank(b) when {@link acyclic}. The clocks themselves when
   * every event has one and no edge breaks the clock condition, else Kahn levels. Set by {@link assignRanks}.
   */
  rank: Int32Array | Float64Array;
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

/** FNV-1a over the UTF-16 code units: span ids are short hex strings. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The kept span with this span id (and trace id, when given), or -1. */
export function findSpan(
  spans: SpanRecord[],
  spanSource: Int32Array,
  spanTable: Int32Array,
  spanId: string,
  traceId: string | undefined,
): number {
  const mask = spanTable.length - 1;
  let slot = hashString(spanId) & mask;
  for (let entry = spanTable[slot]!; entry !== 0; entry = spanTable[slot]!) {
    const span = spans[spanSource[entry - 1]!]!;
    if (span.spanId === spanId && (traceId === undefined || span.traceId === traceId)) return entry - 1;
    slot = (slot + 1) & mask;
  }
  return -1;
}

/** Grows a Float64Array-backed list without per-item objects. */
class FloatList {
  data: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
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

/** What the first pass over the spans produces. */
interface SpanColumns {
  spanCount: number;
  spanSource: Int32Array;
  spanNode: Int32Array;
  spanTable: Int32Array;
  spanLabelOverride: Map<number, string>;
  clock: Float64Array;
  wall: Float64Array;
  wallFromAttribute: Uint8Array;
  kind: Uint8Array;
  baseNanos: bigint;
  duplicateSpans: number;
  spansWithoutClock: number;
  nodes: NodeTable;
  receiveEvents: IntList;
  receiveClocks: FloatList;
  /** Index into {@link receiveNodeNames} of each receive's sender node name. */
  receiveNodes: IntList;
  receiveNodeNames: string[];
  fallbackServers: IntList;
}

/** Nodes and clock domains, interned as they are met. */
class NodeTable {
  readonly names: string[] = [];
  readonly indexByName = new Map<string, number>();
  readonly hasClock: number[] = [];
  readonly domain: number[] = [];
  readonly service: string[] = [];
  readonly domainNames: string[] = [];
  readonly domainIndexByName = new Map<string, number>();
  readonly #pseudoByResource = new Map<Attributes, number>();
  readonly #pseudoByName = new Map<string, number>();

  add(name: string, resource: Attributes, hasClock: boolean): number {
    const index = this.names.length;
    this.names.push(name);
    // Only Tickline nodes can be named by lamport.recv.node; pseudo nodes live in their own map.
    if (hasClock) this.indexByName.set(name, index);
    else this.#pseudoByName.set(name, index);
    this.hasClock.push(hasClock ? 1 : 0);
    const domainName = stringAttribute(resource, HOST_ID) ?? stringAttribute(resource, HOST_NAME) ?? name;
    let domain = this.domainIndexByName.get(domainName);
    if (domain === undefined) {
      domain = this.domainNames.length;
      this.domainNames.push(domainName);
      this.domainIndexByName.set(domainName, domain);
    }
    this.domain.push(domain);
    this.service.push(stringAttribute(resource, SERVICE_NAME) ?? 'unknown_service');
    return index;
  }

  /** The pseudo node `otel:<service>[#<instance>][@<host>]` of spans without Tickline attributes. */
  pseudo(resource: Attributes): number {
    let pseudo = this.#pseudoByResource.get(resource);
    if (pseudo === undefined) {
      const service = stringAttribute(resource, SERVICE_NAME) ?? 'unknown_service';
      const host = stringAttribute(resource, HOST_ID) ?? stringAttribute(resource, HOST_NAME);
      const instance = stringAttribute(resource, SERVICE_INSTANCE_ID);
      const name = `otel:${service}${instance === undefined ? '' : `#${instance}`}${host === undefined ? '' : `@${host}`}`;
      pseudo = this.#pseudoByName.get(name) ?? this.add(name, resource, false);
      this.#pseudoByResource.set(resource, pseudo);
    }
    return pseudo;
  }
}

/** Builds the event graph: nodes, domains, wall times, process order, message edges, ranks. */
export function buildEventGraph(spans: SpanRecord[]): EventGraph {
  // One function per pass: each gets optimised on its own (a single huge function deoptimises at every new loop).
  const columns = readSpans(spans);
  const { spanCount, spanNode, clock, wall, nodes } = columns;
  const eventCount = 2 * spanCount;
  const nodeHasClock = Uint8Array.from(nodes.hasClock);
  const { nodeOrder, nodeStart, sortedClock } = groupByNode(spanNode, eventCount, nodes.names.length);
  sortGroups(nodeOrder, nodeStart, nodeHasClock, clock, wall, sortedClock);
  const position = positions(nodeOrder, nodeStart, eventCount);
  const messageFrom = new Int32Array(eventCount).fill(-1);
  const messageFallback = new Uint8Array(eventCount);
  const dangling: EventGraph['dangling'] = [];
  let messageCount = matchMessages(
    columns,
    nodeHasClock,
    nodeOrder,
    nodeStart,
    sortedClock,
    messageFrom,
    dangling,
  );
  messageCount += fallbackEdges(spans, columns, messageFrom, messageFallback);
  const { messageOutStart, messageTargets } = outgoingRows(messageFrom, eventCount, messageCount);
  return {
    spans,
    spanSource: columns.spanSource.subarray(0, spanCount),
    spanCount,
    eventCount,
    duplicateSpans: columns.duplicateSpans,
    spansWithoutClock: columns.spansWithoutClock,
    spanNode: spanNode.subarray(0, spanCount),
    spanLabelOverride: columns.spanLabelOverride,
    spanTable: columns.spanTable,
    clock: clock.subarray(0, eventCount),
    wall: wall.subarray(0, eventCount),
    wallFromAttribute: columns.wallFromAttribute.subarray(0, eventCount),
    baseNanos: columns.baseNanos,
    kind: columns.kind.subarray(0, eventCount),
    nodeNames: nodes.names,
    nodeIndexByName: nodes.indexByName,
    nodeHasClock,
    nodeDomain: Int32Array.from(nodes.domain),
    nodeService: nodes.service,
    domainNames: nodes.domainNames,
    domainIndexByName: nodes.domainIndexByName,
    nodeOrder,
    nodeStart,
    position,
    messageFrom,
    messageFallback,
    messageCount,
    messageOutStart,
    messageTargets,
    dangling,
    rank: new Int32Array(0),
    acyclic: true,
  };
}

/**
 * Sets the graph's ranks. With a clock on every event and no clock-condition violation, the clocks
 * are a topological level already (§2's clock condition) and the graph is acyclic; otherwise Kahn's algorithm.
 */
export function assignRanks(graph: EventGraph, clockConditionViolations: number): void {
  if (clockConditionViolations === 0 && graph.nodeHasClock.every((hasClock) => hasClock === 1)) {
    graph.rank = graph.clock;
    graph.acyclic = true;
    return;
  }
  const { rank, acyclic } = ranks(
    graph.spanNode,
    graph.nodeOrder,
    graph.nodeStart,
    graph.position,
    graph.messageFrom,
    graph.messageOutStart,
    graph.messageTargets,
  );
  graph.rank = rank;
  graph.acyclic = acyclic;
}

/** Pass 1: one row per distinct span (node, clocks, wall times, kinds) and the receives to match. */
function readSpans(spans: SpanRecord[]): SpanColumns {
  const inputCount = spans.length;
  const spanSource = new Int32Array(inputCount);
  const spanNode = new Int32Array(inputCount);
  const clock = new Float64Array(inputCount * 2);
  const wall = new Float64Array(inputCount * 2);
  const wallFromAttribute = new Uint8Array(inputCount * 2);
  const kind = new Uint8Array(inputCount * 2);
  const tableMask = (1 << Math.max(4, Math.ceil(Math.log2(inputCount * 2 + 1)))) - 1;
  const spanTable = new Int32Array(tableMask + 1);
  const spanHashes = new Int32Array(tableMask + 1);
  const spanLabelOverride = new Map<number, string>();
  const nodes = new NodeTable();
  const receiveEvents = new IntList(inputCount);
  const receiveClocks = new FloatList(inputCount);
  const receiveNodes = new IntList(inputCount);
  const receiveNodeNames: string[] = [];
  const receiveNodeIds = new Map<string, number>();
  let lastReceiveName: string | undefined;
  let lastReceiveId = -1;
  const fallbackServers = new IntList(16);
  const first = spans[0];
  const baseNanos = first === undefined ? 0n : (first.startTimeUnixNano / 1000n) * 1000n;
  const baseMicros = Number(baseNanos / 1000n);
  let duplicateSpans = 0;
  let spansWithoutClock = 0;
  let lastNodeName: string | undefined;
  let lastNodeIndex = -1;

  let k = 0;
  for (let source = 0; source < inputCount; source++) {
    const span = spans[source]!;
    // Exact repeats (same trace and span id, e.g. a retried export) are dropped; a span id reused in
    // another trace gets a `~n` suffix in its event ids.
    const spanId = span.spanId;
    const hash = hashString(spanId) | 0;
    let slot = hash & tableMask;
    let sameId = 0;
    let duplicate = false;
    for (let entry = spanTable[slot]!; entry !== 0; entry = spanTable[slot]!) {
      if (spanHashes[slot] === hash) {
        const other = spans[spanSource[entry - 1]!]!;
        if (other.spanId === spanId) {
          if (other.traceId === span.traceId) {
            duplicate = true;
            break;
          }
          sameId++;
        }
      }
      slot = (slot + 1) & tableMask;
    }
    if (duplicate) {
      duplicateSpans++;
      continue;
    }
    spanTable[slot] = k + 1;
    spanHashes[slot] = hash;
    if (sameId > 0) spanLabelOverride.set(k, `${spanId}~${sameId + 1}`);
    spanSource[k] = source;
    const attributes = span.attributes;
    const nodeName = attributes[LamportAttribute.NODE];
    const startClock = attributes[LamportAttribute.START];
    const endClock = attributes[LamportAttribute.END];
    const start = 2 * k;
    const end = start + 1;
    if (
      typeof nodeName === 'string' &&
      nodeName.length > 0 &&
      isClockValue(startClock) &&
      isClockValue(endClock)
    ) {
      if (nodeName !== lastNodeName) {
        lastNodeIndex = nodes.indexByName.get(nodeName) ?? nodes.add(nodeName, span.resource, true);
        lastNodeName = nodeName;
      }
      spanNode[k] = lastNodeIndex;
      clock[start] = startClock;
      clock[end] = endClock;
    } else {
      spansWithoutClock++;
      spanNode[k] = nodes.pseudo(span.resource);
      clock[start] = Number.NaN;
      clock[end] = Number.NaN;
    }

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
        if (receiveNode !== lastReceiveName) {
          let id = receiveNodeIds.get(receiveNode);
          if (id === undefined) {
            id = receiveNodeNames.length;
            receiveNodeNames.push(receiveNode);
            receiveNodeIds.set(receiveNode, id);
          }
          lastReceiveName = receiveNode;
          lastReceiveId = id;
        }
        receiveEvents.push(receive);
        receiveClocks.push(receiveClock);
        receiveNodes.push(lastReceiveId);
      } else if (spanKind === SpanKind.SERVER && span.parentSpanId !== undefined) {
        fallbackServers.push(k);
      }
    }
    k++;
  }
  return {
    spanCount: k,
    spanSource,
    spanNode,
    spanTable,
    spanLabelOverride,
    clock,
    wall,
    wallFromAttribute,
    kind,
    baseNanos,
    duplicateSpans,
    spansWithoutClock,
    nodes,
    receiveEvents,
    receiveClocks,
    receiveNodes,
    receiveNodeNames,
    fallbackServers,
  };
}

/** Counting sort of the events by node. */
function groupByNode(spanNode: Int32Array, eventCount: number, nodeCount: number) {
  const nodeStart = new Int32Array(nodeCount + 1);
  for (let event = 0; event < eventCount; event += 2) nodeStart[spanNode[event >> 1]! + 1]! += 2;
  for (let node = 0; node < nodeCount; node++) nodeStart[node + 1]! += nodeStart[node]!;
  const fill = nodeStart.slice(0, nodeCount);
  const nodeOrder = new Int32Array(eventCount);
  for (let event = 0; event < eventCount; event++) nodeOrder[fill[spanNode[event >> 1]!]!++] = event;
  return { nodeOrder, nodeStart, sortedClock: new Float64Array(eventCount) };
}

/**
 * Sorts each node's events by clock (nodes without a clock: by wall time), ties by wall time then index,
 * and fills `sortedClock` (the clocks in that order, for binary search).
 */
function sortGroups(
  nodeOrder: Int32Array,
  nodeStart: Int32Array,
  nodeHasClock: Uint8Array,
  clock: Float64Array,
  wall: Float64Array,
  sortedClock: Float64Array,
): void {
  const byWall = (a: number, b: number): number => wall[a]! - wall[b]! || a - b;
  let keys = new Float64Array(0);
  let scratch = new Int32Array(0);
  for (let node = 0; node + 1 < nodeStart.length; node++) {
    const from = nodeStart[node]!;
    const to = nodeStart[node + 1]!;
    const group = nodeOrder.subarray(from, to);
    const length = to - from;
    if (nodeHasClock[node] === 0) {
      group.sort(byWall);
      sortedClock.fill(Number.NaN, from, to);
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
      if (keys.length < length) {
        keys = new Float64Array(Math.max(length, keys.length * 2));
        scratch = new Int32Array(keys.length);
      }
      const packed = keys.subarray(0, length);
      for (let i = 0; i < length; i++) packed[i] = (clock[group[i]!]! - minimum) * length + i;
      packed.sort();
      scratch.set(group);
      for (let i = 0; i < length; i++) group[i] = scratch[packed[i]! % length]!;
    } else {
      group.sort((a, b) => clock[a]! - clock[b]! || a - b);
    }
    for (let i = 0; i < length; i++) sortedClock[from + i] = clock[group[i]!]!;
    // Equal clocks on one node are a clock-condition problem; order them by wall time, then index.
    for (let i = from + 1; i < to; i++) {
      if (sortedClock[i] !== sortedClock[i - 1]) continue;
      let j = i + 1;
      while (j < to && sortedClock[j] === sortedClock[i]) j++;
      nodeOrder.subarray(i - 1, j).sort(byWall);
      i = j - 1;
    }
  }
}

function positions(nodeOrder: Int32Array, nodeStart: Int32Array, eventCount: number): Int32Array {
  const position = new Int32Array(eventCount);
  for (let node = 0; node + 1 < nodeStart.length; node++) {
    const from = nodeStart[node]!;
    const to = nodeStart[node + 1]!;
    for (let i = from; i < to; i++) position[nodeOrder[i]!] = i - from;
  }
  return position;
}

/** Message edges from lamport.recv.* (exact): binary search of the sender's clock in its node's group. */
function matchMessages(
  columns: SpanColumns,
  nodeHasClock: Uint8Array,
  nodeOrder: Int32Array,
  nodeStart: Int32Array,
  sortedClock: Float64Array,
  messageFrom: Int32Array,
  dangling: EventGraph['dangling'],
): number {
  const { receiveEvents, receiveClocks, receiveNodes, receiveNodeNames } = columns;
  const indexByName = columns.nodes.indexByName;
  const senderOfName = new Int32Array(receiveNodeNames.length);
  for (let id = 0; id < receiveNodeNames.length; id++) {
    const node = indexByName.get(receiveNodeNames[id]!);
    senderOfName[id] = node !== undefined && nodeHasClock[node] === 1 ? node : -1;
  }
  let messageCount = 0;
  for (let i = 0; i < receiveEvents.length; i++) {
    const receive = receiveEvents.data[i]!;
    const sender = senderOfName[receiveNodes.data[i]!]!;
    const senderClock = receiveClocks.data[i]!;
    let found = -1;
    if (sender >= 0) {
      const end = nodeStart[sender + 1]!;
      let low = nodeStart[sender]!;
      let high = end - 1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        if (sortedClock[middle]! < senderClock) low = middle + 1;
        else high = middle - 1;
      }
      if (low < end && sortedClock[low] === senderClock) found = nodeOrder[low]!;
    }
    if (found >= 0 && found !== receive) {
      messageFrom[receive] = found;
      messageCount++;
    } else {
      dangling.push({ event: receive, senderNode: receiveNodeNames[receiveNodes.data[i]!]!, senderClock });
    }
  }
  return messageCount;
}

/** Fallback edges: CLIENT parent → SERVER child on another node (request start→start, reply end→end). */
function fallbackEdges(
  spans: SpanRecord[],
  columns: SpanColumns,
  messageFrom: Int32Array,
  messageFallback: Uint8Array,
): number {
  const { fallbackServers, spanSource, spanTable, spanNode } = columns;
  let added = 0;
  for (let i = 0; i < fallbackServers.length; i++) {
    const server = fallbackServers.data[i]!;
    const serverSpan = spans[spanSource[server]!]!;
    const client = findSpan(spans, spanSource, spanTable, serverSpan.parentSpanId!, serverSpan.traceId);
    if (client < 0) continue;
    const clientSpan = spans[spanSource[client]!]!;
    if (clientSpan.kind !== SpanKind.CLIENT) continue;
    if (spanNode[client] === spanNode[server]) continue;
    if (messageFrom[2 * server] === -1) {
      messageFrom[2 * server] = 2 * client;
      messageFallback[2 * server] = 1;
      added++;
    }
    const clientAttributes = clientSpan.attributes;
    const hasReply =
      typeof clientAttributes[LamportAttribute.RECV_NODE] === 'string' &&
      isClockValue(clientAttributes[LamportAttribute.RECV_CLOCK]);
    if (!hasReply && messageFrom[2 * client + 1] === -1) {
      messageFrom[2 * client + 1] = 2 * server + 1;
      messageFallback[2 * client + 1] = 1;
      added++;
    }
  }
  return added;
}

/** Out-going message edges as compressed rows. */
function outgoingRows(messageFrom: Int32Array, eventCount: number, messageCount: number) {
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
  return { messageOutStart, messageTargets };
}

/** Topological levels (Kahn): a → b implies rank(a) < rank(b) whenever the graph is acyclic. */
function ranks(
  spanNode: Int32Array,
  nodeOrder: Int32Array,
  nodeStart: Int32Array,
  position: Int32Array,
  messageFrom: Int32Array,
  messageOutStart: Int32Array,
  messageTargets: Int32Array,
) {
  const eventCount = nodeOrder.length;
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
  return { rank, acyclic: tail === eventCount };
}
