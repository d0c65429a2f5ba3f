import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Authenticated, CurrentUser, Public, type AuthUser } from '../common/decorators';
import { ApiErrors } from '../common/openapi/api-errors';
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
@ApiErrors(413)
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Get('status')
  @ApiOperation({
    summary: 'Whether the first admin account still has to be created',
    description:
      'No token needed. `setup_required` is true while no admin account exists: then `POST /auth/setup` creates one.',
  })
  @ApiOkResponse({ type: AuthStatusDto, description: 'Whether setup is still required' })
  status(): Promise<AuthStatusDto> {
    return this.auth.status();
  }

  @Public()
  @Post('setup')
  @ApiOperation({
    summary: 'Create the first admin account',
    description:
      'No token needed, and possible once: while no admin account exists. The username is 3 to 64 of `A-Z a-z 0-9 _ . @ -`; ' +
      'the password 12 to 128 characters, stored as an Argon2id hash. Two racing calls create one account; the other gets 409. Log in afterwards.',
  })
  @ApiCreatedResponse({ type: AdminUserDto, description: 'The first admin account' })
  @ApiErrors({ 400: 'Malformed JSON; username or password breaks its rule; unknown field' }, 415, {
    409: 'Setup is already done: an admin account exists',
  })
  async setup(@Body() dto: SetupDto): Promise<AdminUserDto> {
    return mapAdminUser(await this.auth.setup(dto.username, dto.password));
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in: an access token and a refresh token',
    description:
      'No token needed. The access token (HS256 JWT) goes into `Authorization: Bearer`; it lives `expires_in` seconds ' +
      '(JWT_ACCESS_TOKEN_EXPIRE_MINUTES). Attempts are limited per client address (RATE_LIMIT_LOGIN_PER_MINUTE, default 5 a minute, ' +
      'sliding window; behind a proxy the address TRUST_PROXY allows); every attempt counts, successful or not. ' +
      'A failed login is audited in the activity log.',
  })
  @ApiOkResponse({ type: TokenPairDto, description: 'An access token and a refresh token' })
  @ApiErrors(
    { 400: 'Malformed JSON; username or password missing, empty or too long; unknown field' },
    415,
    { 401: 'Wrong username or password, or the account is disabled' },
    {
      429: 'Too many attempts from this client in the last minute (Retry-After and details.retry_after say when to retry)',
    },
  )
  login(@Body() dto: LoginDto, @Req() req: FastifyRequest): Promise<TokenPairDto> {
    return this.auth.login(dto.username, dto.password, req.ip);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Trade a refresh token for a new pair',
    description:
      'No access token needed. Rotation: the presented refresh token is dead from now on. Presenting a dead one again is ' +
      'taken as theft: every token of its family (also the pair this call would have returned) is revoked and an alert is logged.',
  })
  @ApiOkResponse({ type: TokenPairDto, description: 'A new pair; the presented refresh token is dead from now on' })
  @ApiErrors({ 400: 'Malformed JSON; refresh_token missing or not a JWT; unknown field' }, 415, {
    401: 'Invalid, expired, revoked or reused refresh token (reuse revokes the whole family), or the account is gone or its password changed',
  })
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refresh_token);
  }

  @Authenticated()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Log out: revoke the tokens of this login',
    description:
      'Revokes every token of the caller’s login (the access token used here and its refresh family); other logins stay. ' +
      'Takes no body. Live activity streams opened with these tokens are closed.',
  })
  @ApiNoContentResponse({ description: 'The access and refresh tokens of this login are revoked' })
  @ApiErrors({ 400: 'Malformed JSON in a body (none is needed)' }, 415)
  logout(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.logout(user);
  }

  @Authenticated()
  @Get('me')
  @ApiOperation({
    summary: 'The admin account of the access token',
    description: 'Never includes the password hash.',
  })
  @ApiOkResponse({ type: AdminUserDto, description: 'The account, without its password hash' })
  async me(@CurrentUser() user: AuthUser): Promise<AdminUserDto> {
    return mapAdminUser(await this.auth.me(user));
  }

  @Authenticated()
  @Post('change-password')
  @HttpCode(200)
  @ApiOperation({
    summary: "Change the caller's password",
    description:
      'Needs the current password; the new one must differ and be within the length rule. Every token issued before ' +
      '(of every login of this account) is dead from now on, live activity streams included; the answer is a fresh pair.',
  })
  @ApiOkResponse({ type: TokenPairDto, description: 'A fresh pair; every token issued before the change is dead' })
  @ApiErrors(
    {
      400: 'Malformed JSON; current_password wrong; new_password too short or long, or the same as the current one; unknown field',
    },
    415,
  )
  changePassword(@CurrentUser() user: AuthUser, @Body() dto: ChangePasswordDto): Promise<TokenPairDto> {
    return this.auth.changePassword(user, dto.current_password, dto.new_password);
  }
}
