import { hash, verify } from '@node-rs/argon2';

// argon2id (the library's default algorithm) with OWASP's recommended cost.
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
// Verified when the user does not exist, so an unknown name costs as much as a wrong password.
let dummyHash: Promise<string> | undefined;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  const target = passwordHash ?? (await (dummyHash ??= hash('mcpbox-timing-equaliser', OPTIONS)));
  const ok = await verify(target, password).catch(() => false);
  return ok && passwordHash !== undefined;
}
