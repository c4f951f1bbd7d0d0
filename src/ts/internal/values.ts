// Internal: values read from and written to the core. Its `get` and `observe` answer the value
// itself, and its `set` `undefined`, or, when the call fails, the core's failure marker, whose
// error `takeFailure` gives: an error thrown through wasm-bindgen would cross its externref table
// on every read, and come back as a pair unpacked from an array on every write, the hottest calls.
// The reads also take the time, `Date.now()` read here: cheaper than a call out of the wasm to
// read it (not so for `set`, measured).
import type { WasmCache } from "../wasm/cachebus.js";
import type { WriteArgs } from "./args.js";

/** The core's failure marker once the module is loaded; before, an object no read answers. */
let failed: unknown = {};

/** Takes the core's failure marker (the loader calls it once the module is instantiated). */
export function useFailureMarker(marker: unknown): void {
  failed = marker;
}

/** The reads of the core this module makes. */
export type Reads = Pick<WasmCache, "get" | "observe" | "takeFailure">;

/** The write of the core this module makes. */
export type Writes = Pick<WasmCache, "set" | "takeFailure">;

/** `inner.get(key)`: the value in memory, counted as a read; what the core refuses is thrown. */
export function getValue(inner: Reads, key: string): unknown {
  return valueOf(inner, inner.get(key, Date.now()));
}

/** `inner.observe(key)`: the same value, not counted (a render, a fetch's `previous`). */
export function observeValue(inner: Reads, key: string): unknown {
  return valueOf(inner, inner.observe(key, Date.now()));
}

/** `inner.set(key, value, ...write)`: stores `value`; what the core refuses is thrown. */
export function setValue(inner: Writes, key: string, value: unknown, write: WriteArgs): void {
  // Indexed, not spread: a spread call goes through the iteration builtin on every write.
  valueOf(inner, inner.set(key, value, write[0], write[1], write[2], write[3], write[4]));
}

function valueOf(inner: Pick<WasmCache, "takeFailure">, answer: unknown): unknown {
  if (answer === failed) throw inner.takeFailure();
  return answer;
}
