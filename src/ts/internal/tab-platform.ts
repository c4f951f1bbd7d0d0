// Internal: what coordinated tabs need of the platform, in one place: the lock manager and a
// channel of the namespace (internal/shared-fetches.ts, internal/warm-start.ts).

/** The Web Locks manager and a BroadcastChannel of the namespace. */
export interface TabPlatform {
  locks: LockManager;
  channel: BroadcastChannel;
}

/**
 * The lock manager and the channel `cachebus:{namespace}:{purpose}`, or `undefined` where the
 * platform lacks Web Locks or BroadcastChannel, or refuses them (a sandboxed frame): each tab then
 * works alone.
 */
export function tabPlatform(namespace: string, purpose: string): TabPlatform | undefined {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  if (!locks || typeof BroadcastChannel === "undefined") return undefined;
  try {
    return { locks, channel: new BroadcastChannel(`cachebus:${namespace}:${purpose}`) };
  } catch {
    return undefined;
  }
}
