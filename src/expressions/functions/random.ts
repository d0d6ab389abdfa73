/**
 * RandomString(Length, MinimumNumbers, MinimumSpecialCharacters, MinimumCapital,
 * MinimumLowerCase, CharactersToAvoid): characters from the classes of Windows' password
 * complexity reference (upper, lower, digits, and the special characters listed there),
 * drawn with node:crypto, the minimums placed first and the whole shuffled.
 */
import { randomInt } from 'node:crypto';
import { ExpressionError } from '../errors.ts';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const SPECIAL = '~!@#$%^&*_-+=`|\\(){}[]:;"\'<>,.?/';
const MAX_LENGTH = 256;

export function randomString(length: number, numbers: number, special: number, capital: number, lower: number, avoid: string): string {
  if (length > MAX_LENGTH) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `RandomString: Length ${length} is more than ${MAX_LENGTH}`);
  if ([length, numbers, special, capital, lower].some((n) => n < 0)) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', 'RandomString: lengths cannot be negative');
  if (numbers + special + capital + lower > length) {
    throw new ExpressionError('ERR_EXPRESSION_EVALUATION', `RandomString: Length ${length} is less than the minimums' sum ${numbers + special + capital + lower}`);
  }
  const keep = (set: string): string => [...set].filter((c) => !avoid.includes(c)).join('');
  const classes: [string, number][] = [[keep(DIGITS), numbers], [keep(SPECIAL), special], [keep(UPPER), capital], [keep(LOWER), lower]];
  const all = classes.map(([set]) => set).join('');
  const chars: string[] = [];
  for (const [set, min] of classes) {
    if (min > 0 && set === '') throw new ExpressionError('ERR_EXPRESSION_EVALUATION', 'RandomString: CharactersToAvoid leaves no character for a minimum');
    for (let i = 0; i < min; i++) chars.push(set[randomInt(set.length)]!);
  }
  if (all === '' && length > chars.length) throw new ExpressionError('ERR_EXPRESSION_EVALUATION', 'RandomString: CharactersToAvoid leaves no character');
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
