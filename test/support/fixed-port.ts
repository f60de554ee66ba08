import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Engine suites start their servers on fixed ports, chosen below the kernel's ephemeral range
 * (Linux's default is 32768-60999): every outgoing connection of every process takes its local
 * port from that range, and a connection the client closed first keeps its port in TIME_WAIT for
 * 60 s, during which no server can listen on it, SO_REUSEADDR or not. A suite that opens
 * thousands of connections sweeps most of the range's even ports within a minute.
 */

/**
 * Waits until 127.0.0.1:`port` can be listened on (a server of the previous suite may still be
 * exiting); after `withinMs`, fails naming the port and what holds it.
 */
export async function awaitPortFree(port: number, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await canListen(port)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `port ${port} on 127.0.0.1 is still taken after ${withinMs} ms: ${describePortHolders(port)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The kernel's ephemeral port range, from /proc/sys/net/ipv4/ip_local_port_range. */
export function ephemeralRange(): [number, number] | undefined {
  const text = readOrNull('/proc/sys/net/ipv4/ip_local_port_range');
  if (text === null) return undefined;
  const [low, high] = text.trim().split(/\s+/).map(Number);
  return [low, high];
}

/** Listening as the engines do (node sets SO_REUSEADDR as redis-server and PostgreSQL do). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/**
 * The sockets whose local port is `port` (from /proc/net/tcp and tcp6), with the process that
 * owns each (found through /proc/<pid>/fd), for an error message.
 */
export function describePortHolders(port: number): string {
  const sockets: { state: string; local: string; remote: string; inode: string }[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = readOrNull(table);
    if (text === null) continue;
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const [local, remote, state, inode] = [fields[1], fields[2], fields[3], fields[9]];
      if (parseInt(local.split(':')[1], 16) !== port) continue;
      sockets.push({
        state: TCP_STATES[state] ?? state,
        local: address(local),
        remote: address(remote),
        inode,
      });
    }
  }
  if (sockets.length === 0) return 'no socket on it any more (it was freed just now)';
  const owners = socketOwners(new Set(sockets.map((socket) => socket.inode)));
  const lines = sockets.map((socket) => {
    const owner = owners.get(socket.inode);
    const by = owner
      ? `held by pid ${owner}`
      : socket.state === 'TIME_WAIT'
        ? 'a closed connection the kernel keeps for 60 s, no process'
        : 'no process found';
    return `${socket.state} ${socket.local} -> ${socket.remote}, ${by}`;
  });
  const range = ephemeralRange();
  if (range && port >= range[0] && port <= range[1]) {
    lines.push(
      `the port is inside the kernel's ephemeral range ${range[0]}-${range[1]}, where any client connection may take it`,
    );
  }
  return lines.join('; ');
}

function address(hex: string): string {
  const [host, port] = hex.split(':');
  const portNumber = parseInt(port, 16);
  if (host.length !== 8) return `[${host}]:${portNumber}`;
  const bytes = host.match(/../g) ?? [];
  return `${bytes
    .map((byte) => parseInt(byte, 16))
    .reverse()
    .join('.')}:${portNumber}`;
}

/** inode -> "<pid> (<command line>)" for the sockets among `inodes` that a process holds open. */
function socketOwners(inodes: Set<string>): Map<string, string> {
  const owners = new Map<string, string>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    // A process may end while it is looked at; its fds are then simply not there.
    const fds = attempt(() => readdirSync(`/proc/${pid}/fd`)) ?? [];
    for (const fd of fds) {
      const target = attempt(() => readlinkSync(`/proc/${pid}/fd/${fd}`)) ?? '';
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode) && !owners.has(inode)) {
        owners.set(inode, `${pid} (${commandLine(pid)})`);
      }
    }
  }
  return owners;
}

function commandLine(pid: string): string {
  const text = readOrNull(`/proc/${pid}/cmdline`);
  return text === null ? '?' : text.split('\0').join(' ').trim().slice(0, 200);
}

function readOrNull(file: string): string | null {
  return attempt(() => readFileSync(file, 'utf8')) ?? null;
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
