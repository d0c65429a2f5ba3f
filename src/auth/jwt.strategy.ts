import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from '../common/decorators';
import { unauthorized } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { AuthService } from './auth.service';

const bearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * Bearer access tokens. Passport reads and pre-checks the token (HS256 only, not expired);
 * the decision is AuthService.authenticateAccessToken, the one check every door shares.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: bearer,
      secretOrKey: config.jwtSecret,
      algorithms: ['HS256'],
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  async validate(request: FastifyRequest): Promise<AuthUser> {
    const token = bearer(request as unknown as Parameters<typeof bearer>[0]);
    if (!token) throw unauthorized('Missing or invalid access token');
    return this.auth.authenticateAccessToken(token);
  }
}
