/** Text functions whose rules need more than a line (PCase, Word, Split, InStr). */

/** .NET ToTitleCase's default separators: separators, controls, punctuation and symbols. */
const DEFAULT_SEPARATOR = /[\p{Z}\p{C}\p{P}\p{S}]/u;

/**
 * PCase: every character lower-cased, then the first letter of each word upper-cased. A
 * word starts after a separator: the given characters, or .NET ToTitleCase's categories.
 * (The page's example turns "PABLO GONSALVES (SECOND)" into "Pablo Gonsalves (Second)",
 * so all-capital words are not kept as acronyms the way plain ToTitleCase would.)
 */
export function pcase(text: string, separators: string | null): string {
  const isSeparator = separators === null ? (c: string) => DEFAULT_SEPARATOR.test(c) : (c: string) => separators.includes(c);
  let out = '';
  let atWordStart = true;
  for (const ch of text) {
    if (isSeparator(ch)) {
      out += ch;
      atWordStart = true;
    } else {
      out += atWordStart ? ch.toUpperCase() : ch.toLowerCase();
      atWordStart = false;
    }
  }
  return out;
}

/** Word: the n-th (1-based) run of characters between any of the delimiters. */
export function word(text: string, n: number, delimiters: string): string {
  if (n < 1) return '';
  const words: string[] = [];
  let current = '';
  for (const ch of text) {
    if (delimiters.includes(ch)) {
      if (current !== '') words.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') words.push(current);
  return words[n - 1] ?? '';
}

/**
 * InStr: 1-based position of `find` in `text` from `start`, 0 when absent; vbTextCompare
 * compares case-insensitively, vbBinaryCompare (the default) exactly.
 */
export function instr(text: string, find: string, start: number, textCompare: boolean): number {
  const haystack = textCompare ? text.toLowerCase() : text;
  const needle = textCompare ? find.toLowerCase() : find;
  const at = haystack.indexOf(needle, Math.max(0, start - 1));
  return at === -1 ? 0 : at + 1;
}
