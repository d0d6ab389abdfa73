/**
 * Text that came from a client, an agent or the directory, made safe for a log line or a
 * terminal (issue 12): control characters (C0, DEL, C1), line and paragraph separators and
 * bidirectional overrides are written as escapes, so a value can neither start a forged log
 * line nor move the cursor or reorder what `canopy status` shows. JSON log lines (pino)
 * escape C0 by construction; plain-text lines go through this.
 */
// Control characters are what this matches.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function escapeForLog(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
