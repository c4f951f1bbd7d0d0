import { CacheError, type CacheErrorCode } from "../errors.js";

/** The wasm-bindgen module (`pkg/wasm/cachebus.js`). */
export type Bindings = typeof import("../wasm/cachebus.js");

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
  // The wasm is requested at once, beside the glue, not after the glue's import has run (D-10 in
  // docs/decisions.md). A bundler sees this `new URL` and ships the file, as it does for the glue's.
  const wasm = fetch(new URL("../wasm/cachebus_bg.wasm", import.meta.url));
  wasm.catch(() => {}); // a failure surfaces through `default` below; never as an unhandled rejection
  const bindings = await import("../wasm/cachebus.js");
  await bindings.default({ module_or_path: wasm });
  bindings.setErrorFactory((code: CacheErrorCode, message: string) => new CacheError(code, message));
  return bindings;
}
