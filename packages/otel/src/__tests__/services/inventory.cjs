// Service C (express): leaf service, one plain and one streamed route.
'use strict';
const { serve } = require('./tracing.cjs');
const http = require('node:http');
const express = require('express');
const { lamportClock } = require('@tickline/express');

const app = express();
app.use(lamportClock());
app.get('/stock', (_request, response) => {
  setTimeout(() => response.json({ inStock: 3 }), 5);
});
app.get('/tax', (_request, response) => {
  response.json({ rate: 0.2 });
});
// Streamed: headers (and the reply's clock) go out long before the response ends.
app.get('/report', (_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.write('line 1\n');
  setTimeout(() => response.write('line 2\n'), 40);
  setTimeout(() => response.end('line 3\n'), 80);
});
serve(http.createServer(app));
