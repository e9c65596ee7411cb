import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One demo service: which framework, which simulated host, and how far that host's clock is off. */
export interface ServiceSpec {
  name: string;
  framework: 'express' | 'fastify';
  host: string;
  /** Simulated wall-clock error of the host, in ms. */
  skewMs: number;
  /** Services this one calls. */
  calls: string[];
}

/**
 * The demo topology: a storefront fans out to orders, which charges payments and reserves
 * inventory. orders and inventory share a host (one clock domain, two nodes); payments' host
 * runs 45 ms behind, orders' 30 ms ahead, so some messages look as if they went back in time.
 */
export const SERVICES: ServiceSpec[] = [
  { name: 'payments', framework: 'express', host: 'host-c', skewMs: -45, calls: [] },
  { name: 'inventory', framework: 'fastify', host: 'host-b', skewMs: 30, calls: [] },
  { name: 'orders', framework: 'fastify', host: 'host-b', skewMs: 30, calls: ['payments', 'inventory'] },
  { name: 'storefront', framework: 'express', host: 'host-a', skewMs: 0, calls: ['orders'] },
];

/** A GET over node:http (the demo uses both fetch and node:http clients). */
function httpGetJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(error);
          }
        });
      })
      .on('error', reject);
  });
}

const jitter = (base: number) => base + Math.floor(Math.random() * base);

/** Starts the service's HTTP server on 127.0.0.1 (port 0) and resolves to its base URL. */
export async function startService(
  spec: ServiceSpec,
  peers: Record<string, string>,
): Promise<{ url: string; close(): Promise<void> }> {
  if (spec.framework === 'express') {
    const { default: express } = await import('express');
    const { lamportClock } = await import('@tickline/express');
    const app = express();
    app.use(lamportClock());
    if (spec.name === 'storefront') {
      app.get('/checkout', async (_request, response, next) => {
        try {
          const order = await (await fetch(`${peers.orders}/orders`, { method: 'POST' })).json();
          response.json({ ok: true, order });
        } catch (error) {
          next(error);
        }
      });
    }
    if (spec.name === 'payments') {
      app.get('/charge', async (_request, response) => {
        await sleep(jitter(4));
        response.json({ charged: true });
      });
    }
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }
  const { default: fastify } = await import('fastify');
  const { default: tickline } = await import('@tickline/fastify');
  const app = fastify();
  await app.register(tickline);
  if (spec.name === 'orders') {
    app.post('/orders', async () => {
      const [payment, stock] = await Promise.all([
        httpGetJson(`${peers.payments}/charge`),
        fetch(`${peers.inventory}/reserve`).then((reply) => reply.json()),
      ]);
      return { payment, stock };
    });
  }
  if (spec.name === 'inventory') {
    app.get('/reserve', async () => {
      await sleep(jitter(2));
      return { reserved: 1 };
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}
