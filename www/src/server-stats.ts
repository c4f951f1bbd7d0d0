// The seed pages' view of their demo server: its request counters, polled, so a person sees what
// the cache saved (and what an invalidation cost) in requests.
import { useCallback, useEffect, useState } from "react";

/** How often the counters are read. */
const POLL_MS = 300;

/**
 * The JSON at `url` (a page's `/api/…/stats`), read every 300 ms; a new object only when the text
 * changed, and the last one kept while the server does not answer. `refresh()` reads it now.
 */
export function useServerStats<T>(url: string): { stats: T | undefined; refresh: () => Promise<void> } {
  const [state, setState] = useState<{ text: string; stats: T | undefined }>({ text: "", stats: undefined });
  const refresh = useCallback(async () => {
    try {
      const text = await (await fetch(url)).text();
      setState((shown) => (shown.text === text ? shown : { text, stats: JSON.parse(text) as T }));
    } catch {
      // unreachable for a moment: keep what is shown; the next poll tries again
    }
  }, [url]);
  useEffect(() => {
    const timer = setInterval(refresh, POLL_MS);
    void refresh();
    return () => clearInterval(timer);
  }, [refresh]);
  return { stats: state.stats, refresh };
}
