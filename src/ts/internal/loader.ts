// Internal: the one place the WebAssembly module is found, compiled and instantiated.
import { CacheError, type CacheErrorCode } from "../errors.js";
import type { CacheOptions, WasmSource } from "../types.js";
import { plainOptions } from "./args.js";
import { useFailureMarker } from "./values.js";

/** The wasm-bindgen module (`pkg/wasm/cachebus.js`). */
export type Bindings = typeof import("../wasm/cachebus.js");

/** Reads a `file:` URL; given by the package's `node` entry, since Node's `fetch` cannot. */
export type FileReader = (url: URL) => Promise<ArrayBufferView | ArrayBuffer>;

let loading: Promise<Bindings> | undefined;
let readFile: FileReader | undefined;

/**
 * Lets the loader read `file:` URLs with `reader`. Called by the `node` entry (`node.ts`), so
 * that no browser bundle ever holds `fs`.
 */
export function readFilesWith(reader: FileReader): void {
  readFile = reader;
}

/**
 * Loads and instantiates the wasm module once, however many callers ask at the same time: from
 * `wasm` when given, else from the file beside the package. Nothing is fetched until the first
 * call, so importing cachebus on a server loads no wasm. Once a load has started, later `wasm`
 * values are ignored: the page has one module. A failed load rejects with `WASM_LOAD_FAILED` and
 * is forgotten, so the next call tries again (with its own `wasm`).
 */
