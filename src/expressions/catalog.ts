/**
 * The functions of the language and their parameters: cloud sync's list (entra-docs
 * hybrid/cloud-sync/reference-expressions.md) and the app-provisioning additions
 * (app-provisioning/functions-for-customizing-application-data.md), plus CRef and Contains,
 * which those pages use in their own examples (`DNComponent(CRef([dn]),1)`,
 * `Item([proxyAddresses],Contains([proxyAddresses], "SMTP:"))`).
 *
 * The parameter names are the pages' names; they are the keys of a Function source's
 * parameters in Graph's attributeMappingSource JSON, and the shape of
 * GET …/schema/functions (attributeMappingFunctionSchema). A repeating parameter is
 * numbered from 1 (`source1`, `source2`, …), as the pages write "source1 … sourceN".
 */

export type ParameterType = 'String' | 'Integer' | 'Boolean' | 'DateTime' | 'Reference' | 'Binary';

export interface ParameterSpec {
  readonly name: string;
  readonly type: ParameterType;
  readonly required: boolean;
  /** Repeats to the end of the call (Join's sources, Switch's key/value pairs). */
  readonly repeating?: boolean;
}

export interface FunctionSpec {
  readonly name: string;
  readonly parameters: readonly ParameterSpec[];
  /** Fewest arguments accepted. */
  readonly minArgs: number;
  /** Most arguments accepted; Infinity for repeating parameters. */
  readonly maxArgs: number;
  /** Extra rule on the argument count (Switch takes key/value pairs). */
  readonly argCountRule?: { readonly test: (count: number) => boolean; readonly says: string };
  readonly description: string;
}

const p = (name: string, type: ParameterType = 'String', required = true): ParameterSpec => ({ name, type, required });
const opt = (name: string, type: ParameterType = 'String'): ParameterSpec => p(name, type, false);
const rep = (name: string, type: ParameterType = 'String', required = true): ParameterSpec => ({ name, type, required, repeating: true });

function fn(name: string, parameters: readonly ParameterSpec[], description: string, extra: Partial<FunctionSpec> = {}): FunctionSpec {
  const repeating = parameters.some((x) => x.repeating);
  const required = parameters.filter((x) => x.required).length;
  return {
    name,
    parameters,
    minArgs: extra.minArgs ?? required,
    maxArgs: extra.maxArgs ?? (repeating ? Infinity : parameters.length),
    description,
    ...(extra.argCountRule ? { argCountRule: extra.argCountRule } : {}),
  };
}

