import http, { type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import {
  findIncoming,
  LamportClock,
  type ReceiveStamp,
  receiveRequest,
  registerCarrierReader,
} from '@tickline/clock';
import {
  FAR_AHEAD_CLOCK_HEADERS,
  HOSTILE_CLOCK_HEADERS,
  LENIENT_CLOCK_HEADERS,
} from '@tickline/clock/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { type LamportClockOptions, lamportClock } from './index.js';

/** What the test route answers. */
interface Answer {
  receive: ReceiveStamp;
  node: string;
}

async function readJson(response: Response): Promise<Answer> {
  return (await response.json()) as Answer;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(options: LamportClockOptions): Promise<number> {
  const app = express();
  app.use(lamportClock(options));
  app.get('/', (request, response) => {
    response.json({ receive: request.lamport?.receive, node: request.lamport?.clock.node });
  });
  // Node's parser would answer 400/431 itself for NUL, control characters and 1 MB values; relax
  // it so that those values reach the middleware.
  const server = http.createServer({ insecureHTTPParser: true, maxHeaderSize: 4 * 1024 * 1024 }, app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
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

describe('lamportClock middleware', () => {
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

  it('stamps replies written with writeHead and streamed with write', async () => {
    const clock = new LamportClock({ node: 'stream' });
    const app = express();
    app.use(lamportClock({ clock }));
    app.get('/', (_request, response) => {
      response.writeHead(201, { 'content-type': 'text/plain' });
      response.write('a');
      setTimeout(() => response.end('b'), 10);
    });
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      headers: { 'lamport-clock': '7' },
    });
    expect(await response.text()).toBe('ab');
    expect(response.status).toBe(201);
    expect(response.headers.get('lamport-clock')).toBe('9;node="stream"');
  });

  it('stamps once through mounted sub-apps that use the middleware too, and on a plain node server', async () => {
    const clock = new LamportClock({ node: 'mounted' });
    const inner = express();
    inner.use(lamportClock({ clock }));
    inner.get('/', (request, response) => {
      response.send(String(request.lamport?.receive.clock));
    });
    const outer = express();
    outer.use(lamportClock({ clock }));
    outer.use('/inner', inner);
    const server = http.createServer(outer);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/inner`, {
      headers: { 'lamport-clock': '20' },
    });
    // One receive (shared by both middleware instances) and one reply.
    expect(await response.text()).toBe('21');
    expect(response.headers.get('lamport-clock')).toBe('22;node="mounted"');

    const middleware = lamportClock({ clock });
    const plain = http.createServer((request, reply) => {
      middleware(request as never, reply as never, () => reply.end('plain'));
    });
    servers.push(plain);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const direct = await fetch(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/`, {
      headers: { 'lamport-clock': '30' },
    });
    expect(await direct.text()).toBe('plain');
    expect(direct.headers.get('lamport-clock')).toBe('32;node="mounted"');
    expect(Object.hasOwn(http.ServerResponse.prototype, Symbol.for('@tickline/express/writeHead'))).toBe(
      false,
    );
    expect(Object.hasOwn(http.IncomingMessage.prototype, 'lamport')).toBe(false);
  });

  it('keeps request.lamport per request in res.locals, and lets handlers replace it', async () => {
    const clock = new LamportClock({ node: 'locals' });
    const app = express();
    app.use(lamportClock({ clock }));
    app.get('/', (request, response) => {
      const before = request.lamport?.receive.clock;
      const inLocals = Object.getOwnPropertySymbols(response.locals).length;
      request.lamport = undefined; // a handler may overwrite it, for its own request only
      response.json({ before, inLocals, after: request.lamport ?? null });
    });
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const first = await fetch(url, { headers: { 'lamport-clock': '5' } });
    expect(await first.json()).toEqual({ before: 6, inLocals: 1, after: null });
    const second = await fetch(url, { headers: { 'lamport-clock': '100' } });
    expect(await second.json()).toEqual({ before: 101, inLocals: 1, after: null });
    // Replies are still stamped from the exchange kept in res.locals.
    expect(first.headers.get('lamport-clock')).toBe('7;node="locals"');
    expect(second.headers.get('lamport-clock')).toBe('102;node="locals"');
  });

  it('keeps the exchange off req.headers while no layer reads exchanges by carrier', async () => {
    const app = express();
    app.use(lamportClock({ clock: new LamportClock({ node: 'alone' }) }));
    app.use(lamportClock()); // a second instance on the same request: no second merge
    app.get('/', (request, response) => {
      response.json({
        onHeaders: findIncoming(request.headers) !== undefined,
        receive: request.lamport?.receive.clock,
      });
    });
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      headers: { 'lamport-clock': '50' },
    });
    expect(await response.json()).toEqual({ onHeaders: false, receive: 51 });
    expect(response.headers.get('lamport-clock')).toBe('52;node="alone"');
  });

  it('reuses the exchange another layer (the OpenTelemetry propagator) made for the same request', async () => {
    // What @tickline/otel does when its propagator is created: declare a carrier reader.
    registerCarrierReader();
    const clock = new LamportClock({ node: 'shared' });
    const app = express();
    app.use(lamportClock({ clock }));
    app.get('/', (request, response) => {
      response.json({
        same: request.lamport === findIncoming(request.headers),
        receive: request.lamport?.receive.clock,
      });
    });
    // What @opentelemetry/instrumentation-http does before any listener: extract from req.headers.
    const server = http.createServer((request, response) => {
      receiveRequest(request.headers, request.headers['lamport-clock'], { clock });
      app(request, response);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      headers: { 'lamport-clock': '50' },
    });
    expect(await response.json()).toEqual({ same: true, receive: 51 });
    expect(response.headers.get('lamport-clock')).toBe('52;node="shared"');
    expect(clock.read()).toBe(52);
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
      // The receive was an ordinary tick, and the reply one more: nothing from the header.
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

  it('ignores the clocks of callers that trust() refuses', async () => {
    const clock = new LamportClock({ node: 'guarded' });
    const rejected: string[] = [];
    const port = await serve({
      clock,
      trust: (request) => request.get('x-internal') === 'yes',
      onRejected: (reason) => rejected.push(reason),
    });
    const outsider = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'lamport-clock': '500' } });
    expect((await readJson(outsider)).receive).toMatchObject({ clock: 1, rejected: 'untrusted sender' });
    const insider = await fetch(`http://127.0.0.1:${port}/`, {
      headers: { 'lamport-clock': '500', 'x-internal': 'yes' },
    });
    expect((await readJson(insider)).receive).toMatchObject({ clock: 501, remote: { clock: 500 } });
    expect(rejected).toEqual(['untrusted sender']);
  });

  it('survives a trust or onRejected hook that throws', async () => {
    const clock = new LamportClock({ node: 'hooks' });
    const port = await serve({
      clock,
      trust: () => {
        throw new Error('boom');
      },
      onRejected: () => {
        throw new Error('boom');
      },
    });
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'lamport-clock': '500' } });
    expect(response.status).toBe(200);
    expect((await readJson(response)).receive.rejected).toBe('untrusted sender');
  });
});
