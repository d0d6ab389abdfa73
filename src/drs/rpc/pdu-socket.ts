/**
 * A TCP socket that yields whole DCE/RPC fragments (ncacn_ip_tcp, MS-RPCE 2.1.1.1): bytes
 * are buffered until a header's frag_length has arrived. A closed socket, a socket error
 * or the idle timeout rejects the waiting read with an RpcError naming the peer.
 */
import { connect, type Socket } from 'node:net';
import { HEADER_LENGTH } from './pdu.ts';
import { RpcError } from './rpc-errors.ts';

export class PduSocket {
  #buffer: Buffer = Buffer.alloc(0);
  #waiter: { resolve: (pdu: Buffer) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;

  private constructor(private readonly socket: Socket, readonly peer: string) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#deliver();
    });
    const fail = (error: Error): void => {
      this.#failure ??= error;
      this.#waiter?.reject(this.#failure);
      this.#waiter = undefined;
    };
    socket.on('error', (error) => fail(new RpcError(`connection to ${peer} failed: ${error.message}`, { cause: error })));
    socket.on('close', () => fail(new RpcError(`${peer} closed the connection`)));
    socket.on('timeout', () => {
      fail(new RpcError(`${peer} sent nothing for ${socket.timeout} ms`));
      socket.destroy();
    });
  }

  static open(host: string, port: number, timeoutMs: number): Promise<PduSocket> {
    return new Promise((resolve, reject) => {
      const peer = `${host}:${port}`;
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      socket.setTimeout(timeoutMs);
      const onError = (error: Error): void => {
        socket.destroy();
        reject(new RpcError(`cannot connect to ${peer}: ${error.message}`, { cause: error }));
      };
      socket.once('error', onError);
      socket.once('timeout', () => onError(new Error(`no answer in ${timeoutMs} ms`)));
      socket.once('connect', () => {
        socket.off('error', onError);
        socket.removeAllListeners('timeout');
        resolve(new PduSocket(socket, peer));
      });
    });
  }

  #deliver(): void {
    if (!this.#waiter || this.#buffer.length < HEADER_LENGTH) return;
    const length = this.#buffer.readUInt16LE(8);
    if (length < HEADER_LENGTH) {
      this.#waiter.reject(new RpcError(`${this.peer} sent a PDU with frag_length ${length}`));
      this.#waiter = undefined;
      return;
    }
    if (this.#buffer.length < length) return;
    const pdu = Buffer.from(this.#buffer.subarray(0, length));
    this.#buffer.fill(0, 0, length);
    this.#buffer = this.#buffer.subarray(length);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter.resolve(pdu);
  }

  /** The next whole fragment. One read at a time: RPC over one connection is sequential here. */
  read(): Promise<Buffer> {
    if (this.#waiter) return Promise.reject(new RpcError('a read is already waiting on this connection'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#deliver();
      if (this.#waiter && this.#failure) {
        this.#waiter = undefined;
        reject(this.#failure);
      }
    });
  }

  write(pdu: Buffer): void {
    if (this.#failure) throw this.#failure;
    this.socket.write(pdu);
  }

  close(): void {
    this.socket.destroy();
    this.#buffer.fill(0);
  }
}
