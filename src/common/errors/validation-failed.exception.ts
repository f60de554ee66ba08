import { HttpStatus, UnprocessableEntityException } from '@nestjs/common';

export interface FieldError {
  /** Dotted path of the failing field: `email`, `address.city`. */
  field: string;
  message: string;
}

/** 422 VALIDATION_ERROR with one entry per failing field. */
export class ValidationFailedException extends UnprocessableEntityException {
  constructor(
    readonly details: FieldError[],
    message = 'Invalid input',
  ) {
    super({ statusCode: HttpStatus.UNPROCESSABLE_ENTITY, message });
  }
}
