import { IssuerError } from '../core/errors';

/**
 * A token the issuer granted that the function cannot use (CONTRACT section 7): a lifetime not
 * longer than TOKEN_REFRESH_MARGIN_SECONDS, an absurd one, or one already over. Asking again
 * gets the same answer and costs another token from the client's quota, so the protocol
 * remembers it on the lease item like a back-off. The `name` stays `IssuerError` (what callers
 * see); the class only lets the protocol tell such an answer from other issuer failures.
 * Messages say what to change, in our words only: never the token.
 */
export class UnusableAnswerError extends IssuerError {}

/** The issuer's lifetime is within the margin: every token it grants would be refused at once. */
export function tooShortForMargin(validSeconds: number, marginSeconds: number): UnusableAnswerError {
  return new UnusableAnswerError(
    `The WLL token endpoint issued a token valid for ${validSeconds} s, not more than TOKEN_REFRESH_MARGIN_SECONDS ` +
      `(${marginSeconds} s), so it can never be handed out: set TOKEN_REFRESH_MARGIN_SECONDS well below the token lifetime ` +
      '(a small share of it), or have WLL issue tokens that live longer.',
    { httpStatus: 200 },
  );
}

/** The answer states a lifetime no WLL token has (over 30 days, not a date, or already over). */
export function unusableLifetime(problem: string): UnusableAnswerError {
  return new UnusableAnswerError(
    `The WLL token endpoint answered HTTP 200 with a token this function cannot use: ${problem}. Nothing was cached. ` +
      "Check that WLL_TOKEN_URL is WLL's token endpoint, and ask WLL to fix the token lifetime it issues (24 hours normally).",
    { httpStatus: 200 },
  );
}
