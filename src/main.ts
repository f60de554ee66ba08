// Tracing starts before anything else loads, so that it can patch http, pg and redis: the rest
// of the application is imported only afterwards (static imports would be evaluated first).
import { startTracing } from './observability/tracing.js';

const stopTracing = await startTracing();
const { bootstrap } = await import('./bootstrap.js');
await bootstrap(stopTracing);
