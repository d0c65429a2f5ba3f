export const REQUEST_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
/** Who asked: an LLM (a tool's request), an admin (pre-approved), or an unsigned import (never granted by itself). */
export type RequestSource = 'llm' | 'admin' | 'import';
