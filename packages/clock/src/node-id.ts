/** Eight random lowercase hex characters, from the platform's CSPRNG (Node and browsers). */
export function randomHex8(): string {
  const bytes = new Uint8Array(4);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** The default node id: `<name>/<8 random hex>`, unique per clock instance (docs/design.md §2). */
export function defaultNodeId(name?: string): string {
  const base = name ?? globalThis.process?.env?.OTEL_SERVICE_NAME ?? 'node';
  return `${base}/${randomHex8()}`;
}
