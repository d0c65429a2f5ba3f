/** The AAD binding a secret's ciphertext to its server and key (SPEC §3). */
export const secretAad = (serverId: string, keyName: string) => `server_secret:${serverId}:${keyName}`;
