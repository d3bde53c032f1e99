/** Messages of the clients and the CLI are single lines: they end up in one-line logs and on stderr. */

/** One line, at most `max` characters: messages end up in single-line logs and CLI output. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
