import { Global, Module } from '@nestjs/common';
import { CursorCodec } from './pagination/cursor-codec.js';
import { PaginationService } from './pagination/pagination.service.js';

@Global()
@Module({
  providers: [CursorCodec, PaginationService],
  exports: [PaginationService],
})
export class CommonModule {}
