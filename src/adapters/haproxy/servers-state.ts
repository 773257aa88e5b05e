/**
 * @module A reader for the answer to `show servers state [<backend>]` (HAProxy management guide,
 * section 9.3), format version 1: a first line with the version, a second line with the column
 * names prefixed by `#`, then one line per server with space-separated fields; any other line
 * starting with `#` is a comment. Columns are found by name in the header, so columns added by
 * later versions do not matter. Of the 25 columns we use:
 *   be_id, be_name, srv_id, srv_name, srv_addr,
 *   srv_op_state     0 stopped, 1 starting, 2 running, 3 stopping,
 *   srv_admin_state  a mask: 0x01 forced maintenance, 0x02 maintenance inherited from a tracked
 *                    server, 0x04 maintenance from the configuration, 0x08 forced drain,
 *                    0x10 drain inherited, 0x20 maintenance after a failed address resolution,
 *                    0x40 FQDN set from the stats socket (not a maintenance),
 *   srv_uweight      the weight as users see and set it (0–256), srv_iweight the configured one.
 * No I/O here.
 */
import { AdapterError } from '../../errors.ts';

export const ADMIN = {
  FMAINT: 0x01,
  IMAINT: 0x02,
  CMAINT: 0x04,
  FDRAIN: 0x08,
  IDRAIN: 0x10,
  RMAINT: 0x20,
  HMAINT: 0x40,
} as const;

/** The admin flags that take a server out of load balancing. */
const OUT_OF_BALANCING = ADMIN.FMAINT | ADMIN.IMAINT | ADMIN.CMAINT | ADMIN.FDRAIN | ADMIN.IDRAIN | ADMIN.RMAINT;

export const OPERATIONAL = ['stopped', 'starting', 'running', 'stopping'] as const;

export interface ServerState {
  backendId: number;
  backend: string;
  id: number;
  name: string;
  address: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  operational: number;
  /** srv_admin_state, a mask of ADMIN flags. */
  admin: number;
  /** srv_uweight. */
  weight: number;
  /** srv_iweight. */
  initialWeight: number;
}

const REQUIRED = ['be_id', 'be_name', 'srv_id', 'srv_name', 'srv_addr', 'srv_op_state', 'srv_admin_state', 'srv_uweight', 'srv_iweight'] as const;

function malformed(detail: string): AdapterError {
  return new AdapterError(`cannot read HAProxy's answer to "show servers state": ${detail}`, { retryable: false });
}

/**
 * Parse a `show servers state` answer. Throws AdapterError when it is not format version 1 or a
 * line cannot be read (callers check first that the answer is not one of HAProxy's refusals).
 */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split('\n').map((l) => l.trimEnd());
  const version = lines[0]?.trim() ?? '';
  if (!/^\d+$/.test(version)) throw malformed(`expected the format version on the first line, got "${version}"`);
  if (version !== '1') throw malformed(`format version ${version} is not one Meridian reads (it reads version 1)`);
  const header = lines[1] ?? '';
  if (!header.startsWith('#')) throw malformed(`expected the column names on the second line, got "${header}"`);
  const columns = header.slice(1).trim().split(/\s+/);
  const index = Object.fromEntries(REQUIRED.map((c) => [c, columns.indexOf(c)])) as Record<(typeof REQUIRED)[number], number>;
  const missing = REQUIRED.filter((c) => index[c] < 0);
  if (missing.length > 0) throw malformed(`the header lacks ${missing.join(', ')}`);

  const servers: ServerState[] = [];
  lines.slice(2).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const fields = line.trim().split(/\s+/);
    const at = `line ${i + 3}`;
    if (fields.length < columns.length) throw malformed(`${at} has ${fields.length} fields, the header names ${columns.length}`);
    const int = (c: (typeof REQUIRED)[number]): number => {
      const raw = fields[index[c]]!;
      if (!/^\d+$/.test(raw)) throw malformed(`${at}: ${c} is "${raw}", not a whole number`);
      return Number(raw);
    };
    servers.push({
      backendId: int('be_id'),
      backend: fields[index.be_name]!,
      id: int('srv_id'),
      name: fields[index.srv_name]!,
      address: fields[index.srv_addr]!,
      operational: int('srv_op_state'),
      admin: int('srv_admin_state'),
      weight: int('srv_uweight'),
      initialWeight: int('srv_iweight'),
    });
  });
  return servers;
}

/** True when the server is in maintenance or drain, whatever its weight. */
export function outOfBalancing(s: ServerState): boolean {
  return (s.admin & OUT_OF_BALANCING) !== 0;
}

/** The weight load balancing gives the server: 0 when it is in maintenance or drain. */
export function effectiveWeight(s: ServerState): number {
  return outOfBalancing(s) ? 0 : s.weight;
}
