// The plain objects `peek()` and `stats()` return, each made in one call from src/bindings/convert.rs:
// every property set through the boundary was a call of its own (and its name a string decoded),
// and hooks peek on every render. Property order is the documented one.

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
