import diagnosticsChannel from 'node:diagnostics_channel';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { CLOCK_HEADER } from '@tickline/clock';
import type { OutgoingOptions, OutgoingTarget } from './options.js';
import { OutgoingStamper } from './outgoing.js';

type AddRequest = (this: http.Agent, request: ClientRequest, options: unknown) => void;

function targetOf(request: ClientRequest): OutgoingTarget {
  return { origin: `${request.protocol}//${request.host}`, path: request.path, method: request.method };
}

function existingHeader(request: ClientRequest): string | undefined {
  const value = request.getHeader(CLOCK_HEADER);
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/**
 * Stamps a node:http(s) client request before its headers are written and merges its response,
 * once per request whichever hook sees it first.
 */
export function stampClientRequest(stamper: OutgoingStamper, request: ClientRequest): void {
  if (stamper.has(request)) return;
  try {
    if (request.headersSent) return;
    const header = stamper.begin(request, existingHeader(request));
    if (header !== undefined) request.setHeader(CLOCK_HEADER, header);
    if (!stamper.has(request)) return;
    // Prepended, so the response is merged before the caller's own 'response' listener runs:
    // anything it sends next is stamped after the receive.
    request.prependOnceListener('response', (response: IncomingMessage) => {
      try {
        stamper.respond(request, response.headers[CLOCK_HEADER], () => targetOf(request));
      } catch {
        // Never break the caller's response.
      }
    });
  } catch {
    // Never break the caller's request.
  }
}

/**
 * Makes one agent instance stamp the requests it carries, by replacing that instance's
 * `addRequest` (node calls it from the `ClientRequest` constructor, before any header is written).
 * Returns the function that restores the instance.
 */
export function hookAgent(agent: http.Agent, stamper: OutgoingStamper): () => void {
  const target = agent as unknown as { addRequest: AddRequest };
  const hadOwn = Object.hasOwn(agent, 'addRequest');
  const previous = target.addRequest;
  const hooked: AddRequest = function (this: http.Agent, request, options) {
    stampClientRequest(stamper, request);
    return previous.call(this, request, options);
  };
  target.addRequest = hooked;
  return () => {
    if (target.addRequest !== hooked) return; // Someone wrapped it after us: leave their wrapper working.
    if (hadOwn) target.addRequest = previous;
    else delete (agent as unknown as { addRequest?: AddRequest }).addRequest;
  };
}

/**
 * Subscribes to `http.client.request.created` (Node >= 22.12 and 23.2; never fires on Node 20),
 * which covers every node:http client request, whatever its agent.
 */
export function subscribeHttpCreated(stamper: OutgoingStamper): () => void {
  const onCreated = (message: unknown) => {
    const request = (message as { request?: ClientRequest }).request;
    if (request !== undefined) stampClientRequest(stamper, request);
  };
  diagnosticsChannel.subscribe('http.client.request.created', onCreated);
  return () => diagnosticsChannel.unsubscribe('http.client.request.created', onCreated);
}

/** Hooks `http.globalAgent` and `https.globalAgent` (the instances current at the call). */
export function hookGlobalAgents(stamper: OutgoingStamper): () => void {
  const undoHttp = hookAgent(http.globalAgent, stamper);
  const undoHttps = hookAgent(https.globalAgent, stamper);
  return () => {
    undoHttps();
    undoHttp();
  };
}

/**
 * An `http.Agent` that carries the Lamport clock on every request it sends, for requests that do
 * not use the global agent (`new http.Agent()` of your own, `agent: false` does not apply).
 * Works without {@link instrumentOutgoing}; see also {@link instrumentAgent}.
 *
 * @example
 * const agent = new TicklineAgent({ keepAlive: true });
 * http.get('http://orders.internal/', { agent });
 */
export class TicklineAgent extends http.Agent {
  constructor(agentOptions: http.AgentOptions = {}, options: OutgoingOptions = {}) {
    super(agentOptions);
    hookAgent(this, new OutgoingStamper(options));
  }
}

/** The https counterpart of {@link TicklineAgent}. */
export class TicklineHttpsAgent extends https.Agent {
  constructor(agentOptions: https.AgentOptions = {}, options: OutgoingOptions = {}) {
    super(agentOptions);
    hookAgent(this, new OutgoingStamper(options));
  }
}

/**
 * Makes one agent instance of your own carry the Lamport clock on the requests it sends (on Node
 * 20, requests with a custom agent are not covered by {@link instrumentOutgoing}'s global hooks).
 * Returns the function that restores the agent.
 */
export function instrumentAgent(agent: http.Agent, options: OutgoingOptions = {}): () => void {
  return hookAgent(agent, new OutgoingStamper(options));
}
