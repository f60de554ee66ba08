import 'reflect-metadata';
import { createApp } from '../app.factory.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { PostsService } from '../posts/posts.service.js';
import { UsersService } from '../users/users.service.js';
import { DEMO_PASSWORD, DEMO_USERS } from './demo-data.js';
import { resolveDatabase } from './resolve-database.js';

const POSTS_PER_USER = 5;

/**
 * `npm run seed`: adds demo users and posts through the services (so passwords are hashed and
 * rules hold), skipping users that already exist. With the embedded database, stop the service
 * first: one process at a time can open it.
 */
async function seed(): Promise<void> {
  const config = { ...loadConfig(), logLevel: 'silent', docsEnabled: false };
  const database = await resolveDatabase(config);
  const app = await createApp({ config, database });
  await app.init();
  const users = app.get(UsersService);
  const posts = app.get(PostsService);
  try {
    for (const demo of DEMO_USERS) {
      if (await users.findForLogin(demo.email)) {
        console.log(`exists:  ${demo.email}`);
        continue;
      }
      const user = await users.create({ ...demo, password: DEMO_PASSWORD });
      for (let n = 1; n <= POSTS_PER_USER; n += 1) {
        await posts.create(user.publicId, {
          title: `${demo.name.split(' ')[0]}'s post #${n}`,
          body: `Demo post ${n} by ${demo.name}.`,
        });
      }
      console.log(`created: ${demo.email} with ${POSTS_PER_USER} posts`);
    }
    console.log(
      `\nLog in with POST /auth/token {"email":"ada@example.com","password":"${DEMO_PASSWORD}"}`,
    );
  } finally {
    await app.close();
    await database.stop();
  }
}

seed().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
