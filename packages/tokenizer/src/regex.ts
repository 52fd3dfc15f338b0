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

/** Splits `text` on the matches of a global regex, appending the pieces to `out`. */
export function splitByRegex(
  text: string,
  re: RegExp,
  behavior: SplitBehavior,
  invert: boolean,
  out: string[],
): void {
  re.lastIndex = 0;
  const first = out.length;
  let last = 0;
  let pendingMatch = ''; // MergedWithNext: the delimiter waiting for the next piece
  const emit = (piece: string, isMatch: boolean) => {
    if (piece.length === 0) return;
    if (invert) isMatch = !isMatch;
    if (!isMatch || behavior === 'Isolated') {
      if (behavior === 'MergedWithNext' && pendingMatch) {
        out.push(pendingMatch + piece);
        pendingMatch = '';
      } else out.push(piece);
    } else if (behavior === 'MergedWithPrevious' && out.length > first) out[out.length - 1] += piece;
    else if (behavior === 'MergedWithPrevious') out.push(piece);
    else if (behavior === 'MergedWithNext') pendingMatch += piece;
  };
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const matched = m[0];
    if (matched.length === 0) {
      re.lastIndex++;
      continue;
    }
    emit(text.slice(last, m.index), false);
    last = m.index;
    emit(matched, true);
    last = m.index + matched.length;
  }
  emit(text.slice(last), false);
  if (pendingMatch) out.push(pendingMatch);
}
