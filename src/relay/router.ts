/**
 * Routing: a request for (tenant, domain) goes to a healthy agent enrolled for exactly that
 * tenant and domain, the least busy one. When the agent is lost mid-request the request is
 * sent again to another one: relay requests are reads, so repeating one is safe.
 */
import { EventEmitter } from 'node:events';
import { CanopyError, isCanopyError } from '../core/errors.ts';
import type { RelayRequest, RelayResponse } from './frames.ts';
import type { AgentSession } from './session.ts';

export interface RouteOptions {
  /** Overall deadline for the request, retries included. */
  readonly timeoutMs: number;
  /** How long to wait for a healthy agent of the domain to appear. */
  readonly noAgentWaitMs: number;
  readonly maxAttempts: number;
  /** Told when a request is sent again because its agent was lost. */
  readonly onRetry?: (agentId: string, error: CanopyError) => void;
}

export class Router {
  readonly #sessions = new Map<string, AgentSession>();
  /** Wakes requests waiting for an agent of their domain. */
  readonly #arrivals = new EventEmitter().setMaxListeners(0);

  get sessions(): IterableIterator<AgentSession> {
    return this.#sessions.values();
  }

  session(agentId: string): AgentSession | undefined {
    return this.#sessions.get(agentId);
  }

  /** Adds a new connection; an older connection of the same agent is replaced. */
  add(session: AgentSession): AgentSession | undefined {
    const previous = this.#sessions.get(session.agentId);
    this.#sessions.set(session.agentId, session);
    this.#arrivals.emit('arrival', session);
    return previous;
  }

  remove(session: AgentSession): void {
    if (this.#sessions.get(session.agentId) === session) this.#sessions.delete(session.agentId);
  }

  async request(tenantId: string, request: RelayRequest, options: RouteOptions): Promise<RelayResponse> {
    const domain = request.domain.toLowerCase();
    const deadline = Date.now() + options.timeoutMs;
    const tried = new Set<AgentSession>();
    let lastError: CanopyError | undefined;
    for (let attempt = 1; ; attempt += 1) {
      const wait = Math.min(options.noAgentWaitMs, deadline - Date.now());
      const session = this.#pick(tenantId, domain, tried) ?? (await this.#waitForAgent(tenantId, domain, tried, wait));
      if (!session) {
        const lost = lastError ? ` (${tried.size} agent(s) were lost mid-request; last: ${lastError.message})` : '';
        throw new CanopyError('ERR_RELAY_NO_AGENT', `no healthy agent serves domain ${domain} for tenant ${tenantId}${lost}`, { cause: lastError });
      }
      tried.add(session);
      try {
        return await session.call({ ...request, domain }, Math.max(1, deadline - Date.now()));
      } catch (error) {
        if (!isCanopyError(error, 'ERR_RELAY_AGENT_LOST') || attempt >= options.maxAttempts) throw error;
        lastError = error;
        options.onRetry?.(session.agentId, error);
      }
    }
  }

  #pick(tenantId: string, domain: string, tried: ReadonlySet<AgentSession>): AgentSession | undefined {
    let best: AgentSession[] = [];
    for (const session of this.#sessions.values()) {
      if (tried.has(session) || !session.serves(tenantId, domain)) continue;
      if (best.length === 0 || session.inFlight < best[0]!.inFlight) best = [session];
      else if (session.inFlight === best[0]!.inFlight) best.push(session);
    }
    // Random among the least busy, so equal agents share the load.
    return best[Math.floor(Math.random() * best.length)];
  }

  #waitForAgent(tenantId: string, domain: string, tried: ReadonlySet<AgentSession>, waitMs: number): Promise<AgentSession | undefined> {
    if (waitMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onArrival = (session: AgentSession): void => {
        if (tried.has(session) || !session.serves(tenantId, domain)) return;
        done(session);
      };
      const timer = setTimeout(() => done(undefined), waitMs);
      const done = (session: AgentSession | undefined): void => {
        clearTimeout(timer);
        this.#arrivals.off('arrival', onArrival);
        resolve(session);
      };
      this.#arrivals.on('arrival', onArrival);
    });
  }
}
