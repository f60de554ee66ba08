import { envelope } from '../common/http/envelope.js';
import type { LivenessOutput } from './dto/health.output.dto.js';

/** GET /health's body: liveness checks no dependency, so it is always the same. */
export const LIVENESS = envelope<LivenessOutput>({ status: 'ok' });
