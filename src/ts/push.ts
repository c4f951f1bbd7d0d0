// Internal: server push. Listens to a WebSocket, an EventSource or any EventTarget's `message`
// events and turns what `map` returns into an emitted event or an invalidation.
import type { DiagnosticCode } from "./errors.js";
import type { PushResult } from "./types.js";
import type { WasmCache } from "./wasm/cachebus.js";

/** Numbers this tab's connections: each is one way a push can reach it. */
let lastConnection = 0;

/**
 * What tells one push from another when several tabs connected to the same source relay it to
 * each other: its text (with an EventSource's event id), or `undefined` when it has no text form
 * (then it is applied however often it arrives).
 */
function fingerprintOf(data: unknown, lastEventId: unknown): string | undefined {
  let text: string | undefined;
  if (typeof data === "string") text = data;
  else {
    try {
      text = JSON.stringify(data);
    } catch {
      return undefined;
    }
  }
  if (typeof text !== "string") return undefined;
  return typeof lastEventId === "string" && lastEventId !== "" ? `${lastEventId}\n${text}` : text;
}

/**
 * Connects `source` to the cache; returns the function that disconnects it. A message `map`
 * throws on, or returns something that is neither an event nor a target, is dropped and
 * reported as `PUSH_ERROR`; a source that closes or errors is reported (`SOURCE_CLOSED`,
 * `SOURCE_ERROR`).
 */
export function connect(inner: WasmCache, source: EventTarget, map: (data: unknown) => PushResult): () => void {
  const connection = (lastConnection += 1);
  const report = (code: DiagnosticCode, event: string, error?: unknown) =>
    dispatchEvent(
      new CustomEvent("cachebus:error", {
        detail: { code, event, error, namespace: inner.namespace, user: inner.user ?? null },
      }),
    );
  const onMessage = (event: Event) => {
    try {
      const { data, lastEventId } = event as MessageEvent;
      const text = typeof data === "string" ? data : undefined;
      let parsed: unknown = data;
      if (text !== undefined) {
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: map gets the text itself
        }
      }
      const result = map(parsed);
      if (result === undefined || result === null) return;
      inner.pushed(result, connection, fingerprintOf(text ?? data, lastEventId));
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
