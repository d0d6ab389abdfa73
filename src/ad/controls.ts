/**
 * The AD LDAP controls the reader sends, written with ldapts's own Control and BER
 * classes (no hand-written BER, no extra package).
 */
import { Ber, type BerReader, BerWriter, Control } from 'ldapts';

/** LDAP_SERVER_DIRSYNC_OID, MS-ADTS 3.1.1.3.4.1.3. */
export const DIRSYNC_OID = '1.2.840.113556.1.4.841';
/** LDAP_SERVER_SHOW_DELETED_OID, MS-ADTS 3.1.1.3.4.1.14: tombstones become visible. */
export const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';

/** DirSync request flags (MS-ADTS 3.1.1.3.4.1.3). */
export const DirSyncFlags = {
  /** Return only what the caller may read; no replication right needed. */
  OBJECT_SECURITY: 0x1,
  /** Parents before children. */
  ANCESTORS_FIRST_ORDER: 0x800,
  PUBLIC_DATA_ONLY: 0x2000,
  /** Linked values as adds (`member;range=1-1`) and removes (`member;range=0-0`). */
  INCREMENTAL_VALUES: 0x80000000,
} as const;

export interface DirSyncResponse {
  /** MoreResults: the server has more changes; search again with `cookie`. */
  readonly more: boolean;
  readonly cookie: Buffer;
}

/**
 * DirSyncRequestValue ::= SEQUENCE { Flags INTEGER, MaxBytes INTEGER, Cookie OCTET STRING }
 * DirSyncResponseValue ::= SEQUENCE { MoreResults INTEGER, unused INTEGER, CookieServer OCTET STRING }
 *
 * ldapts parses a response control into the request control of the same OID, so the
 * answer lands in `response` of the instance that was sent. Use one instance per search.
 * The control must be critical: a DC that ignored it would answer a plain full search.
 */
export class DirSyncControl extends Control {
  readonly flags: number;
  readonly maxBytes: number;
  readonly cookie: Buffer;
  response?: DirSyncResponse;

  constructor(options: { flags: number; maxBytes: number; cookie?: Buffer }) {
    super(DIRSYNC_OID, { critical: true });
    this.flags = options.flags;
    this.maxBytes = options.maxBytes;
    this.cookie = options.cookie ?? Buffer.alloc(0);
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    // Flags is a signed 32-bit INTEGER on the wire: 0x80000000 goes out as 80 00 00 00,
    // as Windows' own clients send it.
    value.writeInt(this.flags | 0);
    value.writeInt(this.maxBytes);
    if (this.cookie.length > 0) value.writeBuffer(this.cookie, Ber.OctetString);
    else value.writeString('');
    value.endSequence();
    writer.writeBuffer(value.buffer, Ber.OctetString);
  }

  protected override parseControl(reader: BerReader): void {
    if (!reader.readSequence()) return;
    const more = reader.readInt() ?? 0;
    reader.readInt();
    const cookie = reader.readString(Ber.OctetString, true) ?? Buffer.alloc(0);
    this.response = { more: more !== 0, cookie };
  }
}

/** Show deleted objects: a control with no value. */
export function showDeletedControl(): Control {
  return new Control(SHOW_DELETED_OID, { critical: true });
}
