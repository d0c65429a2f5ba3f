import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { Authenticated, CurrentActor } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
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
    description:
      "The tool's current code runs with the given arguments, its server's secrets and allowed hosts, and its timeout, exactly " +
      'as over MCP. Under tool_approval_mode=require_approval only an approved tool may run; under auto_approve any code tool. ' +
      'A fault of the tool is a 200 with `success: false`. The run is written to the execution log as a test (not counted in the ' +
      "server's figures).",
  })
  @ApiOkResponse({
    type: TestCodeResultDto,
    description:
      'The run finished: success false when main threw, timed out, hit a limit, or the sandbox was busy or failed',
  })
  @ApiErrors(
    {
      400: 'Malformed JSON; tool_id is not a UUID, arguments is not an object, or the tool is not a code tool; unknown field',
    },
    415,
    {
      403: 'Under tool_approval_mode=require_approval the tool is not approved',
      404: 'No tool with this id',
    },
  )
  run(@Body() dto: TestCodeDto, @CurrentActor() actor: Actor): Promise<TestCodeResultDto> {
    return this.testCode.run(actor, dto);
  }
}
