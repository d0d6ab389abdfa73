/**
 * A bare LDAP connection for the one thing ldapts's Client cannot do: a search that never
 * ends. Client.search resolves only on SearchResultDone, which a change-notification
 * search never sends (change-notification-facts.md), so this connection is built from
 * ldapts's exported message classes and parser: no hand-written BER.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { BindRequest, ExtendedRequest, MessageParser, StatusCodeParser, type SearchRequest, type UnbindRequest } from 'ldapts';
import { tlsOptions, type Target } from './connection.ts';
import type { AdConnectionOptions } from './options.ts';
import { DEFAULTS } from './options.ts';

const START_TLS_OID = '1.3.6.1.4.1.1466.20037';

/** ldapts does not export its Message base classes; these are the ones used here. */
export type WireRequest = BindRequest | ExtendedRequest | SearchRequest | UnbindRequest;
export type WireResponse = NonNullable<Parameters<typeof StatusCodeParser.parse>[0]>;

type Handler = (message: WireResponse) => void;

export class LdapWire {
  private nextId = 0;
  private readonly sent = new Map<string, { message: WireRequest }>();
  private readonly handlers = new Map<number, Handler>();
  private parser = new MessageParser();
  private closeListeners: ((error?: Error) => void)[] = [];

  private constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** Connects (TLS or StartTLS as configured) and binds; rejects with the raw cause. */
  static async open(target: Target, options: AdConnectionOptions): Promise<LdapWire> {
    const timeout = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    const tls = tlsOptions(options, target.host);
    const socket = target.secure
      ? await withTimeout(timeout, (done) => tlsConnect({ ...tls, port: target.port }).once('secureConnect', function (this: TLSSocket) { done(this); }))
      : await withTimeout(timeout, (done) => netConnect(target.port, target.host).once('connect', function (this: Socket) { done(this); }));
    const wire = new LdapWire(socket);
    try {
      if (!target.secure && options.startTls) await wire.startTls(timeout, tls);
      await wire.request((id) => new BindRequest({ messageId: id, dn: options.bindDn, password: options.password }), timeout);
      return wire;
    } catch (error) {
      wire.close();
      throw error;
    }
  }

  /** Sends a request and resolves with its single response; a non-success status rejects. */
  request(build: (messageId: number) => WireRequest, timeoutMs: number): Promise<WireResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`LDAP request ${id}: operation timed out`)), timeoutMs);
      const id: number = this.send(build, (response) => {
        clearTimeout(timer);
        this.handlers.delete(id);
        if (response.status === 0) resolve(response);
        else reject(StatusCodeParser.parse(response));
      });
      this.onClose((error) => {
        clearTimeout(timer);
        reject(error ?? new Error('the connection closed'));
      });
    });
  }

  /** Sends a request whose responses (entries, then maybe a done) go to `handler`. */
  send(build: (messageId: number) => WireRequest, handler: Handler): number {
    this.nextId += 1;
    const message = build(this.nextId);
    this.sent.set(String(message.messageId), { message });
    this.handlers.set(message.messageId, handler);
    this.socket.write(message.write());
    return message.messageId;
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  /** The socket, for keep-alive and for tests that cut it. */
  get rawSocket(): Socket {
    return this.socket;
  }

  close(): void {
    this.socket.destroy();
  }

  private attach(socket: Socket): void {
    socket.on('data', (data: Buffer) => this.parser.read(data, this.sent));
    this.parser.on('message', (message: WireResponse) => this.handlers.get(message.messageId)?.(message));
    this.parser.on('error', (error: Error) => socket.destroy(error));
    let closedWith: Error | undefined;
    socket.on('error', (error) => {
      closedWith = error;
    });
    socket.on('close', () => {
      const listeners = this.closeListeners;
      this.closeListeners = [];
      for (const listener of listeners) listener(closedWith);
    });
  }

  /** RFC 4511 section 4.14: the extended operation, then TLS over the same socket. */
  private async startTls(timeoutMs: number, tls: ReturnType<typeof tlsOptions>): Promise<void> {
    await this.request((id) => new ExtendedRequest({ messageId: id, oid: START_TLS_OID }), timeoutMs);
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    this.socket = await withTimeout(timeoutMs, (done) => tlsConnect({ ...tls, socket: plain }).once('secureConnect', function (this: TLSSocket) { done(this); }));
    this.parser = new MessageParser();
    this.attach(this.socket);
  }
}

/** Resolves with what `start` hands to `done`, or rejects on the socket's error or after `ms`. */
function withTimeout<T extends Socket>(ms: number, start: (done: (socket: T) => void) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('Connection timeout'));
    }, ms);
    const socket = start((connected) => {
      clearTimeout(timer);
      connected.removeAllListeners('error');
      resolve(connected);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}
