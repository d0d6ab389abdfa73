/**
 * Run as a child process with NODE_EXTRA_CA_CERTS set to the test CA; the step is argv[2]:
 *   setup:  the Domain secret and an AD2AADProvisioning job, scoped to CANOPY_OU (prints the job id);
 *   schema: reads the schema, has parseExpression turn `Join(" ", [givenName], ToUpper([sn]))`
 *           into Graph's source JSON, maps msDS-cloudExtensionAttribute1 to the directory
 *           extension CANOPY_EXTENSION, scopes users to department EQUALS "Sales", and PUTs it;
 *           first three bad PUTs (unknown function, wrong arity, unknown attribute);
 *   read:   the users with $select of displayName, department and the extension;
 *   group-setup: the Domain secret and a job scoped by groupFilter to CANOPY_GROUP; first a PUT
 *           naming both an OU and a group (refused: mutually exclusive);
 *   groups: the groups with the displayNames of their members;
 *   discover: the Domain secret and a job; discovers its two directories, then PUTs the
 *           schema with the discovered employeeNumber added and mapped (refused: the agent
 *           does not read it), then with employeeID mapped instead (accepted).
 * Everything through @microsoft/microsoft-graph-client, as an admin script would.
 */
import { graphSdkClient, requiredEnv } from '../../support/graph-sdk-client.ts';

interface Source { expression?: string; name: string | null; type: string; parameters?: unknown[] }
interface AttributeMapping { targetAttributeName: string; source: Source | null; flowType: string; defaultValue?: string | null; matchingPriority?: number; flowBehavior?: string; exportMissingReferences?: boolean }
interface ObjectMapping { sourceObjectName: string; targetObjectName: string; attributeMappings: AttributeMapping[]; scope?: unknown }
interface Schema { directories: { name: string; objects: { name: string; attributes: { name: string; type: string; multivalued: boolean }[] }[] }[]; synchronizationRules: { containerFilter?: unknown; objectMappings: ObjectMapping[] }[] }

const { client } = graphSdkClient();
const env = requiredEnv;
const principals = (await client.api('/servicePrincipals').filter("startswith(displayName,'Active Directory to Azure Active Directory Provisioning')").get()) as { value: { id: string }[] };
const base = `/servicePrincipals/${principals.value[0]!.id}/synchronization`;
const step = process.argv[2];

async function failure(promise: Promise<unknown>): Promise<{ statusCode: number; message?: string }> {
  try {
    await promise;
    return { statusCode: 200 };
  } catch (error) {
    return { statusCode: (error as { statusCode: number }).statusCode, message: (error as Error).message };
  }
}

