/** Thrown by `analyze` when an option is out of range; the message names the option and the accepted values. */
export class CausalOptionsError extends Error {
  override readonly name = 'CausalOptionsError';
  constructor(detail: string) {
    super(`@tickline/causal: ${detail}; fix the option passed to analyze()`);
  }
}
