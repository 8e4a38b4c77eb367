/**
 * Node's Buffer has fast latin1Slice (used by toString('latin1')) and
 * latin1Write (write(s, offset, length, 'latin1')) without the argument
 * checks; they are not in @types/node, so declare them here.
 */
export {};
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(s: string, offset: number, length: number): number;
  }
}
