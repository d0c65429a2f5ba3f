/** Where the live activity stream listens (socket.io's `path` option, on the app's own HTTP server). */
export const ACTIVITY_STREAM_PATH = '/api/activity/stream';

/** Events a stream client receives. */
export const STREAM_EVENTS = {
  /** One new entry (an ActivityLogDto), after its transaction committed or its batch was written. */
  activity: 'activity',
  /** `{dropped, message}`: the client read too slowly and this many entries were not sent to it. */
  dropped: 'activity_dropped',
  /** `{reason, message}` just before the server disconnects the client (token expired or revoked). */
  closed: 'stream_closed',
} as const;
