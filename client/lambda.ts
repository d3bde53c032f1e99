/**
 * `wll-token-vendor/client/lambda`: the client that invokes the token function directly
 * (`lambda:InvokeFunction`), for code running in AWS, without the HTTP client's SigV4 stack.
 */
export { createTokenClient, type LambdaTokenClientOptions } from './lambda-client';
export * from './common';
