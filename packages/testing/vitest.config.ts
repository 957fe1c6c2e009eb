import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The same module other packages use, from source: one server per run.
    globalSetup: ['./src/global-setup.ts'],
    // Generous: initdb plus start-up can be slow on a loaded CI machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
