/**
 * The relay's side of the heartbeat: ping every agent each interval (RFC 6455 §5.5.2; the
 * agent's WebSocket answers with a pong), mark an agent silent for `downAfterMs` down and
 * drop it, and re-read revocations so a revoked agent is dropped within seconds even when
 * it was revoked through another node.
 */
import type { AgentRegistry } from './registry.ts';
import type { Router } from './router.ts';
import type { AgentSession } from './session.ts';

export interface HeartbeatOptions {
  readonly heartbeatIntervalMs: number;
  readonly downAfterMs: number;
  readonly revocationCheckMs: number;
  readonly now: () => Date;
  onDown(session: AgentSession, silentMs: number): void;
  onRevoked(session: AgentSession): void;
}

export function startHeartbeat(router: Router, registry: AgentRegistry, options: HeartbeatOptions): () => void {
  const tick = (): void => {
    const now = options.now();
    for (const session of router.sessions) {
      const silentMs = now.getTime() - session.lastHeartbeat.getTime();
      if (silentMs > options.downAfterMs) {
        options.onDown(session, silentMs);
        continue;
      }
      session.socket.ping();
      void registry.recordSeen(session.agentId, session.lastHeartbeat).catch(() => undefined);
    }
  };
  const checkRevocations = async (): Promise<void> => {
    for (const session of [...router.sessions]) {
      const agent = await registry.getAgent(session.agentId);
      if (!agent || agent.revokedAt) options.onRevoked(session);
    }
  };
  // Check silence more often than the interval, so "down" is noticed close to downAfterMs.
  const beat = setInterval(tick, Math.min(options.heartbeatIntervalMs, Math.max(50, options.downAfterMs / 3)));
  const revocations = setInterval(() => void checkRevocations().catch(() => undefined), options.revocationCheckMs);
  beat.unref();
  revocations.unref();
  return () => {
    clearInterval(beat);
    clearInterval(revocations);
  };
}
