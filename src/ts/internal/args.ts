// Internal: checks of what callers pass, made before it reaches the engine.
import { CacheError } from "../errors.js";
import type { FetchOptions } from "../http.js";
import type { MutateOptions, SetOptions } from "../types.js";
import type { TagLists } from "./tag-lists.js";

/** A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Any surrogate, paired or not. */
const SURROGATE = /[\uD800-\uDFFF]/;

const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** Whether `text`, which holds a surrogate, holds a lone one. */
const loneSurrogate: (text: string) => boolean = isWellFormed
  ? (text) => !isWellFormed.call(text)
  : (text) => LONE_SURROGATE.test(text);

/**
 * Whether `text` holds no lone surrogate. The engine gets strings as UTF-8, which cannot hold
 * one: the glue would hand it U+FFFD instead, and four different keys would share one entry.
 * Every key of a `get` or `set` is checked, so the common case goes first: a string with no
 * surrogate at all (V8 answers that regex for a one-byte string without scanning it, in a third
 * of an `isWellFormed` call). Else `String.prototype.isWellFormed` where the browser has it (2023
 * on), or a regex (with no lookbehind, which browsers lacking isWellFormed may lack too).
 */
export const wellFormed = (text: string): boolean => !SURROGATE.test(text) || !loneSurrogate(text);

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

/** A string the engine would get as U+FFFD: refused with the engine's own code and message. */
const illFormed = (): CacheError =>
  new CacheError(
    "INVALID_KEY",
    "keys, prefixes, patterns, tags and event names must be well-formed UTF-16 (no lone surrogates)",
  );

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

/**
 * A write's options as the engine's write exports take them (`set`, `storeFetched`,
 * `confirmFetched`, `beginMutation`, `settleMutation`: these five last, in this order);
 * `undefined` is "not given".
 * The tier is its index in the engine's `Tier::ALL`; the tags are their list's number when
 * `writeArgs` was given the cache's {@link TagLists}.
 */
export type WriteArgs = [
  tier: number | undefined,
  ttlMs: number | undefined,
  staleMs: number | undefined,
  tags: string[] | number | undefined,
  etag: string | undefined,
];

/** The tiers by name, as indexes of the engine's `Tier::ALL`. */
const TIER_INDEX: Readonly<Record<string, number>> = { memory: 0, local: 1, idb: 2 };

const NO_WRITE_OPTIONS: WriteArgs = [undefined, undefined, undefined, undefined, undefined];

/**
 * {@link WriteArgs} of `set` options, each read once: what JS can tell (types, lone surrogates in
 * tags) is checked here, with the engine's codes and messages; the engine judges the values (a
 * negative TTL, an empty tag). Read in JS because property reads through the boundary cost a
 * catching call each, and `set` is the hot path. With `tagLists`, the tags cross as their list's
 * number (see internal/tag-lists.ts).
 */
export function writeArgs(options: unknown, tagLists?: TagLists): WriteArgs {
  if (options === undefined || options === null) return NO_WRITE_OPTIONS;
  if (typeof options !== "object") throw new CacheError("INVALID_OPTIONS", "options must be an object");
  let tier: unknown, ttlMs: unknown, staleMs: unknown, tags: unknown, etag: unknown;
  try {
    ({ tier, ttlMs, staleMs, tags, etag } = options as Record<string, unknown>);
  } catch {
    throw new CacheError("INVALID_OPTIONS", "an option could not be read");
  }
  // Checked in the order the engine reads them elsewhere (a caller with two wrong options gets the same error).
  const tagCopy = tagList(tags);
  const etagValue = etagText(etag);
  const tagArgument = tagCopy && tagLists ? tagLists.argument(tagCopy) : tagCopy;
  return [tierIndex(tier), duration(ttlMs), duration(staleMs), tagArgument, etagValue];
}

function tierIndex(tier: unknown): number | undefined {
  if (tier === undefined || tier === null) return undefined;
  const index = typeof tier === "string" && Object.hasOwn(TIER_INDEX, tier) ? TIER_INDEX[tier] : undefined;
  if (index === undefined) throw new CacheError("INVALID_TIER", 'tier must be "memory", "local" or "idb"');
  return index;
}

function duration(ms: unknown): number | undefined {
  if (ms === undefined || ms === null) return undefined;
  if (typeof ms !== "number") throw new CacheError("INVALID_TTL", "ttlMs and staleMs must be numbers");
  return ms;
}

/** A copy of `tags` (a proxy's traps run once, here), or `undefined` when not given. */
function tagList(tags: unknown): string[] | undefined {
  if (tags === undefined || tags === null) return undefined;
  const copy: unknown[] = [];
  try {
    if (!Array.isArray(tags)) copy.push(undefined);
    else for (let i = 0, n = tags.length; i < n; i++) copy.push(tags[i]);
  } catch {
    throw new CacheError("INVALID_OPTIONS", "an option could not be read");
  }
  for (const tag of copy) {
    if (typeof tag !== "string") throw new CacheError("INVALID_OPTIONS", "tags must be an array of non-empty strings");
    if (!wellFormed(tag)) throw illFormed();
  }
  return copy as string[];
}

function etagText(etag: unknown): string | undefined {
  if (etag === undefined || etag === null) return undefined;
  if (typeof etag !== "string") throw new CacheError("INVALID_OPTIONS", "etag must be a string");
  return etag;
}

