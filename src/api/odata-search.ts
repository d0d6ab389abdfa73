/**
 * Graph's $search on directory objects: `"property:words"` clauses joined by AND / OR (AND
 * binds tighter), e.g. `"displayName:wa" OR "mail:wa"`. Graph tokenizes the property value
 * and matches a word that starts with the searched text (Graph "Use the $search query
 * parameter": tokenized search on displayName and description); here that is: the value
 * starts with it, or it follows a space, '.', '-', '_' or '@'. Several words in one clause
 * must each match. Bounded like $filter (odata-limits.ts).
 */
import type { Predicate } from '../directory/store.ts';
import { badRequest } from './errors.ts';
import { canonicalProperty, type GraphResource } from './resources.ts';

/** Word boundaries a searched word may follow. */
const SEPARATORS = [' ', '.', '-', '_', '@'];
const LIMITS = Object.freeze({ length: 512, clauses: 10 });

export function parseSearch(resource: GraphResource, searchable: readonly string[], text: string): Predicate {
  if (text.length > LIMITS.length) throw badRequest(`Invalid $search: longer than ${LIMITS.length} characters.`);
  const tokens = text.trim().match(/"[^"]*"|\S+/g) ?? [];
  const groups: Predicate[][] = [[]];
  let expectClause = true;
  let clauses = 0;
  for (const token of tokens) {
    if (!expectClause) {
      const joiner = token.toUpperCase();
      if (joiner === 'OR') groups.push([]);
      else if (joiner !== 'AND') throw badRequest(`Syntax error: expected AND or OR but found '${token}' in $search.`);
      expectClause = true;
      continue;
    }
    if (++clauses > LIMITS.clauses) throw badRequest(`Invalid $search: more than ${LIMITS.clauses} clauses.`);
    groups[groups.length - 1]!.push(clause(resource, searchable, token));
    expectClause = false;
  }
  if (expectClause) throw badRequest('Syntax error: $search needs "property:text" clauses joined by AND or OR.');
  const ors = groups.map((operands): Predicate => (operands.length === 1 ? operands[0]! : { op: 'and', operands }));
  return ors.length === 1 ? ors[0]! : { op: 'or', operands: ors };
}

function clause(resource: GraphResource, searchable: readonly string[], token: string): Predicate {
  const match = /^"([^":]+):(.*)"$/s.exec(token);
  if (!match) throw badRequest(`Syntax error: the $search clause ${token} must be written "property:text", in double quotes.`);
  const property = canonicalProperty(resource, match[1]!.trim());
  if (!property || !searchable.includes(property)) {
    throw badRequest(`Invalid $search: '${match[1]}' cannot be searched on 'microsoft.graph.${resource.name}'; use one of ${searchable.join(', ')}.`);
  }
  const words = match[2]!.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw badRequest(`Invalid $search: the clause for '${property}' has no text.`);
  const perWord = words.map((word): Predicate => ({
    op: 'or',
    operands: [{ op: 'startswith', property, value: word }, ...SEPARATORS.map((s): Predicate => ({ op: 'contains', property, value: `${s}${word}` }))],
  }));
  return perWord.length === 1 ? perWord[0]! : { op: 'and', operands: perWord };
}
