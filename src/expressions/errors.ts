/**
 * Coded errors of the expressions part. Each names where in the text it arose (0-based
 * offset and 1-based column) when it comes from a node, so the API can answer with a
 * detail a user can act on. A code is never reused for another meaning.
 */
export type ExpressionErrorCode =
  /** The text is not an expression: names the position and what was expected. */
  | 'ERR_EXPRESSION_SYNTAX'
  /** A function name the language does not have (names are case-sensitive). */
  | 'ERR_EXPRESSION_UNKNOWN_FUNCTION'
  /** A function called with too few or too many arguments. */
  | 'ERR_EXPRESSION_ARITY'
  /** An attribute the source object type does not define. */
  | 'ERR_EXPRESSION_UNKNOWN_ATTRIBUTE'
  /** A function used where the language forbids it (SelectUniqueValue nested). */
  | 'ERR_EXPRESSION_PLACEMENT'
  /** An attributeMappingSource JSON that is not a valid source. */
  | 'ERR_EXPRESSION_SOURCE_INVALID'
  /** A value a function cannot work with (not a number, index out of bounds, …). */
  | 'ERR_EXPRESSION_EVALUATION'
  /** The expression called Error("…"). */
  | 'ERR_EXPRESSION_ERROR_FUNCTION'
  /** SelectUniqueValue: every candidate already exists in the directory. */
  | 'ERR_EXPRESSION_NOT_UNIQUE';

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  readonly code: ExpressionErrorCode;
  /** 0-based offset in the expression text, when the error belongs to a place in it. */
  readonly position: number | undefined;

  constructor(code: ExpressionErrorCode, message: string, position?: number, options?: { cause?: unknown }) {
    super(position === undefined ? message : `${message} (at column ${position + 1})`, options);
    this.code = code;
    this.position = position;
  }
}

export function isExpressionError(error: unknown, code?: ExpressionErrorCode): error is ExpressionError {
  return error instanceof ExpressionError && (code === undefined || error.code === code);
}
