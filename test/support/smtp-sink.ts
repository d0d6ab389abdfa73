/**
 * A real SMTP server on loopback (the `smtp-server` package, from nodemailer's authors) that
 * keeps what it receives, for tests to read back. It can require STARTTLS and a login, and be
 * stopped and started again on the same port (a mail server that goes down and comes back).
 */
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly raw: string;
  readonly user: string | undefined;
  readonly secure: boolean;
}

export interface SmtpSinkOptions {
  /** Key and certificate (PEM) for STARTTLS; without them the sink offers no TLS. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
  /** Require this login (AUTH PLAIN/LOGIN). */
  readonly login?: { readonly user: string; readonly pass: string };
}

/** Unfolds the header block and returns one header's value (RFC 5322 §2.2.3). */
function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return match?.[1]?.trim() ?? '';
}

/** The body of a plain-text message, quoted-printable decoded (nodemailer's choice for long lines). */
function body(raw: string): string {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const text = rest.join('\n\n');
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(head!)) return text;
  return Buffer.from(text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  #server: SMTPServer | undefined;
  #port = 0;

  constructor(readonly options: SmtpSinkOptions = {}) {}

  get port(): number {
    return this.#port;
  }

  async start(port = this.#port): Promise<void> {
    const { tls, login } = this.options;
    const config: SMTPServerOptions = {
      secure: false,
      disabledCommands: tls ? [] : ['STARTTLS'],
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
      authOptional: !login,
      // Plain-text AUTH only after STARTTLS when TLS is offered, as a real server would.
      allowInsecureAuth: !tls,
      onAuth: (auth, _session, callback) => {
        if (login && auth.username === login.user && auth.password === login.pass) return callback(null, { user: auth.username });
        return callback(new Error('invalid login'));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: header(raw, 'Subject'),
            text: body(raw),
            raw,
            user: session.user as string | undefined,
            secure: session.secure,
          });
          callback();
        });
      },
      logger: false,
    };
    const server = new SMTPServer(config);
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.listen(port, '127.0.0.1', () => resolve());
      server.once('error', reject);
    });
    const address = server.server.address();
    this.#port = typeof address === 'object' && address ? address.port : port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
