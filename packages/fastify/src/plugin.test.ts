import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { LamportClock, type ReceiveStamp } from '@tickline/clock';
import {
  FAR_AHEAD_CLOCK_HEADERS,
  HOSTILE_CLOCK_HEADERS,
  LENIENT_CLOCK_HEADERS,
} from '@tickline/clock/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import ticklineDefault, { type TicklineOptions, tickline } from './index.js';

/** What the test route answers. */
interface Answer {
  receive: ReceiveStamp;
  node: string;
}

async function readJson(response: Response): Promise<Answer> {
  return (await response.json()) as Answer;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function serve(options: TicklineOptions, routes?: (app: FastifyInstance) => void): Promise<number> {
  // Node's parser would answer 400/431 itself for NUL, control characters and 1 MB values; relax
  // it so that those values reach the plugin.
  const app = Fastify({
    serverFactory: (handler) =>
      http.createServer({ insecureHTTPParser: true, maxHeaderSize: 4 * 1024 * 1024 }, handler),
  });
  apps.push(app);
  await app.register(tickline, options);
  app.get('/', async (request) => ({ receive: request.lamport?.receive, node: request.lamport?.clock.node }));
  routes?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

/** Sends a GET with the raw header bytes (UTF-8), so that any value reaches the server unchanged. */
function rawGet(
  port: number,
  header: string | undefined,
): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body });
    });
    const line = header === undefined ? '' : `lamport-clock: ${header}\r\n`;
    socket.end(`GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n${line}connection: close\r\n\r\n`);
  });
}

