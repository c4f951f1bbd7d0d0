// JS values the wasm makes or reads in one call: the plain objects `peek()` and `stats()` return
// (src/bindings/convert.rs; every property set through the boundary was a call of its own, and
// its name a string decoded, and hooks peek on every render; property order is the documented
// one), and the number a write's tags may be (src/bindings/options.rs).

/**
 * `{ state, tier, tags, etag, updatedAt, staleAt, expiresAt }`, then `error` and `errorAt` after
 * a failed fetch (`errorAt` given). An instant not given is `null`: never.
 */
export function entryInfo(state, tier, tags, etag, updatedAt, staleAt, expiresAt, error, errorAt) {
  const info = { state, tier, tags, etag, updatedAt, staleAt: staleAt ?? null, expiresAt: expiresAt ?? null };
  if (errorAt !== undefined) {
    info.error = error;
    info.errorAt = errorAt;
  }
  return info;
}

/** `stats()`: the counters, then each tier's `{ entries, bytes }`. */
export function cacheStats(
  hits, misses, staleHits, evictions, corrupt, quotaExceeded, storageUnavailable, rejectedMessages,
  memoryEntries, memoryBytes, localEntries, localBytes, idbEntries, idbBytes,
) {
  return {
    hits, misses, staleHits, evictions, corrupt, quotaExceeded, storageUnavailable, rejectedMessages,
    tiers: {
      memory: { entries: memoryEntries, bytes: memoryBytes },
      local: { entries: localEntries, bytes: localBytes },
      idb: { entries: idbEntries, bytes: idbBytes },
    },
  };
}

/**
 * `tags` when it is the number of a tag list, else -1. One call answering a plain number, where
 * wasm-bindgen's `as_f64` answers an `Option` written into wasm memory on every write.
 */
export function tagListNumber(tags) {
  return typeof tags === "number" ? tags : -1;
}
