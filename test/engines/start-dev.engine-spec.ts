import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/built-service.js';
import { freePort } from '../support/free-port.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EDITS = 10;

/**
 * `npm run start:dev` as a developer runs it: the watcher rebuilds and restarts the service on
 * every edit, and after each one the service must come back ready on the same port and data
 * directory (no EADDRINUSE while the old process drains, no "in use" from the data-dir lock).
 * It runs in a copy of the project (sources, configuration, a link to node_modules), so the edits
 * and its dist/ never touch the working tree.
 */
describe('npm run start:dev', () => {
  const project = mkdtempSync(join(tmpdir(), 'start-dev-'));
  let watcher: ChildProcess | undefined;
  const output: string[] = [];

  beforeAll(() => {
    for (const entry of [
      'src',
      'migrations',
      'package.json',
      'nest-cli.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      cpSync(join(ROOT, entry), join(project, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    if (watcher?.pid !== undefined && watcher.exitCode === null) {
      const exited = new Promise((resolve) => watcher?.once('exit', resolve));
      // The watcher's own process group: npm, nest, the type checker and the service.
      process.kill(-watcher.pid, 'SIGTERM');
      await exited;
    }
    rmSync(project, { recursive: true, force: true });
  });

  it(`comes back ready after each of ${EDITS} consecutive edits`, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    watcher = spawn('npm', ['run', 'start:dev'], {
      cwd: project,
      detached: true,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? project,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: join(project, '.data'),
        LOG_FORMAT: 'json',
      },
    });
    const collect = (chunk: Buffer) => output.push(chunk.toString());
    watcher.stdout?.on('data', collect);
    watcher.stderr?.on('data', collect);

    /**
     * The pid of a process that answered one of `requestIds`: a 404 is logged at warn with the
     * pid, and the line is written once the response has gone, so it is looked up on later tries.
     */
    const pidThatAnswered = (requestIds: string[]): number | undefined => {
      const line = output
        .join('')
        .split('\n')
        .findLast((text) => requestIds.some((id) => text.includes(`"request_id":"${id}"`)));
      return line ? (JSON.parse(line) as { pid: number }).pid : undefined;
    };

    const pids: number[] = [];
    /** Waits until a service other than the ones seen so far answers, and is ready. */
    const waitForNewService = async (): Promise<void> => {
      const requestIds: string[] = [];
      let pid: number | undefined;
      await eventually(async () => {
        const response = await fetch(`${base}/no-such-route`);
        requestIds.push(response.headers.get('x-request-id') ?? '');
        pid = pidThatAnswered(requestIds);
        return (
          pid !== undefined && !pids.includes(pid) && (await fetch(`${base}/ready`)).status === 200
        );
      }, 3000).catch((error: unknown) => {
        throw new Error(
          `no new service after ${pids.length - 1} edits:\n${output.join('').slice(-4000)}`,
          { cause: error },
        );
      });
      pids.push(pid as number);
    };

    await waitForNewService();
    for (let edit = 1; edit <= EDITS; edit += 1) {
      // A change to a module the service imports at start, as a developer's edit would be.
      appendFileSync(
        join(project, 'src', 'database', 'database-target.ts'),
        `\nexport const EDIT_${edit} = ${edit};\n`,
      );
      await waitForNewService();
    }

    expect(pids).toHaveLength(EDITS + 1);
    expect(output.join('')).not.toMatch(/EADDRINUSE|already in use|is in use by process/);
  }, 1_800_000);
});
