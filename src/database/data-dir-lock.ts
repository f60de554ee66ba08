import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import lockfile from 'proper-lockfile';
import { StartupError } from '../config/startup-error.js';

/** Who holds a data directory: written beside the lock by its holder. */
export interface DataDirHolder {
  readonly pid: number;
  /** Set by a service once it listens, so that `npm run seed` can reach it over HTTP. */
  readonly serviceUrl?: string;
}

/** A second process on a data directory in use: main.ts prints the one-line message. */
export class DataDirInUseError extends StartupError {
  override name = 'DataDirInUseError';

  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder | undefined,
  ) {
    const by = holder ? `process ${holder.pid}` : 'another process';
    super(`${displayPath(dataDir)} is in use by ${by}; stop it first`);
  }
}

/** An exclusive hold on a data directory; release it after the embedded database has closed. */
export interface DataDirLock {
  /** Records where the holding service listens (read by `npm run seed`). */
  recordServiceUrl(url: string): void;
  release(): Promise<void>;
}

/**
 * A PGlite data directory can be opened by one process only: a second one corrupts it. So every
 * process that opens it (the service, the seed, db:reset) first takes this lock, proper-lockfile's
 * atomic mkdir of DATA_DIR/.lock, which the holder keeps fresh and removes when it exits (also on
 * process.exit and signals). Beside it the holder writes its pid, to name it in the refusal and to
 * tell a dead holder (killed with SIGKILL, or a crash) from a live one: a dead holder's lock is
 * taken over at once rather than only once it has gone stale (a minute).
 * Two processes taking over the same dead holder's lock in the same instant could both succeed;
 * that needs a crash and two starts within milliseconds of each other, which a developer's machine
 * does not see.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, '.lock');
  const holderPath = join(dataDir, 'lock-holder.json');
  const options = {
    lockfilePath: lockPath,
    realpath: false,
    stale: 60_000,
    update: 10_000,
    // The lock was removed or taken from under us (DATA_DIR deleted while running): stop
    // rather than let two processes write the database.
    onCompromised: (error: Error) => {
      console.error(`${displayPath(dataDir)} lock lost (${error.message}); stopping`);
      process.exit(1);
    },
  };

  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const holder = readHolder(holderPath);
    if (!holder || isAlive(holder.pid)) throw new DataDirInUseError(dataDir, holder);
    rmSync(lockPath, { recursive: true, force: true });
    release = await lockfile.lock(dataDir, options).catch((retryError: unknown) => {
      if ((retryError as NodeJS.ErrnoException).code !== 'ELOCKED') throw retryError;
      throw new DataDirInUseError(dataDir, readHolder(holderPath));
    });
  }

  const write = (holder: DataDirHolder): void =>
    writeFileSync(holderPath, JSON.stringify(holder), { mode: 0o600 });
  write({ pid: process.pid });
  return {
    recordServiceUrl: (serviceUrl) => write({ pid: process.pid, serviceUrl }),
    async release() {
      rmSync(holderPath, { force: true });
      await release();
    },
  };
}

/** The holder recorded beside the lock, if it is readable. */
export function readHolder(holderPath: string): DataDirHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(holderPath, 'utf8')) as Partial<DataDirHolder>;
    return Number.isInteger(holder.pid) ? (holder as DataDirHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Signal 0 checks that a process exists without touching it; EPERM: it exists, as another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** ./.data rather than an absolute path, when the directory is under the working directory. */
function displayPath(dataDir: string): string {
  const fromHere = relative(process.cwd(), dataDir);
  return fromHere && !fromHere.startsWith('..') ? `./${fromHere}` : dataDir;
}
