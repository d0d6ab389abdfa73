/**
 * A JSON request over node:http(s), so that a private CA file can be trusted (the global
 * fetch takes no `ca`). Used by enrollment and the CLI's admin verbs.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

export function httpJson(
  url: string,
  options: { method?: string; body?: unknown; form?: Record<string, string>; headers?: Record<string, string>; ca?: string | Buffer; timeoutMs?: number } = {},
): Promise<JsonResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const form = options.form && new URLSearchParams(options.form).toString();
  const payload = form ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const contentType = form ? 'application/x-www-form-urlencoded' : 'application/json';
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': contentType } : {}),
          ...options.headers,
        },
        ca: options.ca,
        timeout: options.timeoutMs ?? 30_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON: keep the text for the error message
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer from ${target.origin} within ${options.timeoutMs ?? 30_000} ms`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** The message of a Graph-shaped error body {error:{code,message}}, or the raw body. */
export function errorText(body: unknown): string {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  if (error) return `${error.code ?? 'error'}: ${error.message ?? ''}`;
  return typeof body === 'string' ? body : JSON.stringify(body);
}
