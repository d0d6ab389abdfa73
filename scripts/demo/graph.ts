/**
 * The demo's Graph client: a client-credentials token from the service's token endpoint with
 * the admin application of bootstrap.json, then plain Graph requests (paging followed).
 */
import { readFileSync } from 'node:fs';

export interface Bootstrap {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export type Json = Record<string, unknown>;

export class DemoGraph {
  readonly #api: string;
  readonly #bootstrap: Bootstrap;
  #token: { value: string; expires: number } | undefined;

  constructor(api: string, bootstrapFile: string) {
    this.#api = api;
    this.#bootstrap = JSON.parse(readFileSync(bootstrapFile, 'utf8')) as Bootstrap;
  }

  get tenantId(): string {
    return this.#bootstrap.tenantId;
  }

  async #authorization(): Promise<string> {
    if (!this.#token || this.#token.expires < Date.now() + 60_000) {
      const response = await fetch(`${this.#api}/${this.#bootstrap.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'https://graph.microsoft.com/.default',
          client_id: this.#bootstrap.clientId,
          client_secret: this.#bootstrap.clientSecret,
        }),
      });
      const body = (await response.json()) as { access_token?: string; expires_in?: number; error_description?: string };
      if (!response.ok || !body.access_token) throw new Error(`token request failed (${response.status}): ${body.error_description ?? JSON.stringify(body)}`);
      this.#token = { value: body.access_token, expires: Date.now() + (body.expires_in ?? 3600) * 1000 };
    }
    return `Bearer ${this.#token.value}`;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<unknown> {
    const url = path.startsWith('http') ? path : `${this.#api}${path}`;
    const response = await fetch(url, { headers: { authorization: await this.#authorization(), ...headers } });
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text}`);
    return response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  }

  async count(collection: 'users' | 'groups'): Promise<number> {
    return Number(await this.get(`/v1.0/${collection}/$count`, { ConsistencyLevel: 'eventual' }));
  }

  /** Every item of a collection, following @odata.nextLink. */
  async *all(path: string): AsyncGenerator<Json> {
    let next: string | undefined = path;
    while (next) {
      const page = (await this.get(next)) as { value: Json[]; '@odata.nextLink'?: string };
      yield* page.value;
      next = page['@odata.nextLink'];
    }
  }
}
