import type { Attributes, SpanRecord } from '@tickline/otlp';

/** The columns of a stored span, shared by the SQLite and PostgreSQL stores. */
export interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  /** Signed 64-bit form of the unsigned nanoseconds (both databases store signed int64). */
  startNs: bigint;
  endNs: bigint;
  service: string | null;
  node: string | null;
  domain: string | null;
  attributes: string;
  resource: string;
  scope: string | null;
  statusCode: number | null;
  statusMessage: string | null;
}

/** A row's values in column order (the order of the INSERT statements). */
export function spanRowValues(row: SpanRow): Array<string | number | bigint | null> {
  return [
    row.traceId,
    row.spanId,
    row.parentSpanId,
    row.name,
    row.kind,
    row.startNs,
    row.endNs,
    row.service,
    row.node,
    row.domain,
    row.attributes,
    row.resource,
    row.scope,
    row.statusCode,
    row.statusMessage,
  ];
}

const TWO_POW_63 = 9223372036854775808n;

/** Unsigned 64-bit nanoseconds → the stored signed form, without a new BigInt in the usual case. */
function toSigned64(value: bigint): bigint {
  return value < TWO_POW_63 ? value : BigInt.asIntN(64, value);
}

function stringAttribute(attributes: Attributes, key: string): string | null {
  const value = attributes[key];
  return typeof value === 'string' ? value : null;
}

/**
 * Converts spans to rows. Resource JSON is computed once per resource object (the decoders share one
 * object between the spans of a resource).
 */
export function spansToRows(spans: SpanRecord[]): SpanRow[] {
  const resourceJson = new Map<Attributes, string>();
  const rows: SpanRow[] = new Array(spans.length);
  for (let index = 0; index < spans.length; index++) {
    const span = spans[index] as SpanRecord;
    let resource = resourceJson.get(span.resource);
    if (resource === undefined) {
      resource = JSON.stringify(span.resource);
      resourceJson.set(span.resource, resource);
    }
    const node = stringAttribute(span.attributes, 'lamport.node');
    rows[index] = {
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId ?? null,
      name: span.name,
      kind: span.kind,
      startNs: toSigned64(span.startTimeUnixNano),
      endNs: toSigned64(span.endTimeUnixNano),
      service: stringAttribute(span.resource, 'service.name'),
      node,
      domain:
        stringAttribute(span.resource, 'host.id') ?? stringAttribute(span.resource, 'host.name') ?? node,
      attributes: JSON.stringify(span.attributes),
      resource,
      scope: span.scope === undefined ? null : JSON.stringify(span.scope),
      statusCode: span.status === undefined ? null : span.status.code,
      statusMessage: span.status?.message ?? null,
    };
  }
  return rows;
}

/**
 * Column indexes (in {@link spanRowValues} order) whose values come from a span's resource or scope and so
 * repeat across a batch: service, domain, resource and scope. {@link spansToPackedRows} stores them as
 * indexes into a string table (a domain taken from the span's node stays a string).
 */
export const PACKED_STRING_COLUMNS: readonly number[] = [7, 9, 11, 12];

/** Position of the resource JSON in {@link spanRowValues} order (an id in the SQLite spans table). */
export const RESOURCE_COLUMN = 11;
/** Position of the scope JSON in {@link spanRowValues} order (an id in the SQLite spans table). */
export const SCOPE_COLUMN = 12;

/**
 * Spans as columns (one array per column, in {@link spanRowValues} order, each `count` long). In the
 * {@link PACKED_STRING_COLUMNS} a number is an index into `strings`, a string or null is the value itself.
 * Columns rather than rows: a worker message then holds 15 arrays instead of one per span, which is
 * cheaper to copy and lets the writer reuse one row array.
 */
export interface PackedRows {
  count: number;
  columns: Array<Array<string | number | bigint | null>>;
  strings: string[];
}

/** Number of columns of a span row ({@link spanRowValues}). */
export const SPAN_COLUMN_COUNT = 15;

