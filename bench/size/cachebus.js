// Size entry: what an app using cachebus ships (facade, wasm glue and wasm, React hooks).
import { createCache, httpJson } from "cachebus";
import { CacheProvider, useCached, useCacheEvent, useMutate } from "cachebus/react";

window.app = { createCache, httpJson, CacheProvider, useCached, useCacheEvent, useMutate };
