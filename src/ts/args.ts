// Internal: checks of what callers pass, made before it reaches the engine.
import { CacheError } from "./errors.js";

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
