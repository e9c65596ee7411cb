import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the built viewer works under any path (the collector serves it at `/`).
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
