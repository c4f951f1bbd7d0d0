// The one Node API the `node` entry (node.ts) uses, declared here so that the facade compiles
// without Node's types, which would let browser code use Node globals unnoticed.
declare module "node:fs/promises" {
  export function readFile(path: URL): Promise<Uint8Array>;
}