const SPECS: readonly FunctionSpec[] = [
  fn('Append', [p('source'), p('suffix')], 'Appends the suffix to the end of the source value.'),
  fn('AppRoleAssignmentsComplex', [p('appRoleAssignments')], 'All app role assignments of the object (multi-valued).'),
  fn('BitAnd', [p('value1', 'Integer'), p('value2', 'Integer')], 'Bitwise AND of two numbers (&H hex accepted).'),
  fn('CBool', [p('expression', 'Boolean')], 'True when the expression evaluates to a non-zero value or True.'),
  fn('CDate', [p('expression')], 'A UTC DateTime from a date/time string.'),
  fn('Coalesce', [rep('source')], 'The first source value that is not null; a last constant acts as the default.'),
  fn('Contains', [p('attribute'), p('search'), opt('compareType')], '1-based index of the first value containing search, 0 if none.'),
  fn('ConvertFromBase64', [p('source'), opt('encoding')], 'Decodes base64 to text (Unicode by default; ASCII, UTF8).'),
  fn('ConvertToBase64', [p('source')], 'Encodes the UTF-16LE bytes of the text as base64.'),
  fn('ConvertToUTF8Hex', [p('source')], 'The UTF-8 bytes of the text as upper-case hex.'),
  fn('Count', [p('attribute')], 'The number of values of a multi-valued attribute.'),
  fn('CRef', [p('value')], 'The value as a reference (a DN); the identity on text.'),
  fn('CStr', [p('value')], 'The value as a string.'),
  fn('DateAdd', [p('interval'), p('value', 'Integer'), p('dateTime', 'DateTime')], 'Adds value intervals (yyyy, q, m, y, d, w, ww, h, n, s) to a date.'),
  fn('DateDiff', [p('interval'), p('date1', 'DateTime'), p('date2', 'DateTime')], 'The number of intervals from date1 to date2.'),
  fn('DateFromNum', [p('value', 'Integer')], 'A DateTime from an AD date (FILETIME: 100 ns ticks since 1601-01-01 UTC).'),
  fn('DNComponent', [p('dn', 'Reference'), p('componentNumber', 'Integer')], 'The value of the n-th RDN of a DN, counted from the left from 1.'),
  fn('Error', [p('errorMessage')], 'Fails the object with the given message.'),
  fn('FormatDateTime', [p('source'), opt('dateTimeStyles'), p('inputFormat'), p('outputFormat')],
    'Reformats a date from inputFormat to outputFormat (.NET custom formats); with three arguments they are source, inputFormat, outputFormat.', { minArgs: 3 }),
  fn('Guid', [], 'A new random GUID.'),
  fn('IgnoreFlowIfNullOrEmpty', [p('expression')], 'Drops the attribute from the flow when the expression is null or empty.'),
  fn('IIF', [p('condition', 'Boolean'), p('valueIfTrue'), p('valueIfFalse')], 'valueIfTrue when the condition holds, else valueIfFalse.'),
  fn('InStr', [p('value1'), p('value2'), opt('start', 'Integer'), opt('compareType')], '1-based position of value2 in value1, 0 if absent.'),
  fn('IsNull', [p('expression')], 'True when the expression is null (an absent attribute).'),
  fn('IsNullOrEmpty', [p('expression')], 'True when the expression is null or an empty string.'),
  fn('IsPresent', [p('expression')], 'True when the expression is neither null nor empty.'),
  fn('IsString', [p('expression')], 'True when the expression can be evaluated to a string.'),
  fn('Item', [p('attribute'), p('index', 'Integer')], 'The index-th value (1-based) of a multi-valued attribute.'),
  fn('Join', [p('separator'), rep('source')], 'Joins every value of every source (multi-values flattened) with the separator, skipping null and empty ones.'),
  fn('Left', [p('string'), p('numChars', 'Integer')], 'The first numChars characters.'),
  // length is optional (to the end, as VBA's Mid): the cloud sync page itself calls
  // Mid(Item([proxyAddresses],Contains([proxyAddresses], "SMTP:")),6) with two arguments.
  fn('Mid', [p('source'), p('start', 'Integer'), opt('length', 'Integer')], 'length characters (or the rest) from the 1-based start.'),
  fn('NormalizeDiacritics', [p('source')], 'Replaces diacritical characters with their plain equivalents.'),
  fn('Not', [p('source', 'Boolean')], 'False when source is True, True otherwise.'),
  fn('Now', [], 'The current UTC date and time.'),
  fn('NumFromDate', [p('value', 'DateTime')], 'An AD date (FILETIME) from an ISO 8601 date.'),
  fn('PCase', [p('source'), opt('wordSeparators')], 'Upper-cases the first letter of each word and lower-cases the rest.'),
  fn('RandomString', [p('length', 'Integer'), p('minimumNumbers', 'Integer'), p('minimumSpecialCharacters', 'Integer'),
    p('minimumCapital', 'Integer'), p('minimumLowerCase', 'Integer'), opt('charactersToAvoid')], 'A random string meeting the minimums.'),
  fn('Redact', [p('value')], 'The value, shown as "[Redact]" in provisioning logs.'),
  fn('RemoveDuplicates', [p('attribute')], 'The values with duplicates removed (case-sensitive), first occurrence kept.'),
  fn('Replace', [p('source'), opt('oldValue'), opt('regexPattern'), opt('regexGroupName'), opt('replacementValue'),
    opt('replacementAttributeName'), opt('template')], 'Replaces text by value, template or .NET regular expression.'),
  fn('SelectUniqueValue', [rep('uniqueValueRule')], 'The first candidate not yet used in the directory (top level only).', { minArgs: 2 }),
  fn('SingleAppRoleAssignment', [p('appRoleAssignments')], 'A single app role assignment of the object.'),
  fn('Split', [p('source'), p('delimiter')], 'Splits the text into a multi-valued array at the delimiter.'),
  fn('StringFromSID', [p('objectSid', 'Binary')], 'The S-1-… string form of a SID.'),
  fn('StripSpaces', [p('source')], 'Removes every space (" ") character.'),
  fn('Switch', [p('source'), opt('defaultValue'), rep('key'), rep('value')], 'The value paired with the first key equal to source (case-sensitive), else defaultValue.', {
    minArgs: 4,
    argCountRule: { test: (n) => n % 2 === 0, says: 'source, defaultValue and then key/value pairs (an even number of arguments)' },
  }),
  fn('ToLower', [p('source'), opt('culture')], 'Lower case (invariant culture unless one is given).'),
  fn('ToUpper', [p('source'), opt('culture')], 'Upper case (invariant culture unless one is given).'),
  // The key is source, as in the Trim mapping of cloud sync's how-to-transformation page.
  fn('Trim', [p('source')], 'Removes leading and trailing white space from each value.'),
  fn('Word', [p('string'), p('wordNumber', 'Integer'), p('delimiters')], 'The wordNumber-th word (1-based) delimited by any of the delimiters.'),
];

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(SPECS.map((s) => [s.name, s]));

/** Graph parameter keys for the arguments of a call, in order (empty arguments included). */
export function parameterKeys(spec: FunctionSpec, count: number): string[] {
  const keys: string[] = [];
  const fixed = spec.parameters.filter((x) => !x.repeating);
  const repeating = spec.parameters.filter((x) => x.repeating);
  if (spec.name === 'FormatDateTime' && count === 3) return ['source', 'inputFormat', 'outputFormat'];
  for (let i = 0; i < count; i++) {
    if (i < fixed.length) keys.push(fixed[i]!.name);
    else {
      const r = i - fixed.length;
      const group = repeating[r % repeating.length]!;
      keys.push(`${group.name}${Math.floor(r / repeating.length) + 1}`);
    }
  }
  return keys;
}

/** The argument position of a Graph parameter key, or undefined for a key the function lacks. */
export function parameterIndex(spec: FunctionSpec, key: string, keysGiven: readonly string[]): number | undefined {
  const fixed = spec.parameters.filter((x) => !x.repeating);
  const repeating = spec.parameters.filter((x) => x.repeating);
  if (spec.name === 'FormatDateTime' && !keysGiven.includes('dateTimeStyles')) {
    const i = ['source', 'inputFormat', 'outputFormat'].indexOf(key);
    return i === -1 ? undefined : i;
  }
  const f = fixed.findIndex((x) => x.name === key);
  if (f !== -1) return f;
  const m = /^(.*?)([1-9][0-9]*)$/.exec(key);
  if (!m) return undefined;
  const g = repeating.findIndex((x) => x.name === m[1]);
  if (g === -1) return undefined;
  return fixed.length + (Number(m[2]) - 1) * repeating.length + g;
}

/** Case-insensitive look-up for a "did you mean" hint: names are case-sensitive. */
export function functionNamedLike(name: string): FunctionSpec | undefined {
  const lower = name.toLowerCase();
  for (const spec of SPECS) if (spec.name.toLowerCase() === lower) return spec;
  return undefined;
}
