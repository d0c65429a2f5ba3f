/** The AAD binding a secret's ciphertext to its server and key (docs/architecture.md#secrets). */
export const secretAad = (serverId: string, keyName: string) => `server_secret:${serverId}:${keyName}`;
