/** Releasing bodies that will not be read, so their connections and buffers are freed. */

/** Lets go of the bodies of these requests and responses; a body already used or absent is skipped. */
export function discard(...messages: Array<Request | Response | undefined>): void {
  for (const message of messages) {
    if (message?.body && !message.bodyUsed) void message.body.cancel().catch(() => undefined);
  }
}
