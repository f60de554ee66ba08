import { FieldError } from './validation-failed.exception.js';

/** The body of every error response (API.md, Envelopes). */
export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    details?: FieldError[];
    request_id: string;
  };
}
