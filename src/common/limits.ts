/** Limits of docs/sandbox.md#limits and docs/architecture.md#bodies, shared by the API edge, the services and the sandbox. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** `POST /api/export/import` only: an export holds every tool's code (up to 100 KB each), so it outgrows 1 MiB fast. */
export const IMPORT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
export const MAX_CODE_BYTES = 100 * 1024;
export const MAX_TIMEOUT_MS = 300_000;
export const MAX_STDOUT_BYTES = 1024 * 1024;
export const MAX_LOGGED_RESULT_BYTES = 10 * 1024;
export const MAX_HTTP_RESPONSE_BYTES = 10 * 1024 * 1024;
export const MAX_CONCURRENT_REQUESTS_PER_CALL = 10;
/** Default MCPBOX_MODULE_MAX_BUNDLE_BYTES: an installed module's bundle, held by every isolate that imports it. */
export const DEFAULT_MODULE_MAX_BUNDLE_BYTES = 5 * 1024 * 1024;
export const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
export const NAME_MAX = 64;
export const SECRET_KEY_PATTERN = /^[A-Z][A-Z0-9_]*$/;
