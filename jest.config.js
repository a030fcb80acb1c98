/** Jest runs ESM TypeScript through ts-jest (see the "test" script for --experimental-vm-modules). */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  resolver: 'ts-jest-resolver',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.dev.json', diagnostics: { ignoreCodes: [151002] } }],
    // GitHub's workflow parser imports its JSON schemas without an import attribute.
    '/node_modules/@actions/workflow-parser/.+\\.js$': '<rootDir>/__tests__/support/json-import-attributes.js'
  },
  transformIgnorePatterns: ['/node_modules/(?!@actions/workflow-parser/)'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
  // Coverage of the action's source on every run, enforced: V8's own counters (no instrumentation).
  // src/index.ts and src/post-index.ts only call run(); they are exercised through dist/ in the end-to-end suites.
  collectCoverage: true,
  coverageProvider: 'v8',
  collectCoverageFrom: ['src/**/*.ts', '!src/index.ts', '!src/post-index.ts'],
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90, branches: 80 } }
}
