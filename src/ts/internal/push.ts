// Internal: server push. Listens to a WebSocket, an EventSource or any EventTarget's `message`
// events and turns what `map` returns into an emitted event or an invalidation.
import { CacheError, type DiagnosticCode } from "../errors.js";
import type { PushResult } from "../types.js";
import type { WasmCache } from "../wasm/cachebus.js";

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
 * Connects `source` to the cache; returns the function that disconnects it. A source that is not
 * an EventTarget is `INVALID_OPTIONS`. A message whose `data` cannot be read, that `map` throws
 * on, or that `map` turns into neither an event nor a target, is dropped and reported as
 * `PUSH_ERROR`; a source that closes or errors is reported (`SOURCE_CLOSED`, `SOURCE_ERROR`).
 */
export function connect(inner: WasmCache, source: EventTarget, map: (data: unknown) => PushResult): () => void {
  const connection = (lastConnection += 1);
  checkSource(source);
  const report = (code: DiagnosticCode, event: string, error?: unknown) => reportTo(inner, code, event, error);
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
  const listeners = [
    ["message", onMessage],
    ["close", onClose],
    ["error", onError],
  ] as const;
  const disconnect = () => {
    for (const [type, listener] of listeners) {
      try {
        source.removeEventListener(type, listener);
      } catch {
        // a source that throws here has nothing of ours to keep
      }
    }
  };
  try {
    for (const [type, listener] of listeners) source.addEventListener(type, listener);
  } catch {
    disconnect();
    throw new CacheError("INVALID_OPTIONS", "the source refused its listeners");
  }
  return disconnect;
}

/** The wait before a source `open` made is opened again after it closed: doubled each time in a row. */
const REOPEN_AFTER_MS = 1_000;
/** The longest wait before opening a closed source again. */
const REOPEN_AT_MOST_MS = 30_000;

/**
 * Opens a source with `open` and connects it; disconnecting closes it (it is the cache's). One
 * that closes for good (a WebSocket's `close`, an EventSource that gave up) is opened again after
 * a wait, 1 s doubling to 30 s, back to 1 s once a source opens: without it, a server that drops
 * the connection would end every push (to every tab, for a shared source). Pushes sent in between
 * are the server's to replay. What the first `open` throws is the caller's; a later failure is
 * reported (`SOURCE_ERROR`) and tried again.
 */
export function connectOpened(inner: WasmCache, open: () => EventTarget, map: (data: unknown) => PushResult): () => void {
  let wait = REOPEN_AFTER_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let detach = () => {};
  const reopen = () => {
    timer = undefined;
    try {
      attach(open());
    } catch (error) {
      reportTo(inner, "SOURCE_ERROR", "open", error);
      later();
    }
  };
  const later = () => {
    if (stopped) return;
    timer = setTimeout(reopen, wait);
    wait = Math.min(wait * 2, REOPEN_AT_MOST_MS);
  };
  const attach = (source: EventTarget) => {
    let disconnect: () => void;
    try {
      disconnect = connect(inner, source, map);
    } catch (error) {
      close(source);
      throw error;
    }
    const opened = () => (wait = REOPEN_AFTER_MS);
    const gone = (event: Event) => {
      if (event.type === "error" && !gaveUp(source)) return; // an EventSource reconnecting by itself
      detach();
      later();
    };
    const listeners = [["open", opened], ["close", gone], ["error", gone]] as const;
    for (const [type, listener] of listeners) source.addEventListener(type, listener);
    detach = () => {
      detach = () => {};
      for (const [type, listener] of listeners) source.removeEventListener(type, listener);
      disconnect();
      close(source);
    };
  };
  attach(open());
  return () => {
    stopped = true;
    clearTimeout(timer);
    detach();
  };
}

/** Whether `source` is an EventSource that stopped reconnecting (its `error` then means closed). */
function gaveUp(source: EventTarget): boolean {
  return typeof EventSource !== "undefined" && source instanceof EventSource && source.readyState === EventSource.CLOSED;
}

/**
 * The source named `name` of the namespace, held by one tab at a time: the tab granted the name's
 * Web Lock opens it (`open`) and keeps it until it disconnects or closes; its pushes reach the
 * other tabs through the channel, as every push does. When the holding tab goes, the browser lets
 * go of its lock and the next tab waiting opens its own. A source that fails to open is reported
 * (`SOURCE_ERROR`) and the lock let go, for another tab to try. `holding` has `name` while this
 * tab holds the source.
 */
export function connectShared(
  inner: WasmCache,
  name: string,
  open: () => EventTarget,
  map: (data: unknown) => PushResult,
  holding: Set<string>,
): () => void {
  const stop = new AbortController();
  let release = () => {};
  const held = (): Promise<void> => {
    if (stop.signal.aborted) return Promise.resolve();
    let disconnect: () => void;
    try {
      disconnect = connectOpened(inner, open, map);
    } catch (error) {
      reportTo(inner, "SOURCE_ERROR", "open", error);
      return Promise.resolve();
    }
    holding.add(name);
    return new Promise<void>((resolve) => {
      release = () => {
        holding.delete(name);
        disconnect();
        resolve();
      };
    });
  };
  navigator.locks.request(`cachebus:${inner.namespace}:push:${name}`, { signal: stop.signal }, held).catch(() => {
    // Aborted before it was this tab's turn: nothing was opened.
  });
  return () => {
    stop.abort();
    release();
  };
}

/** Closes a source this cache opened (a WebSocket, an EventSource; anything with `close`). */
function close(source: EventTarget): void {
  try {
    (source as { close?: () => void }).close?.();
  } catch {
    // closing is best effort: the source is no longer listened to either way
  }
}

/** Reports a failure of a source as a `cachebus:error` diagnostic. */
function reportTo(inner: WasmCache, code: DiagnosticCode, event: string, error?: unknown): void {
  dispatchEvent(
    new CustomEvent("cachebus:error", { detail: { code, event, error, namespace: inner.namespace, user: inner.user ?? null } }),
  );
}

/**
 * Refuses, with `INVALID_OPTIONS`, a source without `addEventListener` and `removeEventListener`
 * methods (duck-typed: a WebSocket or EventSource of another frame, or a reconnecting wrapper,
 * is not `instanceof EventTarget` here).
 */
function checkSource(source: unknown): asserts source is EventTarget {
  let listens = false;
  try {
    const target = source as EventTarget;
    listens =
      typeof source === "object" &&
      source !== null &&
      typeof target.addEventListener === "function" &&
      typeof target.removeEventListener === "function";
  } catch {
    // a proxy or getter that throws: no source
  }
  if (!listens) throw new CacheError("INVALID_OPTIONS", "source must be an EventTarget (a WebSocket, an EventSource...)");
}
