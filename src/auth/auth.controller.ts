import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Authenticated, CurrentUser, Public, type AuthUser } from '../common/decorators';
import { AuthService } from './auth.service';
import {
  AdminUserDto,
  AuthStatusDto,
  ChangePasswordDto,
  LoginDto,
  mapAdminUser,
  RefreshDto,
  SetupDto,
  TokenPairDto,
} from './dto/auth.dto';

@ApiTags('auth')
@ApiBadRequestResponse({ description: 'Invalid input; the offending fields are named' })
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Get('status')
  @ApiOkResponse({ type: AuthStatusDto })
  status(): Promise<AuthStatusDto> {
    return this.auth.status();
  }

  @Public()
  @Post('setup')
  @ApiCreatedResponse({ type: AdminUserDto, description: 'The first admin account' })
  @ApiConflictResponse({ description: 'Setup is already done' })
  async setup(@Body() dto: SetupDto): Promise<AdminUserDto> {
    return mapAdminUser(await this.auth.setup(dto.username, dto.password));
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({ description: 'Wrong username or password' })
  @ApiTooManyRequestsResponse({ description: 'More than 5 attempts a minute from this client (see Retry-After)' })
  login(@Body() dto: LoginDto, @Req() req: FastifyRequest): Promise<TokenPairDto> {
    return this.auth.login(dto.username, dto.password, req.ip);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto, description: 'A new pair; the presented refresh token is dead from now on' })
  @ApiUnauthorizedResponse({
    description: 'Invalid, expired, revoked or reused refresh token (reuse revokes the whole family)',
  })
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refresh_token);
  }

  @Authenticated()
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The access and refresh tokens of this login are revoked' })
  logout(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.logout(user);
  }

  @Authenticated()
  @Get('me')
  @ApiOkResponse({ type: AdminUserDto })
  async me(@CurrentUser() user: AuthUser): Promise<AdminUserDto> {
    return mapAdminUser(await this.auth.me(user));
  }

  @Authenticated()
  @Post('change-password')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto, description: 'A fresh pair; every token issued before the change is dead' })
  changePassword(@CurrentUser() user: AuthUser, @Body() dto: ChangePasswordDto): Promise<TokenPairDto> {
    return this.auth.changePassword(user, dto.current_password, dto.new_password);
  }
}
