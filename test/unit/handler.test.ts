import type { APIGatewayProxyResult } from 'aws-lambda';
import { apiEvent, invokeDirect, lambdaContext, type Handler } from '../support/lambda-runtime';

// A service that fails in a way nobody planned for: the handler must fail closed.
jest.mock('../../lambda/wiring', () => ({
  createTokenServices: (config: { credentialSets: unknown[] }) =>
    new Map(
      config.credentialSets.map((set) => [set, { vend: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'secret-internals')")) }]),
    ),
}));

function loadHandler(): Handler {
  process.env.CREDENTIALS_SECRET_ID = 'wll/credentials';
  process.env.TOKEN_TABLE_NAME = 'tokens';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../../lambda/handler') as { handler: Handler }).handler;
  });
  return handler!;
}

test('an unexpected error is a 500 internal_error naming the request id, never the cause', async () => {
  const context = lambdaContext();

  const response = (await loadHandler()(apiEvent(), context)) as APIGatewayProxyResult;

  expect(response.statusCode).toBe(500);
  const body = JSON.parse(response.body) as { error: string; message: string };
  expect(body.error).toBe('internal_error');
  expect(body.message).toContain(`request id ${context.awsRequestId}`);
  expect(body.message).not.toMatch(/secret-internals|TypeError/);
});

test('a direct invocation gets an InternalError with the same generic message', async () => {
  const outcome = await invokeDirect(loadHandler(), {});

  expect(outcome).toMatchObject({ ok: false, errorType: 'InternalError', errorMessage: expect.stringMatching(/unexpected error occurred \(request id /) });
  expect((outcome as { errorMessage: string }).errorMessage).not.toMatch(/secret-internals/);
});
