import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { TestCodeDto, TestCodeResultDto } from './dto/sandbox.dto';
import { TestCodeService } from './test-code.service';

@ApiTags('tools')
@Authenticated()
@Controller('api/tools')
export class TestCodeController {
  constructor(private readonly testCode: TestCodeService) {}

  @Post('test-code')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a saved tool once in the sandbox (whether or not its server is running); logged as a test execution',
  })
  @ApiOkResponse({
    type: TestCodeResultDto,
    description:
      'The run finished: success false when main threw, timed out, hit a limit, or the sandbox was busy or failed',
  })
  @ApiBadRequestResponse({
    description: 'tool_id is not a UUID, arguments is not an object, or the tool is not a code tool',
  })
  @ApiForbiddenResponse({ description: 'Under tool_approval_mode=require_approval the tool is not approved' })
  @ApiNotFoundResponse({ description: 'No tool with this id' })
  run(@Body() dto: TestCodeDto, @CurrentActor() actor: Actor): Promise<TestCodeResultDto> {
    return this.testCode.run(actor, dto);
  }
}
