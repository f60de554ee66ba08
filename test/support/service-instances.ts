import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningService, startService } from './built-service.js';
import { freePort } from './free-port.js';

/**
 * One built service process (test/support/built-service.ts, buildService() first) of several
 * sharing a database and a Redis.
 */
export interface Instance {
  readonly name: string;
  readonly base: string;
  readonly service: RunningService;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { data?: Record<string, unknown> };
}

/** A request to `instance` as the client `ip` (the service is started with TRUST_PROXY). */
export async function call(
  instance: Instance,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; ip?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { 'x-forwarded-for': options.ip ?? '192.0.2.1' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${instance.base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const body =
    text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {};
  return { status: response.status, headers: response.headers, body };
}

/** Starts a service process and waits until /ready answers 200. */
export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `instance-${name}-`));
  const service = startService({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    JWT_SECRET: 'engine-test-secret-'.padEnd(48, 'x'),
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'info',
    ...env,
  });
  void service.exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  const instance = { name, base: `http://127.0.0.1:${port}`, service };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${instance.base}/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return instance;
    if (service.child.exitCode !== null || Date.now() > deadline) {
      service.child.kill('SIGKILL');
      throw new Error(`${name} did not become ready: ${service.stderr.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILL; nothing if it has already exited. */
export async function stopInstance(instance: Instance | undefined): Promise<void> {
  const child = instance?.service.child;
  if (!instance || !child || child.exitCode !== null || child.signalCode !== null) return;
  instance.service.child.kill('SIGKILL');
  await instance.service.exited;
}

/** Signs a user up on `instance` and logs them in; the access token and the user's id. */
export async function signUpOn(
  instance: Instance,
  email: string,
  ip: string,
): Promise<{ id: string; token: string }> {
  const password = 'correct horse battery staple';
  const created = await call(instance, 'POST', '/users', {
    body: { email, name: 'v0', password },
    ip,
  });
  if (created.status !== 201) throw new Error(`sign-up: ${created.status}`);
  const login = await call(instance, 'POST', '/auth/token', { body: { email, password }, ip });
  if (login.status !== 200) throw new Error(`login: ${login.status}`);
  return { id: String(created.body.data?.id), token: String(login.body.data?.access_token) };
}

/** The value of a counter in /metrics (summed over its labels); 0 when absent. */
export async function metric(instance: Instance, name: string): Promise<number> {
  const text = await (await fetch(`${instance.base}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** /ready's report of Redis. */
export async function redisReadiness(instance: Instance): Promise<Record<string, unknown>> {
  const ready = await call(instance, 'GET', '/ready');
  const details = ready.body.data?.details as Record<string, Record<string, unknown>> | undefined;
  if (!details) throw new Error(`/ready answered ${ready.status} without details`);
  return details.redis;
}

/**
 * Sends POST /auth/token (unknown account) as `ip`, alternating between `instances`, until one
 * answers 429; how many were let through. With a shared counter that is the limit, whichever
 * instance each request reached.
 */
export async function loginsAllowed(
  instances: readonly Instance[],
  ip: string,
  atMost: number,
): Promise<number> {
  for (let sent = 0; sent <= atMost; sent += 1) {
    const instance = instances[sent % instances.length];
    const reply = await call(instance, 'POST', '/auth/token', {
      body: { email: 'nobody@example.com', password: 'wrong password' },
      ip,
    });
    if (reply.status === 429) return sent;
    if (reply.status !== 401) throw new Error(`login answered ${reply.status}`);
  }
  return atMost + 1;
}