/**
 * `createCache` options as the engine's `openCache` takes them (these ten, in this order, then
 * the IndexedDB tier); `undefined` is "not given", the tier is its index in the engine's
 * `Tier::ALL`. Each property is read once, in the order the engine read them when it took the
 * object, and its type checked here with the engine's codes and messages; the engine still judges
 * the values: the namespace's and user's form, a TTL's sign, a budget's (D-142).
 */
export type CreateArgs = [
  namespace: string,
  user: string | undefined,
  version: string | number | undefined,
  migrate: Function | undefined,
  tier: number | undefined,
  ttlMs: number | undefined,
  staleMs: number | undefined,
  memoryBytes: number | undefined,
  localBytes: number | undefined,
  idbBytes: number | undefined,
];

/** {@link CreateArgs} of `createCache` options. */
export function createArgs(options: unknown): CreateArgs {
  if (typeof options !== "object" || options === null) throw notAnObject();
  const namespace = property(options, "namespace");
  if (typeof namespace !== "string") throw new CacheError("INVALID_NAMESPACE", "namespace is required and must be a string");
  const user = given(property(options, "user"));
  if (user !== undefined && typeof user !== "string") throw new CacheError("INVALID_USER", "user must be a string when given");
  if (user !== undefined && !wellFormed(user)) {
    throw new CacheError("INVALID_USER", "user must be well-formed UTF-16 (no lone surrogates)");
  }
  const defaults = optionalObject(property(options, "defaults"));
  const tier = defaults && tierIndex(property(defaults, "tier"));
  const ttlMs = defaults && duration(property(defaults, "ttlMs"));
  const staleMs = defaults && duration(property(defaults, "staleMs"));
  const budgets = optionalObject(property(options, "budgets"));
  const budget = (name: string): number | undefined => {
    const bytes = budgets && given(property(budgets, name));
    if (bytes !== undefined && typeof bytes !== "number") throw new CacheError("INVALID_OPTIONS", "budgets must be byte counts >= 0");
    return bytes;
  };
  const [memoryBytes, localBytes, idbBytes] = [budget("memoryBytes"), budget("localBytes"), budget("idbBytes")];
  const version = given(property(options, "version"));
  if (version !== undefined && typeof version !== "string" && typeof version !== "number") {
    throw new CacheError("INVALID_OPTIONS", "version must be a string or a number");
  }
  const migrate = given(property(options, "migrate"));
  if (migrate !== undefined && typeof migrate !== "function") throw new CacheError("INVALID_OPTIONS", "migrate must be a function");
  return [namespace, user, version, migrate, tier, ttlMs, staleMs, memoryBytes, localBytes, idbBytes];
}

const notAnObject = (): CacheError => new CacheError("INVALID_OPTIONS", "options must be an object");

/** `from[name]`; a throwing getter or proxy trap is `INVALID_OPTIONS`. */
function property(from: object, name: string): unknown {
  try {
    return (from as Record<string, unknown>)[name];
  } catch {
    throw new CacheError("INVALID_OPTIONS", "an option could not be read");
  }
}

/** `value`, with `null` taken as `undefined`: the two ways JS says "not given". */
function given<T>(value: T): T | undefined {
  return value === null ? undefined : value;
}

/** A nested options object, when given; anything else given is `INVALID_OPTIONS`. */
function optionalObject(value: unknown): object | undefined {
  const object = given(value);
  if (object !== undefined && typeof object !== "object") throw notAnObject();
  return object as object | undefined;
}

/** The names `fetch` reads of its options (one list, not one made per call: `fetch` is hot). */
const FETCH_OPTIONS = [
  ...SET_OPTIONS,
  "dedupMs",
  "force",
  "retry",
  "revalidateOnFocus",
  "revalidateOnReconnect",
  "refreshIntervalMs",
  "refreshWhenHidden",
] as const satisfies readonly (keyof FetchOptions)[];

const RETRY_OPTIONS = ["count", "baseDelayMs"] as const satisfies readonly (keyof NonNullable<FetchOptions["retry"]>)[];

const MUTATE_OPTIONS = ["commit", "rollbackOnError", ...SET_OPTIONS] as const satisfies readonly (keyof MutateOptions<unknown>)[];

/** `fetch` options as a plain copy (see {@link plainOptions}); `retry` copied too. */
export function fetchOptions(options: unknown): FetchOptions | undefined {
  const copy = plainOptions<FetchOptions>(options, FETCH_OPTIONS);
  // A primitive `retry` is left for the fetch to refuse.
  if (typeof copy?.retry === "object") copy.retry = plainOptions<NonNullable<FetchOptions["retry"]>>(copy.retry, RETRY_OPTIONS);
  // Compared with numbers by the revalidation timers, where a symbol would throw a TypeError.
  optionOfType(copy?.refreshIntervalMs, "number", "refreshIntervalMs");
  return copy;
}

/** `mutate` options as a plain copy, with `commit` a function and `rollbackOnError` a boolean. */
export function mutateOptions<T>(options: unknown): MutateOptions<T> | undefined {
  const copy = plainOptions<MutateOptions<T>>(options, MUTATE_OPTIONS);
  optionOfType(copy?.commit, "function", "commit");
  optionOfType(copy?.rollbackOnError, "boolean", "rollbackOnError");
  return copy;
}
