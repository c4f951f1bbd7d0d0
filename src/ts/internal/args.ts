// Internal: checks of what callers pass, made before it reaches the engine.
import { CacheError } from "../errors.js";
import type { FetchOptions } from "../http.js";
import type { MutateOptions, SetOptions } from "../types.js";

/** A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/**
 * Whether `text` holds no lone surrogate. The engine gets strings as UTF-8, which cannot hold
 * one: the glue would hand it U+FFFD instead, and four different keys would share one entry.
 * `String.prototype.isWellFormed` where the browser has it (2023 on), else a regex (with no
 * lookbehind, which browsers lacking isWellFormed may lack too).
 */
export const wellFormed: (text: string) => boolean = isWellFormed
  ? (text) => isWellFormed.call(text)
  : (text) => !LONE_SURROGATE.test(text);

/**
 * `key` if it is a well-formed string, else the engine's `INVALID_KEY`: the hot paths take the
 * key as a Rust `&str`, which the glue would otherwise coerce, fail on with a TypeError, or
 * change (a lone surrogate).
 */
export function checkedKey(key: unknown): string {
  if (typeof key !== "string") throw new CacheError("INVALID_KEY", "key must be a string");
  if (!wellFormed(key)) throw new CacheError("INVALID_KEY", "key must be well-formed UTF-16 (no lone surrogates)");
  return key;
}

/**
 * The properties `names` of `options`, read once each into a fresh plain object (`null` and
 * `undefined` ones left out, as "not given"): later code reads the copy, so nothing a caller's
 * getter or proxy throws can escape from it. `undefined` when no options were given; a value that
 * is not an object, or cannot be read, is `INVALID_OPTIONS`.
 */
export function plainOptions<T extends object>(options: unknown, names: readonly (keyof T & string)[]): T | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object") throw new CacheError("INVALID_OPTIONS", "options must be an object");
  const copy: Record<string, unknown> = {};
  try {
    for (const name of names) {
      const value = (options as Record<string, unknown>)[name];
      if (value !== undefined && value !== null) copy[name] = value;
    }
  } catch {
    throw new CacheError("INVALID_OPTIONS", "an option could not be read");
  }
  return copy as T;
}

/** Refuses `value` with `INVALID_OPTIONS` unless it is `undefined` or of type `type`. */
export function optionOfType(value: unknown, type: "boolean" | "function" | "number", what: string): void {
  if (value !== undefined && typeof value !== type) throw new CacheError("INVALID_OPTIONS", `${what} must be a ${type}`);
}

const SET_OPTIONS = ["tier", "ttlMs", "staleMs", "tags", "etag"] as const satisfies readonly (keyof SetOptions)[];

/** `fetch` options as a plain copy (see {@link plainOptions}); `retry` copied too. */
export function fetchOptions(options: unknown): FetchOptions | undefined {
  const copy = plainOptions<FetchOptions>(options, [
    ...SET_OPTIONS,
    "dedupMs",
    "force",
    "retry",
    "revalidateOnFocus",
    "revalidateOnReconnect",
    "refreshIntervalMs",
    "refreshWhenHidden",
  ]);
  // A primitive `retry` is left for the fetch to refuse.
  if (typeof copy?.retry === "object") copy.retry = plainOptions<NonNullable<FetchOptions["retry"]>>(copy.retry, ["count", "baseDelayMs"]);
  // Compared with numbers by the revalidation timers, where a symbol would throw a TypeError.
  optionOfType(copy?.refreshIntervalMs, "number", "refreshIntervalMs");
  return copy;
}

/** `mutate` options as a plain copy, with `commit` a function and `rollbackOnError` a boolean. */
export function mutateOptions<T>(options: unknown): MutateOptions<T> | undefined {
  const copy = plainOptions<MutateOptions<T>>(options, ["commit", "rollbackOnError", ...SET_OPTIONS]);
  optionOfType(copy?.commit, "function", "commit");
  optionOfType(copy?.rollbackOnError, "boolean", "rollbackOnError");
  return copy;
}
