import { type ChildProcess, spawn } from 'node:child_process';
import http, { type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type ClockStamp, LamportClock, type OutgoingExchange } from '@tickline/clock';
import { instrumentOutgoing } from '@tickline/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What one service answers on /hop (see __tests__/chain-service.mjs). */
interface Hop {
  node: string;
  receive: { clock: number; remote?: ClockStamp };
  call?: { send: number; response: { clock: number; remote?: ClockStamp }; downstream: Hop };
}

const serviceScript = fileURLToPath(new URL('./__tests__/chain-service.mjs', import.meta.url));
const children: ChildProcess[] = [];

function startService(kind: 'express' | 'fastify', node: string, next?: string): Promise<string> {
  const child = spawn(process.execPath, [serviceScript, kind, node, ...(next === undefined ? [] : [next])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      const match = /READY (\d+)/.exec(output);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    child.on('exit', (code) => reject(new Error(`${node} exited with ${code} before it was ready`)));
  });
}

let entry: string;
let fastifyService: string;
const client = new LamportClock({ node: 'client' });
const clientCalls = new Map<string, OutgoingExchange>();
let undoInstrumentation: () => void;

beforeAll(async () => {
  const last = await startService('express', 'express-c');
  fastifyService = await startService('fastify', 'fastify-b', last);
  entry = await startService('express', 'express-a', fastifyService);
  undoInstrumentation = instrumentOutgoing({
    clock: client,
    onResponse: (exchange, target) => {
      const id = new URL(target.path, 'http://local').searchParams.get('id');
      if (id !== null) clientCalls.set(id, exchange);
    },
  });
}, 30_000);

afterAll(() => {
  undoInstrumentation?.();
  for (const child of children) child.kill('SIGTERM');
});

function get(
  url: string,
  headers: http.OutgoingHttpHeaders = {},
): Promise<{ response: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ response, body }));
      })
      .on('error', reject);
  });
}

async function callChain(
  via: 'fetch' | 'http',
  id: string,
): Promise<{ hop: Hop; exchange: OutgoingExchange }> {
  const url = `${entry}/hop?via=${via}&id=${id}`;
  const hop = (via === 'fetch' ? await (await fetch(url)).json() : JSON.parse((await get(url)).body)) as Hop;
  const exchange = clientCalls.get(id);
  clientCalls.delete(id);
  if (exchange === undefined) throw new Error(`no client exchange for ${id}`);
  return { hop, exchange };
}

/**
 * Checks one request through the chain: on every hop the receive is greater than the send, for
 * the request and for the response, and each node's own events are in order. Collects every value
 * each node stamped into `stamped`.
 */
function checkChain(exchange: OutgoingExchange, hop: Hop, stamped: Map<string, number[]>): void {
  const record = (node: string, ...values: number[]) => {
    const list = stamped.get(node) ?? [];
    list.push(...values);
    stamped.set(node, list);
  };
  let send = exchange.send.clock;
  let sender = 'client';
  let response = exchange.response;
  let current: Hop | undefined = hop;
  record('client', exchange.send.clock, exchange.response?.clock ?? -1);
  while (current !== undefined) {
    // Request: the receive merged the sender's T_m.
    expect(current.receive.remote).toEqual({ clock: send, node: sender });
    expect(current.receive.clock).toBeGreaterThan(send);
    // Response: the sender merged this node's reply T_m.
    const reply = response?.remote;
    expect(reply?.node).toBe(current.node);
    expect(response?.clock).toBeGreaterThan(reply?.clock ?? Number.POSITIVE_INFINITY);
    const replyClock = reply?.clock ?? -1;
    if (current.call === undefined) {
      expect(replyClock).toBeGreaterThan(current.receive.clock);
      record(current.node, current.receive.clock, replyClock);
    } else {
      const { call } = current;
      expect(call.send).toBeGreaterThan(current.receive.clock);
      expect(call.response.clock).toBeGreaterThan(call.send);
      expect(replyClock).toBeGreaterThan(call.response.clock);
      record(current.node, current.receive.clock, call.send, call.response.clock, replyClock);
      send = call.send;
      sender = current.node;
      response = {
        clock: call.response.clock,
        remote: call.response.remote,
        timeUs: 0,
        rejected: undefined,
        carried: true,
      };
    }
    current = current.call?.downstream;
  }
}

describe('a chain client → express → fastify → express', () => {
  it.each(['fetch', 'http'] as const)('carries the clock both ways on every hop over %s', async (via) => {
    const stamped = new Map<string, number[]>();
    const { hop, exchange } = await callChain(via, `one-${via}`);
    expect([hop.node, hop.call?.downstream.node, hop.call?.downstream.call?.downstream.node]).toEqual([
      'express-a',
      'fastify-b',
      'express-c',
    ]);
    checkChain(exchange, hop, stamped);
  });

  it('keeps every node strictly increasing under 200 concurrent requests, no value twice', async () => {
    const stamped = new Map<string, number[]>();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        callChain(index % 2 === 0 ? 'fetch' : 'http', `many-${index}`),
      ),
    );
    for (const { hop, exchange } of results) checkChain(exchange, hop, stamped);
    expect([...stamped.keys()].sort()).toEqual(['client', 'express-a', 'express-c', 'fastify-b']);
    for (const [node, values] of stamped) {
      expect(values.length, node).toBe(node === 'client' ? 400 : node === 'express-c' ? 400 : 800);
      expect(new Set(values).size, `${node} stamped a value twice`).toBe(values.length);
    }
  }, 60_000);

  it('answers a request without the header without one, on express and fastify', async () => {
    undoInstrumentation();
    try {
      for (const service of [entry, fastifyService]) {
        const { response, body } = await get(`${service}/hop?via=http&id=bare`);
        expect(response.statusCode).toBe(200);
        expect(response.headers['lamport-clock']).toBeUndefined();
        // The service still stamped its receive and called downstream with the clock.
        expect((JSON.parse(body) as Hop).call?.downstream.receive.remote?.clock).toBeGreaterThan(0);
      }
    } finally {
      undoInstrumentation = instrumentOutgoing({ clock: client });
    }
  });
});
