// The runtime-faithful tier (docs/development.md, "Runtime-faithful tests"): the deployable asset run
// by the real Lambda Runtime Interface Client on Node.js 24, frozen between invocations,
// against DynamoDB Local and loopback stand-ins behind fault proxies. Apart from
// `npm test`, as it needs a toolchain built with cmake and g++: `npm run test:runtime`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

module.exports = {
  rootDir: '../..',
  displayName: 'runtime',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/runtime/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/test/runtime/toolchain/'],
  globalSetup: '<rootDir>/test/support/runtime/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/runtime/global-teardown.ts',
  // Scenarios run real processes for tens of seconds; each file bounds its own waits.
  testTimeout: 180000,
  // Each file runs several Node.js processes: one file per core.
  maxWorkers: 2,
};
