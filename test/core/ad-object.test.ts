import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sourceAnchorGuid } from '../../src/core/ad-object.ts';
import { CanopyError, isCanopyError } from '../../src/core/errors.ts';

test('the source anchor is ms-DS-ConsistencyGuid when set, else objectGUID', () => {
  const objectGuid = '6f1c9a47-1b2c-4d3e-8f90-a1b2c3d4e5f6';
  const consistencyGuid = '0a0b0c0d-0e0f-1011-1213-141516171819';
  assert.equal(sourceAnchorGuid({ objectGuid }), objectGuid);
  assert.equal(sourceAnchorGuid({ objectGuid, consistencyGuid }), consistencyGuid);
});

test('coded errors narrow by code and keep their cause', () => {
  const cause = new Error('socket closed');
  const error = new CanopyError('ERR_AD_UNREACHABLE', 'no DC answered', { cause });
  assert.ok(isCanopyError(error, 'ERR_AD_UNREACHABLE'));
  assert.ok(!isCanopyError(error, 'ERR_AD_TIMEOUT'));
  assert.equal(error.cause, cause);
  assert.ok(!isCanopyError(cause));
});
