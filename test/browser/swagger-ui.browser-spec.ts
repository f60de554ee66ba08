import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Locator, Page, Response } from 'playwright-core';
import { DOCS_TITLE } from '../../src/openapi/swagger.js';
import { DEMO_LOGIN, DEMO_PASSWORD, DEMO_USERS } from '../../src/database/demo-data.js';
import { UsersService } from '../../src/users/users.service.js';
import { createTestApp, TestApp } from '../support/test-app.js';
import { signUp, SignedUpUser } from '../support/fixtures.js';

/**
 * Swagger UI in a real browser (Chromium driven by playwright-core), under the service's real
 * security headers: a user who signed up authorizes with their access token, tries
 * GET /users/{id} on themselves and sees a 200 with their own email; a newcomer opens /, lands on
 * Swagger UI, executes the POST /auth/token example as it stands (the demo user of
 * `npm run seed`), authorizes with the token it gave, reloads the page and is still authorized.
 * The page must raise no Content-Security-Policy violation and no uncaught error on the way.
 *
 * Needs a Chromium binary (Playwright cannot download its own here): /usr/bin/chromium, or the
 * one named by CHROMIUM_PATH. Without it the test fails, saying how to install it; it never skips.
 */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS_DIR = join(import.meta.dirname, '..', 'artifacts');
const SCREENSHOT = join(ARTIFACTS_DIR, 'swagger-ui.png');
const FAILURE_SCREENSHOT = join(ARTIFACTS_DIR, 'swagger-ui-failure.png');
/** How long one wait for an element may take (waits, not timed assertions). */
const WAIT_MS = 15_000;

/** The little of a page's globals that the scripts run in it use (the tsconfig has no DOM lib). */
interface BrowserGlobals {
  __cspViolations: string[];
  document: {
    addEventListener(
      type: 'securitypolicyviolation',
      listener: (event: { effectiveDirective: string; blockedURI: string }) => void,
    ): void;
  };
}

function missingChromiumMessage(): string {
  return [
    `Chromium not found at ${CHROMIUM_PATH}: the Swagger UI browser test needs it.`,
    'Install it with `sudo apt-get update && sudo apt-get install -y chromium` (Debian/Ubuntu),',
    'or point CHROMIUM_PATH at an installed Chromium or Chrome binary.',
  ].join('\n');
}

/**
 * Chromium's console text for a CSP violation: "Loading the image '…' violates the following
 * Content Security Policy directive: …" (older versions: "Refused to load …").
 */
function isCspMessage(text: string): boolean {
  return /content security policy|refused to (load|execute|apply|connect|frame|evaluate)/i.test(
    text,
  );
}

describe('Swagger UI in a browser', () => {
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  let baseUrl: string;
  let user: SignedUpUser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(missingChromiumMessage());
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    t = await createTestApp({ DOCS_ENABLED: 'true' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await t.app.getUrl();
    user = await signUp(t);
    // The demo user, created as `npm run seed` creates it.
    await t.app.get(UsersService).create({ ...DEMO_USERS[0], password: DEMO_PASSWORD });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('authorizes with a bearer token and shows the 200 of GET /users/{id} with the caller’s email', async () => {
    await inBrowser(async (page) => {
      const docs = await page.goto(`${baseUrl}/docs`, { waitUntil: 'load' });
      expect(docs?.status()).toBe(200);
      // The page is served under the service's CSP, so the checks below mean something.
      expect(docs?.headers()['content-security-policy']).toEqual(expect.any(String));

      await authorize(page, user.token);

      // GET /users/{id}: expand, "Try it out", fill the id, "Execute".
      const operation = operationBlock(page, 'get', '/users/{id}');
      await operation.locator('.opblock-summary').click();
      await operation.locator('.try-out__btn').click();
      await operation.locator('tr[data-param-name="id"] input').fill(user.id);

      const { response, shown, live } = await execute<{ data: { id: string; email: string } }>(
        page,
        operation,
        `/users/${user.id}`,
      );
      // What the browser sent: the pasted token as a bearer credential.
      expect(response.request().headers()['authorization']).toBe(`Bearer ${user.token}`);
      expect(response.status()).toBe(200);
      expect(shown.data).toMatchObject({ id: user.id, email: user.email });
      await operation
        .locator('.request-url')
        .filter({ hasText: `${baseUrl}/users/${user.id}` })
        .waitFor();

      // The operation as the user sees it, from its summary down to the server's response (the
      // documented responses below would make the picture unreadably tall).
      await screenshotBetween(page, operation, live, SCREENSHOT);
    });
  });

  it('logs in with the example from /, and stays authorized after a reload', async () => {
    await inBrowser(async (page) => {
      // / sends a newcomer to Swagger UI, titled after the API.
      const landing = await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
      expect(new URL(page.url()).pathname).toBe('/docs');
      expect(landing?.status()).toBe(200);
      expect(await page.title()).toBe(DOCS_TITLE);

      // POST /auth/token: "Try it out" and "Execute" with the example body as it stands.
      const login = operationBlock(page, 'post', '/auth/token');
      await login.locator('.opblock-summary').click();
      await login.locator('.try-out__btn').click();
      const { response, shown } = await execute<{ data: { access_token: string } }>(
        page,
        login,
        '/auth/token',
      );
      expect(response.request().postDataJSON()).toEqual(DEMO_LOGIN);
      expect(response.status()).toBe(200);
      const token = shown.data.access_token;
      expect(token).toEqual(expect.any(String));

      await authorize(page, token);
      // persistAuthorization: after a reload the padlock is still shut, and requests carry it.
      await page.reload({ waitUntil: 'load' });
      await page.locator('.auth-wrapper button.authorize.locked').waitFor();

      const me = operationBlock(page, 'get', '/auth/me');
      await me.locator('.opblock-summary').click();
      await me.locator('.try-out__btn').click();
      const whoAmI = await execute<{ data: { email: string } }>(page, me, '/auth/me');
      expect(whoAmI.response.request().headers()['authorization']).toBe(`Bearer ${token}`);
      expect(whoAmI.response.status()).toBe(200);
      expect(whoAmI.shown.data.email).toBe(DEMO_LOGIN.email);
    });
  });

  /**
   * Runs `steps` in a fresh page that records console messages, uncaught errors, failed requests
   * and CSP violations; afterwards there must be none. On failure: a screenshot and the record.
   */
  async function inBrowser(steps: (page: Page) => Promise<void>): Promise<void> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);

    const consoleMessages: string[] = [];
    const pageErrors: string[] = [];
    const failedRequests: string[] = [];
    page.on('console', (message) => consoleMessages.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    page.on('requestfailed', (request) =>
      failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
    );
    // Also record violations as the page itself sees them (an init script is exempt from the CSP).
    await page.addInitScript(() => {
      const globals = globalThis as unknown as BrowserGlobals;
      globals.__cspViolations = [];
      globals.document.addEventListener('securitypolicyviolation', (event) => {
        const blocked = event.blockedURI || '(inline)';
        globals.__cspViolations.push(`${event.effectiveDirective} blocked ${blocked}`);
      });
    });

    try {
      await steps(page);
      const cspViolations = await page.evaluate(
        () => (globalThis as unknown as BrowserGlobals).__cspViolations,
      );
      expect({
        cspViolations,
        cspConsoleMessages: consoleMessages.filter(isCspMessage),
        pageErrors,
        failedRequests,
      }).toEqual({ cspViolations: [], cspConsoleMessages: [], pageErrors: [], failedRequests: [] });
    } catch (error) {
      await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => undefined);
      console.error(
        [
          `Swagger UI test failed; screenshot: ${FAILURE_SCREENSHOT}`,
          'console:',
          ...consoleMessages,
          'page errors:',
          ...pageErrors,
          'failed requests:',
          ...failedRequests,
        ].join('\n'),
      );
      throw error;
    } finally {
      await context.close();
    }
  }
});

