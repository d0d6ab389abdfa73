import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ERROR,
  ScimError,
  adObjectSchema,
  parseAttributeSelection,
  parsePaging,
  resourceTypeById,
  schemaDefinitions,
  schemasListResponse,
  selectAttributes,
  serviceProviderConfig,
  userSchema,
  enterpriseUserSchema,
  validateResource,
} from '../../src/scim/index.ts';

const limits = { defaultPageSize: 100, maxPageSize: 1000 };

describe('ScimError (RFC 7644 §3.12)', () => {
  test('body carries the Error schema, status as a string, scimType and detail', () => {
    assert.deepEqual(new ScimError(400, 'invalidFilter', 'bad').toBody(), { schemas: [ERROR], status: '400', scimType: 'invalidFilter', detail: 'bad' });
    assert.deepEqual(new ScimError(404, undefined, 'gone').toBody(), { schemas: [ERROR], status: '404', detail: 'gone' });
    assert.throws(() => new ScimError(200, undefined, 'x'), TypeError);
  });
});

describe('parsePaging (RFC 7644 §3.4.2.4, RFC 9865 §2.1)', () => {
  test('defaults, 1-based startIndex, clamps', () => {
    assert.deepEqual(parsePaging({}, limits), { mode: 'index', startIndex: 1, count: 100 });
    assert.deepEqual(parsePaging({ startIndex: '0', count: '-5' }, limits), { mode: 'index', startIndex: 1, count: 0 });
    assert.deepEqual(parsePaging({ startIndex: '-3', count: '5000' }, limits), { mode: 'index', startIndex: 1, count: 1000 });
    assert.deepEqual(parsePaging({ startIndex: '7', count: '10' }, limits), { mode: 'index', startIndex: 7, count: 10 });
  });
  test('cursor mode: empty cursor asks for the first page', () => {
    assert.deepEqual(parsePaging({ cursor: '' }, limits), { mode: 'cursor', cursor: '', count: 100 });
    assert.deepEqual(parsePaging({ cursor: 'abc', count: '3' }, limits), { mode: 'cursor', cursor: 'abc', count: 3 });
  });
  test('non-integers and startIndex with cursor are 400 invalidValue', () => {
    assert.throws(() => parsePaging({ count: 'ten' }, limits), { status: 400, scimType: 'invalidValue' });
    assert.throws(() => parsePaging({ startIndex: '1.5' }, limits), { status: 400, scimType: 'invalidValue' });
    assert.throws(() => parsePaging({ startIndex: '1', cursor: '' }, limits), { status: 400, scimType: 'invalidValue' });
  });
});

const userSchemas = { core: userSchema, extensions: [enterpriseUserSchema, adObjectSchema] };
const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'urn:canopy:params:scim:schemas:extension:ad:2.0:Object'],
  id: '6b2f0b3e-1d2c-4a5b-9c8d-7e6f5a4b3c2d',
  externalId: 'x',
  userName: 'ann@corp.test',
  name: { givenName: 'Ann', familyName: 'Lee' },
  emails: [{ value: 'ann@corp.test', type: 'work', primary: true }],
  active: true,
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
  'urn:canopy:params:scim:schemas:extension:ad:2.0:Object': { objectGUID: '6b2f0b3e-1d2c-4a5b-9c8d-7e6f5a4b3c2d', sourceAnchor: 'PgsvaywdW0qcjX5vWks8LQ==', sAMAccountName: 'ann' },
  meta: { resourceType: 'User', location: '/Users/6b2f0b3e-1d2c-4a5b-9c8d-7e6f5a4b3c2d' },
};

describe('attributes / excludedAttributes (RFC 7644 §3.9)', () => {
  test('attributes keeps the named ones plus "always" ones', () => {
    const out = selectAttributes(user, userSchemas, parseAttributeSelection({ attributes: 'userName,name.givenName' }));
    assert.deepEqual(Object.keys(out).sort(), ['id', 'name', 'schemas', 'urn:canopy:params:scim:schemas:extension:ad:2.0:Object', 'userName']);
    assert.deepEqual(out.name, { givenName: 'Ann' });
    // objectGUID and sourceAnchor are returned "always"; sAMAccountName is not.
    assert.deepEqual(Object.keys(out['urn:canopy:params:scim:schemas:extension:ad:2.0:Object'] as object).sort(), ['objectGUID', 'sourceAnchor']);
    assert.ok(!(out.schemas as string[]).includes('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'));
  });
  test('URN-qualified names and whole extensions', () => {
    const out = selectAttributes(user, userSchemas, { attributes: ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'urn:ietf:params:scim:schemas:core:2.0:User:active'] });
    assert.equal(out.active, true);
    assert.deepEqual(out['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'], { department: 'R&D' });
  });
  test('excludedAttributes drops default ones, never "always" ones', () => {
    const out = selectAttributes(user, userSchemas, { excludedAttributes: ['emails', 'id', 'meta', 'urn:canopy:params:scim:schemas:extension:ad:2.0:Object:sAMAccountName'] });
    assert.ok(!('emails' in out) && !('meta' in out));
    assert.equal(out.id, user.id);
    assert.ok(!('sAMAccountName' in (out['urn:canopy:params:scim:schemas:extension:ad:2.0:Object'] as object)));
  });
  test('both at once is a 400', () => {
    assert.throws(() => parseAttributeSelection({ attributes: 'a', excludedAttributes: 'b' }), { status: 400 });
  });
});

describe('discovery documents and the validator (RFC 7643 §5–§7)', () => {
  const type = resourceTypeById('User');
  assert.ok(type);
  test('a well-formed user validates', () => {
    assert.deepEqual(validateResource(user, type, schemaDefinitions), []);
  });
  test('the validator catches type, plurality, required, unknown and extension faults', () => {
    const broken = {
      ...user,
      id: '',
      active: 'yes',
      emails: { value: 'x' },
      nickname: 'x',
      'urn:canopy:params:scim:schemas:extension:ad:2.0:Object': { userAccountControl: '512' },
      meta: { resourceType: 'Group' },
    } as Record<string, unknown>;
    delete broken.userName;
    const problems = validateResource(broken, type, schemaDefinitions).join('\n');
    for (const expected of ['id must be', 'active must be of type boolean', 'emails must be an array', 'nickname is not defined', 'userName is required', 'userAccountControl must be of type integer', 'objectGUID is required', 'meta.resourceType']) {
      assert.match(problems, new RegExp(expected));
    }
  });
  test('/Schemas is a ListResponse of the schemas the resource types name', () => {
    const list = schemasListResponse();
    assert.equal(list.totalResults, 4);
    for (const name of ['User', 'Group']) {
      const rt = resourceTypeById(name);
      assert.ok(rt);
      for (const urn of [rt.schema, ...rt.schemaExtensions.map((e) => e.schema)]) assert.ok(list.Resources.some((s) => s.id === urn), urn);
    }
  });
  test('ServiceProviderConfig advertises filter and both pagination methods', () => {
    const config = serviceProviderConfig({ ...limits, cursorTimeoutSeconds: 600 });
    assert.equal(config.filter.supported, true);
    assert.equal(config.patch.supported, false);
    assert.deepEqual(config.pagination, { cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 100, maxPageSize: 1000, cursorTimeout: 600 });
  });
});
