import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import type { AuthUser } from '../common/decorators';
import { unauthorized } from '../common/errors';
import { AuthService } from './auth.service';
import { hasValidClaims, TokensService, type TokenClaims } from './tokens.service';

/** Bearer access tokens: HS256 only, not expired, not revoked, current password version. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly tokens: TokensService,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(claims: TokenClaims): Promise<AuthUser> {
    if (!hasValidClaims(claims, 'access')) throw unauthorized('Not an access token');
    if (await this.tokens.isRevoked(claims)) throw unauthorized('Token has been revoked');
    const user = await this.auth.activeUser(claims.sub, claims.pv);
    return {
      id: user.id,
      username: user.username,
      jti: claims.jti,
      family: claims.fam,
      expiresAt: new Date(claims.exp * 1000),
    };
  }
}