/** The operation block of METHOD PATH on the page. */
function operationBlock(page: Page, method: 'get' | 'post', path: string): Locator {
  return page
    .locator(`.opblock.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
    .first();
}

/** "Authorize": pastes the access token into the bearer field of the dialog, then closes it. */
async function authorize(page: Page, token: string): Promise<void> {
  await page.locator('.auth-wrapper button.authorize').click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  await dialog.waitFor();
  await dialog.locator('input[type=text]').fill(token);
  await dialog.locator('.auth-btn-wrapper button.authorize').click();
  // Once authorized, the dialog offers "Logout" ("Remove authorization") in its place.
  await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor();
  await dialog.locator('.auth-btn-wrapper button.btn-done').click();
  await dialog.waitFor({ state: 'detached' });
  // The page's padlock is now shut.
  await page.locator('.auth-wrapper button.authorize.locked').waitFor();
}

/**
 * "Execute" on an operation in "Try it out" mode: the response the browser got from `pathname`,
 * and the live response the page shows (its JSON body, once rendered with the same status).
 */
async function execute<T>(
  page: Page,
  operation: Locator,
  pathname: string,
): Promise<{ response: Response; shown: T; live: Locator }> {
  const apiResponse = page.waitForResponse(
    (candidate) => new URL(candidate.url()).pathname === pathname,
  );
  await operation.locator('button.execute').click();
  const response = await apiResponse;
  const live = operation.locator('.responses-wrapper .live-responses-table .response');
  await live
    .locator('.response-col_status')
    .filter({ hasText: new RegExp(`^\\s*${response.status()}\\s*$`) })
    .waitFor();
  const body = live.locator('.response-col_description .highlight-code pre');
  await body.waitFor();
  const shown = JSON.parse((await body.innerText()).trim()) as T;
  return { response, shown, live };
}

/** A screenshot of the page from the top of `from` to the bottom of `to`, `from`'s width. */
async function screenshotBetween(
  page: Page,
  from: Locator,
  to: Locator,
  path: string,
): Promise<void> {
  await to.scrollIntoViewIfNeeded();
  // Bounding boxes are relative to the viewport; a full-page clip is relative to the document.
  const scroll = await page.evaluate(() => {
    const { scrollX, scrollY } = globalThis as unknown as { scrollX: number; scrollY: number };
    return { x: scrollX, y: scrollY };
  });
  const top = await from.boundingBox();
  const bottom = await to.boundingBox();
  if (!top || !bottom) throw new Error('nothing to take a screenshot of');
  await page.screenshot({
    path,
    fullPage: true,
    clip: {
      x: top.x + scroll.x,
      y: top.y + scroll.y,
      width: top.width,
      height: bottom.y + bottom.height - top.y + 8,
    },
  });
}
