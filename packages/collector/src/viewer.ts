import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tickline collector</title></head>
<body><h1>Tickline collector</h1>
<p>The viewer is not built. Run <code>pnpm turbo run build --filter viewer</code>, or pass <code>viewerDir</code>.</p>
<p>The collector is running: OTLP/HTTP on <code>POST /v1/traces</code>, JSON API under <code>/api/</code> (e.g. <a href="/api/traces">/api/traces</a>).</p>
</body></html>
`;

/** apps/viewer/dist of this monorepo, when it has been built. */
export function defaultViewerDir(): string | undefined {
  const directory = fileURLToPath(new URL('../../../apps/viewer/dist', import.meta.url));
  return existsSync(join(directory, 'index.html')) ? directory : undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the viewer's files from `root`: the file when it exists, else index.html for client-side routes
 * (paths without an extension), else 404. Paths are resolved under the root; anything escaping it is 404.
 */
export async function serveViewer(
  root: string | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  if (root === undefined) {
    const path = request.url.split('?')[0] ?? '/';
    if (path === '/' || path === '/index.html' || extname(path) === '') {
      await reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
      return;
    }
    await reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return;
  }
  const rootDirectory = resolve(root);
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
  } catch {
    await reply.code(400).type('text/plain; charset=utf-8').send('Bad path');
    return;
  }
  if (pathname.includes('\0')) {
    await reply.code(400).type('text/plain; charset=utf-8').send('Bad path');
    return;
  }
  let file = resolve(rootDirectory, `.${pathname}`);
  if (file !== rootDirectory && !file.startsWith(rootDirectory + sep)) {
    await reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return;
  }
  if (!(await isFile(file))) {
    if (extname(pathname) !== '' && pathname !== '/') {
      await reply.code(404).type('text/plain; charset=utf-8').send('Not found');
      return;
    }
    file = join(rootDirectory, 'index.html');
    if (!(await isFile(file))) {
      await reply.code(404).type('text/plain; charset=utf-8').send('Not found');
      return;
    }
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const immutable = file.includes(`${sep}assets${sep}`);
  await reply
    .type(type)
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .send(createReadStream(file));
}