describe('tickline fastify plugin', () => {
  it('is the default export and the named export', () => {
    expect(ticklineDefault).toBe(tickline);
  });

  it('merges the request header, exposes request.lamport and stamps the reply', async () => {
    const clock = new LamportClock({ node: 'server', initial: 10 });
    const port = await serve({ clock });
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      headers: { 'lamport-clock': '40;node="caller"' },
    });
    const body = await readJson(response);
    expect(body.receive).toMatchObject({ clock: 41, remote: { clock: 40, node: 'caller' }, carried: true });
    expect(body.node).toBe('server');
    expect(response.headers.get('lamport-clock')).toBe('42;node="server"');
    expect(clock.read()).toBe(42);
  });

  it('covers routes in encapsulated contexts, 404s and errors', async () => {
    const clock = new LamportClock({ node: 'nested' });
    const port = await serve({ clock }, (app) => {
      app.register(
        async (child) => {
          child.get('/inner', async (request) => ({ clock: request.lamport?.receive.clock }));
          child.get('/fail', async () => {
            throw new Error('handler failed');
          });
        },
        { prefix: '/child' },
      );
    });
    const headers = { 'lamport-clock': '100' };
    const inner = await fetch(`http://127.0.0.1:${port}/child/inner`, { headers });
    expect(await readJson(inner)).toEqual({ clock: 101 });
    expect(inner.headers.get('lamport-clock')).toBe('102;node="nested"');
    const missing = await fetch(`http://127.0.0.1:${port}/nowhere`, { headers });
    await missing.text();
    expect(missing.status).toBe(404);
    expect(missing.headers.get('lamport-clock')).toBe('104;node="nested"');
    const failed = await fetch(`http://127.0.0.1:${port}/child/fail`, { headers });
    await failed.text();
    expect(failed.status).toBe(500);
    expect(failed.headers.get('lamport-clock')).toBe('106;node="nested"');
  });

  it('stamps the reply when its headers are written: after the handler events, for streams too', async () => {
    const clock = new LamportClock({ node: 'late' });
    const port = await serve({ clock }, (app) => {
      // Events of the handler (e.g. outgoing calls) come before the reply's send.
      app.get('/busy', async () => {
        clock.tick();
        clock.tick();
        return { ok: true };
      });
      app.get('/stream', async (_request, reply) => {
        clock.tick();
        reply.type('text/plain');
        return Readable.from(['a', 'b']);
      });
      // Another plugin's onSend hook sees the header as a value whose text is the stamp.
      app.get('/inspected', async (_request, reply) => {
        reply.header('x-seen', 'pending');
        return { ok: true };
      });
      app.addHook('onSend', async (request, reply, payload) => {
        if (request.url === '/inspected') reply.header('x-seen', String(reply.getHeader('lamport-clock')));
        return payload;
      });
    });
    const busy = await fetch(`http://127.0.0.1:${port}/busy`, { headers: { 'lamport-clock': '10' } });
    await busy.text();
    expect(busy.headers.get('lamport-clock')).toBe('14;node="late"');
    const stream = await fetch(`http://127.0.0.1:${port}/stream`, { headers: { 'lamport-clock': '1' } });
    expect(await stream.text()).toBe('ab');
    expect(stream.headers.get('lamport-clock')).toBe('17;node="late"');
    const inspected = await fetch(`http://127.0.0.1:${port}/inspected`, {
      headers: { 'lamport-clock': '1' },
    });
    await inspected.text();
    expect(inspected.headers.get('x-seen')).toBe('19;node="late"');
    expect(inspected.headers.get('lamport-clock')).toBe('19;node="late"');
    expect(clock.read()).toBe(19);
  });

  it('sends no header to a caller that sent none, unless respond is always', async () => {
    const clock = new LamportClock({ node: 'quiet' });
    const quiet = await serve({ clock });
    const response = await fetch(`http://127.0.0.1:${quiet}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('lamport-clock')).toBeNull();
    expect((await readJson(response)).receive).toMatchObject({ clock: 1, carried: false });

    const always = await serve({ clock, respond: 'always' });
    const stamped = await fetch(`http://127.0.0.1:${always}/`);
    await stamped.text();
    expect(stamped.headers.get('lamport-clock')).toBe('3;node="quiet"');

    const never = await serve({ clock, respond: 'never' });
    const silent = await fetch(`http://127.0.0.1:${never}/`, { headers: { 'lamport-clock': '1' } });
    await silent.text();
    expect(silent.headers.get('lamport-clock')).toBeNull();
  });

  it('still answers when the clock is exhausted and cannot tick', async () => {
    const port = await serve({
      clock: new LamportClock({ node: 'spent', initial: Number.MAX_SAFE_INTEGER }),
    });
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'lamport-clock': '5' } });
    expect(response.status).toBe(200);
    await response.text();
    expect(response.headers.get('lamport-clock')).toBeNull();
  });

  it('answers every hostile header with its normal 200 and never moves the clock toward it', async () => {
    const clock = new LamportClock({ node: 'target', initial: 100 });
    const rejected: string[] = [];
    const port = await serve({ clock, maxForwardJump: 1000, onRejected: (reason) => rejected.push(reason) });
    const values = [...HOSTILE_CLOCK_HEADERS, ...FAR_AHEAD_CLOCK_HEADERS];
    for (const value of values) {
      const before = clock.read();
      const response = await rawGet(port, value);
      expect(response.status, JSON.stringify(value.slice(0, 40))).toBe(200);
      const body = JSON.parse(response.body);
      expect(body.receive.rejected, JSON.stringify(value.slice(0, 40))).toEqual(expect.any(String));
      expect(body.receive.clock).toBe(before + 1);
      expect(response.headers).toContain(`lamport-clock: ${before + 2};node="target"`);
    }
    expect(clock.read()).toBe(100 + 2 * values.length);
    expect(rejected).toHaveLength(values.length);
    expect(
      rejected.slice(-FAR_AHEAD_CLOCK_HEADERS.length).every((reason) => reason.includes('maxForwardJump')),
    ).toBe(true);
    for (const value of LENIENT_CLOCK_HEADERS) {
      const before = clock.read();
      const response = await rawGet(port, value);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body).receive.clock).toBe(before + 1);
      expect(clock.read()).toBe(before + 2);
    }
  }, 60_000);

  it('ignores the clocks of callers that trust() refuses, and survives hooks that throw', async () => {
    const clock = new LamportClock({ node: 'guarded' });
    const rejected: string[] = [];
    const port = await serve({
      clock,
      trust: (request) => request.headers['x-internal'] === 'yes',
      onRejected: (reason) => {
        rejected.push(reason);
        throw new Error('a failing hook must not break the request');
      },
    });
    const outsider = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'lamport-clock': '500' } });
    expect((await readJson(outsider)).receive).toMatchObject({ clock: 1, rejected: 'untrusted sender' });
    const insider = await fetch(`http://127.0.0.1:${port}/`, {
      headers: { 'lamport-clock': '500', 'x-internal': 'yes' },
    });
    expect((await readJson(insider)).receive).toMatchObject({ clock: 501, remote: { clock: 500 } });
    expect(rejected).toEqual(['untrusted sender']);
  });
});
