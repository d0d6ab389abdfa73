/**
 * NormalizeDiacritics (entra-docs functions page, its table of characters): Latin letters
 * lose their combining marks (Unicode canonical decomposition, NFD, then the marks that
 * follow a Latin letter are dropped), and the letters the table maps to other letters
 * (æ → ae, ø → oe, ß → ss, ł → l, …) are replaced. Marks on other scripts are kept
 * (ガ stays ガ), and the text is recomposed (NFC) so Hangul and the like come back whole.
 */
const REPLACEMENTS: Readonly<Record<string, string>> = {
  æ: 'ae', Æ: 'AE', ø: 'oe', Ø: 'OE', œ: 'oe', Œ: 'OE', ß: 'ss', ł: 'l', Ł: 'L', ı: 'i', đ: 'd', Đ: 'D',
};

const LATIN_THEN_MARKS = /(\p{Script=Latin})(\p{Mn}+)/gu;

export function normalizeDiacritics(text: string): string {
  const stripped = text.normalize('NFD').replace(LATIN_THEN_MARKS, '$1');
  let out = '';
  for (const ch of stripped) out += REPLACEMENTS[ch] ?? ch;
  return out.normalize('NFC');
}
