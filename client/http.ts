/**
 * `wll-token-vendor/client/http`: the client that calls the token API signed with SigV4
 * (`execute-api:Invoke`), without the Lambda client.
 */
export { createHttpTokenClient, type AwsCredentials, type HttpTokenClientOptions } from './http-client';
export * from './common';
