import { describe, expect, it } from 'vitest';
import {
  beginOutgoing,
  claimPendingOutgoing,
  findIncoming,
  receiveRequest,
  receiveResponse,
  stampReply,
} from './exchange.js';
import { parseClockHeader } from './header.js';
import { LamportClock } from './lamport-clock.js';
import { getProcessClock, setProcessClock } from './process-clock.js';

describe('incoming exchanges', () => {
  it('merge a request header once per carrier, however many layers ask', () => {
    const clock = new LamportClock({ node: 'server' });
    const headers = { 'lamport-clock': '41;node="client"' };
    const first = receiveRequest(headers, headers['lamport-clock'], { clock });
    const second = receiveRequest(headers, headers['lamport-clock'], { clock });
    expect(second).toBe(first);
    expect(first.receive).toMatchObject({
      clock: 42,
      remote: { clock: 41, node: 'client' },
      carried: true,
      rejected: undefined,
    });
    expect(clock.read()).toBe(42);
    expect(findIncoming(headers)).toBe(first);
  });

  it('stamp the reply once', () => {
    const clock = new LamportClock({ node: 'server' });
    const exchange = receiveRequest({}, '3', { clock });
    const header = stampReply(exchange);
    expect(stampReply(exchange)).toBe(header);
    expect(parseClockHeader(header)).toEqual({ ok: true, clock: 5, node: 'server' });
    expect(exchange.reply?.clock).toBe(5);
  });

  it('tick without merging when the header is rejected or the sender untrusted', () => {
    const clock = new LamportClock({ node: 'server', maxForwardJump: 100 });
    expect(receiveRequest({}, '5000', { clock }).receive).toMatchObject({
      clock: 1,
      remote: undefined,
      carried: true,
    });
    expect(receiveRequest({}, 'junk', { clock }).receive.rejected).toMatch(/malformed/);
    expect(receiveRequest({}, '50', { clock, trusted: false }).receive).toMatchObject({
      clock: 3,
      rejected: 'untrusted sender',
    });
    expect(receiveRequest({}, undefined, { clock }).receive).toMatchObject({
      clock: 4,
      carried: false,
      rejected: undefined,
    });
    expect(receiveRequest({}, '10', { clock, maxForwardJump: 2 }).receive.rejected).toMatch(
      /maxForwardJump 2/,
    );
  });
});

describe('outgoing exchanges', () => {
  it('let a second layer in the same turn claim the send instead of ticking again', async () => {
    const clock = new LamportClock({ node: 'client' });
    const exchange = beginOutgoing({ clock });
    expect(claimPendingOutgoing()).toBe(exchange);
    expect(claimPendingOutgoing()).toBeUndefined();
    beginOutgoing({ clock });
    await Promise.resolve();
    expect(claimPendingOutgoing()).toBeUndefined();
    expect(clock.read()).toBe(2);
  });

  it('merge the response once', () => {
    const clock = new LamportClock({ node: 'client' });
    const exchange = beginOutgoing({ clock });
    claimPendingOutgoing();
    const response = receiveResponse(exchange, '10;node="server"');
    expect(receiveResponse(exchange, '99')).toBe(response);
    expect(response).toMatchObject({ clock: 11, remote: { clock: 10, node: 'server' } });
  });
});

describe('the process clock', () => {
  it('is shared through a global symbol and never moves backwards when replaced', () => {
    const processClock = getProcessClock();
    expect(getProcessClock()).toBe(processClock);
    processClock.tryReceive(500);
    const replacement = new LamportClock({ node: 'renamed' });
    setProcessClock(replacement);
    expect(getProcessClock()).toBe(replacement);
    expect(replacement.read()).toBeGreaterThan(500);
  });
});
