// Service A (express): fans out to pricing (fetch) and inventory (node:http) concurrently.
'use strict';
const { serve } = require('./tracing.cjs');
const http = require('node:http');
const express = require('express');
const { lamportClock } = require('@tickline/express');

const pricing = process.env.TEST_PRICING_URL;
const inventory = process.env.TEST_INVENTORY_URL;

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

const app = express();
app.use(lamportClock());
app.get('/checkout', async (_request, response, next) => {
  try {
    const [quote, stock] = await Promise.all([
      fetch(`${pricing}/quote`).then((reply) => reply.json()),
      get(`${inventory}/stock`).then(JSON.parse),
    ]);
    const [stream, report] = await Promise.all([
      fetch(`${pricing}/stream`).then((reply) => reply.text()),
      get(`${inventory}/report`),
    ]);
    response.json({ quote, stock, streamed: stream.length + report.length });
  } catch (error) {
    next(error);
  }
});
serve(http.createServer(app));
