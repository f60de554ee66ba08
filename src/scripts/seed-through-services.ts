import type { INestApplicationContext } from '@nestjs/common';
import { PostsService } from '../posts/posts.service.js';
import { UsersService } from '../users/users.service.js';
import { DEMO_PASSWORD, DEMO_USERS, demoPostsOf } from '../database/demo-data.js';

/**
 * Adds the demo users and posts through the services (so passwords are hashed and rules hold),
 * skipping users that already exist. `report` receives one line per user.
 */
export async function seedThroughServices(
  app: INestApplicationContext,
  report: (line: string) => void,
): Promise<void> {
  const users = app.get(UsersService);
  const posts = app.get(PostsService);
  for (const demo of DEMO_USERS) {
    if (await users.findForLogin(demo.email)) {
      report(`exists:  ${demo.email}`);
      continue;
    }
    const user = await users.create({ ...demo, password: DEMO_PASSWORD });
    for (const post of demoPostsOf(demo.name)) await posts.create(user.publicId, post);
    report(`created: ${demo.email} with ${demoPostsOf(demo.name).length} posts`);
  }
}

/** Whether the first demo user exists, for the service's start line. */
export async function demoDataExists(app: INestApplicationContext): Promise<boolean> {
  return Boolean(await app.get(UsersService).findForLogin(DEMO_USERS[0].email));
}
