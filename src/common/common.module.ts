import { Module } from '@nestjs/common';
import { CursorCodec } from './pagination/cursor-codec.js';
import { PaginationService } from './pagination/pagination.service.js';

@Module({
  providers: [CursorCodec, PaginationService],
  exports: [PaginationService],
})
export class CommonModule {}
