// One server of the middleware benchmark: node server.mjs <express|fastify> <variant> (the
// variants: app.mjs). Talks to the runner over IPC: sends { ready: port }, answers 'cpu' with
// process.cpuUsage().
import { createApp } from './app.mjs';

const [framework, variant] = process.argv.slice(2);
const app = await createApp(framework, variant);
let server;
if (framework === 'express') {
  await new Promise((resolve) => {
    server = app.listen(0, '127.0.0.1', resolve);
  });
} else {
  await app.listen({ port: 0, host: '127.0.0.1' });
  server = app.server;
}
let connections = 0;
server.on('connection', () => {
  connections += 1;
});
process.on('message', (message) => {
  if (message === 'cpu') process.send({ cpu: process.cpuUsage(), connections });
  if (message === 'exit') process.exit(0);
});
process.send({ ready: server.address().port });
