import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ActivityService } from '../activity/activity.service';
import type { AuthUser } from '../common/decorators';
import { conflict, invalid, unauthorized } from '../common/errors';
import { UnitOfWork } from '../common/unit-of-work/unit-of-work';
import { AdminUser } from './entities/admin-user.entity';
import { LoginRateLimiter } from './login-rate-limiter';
import { hashPassword, verifyPassword } from './passwords';
import { TokensService, type TokenPair } from './tokens.service';

/** Setup, login, refresh rotation, logout and password changes (docs/architecture.md#auth-and-tokens). */
@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(AdminUser) private readonly users: Repository<AdminUser>,
    private readonly uow: UnitOfWork,
    private readonly tokens: TokensService,
    private readonly limiter: LoginRateLimiter,
    private readonly activity: ActivityService,
  ) {}

  async status(): Promise<{ setup_required: boolean }> {
    return { setup_required: (await this.users.count()) === 0 };
  }

  /** Creates the first admin; a second call is a conflict, also when two race. */
  async setup(username: string, password: string): Promise<AdminUser> {
    const passwordHash = await hashPassword(password);
    const user = await this.uow.run(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['mcpbox:auth-setup']);
      const users = this.uow.with(this.users);
      if ((await users.count()) > 0) throw conflict('Setup is already done: an admin account exists');
      return users.save(users.create({ username, passwordHash }));
    });
    await this.activity.record({
      logType: 'audit',
      message: `Admin account ${username} created`,
      details: { username },
    });
    return user;
  }

  async login(username: string, password: string, client: string): Promise<TokenPair> {
    this.limiter.hit(client);
    const user = await this.users.findOne({ where: { username } });
    const ok = await verifyPassword(user?.passwordHash, password);
    if (!user || !ok || !user.isActive) {
      await this.activity.record({
        logType: 'audit',
        level: 'warning',
        message: 'Failed login',
        details: { username, client },
      });
      throw unauthorized('Invalid username or password');
    }
    await this.users.update(user.id, { lastLoginAt: new Date() });
    await this.activity.record({ logType: 'audit', message: `${username} logged in`, details: { username, client } });
    return this.tokens.issuePair(user);
  }

  /**
   * Rotation: the presented refresh token dies at once. Presenting a dead one again is
   * taken as theft: the whole family (also the pair minted by the first use) is revoked.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const claims = await this.tokens.verify(refreshToken, 'refresh');
    if (await this.tokens.isRevoked(claims)) return this.refuseReuse(claims);
    const user = await this.activeUser(claims.sub, claims.pv);
    // Two uses racing: the loser is a reuse too.
    if (!(await this.tokens.consume(claims))) return this.refuseReuse(claims);
    return this.tokens.issuePair(user, claims.fam);
  }

  /** A refresh token used twice: the whole family goes, an alert is recorded, the caller gets a 401. */
  private async refuseReuse(claims: { fam: string; username: string }): Promise<never> {
    await this.tokens.revokeFamily(claims.fam);
    await this.activity.record({
      logType: 'alert',
      level: 'warning',
      message: 'Refresh token reused: token family revoked',
      details: { username: claims.username },
    });
    throw unauthorized('Refresh token was already used or revoked');
  }

  async logout(user: AuthUser): Promise<void> {
    await this.tokens.revokeFamily(user.family);
    await this.activity.record({
      logType: 'audit',
      message: `${user.username} logged out`,
      details: { username: user.username },
    });
  }

  async me(user: AuthUser): Promise<AdminUser> {
    return this.activeUser(user.id);
  }

  /** Bumps `password_version`: every token issued before dies; a fresh pair is returned. */
  async changePassword(auth: AuthUser, currentPassword: string, newPassword: string): Promise<TokenPair> {
    const user = await this.activeUser(auth.id);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      await this.activity.record({
        logType: 'audit',
        level: 'warning',
        message: `Password change refused for ${user.username}: wrong current password`,
        details: { username: user.username },
      });
      throw invalid('current_password is wrong', { fields: ['current_password'] });
    }
    if (currentPassword === newPassword)
      throw invalid('new_password must differ from the current password', { fields: ['new_password'] });
    user.passwordHash = await hashPassword(newPassword);
    user.passwordVersion += 1;
    await this.users.save(user);
    this.tokens.announceRevocation();
    await this.activity.record({
      logType: 'audit',
      message: `${user.username} changed the password`,
      details: { username: user.username },
    });
    return this.tokens.issuePair(user);
  }

  /**
   * The one check of an access token, for every door: the JWT guard (through its passport
   * strategy) and, with the activity stream, the socket.io handshake. Signature (HS256
   * only), expiry, type, claims, revocation (the token or its family), and an active
   * account of the same password version; anything else is a 401-kind error.
   */
  async authenticateAccessToken(token: string): Promise<AuthUser> {
    const claims = await this.tokens.verify(token, 'access');
    if (await this.tokens.isRevoked(claims)) throw unauthorized('Token has been revoked');
    const user = await this.activeUser(claims.sub, claims.pv);
    return {
      id: user.id,
      username: user.username,
      jti: claims.jti,
      family: claims.fam,
      expiresAt: new Date(claims.exp * 1000),
    };
  }

  /** Listens for token revocations (logout, refresh reuse, password change); returns the unsubscribe. */
  onTokensRevoked(listener: () => void): () => void {
    return this.tokens.onRevocation(listener);
  }

  /** The user behind a token, if it still may act (active, same password version). */
  async activeUser(id: string, passwordVersion?: number): Promise<AdminUser> {
    // `where: { id: undefined }` would match the first row: never look up without an id.
    const user = id ? await this.users.findOne({ where: { id } }) : null;
    if (!user || !user.isActive) throw unauthorized('Account no longer exists or is disabled');
    if (passwordVersion !== undefined && user.passwordVersion !== passwordVersion)
      throw unauthorized('Token was issued before a password change');
    return user;
  }
}