/**
 * Converts spans straight to columns for the SQLite writer thread, each distinct repeated string once
 * in a table (so the worker message copies it once, not once per span). Resource-derived columns and
 * the resource and scope JSON are computed once per resource or scope object.
 */
export function spansToPackedRows(spans: SpanRecord[]): PackedRows {
  const strings: string[] = [];
  const indexByString = new Map<string, number>();
  const intern = (text: string | null): number | null => {
    if (text === null) return null;
    let index = indexByString.get(text);
    if (index === undefined) {
      index = strings.length;
      strings.push(text);
      indexByString.set(text, index);
    }
    return index;
  };
  const byResource = new Map<
    Attributes,
    { resource: number | null; service: number | null; host: number | null }
  >();
  const scopeByObject = new Map<NonNullable<SpanRecord['scope']>, number | null>();
  // Filled with push, so the arrays stay packed (V8 serialises packed arrays fastest).
  const traceIds: string[] = [];
  const spanIds: string[] = [];
  const parentSpanIds: Array<string | null> = [];
  const names: string[] = [];
  const kinds: number[] = [];
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const services: Array<number | null> = [];
  const nodes: Array<string | null> = [];
  const domains: Array<number | string | null> = [];
  const attributes: string[] = [];
  const resources: Array<number | null> = [];
  const scopes: Array<number | null> = [];
  const statusCodes: Array<number | null> = [];
  const statusMessages: Array<string | null> = [];
  // Spans of one resource (and scope) come together: check the previous span's first.
  let lastResourceObject: Attributes | undefined;
  let lastResource: { resource: number | null; service: number | null; host: number | null } | undefined;
  let lastScopeObject: SpanRecord['scope'];
  let lastScope: number | null = null;
  for (let index = 0; index < spans.length; index++) {
    const span = spans[index] as SpanRecord;
    let resource = span.resource === lastResourceObject ? lastResource : byResource.get(span.resource);
    if (resource === undefined) {
      resource = {
        resource: intern(JSON.stringify(span.resource)),
        service: intern(stringAttribute(span.resource, 'service.name')),
        host: intern(
          stringAttribute(span.resource, 'host.id') ?? stringAttribute(span.resource, 'host.name'),
        ),
      };
      byResource.set(span.resource, resource);
    }
    lastResourceObject = span.resource;
    lastResource = resource;
    let scope: number | null = null;
    if (span.scope !== undefined) {
      if (span.scope === lastScopeObject) scope = lastScope;
      else {
        const cached = scopeByObject.get(span.scope);
        if (cached === undefined) {
          scope = intern(JSON.stringify(span.scope));
          scopeByObject.set(span.scope, scope);
        } else scope = cached;
        lastScopeObject = span.scope;
        lastScope = scope;
      }
    }
    const node = stringAttribute(span.attributes, 'lamport.node');
    traceIds.push(span.traceId);
    spanIds.push(span.spanId);
    parentSpanIds.push(span.parentSpanId ?? null);
    names.push(span.name);
    kinds.push(span.kind);
    starts.push(toSigned64(span.startTimeUnixNano));
    ends.push(toSigned64(span.endTimeUnixNano));
    services.push(resource.service);
    nodes.push(node);
    domains.push(resource.host ?? node);
    attributes.push(JSON.stringify(span.attributes));
    resources.push(resource.resource);
    scopes.push(scope);
    statusCodes.push(span.status === undefined ? null : span.status.code);
    statusMessages.push(span.status?.message ?? null);
  }
  return {
    count: spans.length,
    columns: [
      traceIds,
      spanIds,
      parentSpanIds,
      names,
      kinds,
      starts,
      ends,
      services,
      nodes,
      domains,
      attributes,
      resources,
      scopes,
      statusCodes,
      statusMessages,
    ],
    strings,
  };
}