export function loadBindings(wasm?: WasmSource): Promise<Bindings> {
  if (loading) {
    // Ignored, so nobody else will see a rejection of it.
    if (kindOf(wasm) === "promise") Promise.resolve(wasm).catch(() => {});
    return loading;
  }
  loading = instantiate(wasm).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * The `wasm` option of `options`, read once (see `plainOptions`); `INVALID_OPTIONS` unless it is
 * one of the kinds {@link WasmSource} lists.
 */
export function wasmOption(options: unknown): WasmSource | undefined {
  const wasm = plainOptions<CacheOptions>(options, ["wasm"])?.wasm;
  if (wasm !== undefined && kindOf(wasm) === undefined) {
    throw new CacheError(
      "INVALID_OPTIONS",
      "wasm must be a URL or string, a Response or a promise of one, an ArrayBuffer or typed array, or a WebAssembly.Module",
    );
  }
  return wasm;
}

type Kind = "module" | "bytes" | "url" | "response" | "promise";

/**
 * Which kind of {@link WasmSource} `value` is, `undefined` for none. Checked by tag and shape
 * rather than `instanceof`: bytes, URLs and responses may come from another realm (a test
 * runner's DOM, Node's undici beside happy-dom's `Response`). A value whose properties cannot be
 * read is none.
 */
function kindOf(value: unknown): Kind | undefined {
  if (typeof value === "string") return "url";
  if (typeof value !== "object" || value === null) return undefined;
  try {
    const tag = Object.prototype.toString.call(value);
    if (tag === "[object WebAssembly.Module]") return "module";
    if (ArrayBuffer.isView(value) || tag === "[object ArrayBuffer]") return "bytes";
    if (tag === "[object URL]") return "url";
    const shape = value as Partial<Record<"arrayBuffer" | "ok" | "status" | "then", unknown>>;
    if (typeof shape.arrayBuffer === "function" && typeof shape.ok === "boolean" && typeof shape.status === "number") {
      return "response";
    }
    if (typeof shape.then === "function") return "promise";
  } catch {
    return undefined;
  }
  return undefined;
}

async function instantiate(wasm: WasmSource | undefined): Promise<Bindings> {
  // The module is requested and compiled at once, beside the glue's import, not after it (D-10,
  // D-90 in docs/decisions.md). A bundler sees this `new URL` and ships the file.
  const source = wasm ?? new URL("../wasm/cachebus_bg.wasm", import.meta.url);
  const compiling = compileWasm(source);
  compiling.catch(() => {}); // awaited below, after the glue: never an unhandled rejection
  let bindings: Bindings;
  try {
    bindings = await import("../wasm/cachebus.js");
  } catch (error) {
    // Named, not built with `new URL`: a bundler would ship the glue a second time as a file.
    throw loadFailed(describe(source), "its JS glue (wasm/cachebus.js) could not be imported", error);
  }
  const module = await compiling;
  try {
    await bindings.default({ module_or_path: module });
  } catch (error) {
    throw loadFailed(describe(source), "the module does not fit this version of cachebus (instantiating it failed)", error);
  }
  bindings.setErrorFactory((code: CacheErrorCode, message: string) => new CacheError(code, message));
  useFailureMarker(bindings.failureMarker());
  return bindings;
}

/**
 * Compiles whatever `source` holds into a `WebAssembly.Module`: fetches a URL (reads a `file:`
 * one where a reader was given), awaits a promised `Response`, compiles a `Response` while it
 * streams (when it is the platform's own and served as `application/wasm`, else from its bytes),
 * compiles bytes, and takes a module as it is. Every failure is a `WASM_LOAD_FAILED` naming
 * where the module was looked for.
 */
export async function compileWasm(source: WasmSource): Promise<WebAssembly.Module> {
  switch (kindOf(source)) {
    case "module":
      return source as WebAssembly.Module;
    case "bytes":
      return compileBytes(source as ArrayBuffer | ArrayBufferView, "the bytes passed as `wasm`");
    case "response":
      return compileResponse(source as Response, "the Response passed as `wasm`");
    case "promise": {
      let response: unknown;
      try {
        response = await (source as PromiseLike<Response>);
      } catch (error) {
        throw loadFailed("the promise passed as `wasm`", "it rejected", error);
      }
      if (kindOf(response) !== "response") throw loadFailed("the promise passed as `wasm`", "it did not resolve to a Response");
      return compileResponse(response as Response, "the Response promised as `wasm`");
    }
    case "url": {
      const url = absolute(source as string | URL);
      if (url?.protocol === "file:" && readFile) {
        let bytes: ArrayBuffer | ArrayBufferView;
        try {
          bytes = await readFile(url);
        } catch (error) {
          throw loadFailed(url.href, "the file could not be read", error);
        }
        return compileBytes(bytes, url.href);
      }
      const where = url?.href ?? String(source);
      let response: Response;
      try {
        response = await fetch(url ?? String(source));
      } catch (error) {
        throw loadFailed(where, "the request failed", error);
      }
      return compileResponse(response, where);
    }
    default:
      throw loadFailed(describe(source), "it is not a URL, a Response, bytes or a WebAssembly.Module");
  }
}

async function compileResponse(response: Response, fallbackName: string): Promise<WebAssembly.Module> {
  const where = response.url || fallbackName;
  if (!response.ok) throw loadFailed(where, `the server answered ${`${response.status} ${response.statusText}`.trim()}`);
  const type = response.headers?.get("content-type") ?? "";
  // Streaming compilation takes only the platform's own Response, served with the wasm MIME type.
  const streams =
    typeof WebAssembly.compileStreaming === "function" &&
    typeof Response === "function" &&
    response instanceof Response &&
    type.split(";")[0]?.trim().toLowerCase() === "application/wasm";
  if (streams) {
    try {
      return await WebAssembly.compileStreaming(response);
    } catch (error) {
      throw loadFailed(where, "it is not a valid WebAssembly module", error);
    }
  }
  let bytes: ArrayBuffer;
  try {
    bytes = await response.arrayBuffer();
  } catch (error) {
    throw loadFailed(where, "its body could not be read", error);
  }
  return compileBytes(bytes, where, type);
}

/** The first bytes of every WebAssembly binary: `\0asm`. */
const MAGIC = [0x00, 0x61, 0x73, 0x6d];

async function compileBytes(bytes: ArrayBuffer | ArrayBufferView, where: string, type = ""): Promise<WebAssembly.Module> {
  const view = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  if (!MAGIC.every((byte, i) => view[i] === byte)) {
    // The usual case: a dev server or an SPA fallback answered the module's URL with a page.
    const start = String.fromCharCode(...view.subarray(0, 16)).replace(/[^\x20-\x7e]/g, "?");
    throw loadFailed(where, `it is not a WebAssembly file (it starts with ${JSON.stringify(start)}${type ? `, served as ${type}` : ""})`);
  }
  try {
    return await WebAssembly.compile(view as Uint8Array<ArrayBuffer>);
  } catch (error) {
    throw loadFailed(where, "it is not a valid WebAssembly module", error);
  }
}

/** `source` as an absolute URL: against the page's address in a browser; `undefined` when that fails. */
function absolute(source: string | URL): URL | undefined {
  try {
    return new URL(String(source), (globalThis as { location?: { href?: string } }).location?.href);
  } catch {
    return undefined;
  }
}

/** How a message names `source`. */
function describe(source: unknown): string {
  switch (kindOf(source)) {
    case "url":
      return absolute(source as string | URL)?.href ?? String(source);
    case "module":
      return "the WebAssembly.Module passed as `wasm`";
    case "bytes":
      return "the bytes passed as `wasm`";
    case "response":
      return (source as Response).url || "the Response passed as `wasm`";
    case "promise":
      return "the Response promised as `wasm`";
    default:
      return "the `wasm` option";
  }
}

/**
 * What to change, per setup. Every message carries all of them: the failing URL alone seldom
 * tells which bundler (if any) produced it.
 */
const HINTS =
  'Vite 6/7 dev server: add `optimizeDeps: { exclude: ["cachebus"] }` to the Vite config (its ' +
  "dependency pre-bundling moves the module's URL to where no file is). esbuild (emits no .wasm): " +
  'bundle the file with `--loader:.wasm=file` and pass it, `import wasm from "cachebus/wasm"; ' +
  "createCache({ namespace, wasm })`, or copy node_modules/cachebus/pkg/wasm/cachebus_bg.wasm to " +
  "that URL. Node or a test runner that resolved the browser build: pass the bytes, `wasm: " +
  'readFileSync(fileURLToPath(import.meta.resolve("cachebus/wasm")))`. Anything else: pass the ' +
  "module yourself with the `wasm` option (a URL, a Response, bytes or a WebAssembly.Module); see " +
  '"Bundlers and frameworks" in the README.';

function loadFailed(where: string, reason: string, cause?: unknown): CacheError {
  let detail = "";
  try {
    if (cause instanceof Error) detail = ` (${cause.name}: ${cause.message})`;
    else if (cause !== undefined) detail = ` (${String(cause)})`;
  } catch {
    // A cause that cannot be turned into text is still attached as `cause`.
  }
  return new CacheError(
    "WASM_LOAD_FAILED",
    `cachebus could not load its WebAssembly module from ${where}: ${reason}${detail}. ${HINTS}`,
    cause === undefined ? undefined : { cause },
  );
}
