/**
 * Connections that have not authenticated yet cost the service memory and a timer each, and
 * anyone can open them. They are capped for the whole service and per remote address, and
 * each may send only a small amount before its `hello` (RELAY_DEFAULTS.maxHelloFrameBytes):
 * the WebSocket library would otherwise buffer a whole message up to its payload limit.
 */
import type { Duplex } from 'node:stream';

export interface PendingLimits {
  readonly maxPendingConnections: number;
  readonly maxPendingConnectionsPerAddress: number;
  readonly maxHelloFrameBytes: number;
}

export type Admission = { readonly admitted: true; release(): void } | { readonly admitted: false; readonly status: 429 | 503; readonly reason: string };

export class PendingConnections {
  #total = 0;
  readonly #byAddress = new Map<string, number>();
  constructor(private readonly limits: PendingLimits) {}

  /** Counts a new unauthenticated connection, or says why it is refused. `release` is idempotent. */
  admit(address: string): Admission {
    if (this.#total >= this.limits.maxPendingConnections) {
      return { admitted: false, status: 503, reason: `${this.#total} connections are waiting to authenticate` };
    }
    const fromAddress = this.#byAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.maxPendingConnectionsPerAddress) {
      return { admitted: false, status: 429, reason: `${fromAddress} connections from this address are waiting to authenticate` };
    }
    this.#total++;
    this.#byAddress.set(address, fromAddress + 1);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = (this.#byAddress.get(address) ?? 1) - 1;
        if (left === 0) this.#byAddress.delete(address);
        else this.#byAddress.set(address, left);
      },
    };
  }

  /**
   * Calls `onExceeded` (once) when `socket` has sent more than a hello's worth of bytes before
   * `stop()` is called; the caller pauses or destroys it. Counts raw TCP bytes as they arrive, right after the WebSocket parser takes them,
   * so at most one more read (64 KiB) is ever held.
   */
  limitBytes(socket: Duplex, onExceeded: (bytes: number) => void): { stop(): void } {
    // Frame headers, masks and a ping or two on top of the hello itself. The upgrade's `head`
    // comes back through 'data' (ws unshifts it), so it is counted there.
    const limit = this.limits.maxHelloFrameBytes + 1024;
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received <= limit) return;
      socket.off('data', onData);
      onExceeded(received);
    };
    socket.on('data', onData);
    return { stop: () => socket.off('data', onData) };
  }
}

/** The HTTP answer refusing an upgrade (RFC 6455 §4.2.2: any non-101 status refuses). */
export function refusalResponse(status: 429 | 503): string {
  const text = status === 429 ? 'Too Many Requests' : 'Service Unavailable';
  return `HTTP/1.1 ${status} ${text}\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}
