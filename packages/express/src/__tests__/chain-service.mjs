// One service of the test chain, in its own process with its own process clock.
// Usage: node chain-service.mjs <express|fastify> <node id> [next service URL]
// Prints "READY <port>". GET /hop?via=fetch|http answers with what this node stamped and,
// when it has a next service, what it stamped calling it (and that service's answer).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { LamportClock, setProcessClock } from '@tickline/clock';
import { lamportClock } from '@tickline/express';
import { tickline } from '@tickline/fastify';
import { instrumentOutgoing } from '@tickline/node';
import express from 'express';
import Fastify from 'fastify';

const [kind, node, next] = process.argv.slice(2);
setProcessClock(new LamportClock({ node }));

const calls = new Map();
instrumentOutgoing({
  onResponse: (exchange, target) => {
    const id = new URL(target.path, 'http://local').searchParams.get('id');
    if (id !== null) calls.set(id, exchange);
  },
});

function httpJson(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve(JSON.parse(text)));
      })
      .on('error', reject);
  });
}

async function hop(lamport, via) {
  const result = {
    node: lamport.clock.node,
    receive: { clock: lamport.receive.clock, remote: lamport.receive.remote },
  };
  if (next !== undefined) {
    const id = randomUUID();
    const url = `${next}/hop?via=${via}&id=${id}`;
    const downstream = via === 'http' ? await httpJson(url) : await (await fetch(url)).json();
    const exchange = calls.get(id);
    calls.delete(id);
    result.call = {
      send: exchange.send.clock,
      response: { clock: exchange.response.clock, remote: exchange.response.remote },
      downstream,
    };
  }
  return result;
}

let server;
if (kind === 'express') {
  const app = express();
  app.use(lamportClock());
  app.get('/hop', async (request, response) => {
    response.json(await hop(request.lamport, request.query.via));
  });
  server = app.listen(0, '127.0.0.1', () => console.log(`READY ${server.address().port}`));
} else {
  const app = Fastify();
  await app.register(tickline);
  app.get('/hop', async (request) => hop(request.lamport, request.query.via));
  await app.listen({ port: 0, host: '127.0.0.1' });
  server = app.server;
  console.log(`READY ${server.address().port}`);
}
process.on('SIGTERM', () => process.exit(0));