if (step === 'setup') {
  await client.api(`${base}/secrets`).put({ value: [{ key: 'Domain', value: JSON.stringify({ domain: env('CANOPY_DOMAIN') }) }] });
  const job = (await client.api(`${base}/jobs`).post({ templateId: 'AD2AADProvisioning' })) as { id: string };
  const schema = (await client.api(`${base}/jobs/${job.id}/schema`).get()) as Schema & Record<string, unknown>;
  delete schema['@odata.context'];
  schema.synchronizationRules[0]!.containerFilter = { includedContainers: [env('CANOPY_OU')] };
  await client.api(`${base}/jobs/${job.id}/schema`).put(schema);
  console.log(JSON.stringify({ jobId: job.id }));
} else if (step === 'schema') {
  const jobId = env('CANOPY_JOB_ID');
  const extension = env('CANOPY_EXTENSION');
  const schema = (await client.api(`${base}/jobs/${jobId}/schema`).get()) as Schema & Record<string, unknown>;
  delete schema['@odata.context'];
  const parsed = (await client.api(`${base}/jobs/${jobId}/schema/parseExpression`).post({ expression: 'Join(" ", [givenName], ToUpper([sn]))' })) as { parsedExpression: Source; parsingSucceeded: boolean };
  const rule = schema.synchronizationRules[0]!;
  const users = rule.objectMappings.find((m) => m.sourceObjectName === 'user')!;
  const withDisplayName = (source: Source) => {
    const copy = structuredClone(schema);
    const mapping = copy.synchronizationRules[0]!.objectMappings.find((m) => m.sourceObjectName === 'user')!.attributeMappings.find((a) => a.targetAttributeName === 'displayName')!;
    mapping.source = source;
    return copy;
  };
  const refused = [
    await failure(client.api(`${base}/jobs/${jobId}/schema`).put(withDisplayName({ expression: 'Joinn(" ", [givenName])', name: 'Joinn', type: 'Function', parameters: [] }))),
    await failure(client.api(`${base}/jobs/${jobId}/schema`).put(withDisplayName({ ...parsed.parsedExpression, expression: 'ToUpper()', name: 'ToUpper', parameters: [] }))),
    await failure(client.api(`${base}/jobs/${jobId}/schema`).put(withDisplayName({ expression: '[givenNaem]', name: 'givenNaem', type: 'Attribute' }))),
  ];
  const unchanged = JSON.stringify((await client.api(`${base}/jobs/${jobId}/schema`).get()).synchronizationRules) === JSON.stringify(schema.synchronizationRules);
  users.attributeMappings.find((a) => a.targetAttributeName === 'displayName')!.source = parsed.parsedExpression;
  users.attributeMappings.push({ targetAttributeName: extension, source: { expression: '[msDS-cloudExtensionAttribute1]', name: 'msDS-cloudExtensionAttribute1', type: 'Attribute', parameters: [] }, flowType: 'Always', defaultValue: null, matchingPriority: 0, flowBehavior: 'FlowWhenChanged', exportMissingReferences: false });
  users.scope = { groups: [{ name: 'Sales only', clauses: [{ sourceOperandName: 'department', operatorName: 'EQUALS', targetOperand: { values: ['Sales'] } }] }] };
  const target = schema.directories.find((d) => d.name === 'Azure Active Directory')!.objects.find((o) => o.name === 'User')!;
  target.attributes.push({ name: extension, type: 'String', multivalued: false });
  await client.api(`${base}/jobs/${jobId}/schema`).put(schema);
  const stored = (await client.api(`${base}/jobs/${jobId}/schema`).get()) as Schema;
  console.log(JSON.stringify({ parsingSucceeded: parsed.parsingSucceeded, refused, unchanged, storedScope: stored.synchronizationRules[0]!.objectMappings.find((m) => m.sourceObjectName === 'user')!.scope }));
} else if (step === 'read') {
  const users = (await client.api('/users').select(`id,displayName,department,onPremisesDistinguishedName${process.env.CANOPY_EXTENSION ? `,${process.env.CANOPY_EXTENSION}` : ''}`).top(999).get()) as { value: Record<string, unknown>[] };
  console.log(JSON.stringify({ users: users.value }));
} else if (step === 'group-setup') {
  await client.api(`${base}/secrets`).put({ value: [{ key: 'Domain', value: JSON.stringify({ domain: env('CANOPY_DOMAIN') }) }] });
  const job = (await client.api(`${base}/jobs`).post({ templateId: 'AD2AADProvisioning' })) as { id: string };
  const schema = (await client.api(`${base}/jobs/${job.id}/schema`).get()) as Schema & Record<string, unknown>;
  delete schema['@odata.context'];
  const rule = schema.synchronizationRules[0]! as Schema['synchronizationRules'][0] & { groupFilter?: unknown };
  rule.containerFilter = { includedContainers: [env('CANOPY_OU')] };
  rule.groupFilter = { includedGroups: [env('CANOPY_GROUP')] };
  const refused = await failure(client.api(`${base}/jobs/${job.id}/schema`).put(schema));
  rule.containerFilter = { includedContainers: [] };
  await client.api(`${base}/jobs/${job.id}/schema`).put(schema);
  const stored = (await client.api(`${base}/jobs/${job.id}/schema`).get()) as { synchronizationRules: { groupFilter: unknown; containerFilter: unknown }[] };
  console.log(JSON.stringify({ jobId: job.id, refused, groupFilter: stored.synchronizationRules[0]!.groupFilter }));
} else if (step === 'groups') {
  const groups = (await client.api('/groups').select('id,displayName').top(999).get()) as { value: { id: string; displayName: string }[] };
  const result: Record<string, string[]> = {};
  for (const g of groups.value) {
    const members = (await client.api(`/groups/${g.id}/members`).select('displayName').get()) as { value: { displayName: string }[] };
    result[g.displayName] = members.value.map((m) => m.displayName).sort();
  }
  console.log(JSON.stringify({ groups: result }));
} else if (step === 'discover') {
  await client.api(`${base}/secrets`).put({ value: [{ key: 'Domain', value: JSON.stringify({ domain: env('CANOPY_DOMAIN') }) }] });
  const job = (await client.api(`${base}/jobs`).post({ templateId: 'AD2AADProvisioning' })) as { id: string };
  const ad = await client.api(`${base}/jobs/${job.id}/schema/directories/ad/discover`).post(undefined);
  const aad = await client.api(`${base}/jobs/${job.id}/schema/directories/aad/discover`).post(undefined);
  const missing = await failure(client.api(`${base}/jobs/${job.id}/schema/directories/nope/discover`).post(undefined));
  const schema = (await client.api(`${base}/jobs/${job.id}/schema`).get()) as Schema & Record<string, unknown>;
  delete schema['@odata.context'];
  delete (ad as Record<string, unknown>)['@odata.context'];
  // Add a discovered attribute to the stored definition (the template's may name attributes a
  // forest lacks, extensionAttribute1–15 without Exchange's schema, which its mappings read).
  const discoveredUser = (ad as Schema['directories'][0]).objects.find((o) => o.name === 'user')!;
  schema.directories.find((d) => (d as { id?: string }).id === 'ad')!.objects.find((o) => o.name === 'user')!.attributes.push(discoveredUser.attributes.find((a) => a.name === 'employeeNumber')!);
  const users = schema.synchronizationRules[0]!.objectMappings.find((m) => m.sourceObjectName === 'user')!;
  const title = users.attributeMappings.find((a) => a.targetAttributeName === 'jobTitle')!;
  title.source = { expression: '[employeeNumber]', name: 'employeeNumber', type: 'Attribute', parameters: [] };
  const refused = await failure(client.api(`${base}/jobs/${job.id}/schema`).put(schema));
  title.source = { expression: '[employeeID]', name: 'employeeID', type: 'Attribute', parameters: [] };
  const accepted = await failure(client.api(`${base}/jobs/${job.id}/schema`).put(schema));
  console.log(JSON.stringify({ ad, aad, missing, refused, accepted }));
} else {
  throw new Error(`unknown step ${step}`);
}
