/**
 * A minimal LDAP server on loopback that answers DirSync the way Windows does and Samba
 * does not: in pages, with MoreResults set until the last one. Only what the reader sends
 * is understood (bind, search, unbind); every answer is written with ldapts's BerWriter.
 * It exists because the Samba DC never pages DirSync (samba-ad-dc-facts.md).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { AndFilter, Ber, BerReader, BerWriter, EqualityFilter, type Filter, FilterParser, NotFilter, OrFilter, PresenceFilter } from 'ldapts';

export interface FakeEntry {
  readonly dn: string;
  readonly attributes: Readonly<Record<string, readonly (string | Buffer)[]>>;
}

export interface DirSyncPage {
  readonly entries: readonly FakeEntry[];
  readonly more: boolean;
  readonly cookie: string;
}

export interface DirSyncRequestSeen {
  readonly flagsBytes: Buffer;
  readonly maxBytes: number;
  readonly cookie: string;
  readonly critical: boolean;
}

export interface PagingDc {
  readonly url: string;
  readonly dirSyncRequests: DirSyncRequestSeen[];
  close(): Promise<void>;
}

const DIRSYNC = '1.2.840.113556.1.4.841';

function result(writer: BerWriter, code = 0): void {
  writer.writeEnumeration(code);
  writer.writeString('');
  writer.writeString('');
}

function message(id: number, op: number, body: (writer: BerWriter) => void, controls?: (writer: BerWriter) => void): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(id);
  writer.startSequence(op);
  body(writer);
  writer.endSequence();
  if (controls) {
    writer.startSequence(0xa0);
    controls(writer);
    writer.endSequence();
  }
  writer.endSequence();
  return writer.buffer;
}

function entryMessage(id: number, entry: FakeEntry): Buffer {
  return message(id, 0x64, (w) => {
    w.writeString(entry.dn);
    w.startSequence();
    for (const [type, values] of Object.entries(entry.attributes)) {
      w.startSequence();
      w.writeString(type);
      w.startSequence(0x31);
      for (const value of values) w.writeBuffer(Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'), Ber.OctetString);
      w.endSequence();
      w.endSequence();
    }
    w.endSequence();
  });
}

interface ParsedSearch {
  readonly base: string;
  readonly raw: Buffer;
  readonly filter?: Filter;
  readonly dirSync?: DirSyncRequestSeen;
}

/**
 * Whether an entry matches a filter, as far as this server understands filters: and, or,
 * not, presence, and equality compared case-insensitively as text (objectClass, flags).
 * Anything else (substrings, ranges) matches, so an unknown filter narrows nothing.
 */
function matches(filter: Filter, entry: FakeEntry): boolean {
  if (filter instanceof AndFilter) return filter.filters.every((f) => matches(f, entry));
  if (filter instanceof OrFilter) return filter.filters.some((f) => matches(f, entry));
  if (filter instanceof NotFilter) return !matches(filter.filter, entry);
  const valuesOf = (attribute: string) =>
    Object.entries(entry.attributes).find(([name]) => name.toLowerCase() === attribute.toLowerCase())?.[1];
  if (filter instanceof PresenceFilter) return (valuesOf(filter.attribute)?.length ?? 0) > 0;
  if (filter instanceof EqualityFilter) {
    const values = valuesOf(filter.attribute);
    if (!values || Buffer.isBuffer(filter.value)) return values !== undefined;
    const wanted = String(filter.value).toLowerCase();
    return values.some((value) => !Buffer.isBuffer(value) && value.toLowerCase() === wanted);
  }
  return true;
}

/** Reads base DN and, when present, the DirSync control of a SearchRequest. */
function parseSearch(raw: Buffer, reader: BerReader, end: number): ParsedSearch {
  reader.readSequence(0x63);
  const opEnd = reader.offset + reader.length;
  const base = reader.readString() ?? '';
  let filter: Filter | undefined;
  try {
    reader.readEnumeration(); // scope
    reader.readEnumeration(); // derefAliases
    reader.readInt(); // sizeLimit
    reader.readInt(); // timeLimit
    reader.readBoolean(); // typesOnly
    filter = FilterParser.parse(reader);
  } catch {
    filter = undefined; // not understood: every entry matches
  }
  reader.offset = opEnd;
  let dirSync: DirSyncRequestSeen | undefined;
  if (reader.offset < end && reader.peek() === 0xa0) {
    reader.readSequence(0xa0);
    const controlsEnd = reader.offset + reader.length;
    while (reader.offset < controlsEnd) {
      reader.readSequence();
      const controlEnd = reader.offset + reader.length;
      const type = reader.readString() ?? '';
      const critical = reader.peek() === Ber.Boolean ? (reader.readBoolean() ?? false) : false;
      const value = reader.offset < controlEnd ? (reader.readString(Ber.OctetString, true) ?? Buffer.alloc(0)) : Buffer.alloc(0);
      if (type === DIRSYNC) {
        const v = new BerReader(value);
        v.readSequence();
        const start = v.offset;
        v.readInt();
        const flagsBytes = v.buffer.subarray(start + 2, v.offset);
        const maxBytes = v.readInt() ?? 0;
        const cookie = (v.readString(Ber.OctetString, true) ?? Buffer.alloc(0)).toString('utf8');
        dirSync = { flagsBytes, maxBytes, cookie, critical };
      }
      reader.offset = controlEnd;
    }
  }
  return { base, raw, ...(filter ? { filter } : {}), dirSync };
}

