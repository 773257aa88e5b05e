/** @module Tests of the `show servers state` reader, on answers recorded from HAProxy 2.6. */
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { effectiveWeight, outOfBalancing, parseServersState } from './servers-state.ts';

const HEADER =
  '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port';

/** `show servers state regions` after eu-west-1 was drained (HAProxy 2.6.12). */
const DRAINED = `1
${HEADER}
3 regions 1 ap-south-1 127.0.0.1 2 0 161 100 1 1 0 2 0 0 0 0 - 19001 - 0 0 - - 0
3 regions 2 eu-west-1 127.0.0.1 2 8 0 100 0 1 0 2 0 0 0 0 - 19002 - 0 0 - - 0
3 regions 3 us-east-1 127.0.0.1 2 0 256 100 1 1 0 2 0 0 0 0 - 19003 - 0 0 - - 0`;

describe('parseServersState', () => {
  it('reads each server of format version 1 by the column names of the header', () => {
    const servers = parseServersState(DRAINED);
    expect(servers.map((s) => [s.name, s.weight, s.admin])).toEqual([['ap-south-1', 161, 0], ['eu-west-1', 0, 8], ['us-east-1', 256, 0]]);
    expect(servers[1]).toEqual({ backendId: 3, backend: 'regions', id: 2, name: 'eu-west-1', address: '127.0.0.1', operational: 2, admin: 8, weight: 0, initialWeight: 100 });
  });

  it('skips comments and blank lines, and reads a backend without servers as none', () => {
    expect(parseServersState(`1\n${HEADER}\n# a comment\n\n`)).toEqual([]);
  });

  it('finds columns by name, so a column added before them changes nothing', () => {
    const shifted = `1\n# extra be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight\nx 3 regions 1 eu-west-1 10.0.0.1 2 0 42 1`;
    expect(parseServersState(shifted)[0]).toMatchObject({ name: 'eu-west-1', address: '10.0.0.1', weight: 42 });
  });

  it('refuses another format version, a missing header, missing columns and unreadable numbers', () => {
    const reading = "cannot read HAProxy's answer to \"show servers state\": ";
    expect(() => parseServersState(`2\n${HEADER}`)).toThrow(new AdapterError(`${reading}format version 2 is not one Meridian reads (it reads version 1)`, { retryable: false }));
    expect(() => parseServersState('No such server.')).toThrow(`${reading}expected the format version on the first line, got "No such server."`);
    expect(() => parseServersState('1\n3 regions 1 eu-west-1')).toThrow(`${reading}expected the column names on the second line, got "3 regions 1 eu-west-1"`);
    expect(() => parseServersState('1\n# be_id be_name srv_id srv_name')).toThrow(`${reading}the header lacks srv_addr, srv_op_state, srv_admin_state, srv_uweight, srv_iweight`);
    expect(() => parseServersState(`1\n${HEADER}\n3 regions 1 eu-west-1 127.0.0.1 2 0`)).toThrow(`${reading}line 3 has 7 fields, the header names 25`);
    expect(() => parseServersState(DRAINED.replace(' 2 8 0 100 ', ' 2 8 x 100 '))).toThrow(`${reading}line 4: srv_uweight is "x", not a whole number`);
  });
});

describe('effectiveWeight', () => {
  const [ready, drained] = parseServersState(DRAINED);
  const server = (admin: number) => ({ ...ready!, admin });

  it('is the weight of a server in load balancing', () => {
    expect(effectiveWeight(ready!)).toBe(161);
    expect(outOfBalancing(ready!)).toBe(false);
  });

  it('is 0 for a server in drain or maintenance, whatever its weight', () => {
    expect(effectiveWeight(drained!)).toBe(0);
    for (const admin of [0x01, 0x02, 0x04, 0x08, 0x10, 0x20]) expect(effectiveWeight(server(admin))).toBe(0);
  });

  it('ignores the flag that only says the FQDN was set at run time', () => {
    expect(effectiveWeight(server(0x40))).toBe(161);
  });
});
