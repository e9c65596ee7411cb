// The apps of the middleware benchmark, served by server.mjs.
// Variants:
//   bare         the framework alone (fastify: with an empty fastify-plugin registered the same
//                way as ours, so that both servers go through the same plugin loading; an
//                awaited register alone moved fastify's CPU per request by several µs here)
//   tickline     @tickline/express's lamportClock() / @tickline/fastify's plugin
//   naive        a hand-written version: express: receiveRequest + on-headers + stampReply;
//                fastify: onRequest receiveRequest + onSend reply.header(stampReply())
//   empty        the floor of the design: express: one middleware that only calls next();
//                fastify: an onRequest and an onSend hook that do nothing
//   hook-only    fastify: one onRequest hook that does nothing (what the plugin's hook costs)
//   header-only  one constant lamport-clock reply header: fastify: set in an onRequest hook;
//                express: set by a middleware (what writing the header alone costs)
import { createRequire } from 'node:module';
import { CLOCK_HEADER, receiveRequest, stampReply } from '@tickline/clock';
import { lamportClock } from '@tickline/express';
import { tickline } from '@tickline/fastify';
import express from 'express';
import Fastify from 'fastify';

const requireFromTickline = createRequire(import.meta.resolve('@tickline/express'));
const requireFromFastifyPlugin = createRequire(import.meta.resolve('@tickline/fastify'));
const body = { hello: 'world' };

function onHeadersMiddleware() {
  const onHeaders = requireFromTickline('on-headers');
  return (request, response, next) => {
    const exchange = receiveRequest(request.headers, request.headers[CLOCK_HEADER]);
    request.lamport = exchange;
    if (exchange.receive.carried) {
      onHeaders(response, function stamp() {
        this.setHeader(CLOCK_HEADER, stampReply(exchange));
      });
    }
    next();
  };
}

function fastifyPlugin(variant) {
  const fp = requireFromFastifyPlugin('fastify-plugin');
  if (variant === 'tickline') return tickline;
  if (variant === 'empty') {
    return fp(
      (instance, _options, done) => {
        instance.addHook('onRequest', (_request, _reply, next) => next());
        instance.addHook('onSend', (_request, _reply, payload, next) => next(null, payload));
        done();
      },
      { fastify: '5.x', name: 'empty-hooks' },
    );
  }
  if (variant === 'hook-only') {
    return fp(
      (instance, _options, done) => {
        instance.addHook('onRequest', (_request, _reply, next) => next());
        done();
      },
      { fastify: '5.x', name: 'hook-only' },
    );
  }
  if (variant === 'header-only') {
    return fp(
      (instance, _options, done) => {
        instance.addHook('onRequest', (_request, reply, next) => {
          reply.header(CLOCK_HEADER, '42;node="bench/0000"');
          next();
        });
        done();
      },
      { fastify: '5.x', name: 'header-only' },
    );
  }
  if (variant === 'naive') {
    return fp(
      (instance, _options, done) => {
        instance.decorateRequest('lamport', null);
        instance.addHook('onRequest', (request, _reply, next) => {
          const headers = request.raw.headers;
          request.lamport = receiveRequest(headers, headers[CLOCK_HEADER]);
          next();
        });
        instance.addHook('onSend', (request, reply, payload, next) => {
          if (request.lamport.receive.carried) reply.header(CLOCK_HEADER, stampReply(request.lamport));
          next(null, payload);
        });
        done();
      },
      { fastify: '5.x', name: 'naive' },
    );
  }
  return fp((_instance, _options, done) => done(), { fastify: '5.x', name: 'bare' });
}

/**
 * The benchmark app for `framework` ('express' | 'fastify') and `variant`, ready to serve:
 * an express app (a request listener) or a fastify instance (after `ready()`). `GET /` answers
 * `{"hello":"world"}`.
 */
export async function createApp(framework, variant) {
  if (framework === 'express') {
    const app = express();
    app.set('etag', false);
    if (variant === 'tickline') app.use(lamportClock());
    if (variant === 'naive') app.use(onHeadersMiddleware());
    if (variant === 'empty') app.use((_request, _response, next) => next());
    if (variant === 'header-only')
      app.use((_request, response, next) => {
        response.setHeader(CLOCK_HEADER, '42;node="bench/0000"');
        next();
      });
    app.get('/', (_request, response) => response.json(body));
    return app;
  }
  const app = Fastify();
  await app.register(fastifyPlugin(variant));
  app.get('/', async () => body);
  await app.ready();
  return app;
}
