import { tickline } from '@tickline/fastify';
import Fastify from 'fastify';

const variant = process.argv[2];
const app = Fastify();
if (variant === 'tickline') await app.register(tickline);
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.argv[3]), host: '127.0.0.1' });
setTimeout(() => {
  app.close();
}, 14000);
