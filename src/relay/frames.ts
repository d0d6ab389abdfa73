/**
 * The relay's wire format: one JSON object per WebSocket text message (RFC 6455 §5.6),
 * tagged by `type`. Requests and responses carry a correlation `id`. Heartbeats are
 * WebSocket ping/pong control frames, not JSON. docs/protocol.md "Relay protocol".
 */
import { z } from 'zod';
import { CanopyError, type CanopyErrorCode } from '../core/errors.ts';

/** What the engine asks an agent: a SCIM request against one AD domain. Reads only. */
export const relayRequestSchema = z.object({
  domain: z.string().min(1),
  method: z.string().min(1),
  path: z.string().startsWith('/'),
  query: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
});
export type RelayRequest = z.infer<typeof relayRequestSchema>;

export const relayResponseSchema = z.object({
  status: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
});
export type RelayResponse = z.infer<typeof relayResponseSchema>;

const errorFrame = z.object({
  type: z.literal('error'),
  id: z.string().optional(),
  code: z.string(),
  message: z.string(),
});

/**
 * Why an agent says a domain changed: 'notification' (an LDAP change notification),
 * 'poll' (its DirSync poll found changes), 'resumed' (its watch on the DC was registered
 * again after a loss: changes may have been missed meanwhile). docs/protocol.md "Change signals".
 */
export const CHANGE_REASONS = ['notification', 'poll', 'resumed'] as const;
export type ChangeReason = (typeof CHANGE_REASONS)[number];

const changedFrame = z.object({ type: z.literal('changed'), domain: z.string().min(1).max(253), reason: z.enum(CHANGE_REASONS) });
export type ChangedFrame = z.infer<typeof changedFrame>;

/** Frames an agent sends. */
export const agentFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), assertion: z.string().min(1), version: z.string().max(64) }),
  z.object({ type: z.literal('response'), id: z.string().min(1), response: relayResponseSchema }),
  changedFrame,
  errorFrame,
]);
export type AgentFrame = z.infer<typeof agentFrameSchema>;

/** Frames the relay sends. */
export const relayFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    agentId: z.string(),
    tenantId: z.string(),
    domains: z.array(z.string()),
    heartbeatIntervalMs: z.number(),
    downAfterMs: z.number(),
    maxFrameBytes: z.number(),
  }),
  z.object({ type: z.literal('request'), id: z.string().min(1), timeoutMs: z.number(), request: relayRequestSchema }),
  z.object({ type: z.literal('cancel'), id: z.string().min(1) }),
  errorFrame,
]);
export type RelayFrame = z.infer<typeof relayFrameSchema>;
export type ErrorFrame = z.infer<typeof errorFrame>;

export function errorFrameOf(code: CanopyErrorCode, message: string, id?: string): ErrorFrame {
  return id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message };
}

/**
 * Decodes one message against a frame schema. Binary messages, non-JSON text and unknown
 * shapes are ERR_RELAY_FRAME_MALFORMED with the reason; the caller answers with an error
 * frame and keeps the connection.
 */
export function parseFrame<T>(schema: z.ZodType<T>, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): T {
  if (isBinary) throw new CanopyError('ERR_RELAY_FRAME_MALFORMED', 'binary frames are not part of the relay protocol; send JSON text frames');
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CanopyError('ERR_RELAY_FRAME_MALFORMED', `frame is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new CanopyError('ERR_RELAY_FRAME_MALFORMED', `frame does not match the relay protocol${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Serialises a frame, refusing one larger than the peer accepts (ERR_RELAY_FRAME_TOO_LARGE). */
export function encodeFrame(frame: AgentFrame | RelayFrame, maxFrameBytes: number): string {
  const text = JSON.stringify(frame);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxFrameBytes) {
    throw new CanopyError('ERR_RELAY_FRAME_TOO_LARGE', `a ${frame.type} frame of ${bytes} bytes exceeds the relay frame limit of ${maxFrameBytes} bytes`);
  }
  return text;
}

/** Byte length of a received message, for the size check before parsing. */
export function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0);
  return data.byteLength;
}
