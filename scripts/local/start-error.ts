/** A reason `npm start` cannot run, said to the user in one message (no stack trace). */
export class StartError extends Error {
  override readonly name = 'StartError';
}
