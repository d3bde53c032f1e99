/**
 * Clients of the WLL token vendor (`wll-token-vendor/client`): `createTokenClient` for code in
 * AWS that may invoke the function, `createHttpTokenClient` for anything that can sign a request
 * to its API, and `createWllFetch` or `wllAdminHeaders` to use the token. A consumer that needs
 * one client only can import `wll-token-vendor/client/lambda` or `wll-token-vendor/client/http`,
 * which leave the other one (and, for the Lambda client, the whole SigV4 stack) out.
 *
 * A deployment with credential sets (several WLL clients, CONTRACT section 8) serves each set to
 * the callers IAM allows: give the clients and `createWllFetch` the set's name as `credentialSet`.
 */
export { createTokenClient, type LambdaTokenClientOptions } from './lambda-client';
export { createHttpTokenClient, type AwsCredentials, type HttpTokenClientOptions } from './http-client';
export * from './common';
