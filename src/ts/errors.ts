/** Every code a {@link CacheError} can carry. Stable: switch on these, not on messages. */
export type CacheErrorCode =
  | "INVALID_OPTIONS"
  | "INVALID_NAMESPACE"
  | "INVALID_USER"
  | "INVALID_KEY"
  | "INVALID_TTL"
  | "INVALID_VALUE"
  | "CLOSED";

/** The error cachebus throws on bad input or misuse. `code` is stable across versions. */
export class CacheError extends Error {
  /** What went wrong, as a stable machine-readable code. */
  readonly code: CacheErrorCode;

  constructor(code: CacheErrorCode, message: string) {
    super(message);
    this.name = "CacheError";
    this.code = code;
  }
}
