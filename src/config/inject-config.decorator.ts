import { Inject } from '@nestjs/common';
import { APP_CONFIG } from './app-config.js';

/** Injects the validated AppConfig. */
export const InjectConfig = (): PropertyDecorator & ParameterDecorator => Inject(APP_CONFIG);
