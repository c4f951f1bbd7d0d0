// An entry's envelope built and read in one call each way (imported by src/web/envelope.rs): one
// import for all its fields instead of a getter and a setter per field, each a glue function and
// a wasm import of its own.

/** The envelope of src/web/envelope.rs, its fields in that order; `d` only when given. */
export function envelope(cb, v, u, a, s, x, t, e, w, z, d) {
  const made = { cb, v, u, a, s, x, t, e, w, z };
  if (d !== undefined) made.d = d;
  return made;
}

/** The fields of `object` as read back: `[cb, v, u, a, s, x, t, e, w, z, d]` (a getter may throw). */
export function fields(object) {
  return [object.cb, object.v, object.u, object.a, object.s, object.x, object.t, object.e, object.w, object.z, object.d];
}
