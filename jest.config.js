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
  maxWorkers: 2
}
