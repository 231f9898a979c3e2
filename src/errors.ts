/**
 * User-facing failures. Each carries what is at fault (a node, a field, a value)
 * and, where we know it, what to do about it. The CLI prints `message` on one
 * line and `detail` only with --verbose; it never prints a stack for these.
 */
export class RckError extends Error {
  constructor(
    message: string,
    readonly options: { subject?: string; hint?: string; detail?: string; exitCode?: number } = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
  get exitCode(): number {
    return this.options.exitCode ?? 1;
  }
}

/** Bad input from the user (arguments, spec file): nothing was changed. */
export class InputError extends RckError {}

/** A node failed a precondition (unreachable, not empty, wrong password...): nothing was changed. */
export class NodeCheckError extends RckError {}

/** An operation started but did not finish in time or hit something unexpected. */
export class OperationError extends RckError {}

export function isRckError(err: unknown): err is RckError {
  return err instanceof RckError;
}

/** Text of any thrown value, for logs and wrapping. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
