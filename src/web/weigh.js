// What a value weighs against a memory or `idb` budget: about the length of its JSON text,
// counted without building it (imported by src/bindings/cache.rs; plain JS, so the walk runs at
// JS speed and crosses the boundary once). A string counts its length whatever it holds, where
// JSON.stringify would scan every character to escape it: a 1 KB value weighs in a few
// operations, not a kilobyte of copying.

/** Levels walked at most: deeper values (a cycle among them) add nothing more. */
const MAX_DEPTH = 64;

/**
 * Roughly `JSON.stringify(value).length`; 0 for what JSON leaves out (functions, symbols,
 * undefined) and for a value whose getters or proxy traps throw (never an exception into wasm).
 */
export function weigh(value) {
  try {
    return weight(value, 0);
  } catch {
    return 0;
  }
}

function weight(value, depth) {
  switch (typeof value) {
    case "string":
      return value.length + 2;
    case "number":
      return Number.isInteger(value) && Math.abs(value) < 1e15 ? digits(value) : 8;
    case "bigint":
      return 8;
    case "boolean":
      return 5;
    case "object":
      if (value === null) return 4;
      if (depth >= MAX_DEPTH) return 0;
      return Array.isArray(value) ? arrayWeight(value, depth + 1) : objectWeight(value, depth + 1);
    default:
      return 0; // undefined, functions and symbols: JSON writes nothing for them
  }
}

/** The length of an integer's decimal text (counted, not `Math.log10`: faster, and exact near powers of ten). */
function digits(integer) {
  const magnitude = integer < 0 ? -integer : integer;
  let length = integer < 0 ? 2 : 1;
  for (let power = 10; power <= magnitude; power *= 10) length++;
  return length;
}

function arrayWeight(items, depth) {
  let total = 2 + Math.max(0, items.length - 1); // brackets and commas
  for (let i = 0; i < items.length; i++) total += weight(items[i], depth) || 4; // a hole or undefined is `null`
  return total;
}

function objectWeight(object, depth) {
  let total = 2; // braces
  const keys = Object.keys(object); // own enumerable keys, as JSON writes them
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const inner = weight(object[key], depth);
    if (inner > 0) total += key.length + 4 + inner; // quotes, colon, comma
  }
  return total;
}
