// Three tiers (see DESIGN.md): unit tests with fakes, integration tests against
// DynamoDB Local and loopback stand-ins, and CDK template tests. Tests are
// transpiled with SWC for speed; `npm run typecheck` does the type checking.
// Tests run on Node 20; the deployed function runs on the Lambda runtime's newer
// Node.js. The SDK's notice about its future Node 22 requirement is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };

const tier = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  ...extra,
});

module.exports = {
  // Integration and infra tests start servers and bundle the function: give them time.
  testTimeout: 60000,
  projects: [
    tier('unit'),
    tier('integration', {
      globalSetup: '<rootDir>/test/support/dynamodb-local-setup.ts',
      globalTeardown: '<rootDir>/test/support/dynamodb-local-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/log-capture.ts'],
    }),
    tier('infra'),
  ],
};
