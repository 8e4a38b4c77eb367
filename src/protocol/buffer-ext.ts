/**
 * Node's Buffer has fast latin1Slice (used by toString('latin1')) without the
 * argument checks; it is not in @types/node, so declare it here.
 */
export {};
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
  }
}
