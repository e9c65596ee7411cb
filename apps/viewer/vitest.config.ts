import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'viewer',
    testTimeout: 60000,
    hookTimeout: 180000,
    include: ['src/**/*.test.ts'],
  },
});
