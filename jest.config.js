// Three tiers (see DESIGN.md): unit tests with fakes, integration tests against
// DynamoDB Local and loopback stand-ins, and CDK template tests. Tests are
// transpiled with SWC for speed; `npm run typecheck` does the type checking.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };

const tier = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  ...extra,
});

module.exports = {
  projects: [
    tier('unit'),
    tier('integration', {
      globalSetup: '<rootDir>/test/support/dynamodb-local-setup.ts',
      globalTeardown: '<rootDir>/test/support/dynamodb-local-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/log-capture.ts'],
      testTimeout: 30000,
    }),
    tier('infra', { testTimeout: 60000 }),
  ],
};
