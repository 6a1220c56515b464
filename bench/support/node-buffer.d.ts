// Node's Buffer methods without toString()/write()'s encoding dispatch (present since Node 0.x, not in @types/node).
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    utf8Slice(start?: number, end?: number): string;
    latin1Write(text: string, offset?: number, length?: number): number;
    utf8Write(text: string, offset?: number, length?: number): number;
  }
}
export {};
