import './local/quiet-sdk';
import type { Context } from 'aws-lambda';
import { DEFAULT_SET_NAME } from '../lambda/config/credential-sets';
import { startLocalApi, type LocalApi } from './local/api-server';
import { readyBanner } from './local/banner';
import { concurrentInvocationScope } from './local/invocation-scope';
import { startLocalServices, type LocalServices } from './local/services';
import { readStartSettings, StartError } from './local/settings';

/**
 * `npm start`: the real handler behind a local HTTP server with the API's routes,
 * DynamoDB Local with the token table, the credentials served through a local
 * Secrets Manager, and WLL (with WLL_CLIENT_ID / WLL_CLIENT_SECRET) or a clearly
 * labelled stand-in issuer. Ctrl-C (SIGINT) or SIGTERM stops everything it started.
 */
async function main(): Promise<void> {
  const settings = readStartSettings(process.env, process.argv.slice(2));
  // Requests may overlap: each runs in its own invocation context, as in Lambda. Set up
  // before anything uses the AWS SDK, which otherwise creates a single-invocation store.
  const inScope = await concurrentInvocationScope();
  // Listening for Ctrl-C before anything starts: a signal that came before would kill
  // this process outright (DynamoDB Local is then killed by its exit hook).
  const started: { services?: LocalServices; api?: LocalApi } = {};
  stopOnSignalOrOrphaning(async () => {
    await started.api?.close();
    await started.services?.stop();
  });
  console.log('Starting the WLL token vendor locally (DynamoDB Local takes a few seconds)...');
  const services = await startLocalServices(settings);
  started.services = services;
  try {
    // The secret reaches the handler through the local Secrets Manager only, and the
    // handler's AWS calls use the local services' dummy credentials only.
    // The sets are the handler's as npm start built them (handlerEnv), never the user's own variables.
    for (const name of ['WLL_CLIENT_ID', 'WLL_CLIENT_SECRET', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'CREDENTIALS_SECRET_ID', 'CREDENTIAL_SETS']) delete process.env[name];
    Object.assign(process.env, services.handlerEnv);
    // Loaded after its environment is set, as a container does.
    const { handler } = (await import('../lambda/handler')) as { handler: (event: unknown, context: Context) => Promise<unknown> };
    const inInvocation = (event: unknown, context: Context) => inScope(context.awsRequestId, () => handler(event, context));
    // Lambda's Invoke API on the same port: the unqualified function, $LATEST, and an alias per named set.
    const aliases = settings.config.credentialSets.map((set) => set.name).filter((name) => name !== DEFAULT_SET_NAME);
    started.api = await startLocalApi(inInvocation, settings.port, { invokeHandler: inInvocation, aliases });
  } catch (error) {
    await services.stop();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartError(`Port ${settings.port} is in use: stop what uses it, or set PORT to another port (PORT=0 picks a free one).`);
    }
    throw error;
  }
  console.log(readyBanner({ apiUrl: started.api.url, config: settings.config, issuer: services.issuer, dynamodb: services.dynamodb }));
}

/**
 * Stops on Ctrl-C (SIGINT) or SIGTERM, and when the parent process goes away: npm
 * runs this under `sh -c`, and a SIGTERM sent to npm kills that shell without
 * passing it on, which would leave this process and DynamoDB Local running.
 */
function stopOnSignalOrOrphaning(stop: () => Promise<void>): void {
  let stopping = false;
  const onStop = (reason: string) => {
    if (stopping) {
      // A second Ctrl-C: leave now (DynamoDB Local is killed on exit all the same).
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${reason}: stopping the local API and DynamoDB Local...`);
    stop().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`npm start: could not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onStop('SIGINT'));
  process.on('SIGTERM', () => onStop('SIGTERM'));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !stopping) onStop('The parent process exited');
  }, 500).unref();
}

main().catch((error: unknown) => {
  const message = error instanceof StartError ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
  console.error(`npm start: ${message}`);
  process.exitCode = 1;
});
