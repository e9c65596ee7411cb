import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ContractSpan } from './contract.js';

/** The parts of an OTLP/JSON ExportTraceServiceRequest the tests read. */
export interface OtlpTraceRequest {
  resourceSpans: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans: {
      scope?: unknown;
      spans: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        attributes?: OtlpKeyValue[];
      }[];
    }[];
  }[];
}

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}

/** A minimal OTLP/HTTP JSON receiver that keeps every request body it gets. */
export async function startOtlpReceiver(): Promise<{
  url: string;
  requests: OtlpTraceRequest[];
  server: Server;
}> {
  const requests: OtlpTraceRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        let body = Buffer.concat(chunks);
        if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (
          request.url !== '/v1/traces' ||
          !String(request.headers['content-type']).startsWith('application/json')
        ) {
          response.writeHead(415).end();
          return;
        }
        requests.push(JSON.parse(body.toString('utf8')) as OtlpTraceRequest);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, requests, server };
}

/** Merges several export requests into one body, as a collector would store them. */
export function mergeRequests(requests: readonly OtlpTraceRequest[]): OtlpTraceRequest {
  return { resourceSpans: requests.flatMap((request) => request.resourceSpans) };
}

const attributeValue = (value: OtlpKeyValue['value']) => {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.boolValue;
};

const toMicros = (nanos: string | number) => Number(BigInt(nanos) / 1000n);

/** OTLP spans as contract spans (OTLP span kinds are the API's plus one). */
export function contractSpans(body: OtlpTraceRequest): ContractSpan[] {
  const spans: ContractSpan[] = [];
  for (const resourceSpans of body.resourceSpans) {
    const service = String(
      resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value
        .stringValue,
    );
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ? span.parentSpanId : undefined,
          kind: span.kind - 1,
          name: span.name,
          service,
          startUs: toMicros(span.startTimeUnixNano),
          endUs: toMicros(span.endTimeUnixNano),
          attributes: Object.fromEntries(
            (span.attributes ?? []).map((attribute) => [attribute.key, attributeValue(attribute.value)]),
          ),
        });
      }
    }
  }
  return spans;
}
