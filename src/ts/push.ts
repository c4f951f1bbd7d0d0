// Internal: server push. Listens to a WebSocket, an EventSource or any EventTarget's `message`
// events and turns what `map` returns into an emitted event or an invalidation.
import type { DiagnosticCode } from "./errors.js";
import type { PushResult } from "./types.js";
import type { WasmCache } from "./wasm/cachebus.js";

/**
 * Connects `source` to the cache; returns the function that disconnects it. A message `map`
 * throws on, or returns something that is neither an event nor a target, is dropped and
 * reported as `PUSH_ERROR`; a source that closes or errors is reported (`SOURCE_CLOSED`,
 * `SOURCE_ERROR`).
 */
export function connect(
  inner: WasmCache,
  source: EventTarget,
  map: (data: unknown) => PushResult,
  afterChange: () => void,
): () => void {
  const report = (code: DiagnosticCode, event: string, error?: unknown) =>
    dispatchEvent(
      new CustomEvent("cachebus:error", {
        detail: { code, event, error, namespace: inner.namespace, user: inner.user ?? null },
      }),
    );
  const onMessage = (event: Event) => {
    let data = (event as MessageEvent).data;
    if (typeof data === "string") {
      try {
        data = JSON.parse(data);
      } catch {
        // not JSON: map gets the text itself
      }
    }
    try {
      const result = map(data);
      if (result === undefined || result === null) return;
      inner.pushed(result);
      afterChange();
    } catch (error) {
      report("PUSH_ERROR", "message", error);
    }
  };
  const onClose = () => report("SOURCE_CLOSED", "close");
  const onError = () => report("SOURCE_ERROR", "error");
  source.addEventListener("message", onMessage);
  source.addEventListener("close", onClose);
  source.addEventListener("error", onError);
  return () => {
    source.removeEventListener("message", onMessage);
    source.removeEventListener("close", onClose);
    source.removeEventListener("error", onError);
  };
}
