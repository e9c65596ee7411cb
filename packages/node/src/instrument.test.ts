import diagnosticsChannel from 'node:diagnostics_channel';
import http, { type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beginOutgoing, LamportClock, parseClockHeader } from '@tickline/clock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAgent, instrumentOutgoing, TicklineAgent } from './index.js';

/** A server that records the `lamport-clock` lines it receives and answers with `reply` (if any). */
let server: Server;
let base: string;
const seen: string[][] = [];
let reply: string | string[] | undefined;

beforeAll(async () => {
  server = http.createServer({ maxHeaderSize: 64 * 1024 }, (request, response) => {
    seen.push(request.headersDistinct['lamport-clock'] ?? []);
    if (reply !== undefined) response.setHeader('lamport-clock', reply);
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function httpGet(url: string, options: http.RequestOptions = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, options, (response) => {
      response.resume();
      response.on('end', () => resolve(response));
    });
    request.on('error', reject);
  });
}

async function withInstrumentation<T>(clock: LamportClock, run: () => Promise<T>, extra = {}): Promise<T> {
  const undo = instrumentOutgoing({ clock, ...extra });
  try {
    return await run();
  } finally {
    undo();
  }
}

describe('instrumentOutgoing', () => {
  it('stamps a fetch request and merges its response', async () => {
    const clock = new LamportClock({ node: 'client' });
    reply = '100;node="server"';
    seen.length = 0;
    await withInstrumentation(clock, async () => {
      const response = await fetch(`${base}/`);
      await response.text();
    });
    expect(seen).toEqual([['1;node="client"']]);
    expect(clock.read()).toBe(101);
  });

  it('stamps a node:http request and merges the response before the caller sees it', async () => {
    const clock = new LamportClock({ node: 'client' });
    reply = '50;node="server"';
    seen.length = 0;
    let clockInCallback = -1;
    await withInstrumentation(
      clock,
      () =>
        new Promise<void>((resolve, reject) => {
          http
            .get(`${base}/`, (response) => {
              clockInCallback = clock.read();
              response.resume();
              response.on('end', resolve);
            })
            .on('error', reject);
        }),
    );
    expect(seen).toEqual([['1;node="client"']]);
    expect(clockInCallback).toBe(51);
  });

  it('stamps requests of a TicklineAgent and of an instrumented agent of your own', async () => {
    const clock = new LamportClock({ node: 'agent' });
    reply = undefined;
    seen.length = 0;
    const agent = new TicklineAgent({ keepAlive: false }, { clock });
    await httpGet(`${base}/`, { agent });
    const own = new http.Agent();
    const undo = instrumentAgent(own, { clock });
    await httpGet(`${base}/`, { agent: own });
    undo();
    await httpGet(`${base}/`, { agent: own });
    // Send, receive without header (a local tick), twice; then nothing once undone.
    expect(seen).toEqual([['1;node="agent"'], ['3;node="agent"'], []]);
    expect(clock.read()).toBe(4);
  });

  it('stamps requests without the global agent where node has http.client.request.created', async () => {
    const clock = new LamportClock({ node: 'agentless' });
    reply = undefined;
    seen.length = 0;
    let created = false;
    const onCreated = () => {
      created = true;
    };
    diagnosticsChannel.subscribe('http.client.request.created', onCreated);
    await withInstrumentation(clock, async () => {
      await httpGet(`${base}/`, { agent: false });
    });
    diagnosticsChannel.unsubscribe('http.client.request.created', onCreated);
    // Node 20 has no such channel: a request with agent: false needs a TicklineAgent there.
    expect(seen).toEqual(created ? [['1;node="agentless"']] : [[]]);
  });

  it('never adds the header twice when another layer stamped the request in the same turn', async () => {
    const clock = new LamportClock({ node: 'layered' });
    reply = undefined;
    seen.length = 0;
    await withInstrumentation(clock, async () => {
      // What @tickline/otel's propagator does: begin the exchange, write the header into the carrier.
      const first = beginOutgoing({ clock });
      await (await fetch(`${base}/`, { headers: { 'lamport-clock': first.header } })).text();
      const second = beginOutgoing({ clock });
      await httpGet(`${base}/`, { headers: { 'lamport-clock': second.header } });
      // A header the caller wrote by hand is left alone and does not tick.
      await (await fetch(`${base}/`, { headers: { 'Lamport-Clock': '7' } })).text();
    });
    expect(seen).toEqual([['1;node="layered"'], ['3;node="layered"'], ['7']]);
    // 1 send, 2 response, 3 send, 4 response, then the hand-set request's response: 5.
    expect(clock.read()).toBe(5);
  });

  it('installs once per process and removes the hooks when every user undid', async () => {
    const clock = new LamportClock({ node: 'once' });
    reply = undefined;
    seen.length = 0;
    const undoFirst = instrumentOutgoing({ clock });
    const undoSecond = instrumentOutgoing({ clock: new LamportClock({ node: 'ignored' }) });
    await (await fetch(`${base}/`)).text();
    await httpGet(`${base}/`);
    undoSecond();
    undoSecond();
    await (await fetch(`${base}/`)).text();
    undoFirst();
    await (await fetch(`${base}/`)).text();
    await httpGet(`${base}/`);
    expect(seen).toEqual([['1;node="once"'], ['3;node="once"'], ['5;node="once"'], [], []]);
  });

  it('ignores bad, untrusted and far-ahead response headers without breaking the response', async () => {
    const clock = new LamportClock({ node: 'careful' });
    const rejected: string[] = [];
    const cases: Array<string | string[]> = [
      '',
      'abc',
      '9'.repeat(40),
      '1.5',
      '5;node=',
      ',,,,',
      '999999999',
    ];
    await withInstrumentation(
      clock,
      async () => {
        for (const value of cases) {
          reply = value;
          const response = await fetch(`${base}/`);
          expect(await response.text()).toBe('ok');
          await httpGet(`${base}/`);
        }
      },
      { maxForwardJump: 1000, onRejected: (reason: string) => rejected.push(reason) },
    );
    // Every request: a send tick and a receive tick, never a merge.
    expect(clock.read()).toBe(cases.length * 4);
    expect(rejected).toHaveLength(cases.length * 2);
    expect(rejected.at(-1)).toMatch(/maxForwardJump/);

    const distrustful = new LamportClock({ node: 'distrustful' });
    reply = '500;node="outsider"';
    const reasons: string[] = [];
    await withInstrumentation(distrustful, async () => await (await fetch(`${base}/`)).text(), {
      trust: (target: { origin: string }) => target.origin !== base,
      onRejected: (reason: string) => reasons.push(reason),
    });
    expect(distrustful.read()).toBe(2);
    expect(reasons).toEqual(['untrusted sender']);
    expect(parseClockHeader(reply)).toMatchObject({ ok: true });
  });
});
