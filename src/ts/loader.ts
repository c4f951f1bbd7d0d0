import { CacheError, type CacheErrorCode } from "./errors.js";

/** The wasm-bindgen module (`pkg/wasm/cachebus.js`). */
export type Bindings = typeof import("./wasm/cachebus.js");

let loading: Promise<Bindings> | undefined;

/**
 * Loads and instantiates the wasm module once, however many callers ask at the same time.
 * Nothing is fetched until the first call, so importing cachebus on a server loads no wasm.
 * A failed load is forgotten so the next call can try again.
 */
export function loadBindings(): Promise<Bindings> {
  loading ??= instantiate().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function instantiate(): Promise<Bindings> {
  const bindings = await import("./wasm/cachebus.js");
  await bindings.default();
  bindings.setErrorFactory((code: CacheErrorCode, message: string) => new CacheError(code, message));
  return bindings;
}
