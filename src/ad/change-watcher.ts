/**
 * Change notifications (LDAP_SERVER_NOTIFICATION_OID, MS-ADTS 3.1.1.3.4.1.9) to wake a
 * sync sooner than its schedule. They only wake: they carry no cookie, so DirSync (or the
 * uSNChanged read) stays the source of truth for what changed, and whatever changes
 * while disconnected is found by the next incremental read (change-notification-facts.md).
 *
 * One subtree watch at the naming-context head (real AD allows subtree notifications only
 * there) with show-deleted, the only kind of watch that sees deletions; entries outside
 * the scoping DNs are dropped here, tombstones always pass. Notifications are debounced.
 * On every (re)connect the watch is registered, then `onChange` is called with reason
 * 'resumed' so the caller catches up; failures back off from 1 s to 60 s with jitter.
 */
import { Control, PresenceFilter, SearchEntry, SearchRequest, SearchResponse } from 'ldapts';
import type { CanopyError } from '../core/errors.ts';
import { firstReachable } from './connection.ts';
import { SHOW_DELETED_OID } from './controls.ts';
import { DnScope } from './dn.ts';
import { toCanopyError } from './ldap-errors.ts';
import { LdapWire } from './ldap-wire.ts';
import type { AdConnectionOptions } from './options.ts';

export const NOTIFICATION_OID = '1.2.840.113556.1.4.528';

export interface AdChangeSignal {
  /** 'change': the DC notified changes; 'resumed': the watch was (re)registered, catch up. */
  readonly reason: 'change' | 'resumed';
  /** DNs notified since the last signal (empty for 'resumed'). */
  readonly dns: readonly string[];
}

export type AdWatchState = 'connecting' | 'watching' | 'waiting' | 'closed';

export interface AdChangeWatcherOptions extends AdConnectionOptions {
  /** The naming-context head, as for the reader. */
  baseDn: string;
  /** Notifications outside these are dropped; default [baseDn]. */
  scopeDns?: string[];
  /** Quiet time before a signal, gathering a burst of changes into one (default 150 ms). */
  debounceMs?: number;
  /** Back-off bounds after a failure (defaults 1 s and 60 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  onChange(signal: AdChangeSignal): void;
  /** Each state change; `error` says why the watch is waiting to reconnect. */
  onState?(state: AdWatchState, error?: CanopyError): void;
}

const DELETED_OBJECTS = /(^|,)CN=Deleted Objects,/i;

export class AdChangeWatcher {
  private wire?: LdapWire;
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private pending: string[] = [];
  private failures = 0;
  private current: AdWatchState = 'connecting';
  private readonly scope: DnScope;

  private constructor(private readonly options: AdChangeWatcherOptions) {
    this.scope = new DnScope(options.scopeDns && options.scopeDns.length > 0 ? options.scopeDns : [options.baseDn]);
  }

  /** Starts watching in the background; returns at once. */
  static start(options: AdChangeWatcherOptions): AdChangeWatcher {
    const watcher = new AdChangeWatcher(options);
    void watcher.connect();
    return watcher;
  }

  get state(): AdWatchState {
    return this.current;
  }

  async close(): Promise<void> {
    this.setState('closed');
    clearTimeout(this.timer);
    clearTimeout(this.debounce);
    this.wire?.close();
    this.wire = undefined;
  }

  /** A method, not a field test, because close() may run during any await. */
  private closed(): boolean {
    return this.current === 'closed';
  }

  private setState(state: AdWatchState, error?: CanopyError): void {
    if (this.current === 'closed') return;
    this.current = state;
    this.options.onState?.(state, error);
  }

  private async connect(): Promise<void> {
    if (this.current === 'closed') return;
    this.setState('connecting');
    try {
      const { value: wire } = await firstReachable(this.options, (target, options) => LdapWire.open(target, options));
      if (this.closed()) return wire.close();
      this.wire = wire;
      wire.rawSocket.setKeepAlive(true, 60000);
      wire.onClose((error) => this.retry(toCanopyError(error ?? new Error('the DC closed the connection'), 'change notifications')));
      this.register(wire);
      await this.barrier(wire);
      if (this.closed()) return wire.close();
      this.failures = 0;
      this.setState('watching');
      this.options.onChange({ reason: 'resumed', dns: [] });
    } catch (error) {
      this.retry(toCanopyError(error, 'change notifications'));
    }
  }

  private register(wire: LdapWire): void {
    wire.send(
      (messageId) =>
        new SearchRequest({
          messageId,
          baseDN: this.options.baseDn,
          scope: 'sub',
          filter: new PresenceFilter({ attribute: 'objectClass' }),
          attributes: ['objectClass'],
          timeLimit: 0,
          controls: [new Control(NOTIFICATION_OID, { critical: true }), new Control(SHOW_DELETED_OID, { critical: true })],
        }),
      (message) => {
        if (message instanceof SearchEntry) this.notified(message.name);
        // A notification search ends only when the DC ends it (an error, a limit).
        else if (message instanceof SearchResponse) wire.close();
      },
    );
  }

  /**
   * A notification search gets no answer that says it is in place. A base read of the
   * rootDSE sent after it on the same connection is answered once the DC has taken the
   * watch, so that the caller's catch-up read ('resumed') cannot miss a change made
   * between that read and the watch.
   */
  private barrier(wire: LdapWire): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the DC did not answer after the notification search: timed out')), this.options.timeoutMs ?? 60000);
      wire.onClose((error) => {
        clearTimeout(timer);
        reject(error ?? new Error('the DC closed the connection'));
      });
      wire.send(
        (messageId) => new SearchRequest({ messageId, baseDN: '', scope: 'base', filter: new PresenceFilter({ attribute: 'objectClass' }), attributes: ['1.1'] }),
        (message) => {
          if (!(message instanceof SearchResponse)) return;
          clearTimeout(timer);
          if (message.status === 0) resolve();
          else reject(new Error(`the rootDSE read after the notification search failed with LDAP result ${message.status}`));
        },
      );
    });
  }

  private notified(dn: string): void {
    if (!DELETED_OBJECTS.test(dn) && !this.scope.contains(dn)) return;
    this.pending.push(dn);
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      const dns = this.pending;
      this.pending = [];
      if (this.current !== 'closed') this.options.onChange({ reason: 'change', dns });
    }, this.options.debounceMs ?? 150);
  }

  private retry(error: CanopyError): void {
    if (this.current === 'closed' || this.current === 'waiting') return;
    this.wire = undefined;
    this.failures += 1;
    const min = this.options.retryMinMs ?? 1000;
    const max = this.options.retryMaxMs ?? 60000;
    const delay = Math.min(max, min * 2 ** (this.failures - 1)) * (0.5 + Math.random() / 2);
    this.setState('waiting', error);
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}
