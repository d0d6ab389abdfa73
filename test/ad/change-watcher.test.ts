/**
 * Change notifications from the Samba DC wake the caller: a change in scope, a deletion,
 * a resumed watch after the connection is cut, and a coded error while it cannot connect.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Attribute, Change } from 'ldapts';
import { AdChangeWatcher, type AdChangeSignal, type AdWatchState } from '../../src/ad/change-watcher.ts';
import type { CanopyError } from '../../src/core/errors.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { createTestOu, type TestOu } from './helpers.ts';

/** Collects signals and states; `next` waits for the first one matching. */
class Recorder {
  signals: AdChangeSignal[] = [];
  states: { state: AdWatchState; error?: CanopyError }[] = [];
  private waiters: (() => void)[] = [];

  onChange = (signal: AdChangeSignal): void => {
    this.signals.push(signal);
    this.wake();
  };

  onState = (state: AdWatchState, error?: CanopyError): void => {
    this.states.push({ state, error });
    this.wake();
  };

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  async next<T>(find: () => T | undefined, what: string, ms = 15000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

describe('change notifications', { skip: skipReason() }, () => {
  let ou: TestOu;
  before(async () => {
    ou = await createTestOu();
  });
  after(() => ou?.cleanup());

  const options = (recorder: Recorder) => {
    const env = adEnv();
    return { urls: [env.url], caFile: env.caFile, bindDn: env.bindDn, password: env.password, baseDn: env.baseDn, scopeDns: [ou.dn], retryMinMs: 50, onChange: recorder.onChange, onState: recorder.onState };
  };

  test('a change and a deletion in scope wake the caller; a cut watch resumes', async () => {
    const recorder = new Recorder();
    const watcher = AdChangeWatcher.start(options(recorder));
    try {
      await recorder.next(() => recorder.signals.find((s) => s.reason === 'resumed'), 'resumed watch');
      const dn = `CN=watched,${ou.dn}`;
      await ou.admin.add(dn, { objectClass: 'user', sAMAccountName: `watched-${ou.dn.slice(5, 13)}` });
      const added = await recorder.next(() => recorder.signals.find((s) => s.dns.some((d) => d.toLowerCase() === dn.toLowerCase())), 'notification of the add');
      assert.equal(added.reason, 'change');

      await ou.admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: ['x'] }) }));
      await ou.admin.del(dn);
      await recorder.next(() => recorder.signals.find((s) => s.dns.some((d) => /^CN=watched\\0ADEL:/i.test(d))), 'notification of the deletion');

      const resumedBefore = recorder.signals.filter((s) => s.reason === 'resumed').length;
      (Reflect.get(watcher, 'wire') as { rawSocket: { destroy(): void } }).rawSocket.destroy();
      await recorder.next(() => (recorder.signals.filter((s) => s.reason === 'resumed').length > resumedBefore ? true : undefined), 'resumed watch after the cut');
      assert.ok(recorder.states.some((s) => s.state === 'waiting' && s.error?.code === 'ERR_AD_UNREACHABLE'));
      assert.equal(watcher.state, 'watching');
    } finally {
      await watcher.close();
    }
    assert.equal(watcher.state, 'closed');
  });

  test('a wrong password leaves the watcher waiting with ERR_AD_INVALID_CREDENTIALS', async () => {
    const recorder = new Recorder();
    const watcher = AdChangeWatcher.start({ ...options(recorder), password: 'wrong', retryMinMs: 60000 });
    try {
      const waiting = await recorder.next(() => recorder.states.find((s) => s.state === 'waiting'), 'waiting state');
      assert.equal(waiting.error?.code, 'ERR_AD_INVALID_CREDENTIALS');
      assert.equal(recorder.signals.length, 0);
    } finally {
      await watcher.close();
    }
  });
});
