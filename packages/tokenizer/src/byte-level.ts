/**
 * GPT-2's byte-to-unicode table: every byte gets a printable character so that byte-level BPE
 * vocabularies can be stored as JSON strings. Printable Latin-1 bytes map to themselves, the rest
 * to U+0100 upward (space becomes 'Ġ', newline 'Ċ').
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : next++);
  }
  return table;
})();

/** Inverse of BYTE_TO_CHAR, indexed by char code (only codes < 512 are used). */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(512).fill(-1);
  BYTE_TO_CHAR.forEach((ch, b) => {
    table[ch.charCodeAt(0)] = b;
  });
  return table;
})();

/** Maps raw bytes to their byte-level string (the form vocabularies store). */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_CHAR[bytes[i] as number];
  return out;
}

/** Maps a byte-level vocabulary string back to bytes; null when it holds a non byte-level char. */
export function byteLevelToBytes(token: string): Uint8Array | null {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const b = code < 512 ? (CHAR_TO_BYTE[code] as number) : -1;
    if (b < 0) return null;
    out[i] = b;
  }
  return out;
}

/** Replaces lone surrogates with U+FFFD, which is what any UTF-8 encoder turns them into. */
export function wellFormed(text: string): string {
  return (text as string & { toWellFormed(): string }).toWellFormed();
}
