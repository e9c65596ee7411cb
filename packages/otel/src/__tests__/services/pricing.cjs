// Service B (fastify): calls inventory with fetch; one plain and one streamed route.
'use strict';
const { serve } = require('./tracing.cjs');
const { Readable } = require('node:stream');
const { setTimeout: sleep } = require('node:timers/promises');
const fastify = require('fastify');
const tickline = require('@tickline/fastify').default;

const inventory = process.env.TEST_INVENTORY_URL;
const app = fastify();
app.register(tickline);
app.get('/quote', async () => {
  const tax = await (await fetch(`${inventory}/tax`)).json();
  return { price: 10, tax: tax.rate };
});
// Streamed: fastify writes the headers when it starts piping the stream.
app.get('/stream', (_request, reply) => {
  async function* chunks() {
    yield 'part 1\n';
    await sleep(50);
    yield 'part 2\n';
    await sleep(50);
    yield 'part 3\n';
  }
  reply.type('text/plain').send(Readable.from(chunks()));
});
app.ready().then(() => serve(app.server));