/** A stored row back to a span. `resourceCache` shares resource objects between spans with the same JSON. */
export function rowToSpan(
  row: {
    trace_id: string;
    span_id: string;
    parent_span_id: string | null;
    name: string;
    kind: number | bigint;
    start_ns: bigint | string;
    end_ns: bigint | string;
    attributes: string;
    resource: string;
    scope: string | null;
    status_code: number | bigint | null;
    status_message: string | null;
  },
  resourceCache: Map<string, Attributes>,
): SpanRecord {
  let resource = resourceCache.get(row.resource);
  if (resource === undefined) {
    resource = JSON.parse(row.resource) as Attributes;
    resourceCache.set(row.resource, resource);
  }
  const span: SpanRecord = {
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id ?? undefined,
    name: row.name,
    kind: Number(row.kind) as SpanRecord['kind'],
    startTimeUnixNano: BigInt.asUintN(64, BigInt(row.start_ns)),
    endTimeUnixNano: BigInt.asUintN(64, BigInt(row.end_ns)),
    attributes: JSON.parse(row.attributes) as Attributes,
    resource,
  };
  if (row.scope !== null) span.scope = JSON.parse(row.scope) as SpanRecord['scope'];
  if (row.status_code !== null) {
    span.status =
      row.status_message === null
        ? { code: Number(row.status_code) }
        : { code: Number(row.status_code), message: row.status_message };
  }
  return span;
}

/** Milliseconds → signed nanoseconds for range queries. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 1_000_000n;
}

/** Nanoseconds → milliseconds (fractional). */
export function nsToMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

/** Keyset cursor for the traces list: newest first by (start, traceId). */
export function encodeCursor(startNs: bigint, traceId: string): string {
  return Buffer.from(`${startNs}:${traceId}`).toString('base64url');
}

/** Decodes {@link encodeCursor}; undefined when malformed. */
export function decodeCursor(cursor: string): { startNs: bigint; traceId: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^(-?\d{1,20}):([0-9a-f]{32})$/.exec(text);
  if (match === null) return undefined;
  return { startNs: BigInt(match[1] as string), traceId: match[2] as string };
}

/** Per-trace aggregate of newly inserted rows, for the traces summary table. */
export interface TraceAggregate {
  traceId: string;
  startNs: bigint;
  endNs: bigint;
  spanCount: number;
  /** `,a,b,` form, so `LIKE '%,a,%'` finds a service. */
  services: string;
}

/** Aggregates rows by trace, sorted by trace id (a fixed lock order for concurrent writers). */
export function aggregateByTrace(rows: SpanRow[]): TraceAggregate[] {
  const byTrace = new Map<
    string,
    { startNs: bigint; endNs: bigint; spanCount: number; services: Set<string> }
  >();
  for (const row of rows) {
    let entry = byTrace.get(row.traceId);
    if (entry === undefined) {
      entry = { startNs: row.startNs, endNs: row.endNs, spanCount: 0, services: new Set() };
      byTrace.set(row.traceId, entry);
    }
    if (row.startNs < entry.startNs) entry.startNs = row.startNs;
    if (row.endNs > entry.endNs) entry.endNs = row.endNs;
    entry.spanCount++;
    if (row.service !== null) entry.services.add(row.service.replaceAll(',', ' '));
  }
  return [...byTrace.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([traceId, entry]) => ({
      traceId,
      startNs: entry.startNs,
      endNs: entry.endNs,
      spanCount: entry.spanCount,
      services: entry.services.size === 0 ? ',' : `,${[...entry.services].sort().join(',')},`,
    }));
}

/** Merges two `,a,b,` service lists. */
export function mergeServices(existing: string, added: string): string {
  const names = new Set([...existing.split(','), ...added.split(',')].filter((name) => name !== ''));
  return names.size === 0 ? ',' : `,${[...names].sort().join(',')},`;
}

/** `,a,b,` → `['a', 'b']`. */
export function splitServices(services: string): string[] {
  return [...new Set(services.split(',').filter((name) => name !== ''))].sort();
}
