/**
 * Backpressure for a WebSocket sender: before each frame, wait while the socket holds more
 * unsent bytes than the high-water mark, so a slow peer slows the sender instead of
 * growing its memory. Shared by relay and agent.
 */
import type WebSocket from 'ws';

export async function sendWhenWritable(ws: WebSocket, text: string, highWaterMark: number, signal?: AbortSignal): Promise<void> {
  while (ws.readyState === ws.OPEN && ws.bufferedAmount > highWaterMark) {
    signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (ws.readyState !== ws.OPEN) throw new Error('the connection closed before the frame could be sent');
  await new Promise<void>((resolve, reject) => ws.send(text, (error) => (error ? reject(error) : resolve())));
}
