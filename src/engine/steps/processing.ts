/**
 * Step 4, processing (the action): the objectMapping's attribute mappings evaluated for the
 * operation the match calls for — create for a new object or one joining from a whole read,
 * update otherwise. A mapping that fails ends the object's path (logged and escrowed).
 */
import type { CycleContext, PageWork } from '../cycle-context.ts';
import { evaluateMapping, type MappedObject } from '../mapping.ts';
import { storePropertyOf } from '../target-properties.ts';
import type { Matched } from './matching.ts';
import { failObject, type ObjectInput } from './outcomes.ts';

export function processingStep(ctx: CycleContext, work: PageWork, input: ObjectInput, matched: Matched): MappedObject | undefined {
  const operation = matched.kind === 'new' || (matched.joining && input.view.complete) ? 'create' : 'update';
  const result = (operation === 'create' ? matched.createMapping : undefined) ?? evaluateMapping(input.compiled, input.view, operation);
  if (result.failures.length === 0) {
    input.log.redact([...result.mapped.redacted].map((name) => storePropertyOf(input.objectType, name)));
    input.log.step('processing', 'success', `attribute mappings evaluated (${operation})`);
    return result.mapped;
  }
  const reason = result.failures.map((f) => `${f.targetAttributeName}: ${f.message}`).join('; ');
  input.log.step('processing', 'failure', reason);
  failObject(ctx, work, input.log, input.guid, input.objectType, {
    errorCode: 'AttributeMappingFailed',
    reason,
    errorCategory: 'NonServiceFailure',
    recommendedAction: 'Fix the source value or the attribute mapping.',
  });
  return undefined;
}