/**
 * Starts the server. `dirSync` maps a request cookie to the page answered; `objects` are
 * what other searches return: those whose objectGUID bytes appear in the request (the
 * reader's re-reads by GUID), else those under the search base that match the filter
 * (evaluated only as far as `matches` understands it).
 */
export async function startPagingDc(options: {
  baseDn: string;
  invocationId: Buffer;
  objects: readonly FakeEntry[];
  dirSync: ReadonlyMap<string, DirSyncPage>;
  /** Answers to ranged requests, by the attribute asked (e.g. `member;range=2-*`). */
  ranges?: ReadonlyMap<string, FakeEntry>;
}): Promise<PagingDc> {
  const dirSyncRequests: DirSyncRequestSeen[] = [];
  const service = `CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,${options.baseDn}`;
  const sockets = new Set<Socket>();

  function answerSearch(socket: Socket, id: number, search: ParsedSearch): void {
    const send = (entries: readonly FakeEntry[], controls?: (w: BerWriter) => void) => {
      for (const entry of entries) socket.write(entryMessage(id, entry));
      socket.write(message(id, 0x65, (w) => result(w), controls));
    };
    if (search.dirSync) {
      dirSyncRequests.push(search.dirSync);
      const page = options.dirSync.get(search.dirSync.cookie);
      if (!page) return void socket.write(message(id, 0x65, (w) => result(w, 53)));
      send(page.entries, (w) => {
        w.startSequence();
        w.writeString(DIRSYNC);
        const value = new BerWriter();
        value.startSequence();
        value.writeInt(page.more ? 1 : 0);
        value.writeInt(0);
        value.writeBuffer(Buffer.from(page.cookie, 'utf8'), Ber.OctetString);
        value.endSequence();
        w.writeBuffer(value.buffer, Ber.OctetString);
        w.endSequence();
      });
      return;
    }
    if (search.base === '') {
      return send([{ dn: '', attributes: { namingContexts: [options.baseDn], defaultNamingContext: [options.baseDn], highestCommittedUSN: ['100'], dsServiceName: [service] } }]);
    }
    if (search.base === service) return send([{ dn: service, attributes: { invocationId: [options.invocationId] } }]);
    for (const [asked, entry] of options.ranges ?? []) if (search.raw.includes(Buffer.from(asked, 'utf8'))) return send([entry]);
    const byGuid = options.objects.filter((o) => {
      const guid = o.attributes.objectGUID?.[0];
      return Buffer.isBuffer(guid) && search.raw.includes(guid);
    });
    const base = search.base.toLowerCase();
    if (byGuid.length > 0) return send(byGuid);
    const filter = search.filter;
    send(options.objects.filter((o) => o.dn.toLowerCase().endsWith(base) && (!filter || matches(filter, o))));
  }

  function onData(socket: Socket, state: { buffer: Buffer }, data: Buffer): void {
    state.buffer = Buffer.concat([state.buffer, data]);
    for (;;) {
      const reader = new BerReader(state.buffer);
      try {
        if (state.buffer.length < 2 || reader.readSequence() === null || reader.remain < reader.length) return;
      } catch {
        return; // a length not yet complete
      }
      const end = reader.offset + reader.length;
      const raw = state.buffer.subarray(0, end);
      state.buffer = state.buffer.subarray(end);
      const id = reader.readInt() ?? 0;
      const op = reader.peek();
      if (op === 0x60) socket.write(message(id, 0x61, (w) => result(w)));
      else if (op === 0x63) answerSearch(socket, id, parseSearch(raw, reader, end));
      else if (op === 0x42) socket.end();
    }
  }

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const state = { buffer: Buffer.alloc(0) };
    socket.on('data', (data) => onData(socket, state, data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ldap://127.0.0.1:${port}`,
    dirSyncRequests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
