import { envelope } from '../common/http/envelope.js';
import type { LivenessOutput } from './dto/health.output.dto.js';

/** The liveness probe's path (health.controller.ts documents it, app.factory.ts answers GET). */
export const LIVENESS_PATH = 'health';

/** GET /health's body: liveness checks no dependency, so it is always the same. */
export const LIVENESS = envelope<LivenessOutput>({ status: 'ok' });
