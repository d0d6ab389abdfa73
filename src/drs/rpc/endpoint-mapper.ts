/**
 * Finds the TCP port of an RPC interface through the endpoint mapper on port 135
 * (ept_map, opnum 3, C706 appendix L / MS-RPCE 2.2.1.2). Samba registers its RPC servers on
 * dynamic ports (49152 and up, sometimes several), so the port is never hard-coded.
 */
import { NdrReader } from '../ndr/ndr-reader.ts';
import { NdrWriter } from '../ndr/ndr-writer.ts';
import { uuidToBytes } from '../ndr/uuid.ts';
import type { Interface } from './pdu.ts';
import { RpcConnection } from './rpc-connection.ts';
import { RpcError } from './rpc-errors.ts';

export const EPM_PORT = 135;
const EPMAPPER: Interface = { uuid: 'e1af8308-5d1f-11c9-91a4-08002b14a0fa', major: 3, minor: 0 };
const NDR_SYNTAX: Interface = { uuid: '8a885d04-1ceb-11c9-9fe8-08002b104860', major: 2, minor: 0 };
const EPT_MAP = 3;

/** Protocol identifiers of tower floors (C706 appendix L). */
const Protocol = { UUID: 0x0d, RPC_CO: 0x0b, TCP: 0x07, IP: 0x09 } as const;

function floor(lhs: Buffer, rhs: Buffer): Buffer {
  const out = Buffer.alloc(4 + lhs.length + rhs.length);
  out.writeUInt16LE(lhs.length, 0);
  lhs.copy(out, 2);
  out.writeUInt16LE(rhs.length, 2 + lhs.length);
  rhs.copy(out, 4 + lhs.length);
  return out;
}

function uuidFloor(id: Interface): Buffer {
  const lhs = Buffer.alloc(19);
  lhs.writeUInt8(Protocol.UUID, 0);
  uuidToBytes(id.uuid).copy(lhs, 1);
  lhs.writeUInt16LE(id.major, 17);
  const rhs = Buffer.alloc(2);
  rhs.writeUInt16LE(id.minor, 0);
  return floor(lhs, rhs);
}

/** The five-floor tower for interface / NDR / connection-oriented RPC / TCP port 0 / IP 0. */
export function mapTower(iface: Interface): Buffer {
  const count = Buffer.alloc(2);
  count.writeUInt16LE(5, 0);
  return Buffer.concat([
    count,
    uuidFloor(iface),
    uuidFloor(NDR_SYNTAX),
    floor(Buffer.from([Protocol.RPC_CO]), Buffer.alloc(2)),
    floor(Buffer.from([Protocol.TCP]), Buffer.alloc(2)),
    floor(Buffer.from([Protocol.IP]), Buffer.alloc(4)),
  ]);
}

export function encodeEptMap(iface: Interface, maxTowers = 4): Buffer {
  const tower = mapTower(iface);
  const w = new NdrWriter();
  w.nullPointer(); // object: no object UUID
  w.pointer(); // map_tower
  w.u32(tower.length); // conformance of twr_t.tower_octet_string
  w.u32(tower.length).bytes(tower);
  w.align(4).bytes(Buffer.alloc(20)); // entry_handle: a null context handle
  w.u32(maxTowers);
  return w.finish();
}

/** The TCP ports of the towers in an ept_map response, in the server's order. */
export function decodeEptMapPorts(stub: Buffer): number[] {
  const r = new NdrReader(stub);
  r.bytes(20); // entry_handle
  const towerCount = r.u32();
  r.count(); // max_count
  r.u32(); // offset
  const actual = r.count(1024);
  const referents: number[] = [];
  for (let i = 0; i < actual; i++) referents.push(r.pointer());
  const ports: number[] = [];
  for (const referent of referents.slice(0, towerCount)) {
    if (referent === 0) continue;
    r.count(); // conformance
    const length = r.u32();
    const port = towerPort(r.bytes(length));
    r.align(4);
    if (port !== undefined) ports.push(port);
  }
  const status = r.u32();
  if (status !== 0) throw new RpcError(`the endpoint mapper answered status 0x${status.toString(16)}`);
  return ports;
}

function towerPort(tower: Buffer): number | undefined {
  let at = 2;
  for (let i = 0; i < tower.readUInt16LE(0); i++) {
    const lhsLength = tower.readUInt16LE(at);
    const protocol = tower.readUInt8(at + 2);
    const rhsLength = tower.readUInt16LE(at + 2 + lhsLength);
    const rhs = tower.subarray(at + 4 + lhsLength, at + 4 + lhsLength + rhsLength);
    // The TCP floor's port is big-endian (network order), unlike everything else here.
    if (protocol === Protocol.TCP && lhsLength === 1 && rhsLength === 2) return rhs.readUInt16BE(0);
    at += 4 + lhsLength + rhsLength;
  }
  return undefined;
}

/** Asks the endpoint mapper of `host` for the TCP port of `iface`. */
export async function lookupTcpPort(host: string, iface: Interface, timeoutMs: number): Promise<number> {
  const connection = await RpcConnection.open({ host, port: EPM_PORT, timeoutMs });
  try {
    await connection.bind(EPMAPPER);
    const ports = decodeEptMapPorts(await connection.call(EPT_MAP, encodeEptMap(iface), 'ept_map'));
    const port = ports[0];
    if (port === undefined) throw new RpcError(`the endpoint mapper of ${host} knows no TCP endpoint for ${iface.uuid}`);
    return port;
  } finally {
    connection.close();
  }
}
