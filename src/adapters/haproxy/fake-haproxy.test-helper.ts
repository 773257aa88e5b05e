/**
 * @module A working fake of HAProxy's runtime API for unit tests: a UNIX socket in a temporary
 * directory that speaks the non-interactive protocol (one line of `;`-separated commands, each
 * answer ended by an empty line, then close) for `show servers state`, `set weight` and
 * `set server ... state`, with HAProxy 2.6's exact answers and refusals. It can also play an
 * operator-level socket, a HAProxy that never answers, or one that hangs up early. Tests only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeServer {
  name: string;
  weight: number;
  /** srv_admin_state mask (0x01 maint, 0x08 drain). */
  admin: number;
}

const HEADER =
  '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port';

export interface FakeHaproxyOptions {
  backend?: string;
  servers?: string[];
  /** `user` answers every `set` with "Permission denied". */
  level?: 'admin' | 'user';
  /** `silent` never answers; `hang-up` closes without answering. */
  behaviour?: 'normal' | 'silent' | 'hang-up';
}

export class FakeHaproxy {
  readonly socket: string;
  readonly backend: string;
  readonly servers: FakeServer[];
  /** Every line received, in order. */
  readonly lines: string[] = [];
  level: 'admin' | 'user';
  behaviour: 'normal' | 'silent' | 'hang-up';
  private readonly dir: string;
  private readonly server: Server;
  private readonly open = new Set<Socket>();

  private constructor(options: FakeHaproxyOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'meridian-fake-haproxy-'));
    this.socket = join(this.dir, 'admin.sock');
    this.backend = options.backend ?? 'regions';
    this.servers = (options.servers ?? ['ap-south-1', 'eu-west-1', 'us-east-1']).map((name) => ({ name, weight: 1, admin: 0 }));
    this.level = options.level ?? 'admin';
    this.behaviour = options.behaviour ?? 'normal';
    this.server = createServer((conn) => this.serve(conn));
  }

  static async start(options: FakeHaproxyOptions = {}): Promise<FakeHaproxy> {
    const fake = new FakeHaproxy(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(fake.socket, () => resolve());
    });
    return fake;
  }

  async stop(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  serverNamed(name: string): FakeServer | undefined {
    return this.servers.find((s) => s.name === name);
  }

  private serve(conn: Socket): void {
    this.open.add(conn);
    conn.on('close', () => this.open.delete(conn));
    conn.on('error', () => undefined);
    let buffer = '';
    conn.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      const line = buffer.slice(0, nl);
      this.lines.push(line);
      if (this.behaviour === 'silent') return;
      if (this.behaviour === 'hang-up') {
        conn.end();
        return;
      }
      conn.end(line.split(';').map((c) => `${this.answer(c.trim())}\n`).join(''));
    });
  }

  /** HAProxy 2.6's answer to one command, without the closing empty line. */
  answer(command: string): string {
    const words = command.split(/\s+/);
    if (words[0] === 'show' && words[1] === 'servers' && words[2] === 'state') {
      if (words[3] !== undefined && words[3] !== this.backend) return "Can't find backend.\n";
      const rows = this.servers.map(
        (s, i) => `3 ${this.backend} ${i + 1} ${s.name} 127.0.0.1 2 ${s.admin} ${s.weight} 1 12 1 0 2 0 0 0 0 - ${8000 + i} - 0 0 - - 0`,
      );
      return `1\n${HEADER}\n${rows.map((r) => `${r}\n`).join('')}`;
    }
    if (words[0] === 'set' && (words[1] === 'weight' || words[1] === 'server')) {
      if (this.level !== 'admin') return 'Permission denied\n';
      const [backend, name] = (words[2] ?? '').split('/');
      if (!name) return "Require 'backend/server'.\n";
      if (backend !== this.backend) return 'No such backend.\n';
      const server = this.serverNamed(name);
      if (!server) return 'No such server.\n';
      if (words[1] === 'weight') {
        const w = Number(words[3]);
        if (!/^\d+$/.test(words[3] ?? '') || w > 256) return 'Absolute weight can only be between 0 and 256 inclusive.\n';
        server.weight = w;
        return '';
      }
      if (words[3] === 'state') {
        if (words[4] === 'ready') server.admin = 0;
        else if (words[4] === 'drain') server.admin = (server.admin & ~0x01) | 0x08;
        else if (words[4] === 'maint') server.admin = (server.admin & ~0x08) | 0x01;
        else return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
        return '';
      }
    }
    return 'Unknown command, but maybe one of the following ones is a better match:\n  show servers state [<backend>]          : dump volatile server information (all or for a single backend)\n';
  }
}
