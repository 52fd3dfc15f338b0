/**
 * Hugging Face pre-tokenizer patterns are Oniguruma regexes; JavaScript (Node 20) lacks two features
 * they use: inline case-insensitive groups `(?i:...)` and possessive quantifiers (`?+`, `++`, `*+`).
 * We rewrite the first into explicit case classes and the second into greedy quantifiers, which
 * matches the same text for the tokenizer patterns in use (the token after a possessive run can never
 * start with a character that run consumed).
 */
export function toJsRegexSource(pattern: string): string {
  let out = '';
  let inClass = false;
  let afterQuantifier = false; // a '+' right after a quantifier makes it possessive
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    const wasAfterQuantifier = afterQuantifier;
    afterQuantifier = false;
    if (ch === '\\') {
      const esc = escapeAt(pattern, i);
      out += esc;
      i += esc.length - 1;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      continue;
    }
    if (pattern.startsWith('(?i:', i)) {
      const end = closingParen(pattern, i);
      out += `(?:${caseFold(toJsRegexSource(pattern.slice(i + 4, end)))})`;
      i = end;
      continue;
    }
    if (ch === '+' && wasAfterQuantifier) continue;
    if (ch === '{') {
      const end = pattern.indexOf('}', i);
      out += pattern.slice(i, end + 1);
      i = end;
      afterQuantifier = true;
      continue;
    }
    afterQuantifier = ch === '?' || ch === '*' || ch === '+';
    out += ch;
  }
  return out;
}

/** Index of the `)` closing the group opened at `open`. */
function closingParen(pattern: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  throw new SyntaxError(`unbalanced group at offset ${open}`);
}

/** The escape starting at `i`: \p{..} / \u{..} carry their braces along, others are two characters. */
function escapeAt(source: string, i: number): string {
  const m = /^\\[pPu]\{[^}]*\}/.exec(source.slice(i, i + 64));
  return m ? m[0] : source.slice(i, i + 2);
}

const isAsciiLetter = (ch: string | undefined): ch is string => ch !== undefined && /^[A-Za-z]$/.test(ch);
const swapCase = (ch: string): string => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase());

/** Makes ASCII letters of a (JS) regex source match either case. */
function caseFold(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] as string;
    if (ch === '\\') {
      const esc = escapeAt(source, i);
      out += esc;
      i += esc.length - 1;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      if (isAsciiLetter(ch) && source[i + 1] === '-' && isAsciiLetter(source[i + 2])) {
        const hi = source[i + 2] as string;
        out += `${ch}-${hi}${swapCase(ch)}-${swapCase(hi)}`;
        i += 2;
      } else out += isAsciiLetter(ch) ? ch + swapCase(ch) : ch;
      continue;
    }
    if (ch === '[') inClass = true;
    out += isAsciiLetter(ch) ? `[${ch}${swapCase(ch)}]` : ch;
  }
  return out;
}

/** How a Split pre-tokenizer treats the matches (HF `SplitDelimiterBehavior`). */
export type SplitBehavior = 'Isolated' | 'Removed' | 'MergedWithPrevious' | 'MergedWithNext';
export const SPLIT_BEHAVIORS: readonly SplitBehavior[] = [
  'Isolated',
  'Removed',
  'MergedWithPrevious',
  'MergedWithNext',
];

/** Receives pre-tokens one at a time (no intermediate arrays on the hot path). */
export type Sink = (piece: string) => void;

/**
 * Splits `text` on the matches of a global regex and hands the pieces to `sink`. The common case
 * (Isolated, not inverted) tests a sticky twin of the regex at the current position, which avoids
 * allocating a match array per pre-token; it falls back to a search when nothing matches there.
 */
export function splitter(
  re: RegExp,
  behavior: SplitBehavior,
  invert: boolean,
): (text: string, sink: Sink) => void {
  if (behavior !== 'Isolated' || invert)
    return (text, sink) => splitGeneral(text, re, behavior, invert, sink);
  const sticky = new RegExp(re.source, 'uy');
  return (text, sink) => {
    const n = text.length;
    let pos = 0;
    while (pos < n) {
      sticky.lastIndex = pos;
      if (sticky.test(text) && sticky.lastIndex > pos) {
        const end = sticky.lastIndex;
        sink(text.slice(pos, end));
        pos = end;
        continue;
      }
      const m = nextMatch(re, text, pos);
      if (m === null) {
        sink(text.slice(pos));
        return;
      }
      if (m.index > pos) sink(text.slice(pos, m.index));
      sink(m[0]);
      pos = m.index + m[0].length;
    }
  };
}

/** The next non-empty match at or after `from`, or null. */
function nextMatch(re: RegExp, text: string, from: number): RegExpExecArray | null {
  re.lastIndex = from;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length > 0) return m;
    re.lastIndex++;
  }
  return null;
}

/** Every HF split behaviour: matches are isolated, removed, or glued to the previous/next piece. */
function splitGeneral(text: string, re: RegExp, behavior: SplitBehavior, invert: boolean, sink: Sink): void {
  const out: string[] = [];
  let pendingMatch = ''; // MergedWithNext: the delimiter waiting for the next piece
  const emit = (piece: string, isMatch: boolean) => {
    if (piece.length === 0) return;
    if (invert) isMatch = !isMatch;
    if (!isMatch || behavior === 'Isolated') {
      out.push(pendingMatch + piece);
      pendingMatch = '';
    } else if (behavior === 'MergedWithPrevious' && out.length > 0) out[out.length - 1] += piece;
    else if (behavior === 'MergedWithPrevious') out.push(piece);
    else if (behavior === 'MergedWithNext') pendingMatch += piece;
  };
  let last = 0;
  for (let m = nextMatch(re, text, 0); m !== null; m = nextMatch(re, text, last)) {
    emit(text.slice(last, m.index), false);
    emit(m[0], true);
    last = m.index + m[0].length;
  }
  emit(text.slice(last), false);
  if (pendingMatch) out.push(pendingMatch);
  for (const piece of out) sink(piece);
}
