import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { unauthorized } from '../common/errors';
import { RevokedToken } from './entities/revoked-token.entity';
import type { AdminUser } from './entities/admin-user.entity';

export type TokenType = 'access' | 'refresh';

/** Claims of our JWTs. `fam` ties every token of one login together, for family revocation. */
export interface TokenClaims {
  sub: string;
  username: string;
  pv: number;
  typ: TokenType;
  jti: string;
  fam: string;
  iat: number;
  exp: number;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
}

const ALGORITHM = 'HS256' as const;
const familyKey = (family: string) => `fam:${family}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every claim we rely on is present and well-formed. A signed token lacking one must never
 * pass: a missing `sub` would match any row (TypeORM drops `undefined` conditions), a
 * missing `pv` would skip the password-version check, a missing `exp` would never expire.
 */
export function hasValidClaims(
  claims: Partial<TokenClaims> | null | undefined,
  type: TokenType,
): claims is TokenClaims {
  return (
    !!claims &&
    claims.typ === type &&
    typeof claims.sub === 'string' &&
    UUID.test(claims.sub) &&
    typeof claims.jti === 'string' &&
    UUID.test(claims.jti) &&
    typeof claims.fam === 'string' &&
    UUID.test(claims.fam) &&
    Number.isInteger(claims.pv) &&
    typeof claims.exp === 'number'
  );
}

/** Mints, verifies and revokes tokens; the revocation list is the `revoked_tokens` table. */
@Injectable()
export class TokensService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(TokensService.name);
  private purgeTimer?: NodeJS.Timeout;
  private readonly revocationListeners = new Set<() => void>();

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    @InjectRepository(RevokedToken) private readonly revoked: Repository<RevokedToken>,
  ) {}

  onModuleInit(): void {
    this.purgeTimer = setInterval(
      () => void this.purgeExpired().catch((err) => this.log.warn({ err }, 'Purging revoked tokens failed')),
      60 * 60_000,
    );
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  get accessTtlSeconds(): number {
    return this.config.accessTokenMinutes * 60;
  }

  get refreshTtlSeconds(): number {
    return this.config.refreshTokenDays * 86_400;
  }

  async issuePair(user: AdminUser, family: string = randomUUID()): Promise<TokenPair> {
    const base = { sub: user.id, username: user.username, pv: user.passwordVersion, fam: family };
    const [access, refresh] = await Promise.all([
      this.jwt.signAsync(
        { ...base, typ: 'access', jti: randomUUID() },
        { expiresIn: this.accessTtlSeconds, algorithm: ALGORITHM },
      ),
      this.jwt.signAsync(
        { ...base, typ: 'refresh', jti: randomUUID() },
        { expiresIn: this.refreshTtlSeconds, algorithm: ALGORITHM },
      ),
    ]);
    return { access_token: access, refresh_token: refresh, token_type: 'bearer', expires_in: this.accessTtlSeconds };
  }

  /** Signature, algorithm, expiry and type; revocation is checked separately. */
  async verify(token: string, type: TokenType): Promise<TokenClaims> {
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token, { algorithms: [ALGORITHM] });
    } catch {
      throw unauthorized('Invalid or expired token');
    }
    if (!hasValidClaims(claims, type)) throw unauthorized('Invalid token');
    return claims;
  }

  /** True when the token or its whole family was revoked. */
  async isRevoked(claims: Pick<TokenClaims, 'jti' | 'fam'>): Promise<boolean> {
    return (await this.revoked.count({ where: { jti: In([claims.jti, familyKey(claims.fam)]) } })) > 0;
  }

  /**
   * Marks a refresh token used. Returns false when it had been used already: the caller
   * then treats it as theft and revokes the family.
   */
  async consume(claims: TokenClaims): Promise<boolean> {
    const result = await this.revoked
      .createQueryBuilder()
      .insert()
      .values({ jti: claims.jti, expiresAt: new Date(claims.exp * 1000) })
      .orIgnore()
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  /** Kills every token of a login (access and refresh alike). */
  async revokeFamily(family: string): Promise<void> {
    const expiresAt = new Date(Date.now() + this.refreshTtlSeconds * 1000);
    await this.revoked.upsert({ jti: familyKey(family), expiresAt }, ['jti']);
    this.announceRevocation();
  }

  async revokeToken(claims: Pick<TokenClaims, 'jti' | 'exp'>): Promise<void> {
    await this.revoked.upsert({ jti: claims.jti, expiresAt: new Date(claims.exp * 1000) }, ['jti']);
    this.announceRevocation();
  }

  /**
   * Listens for "some tokens died" (logout, refresh reuse, password change), once the change
   * is stored: connections that outlive a request (the activity stream) check theirs again.
   */
  onRevocation(listener: () => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  announceRevocation(): void {
    for (const listener of this.revocationListeners) {
      try {
        listener();
      } catch (err) {
        this.log.warn({ err }, 'A revocation listener failed');
      }
    }
  }

  async purgeExpired(): Promise<number> {
    const res = await this.revoked.delete({ expiresAt: LessThan(new Date()) });
    return res.affected ?? 0;
  }
}
