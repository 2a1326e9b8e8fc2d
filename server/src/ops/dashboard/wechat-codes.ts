// The state codes WeChat's <live-pusher> / <live-player> report through bindstatechange, with
// what they mean (../shared/vendor-facts.md). Real codes vary by WeChat version: the dashboard
// shows a code missing here as unknown, never guesses.

export const PUSHER_CODES: Readonly<Record<string, string>> = {
  '1001': 'connected to the server',
  '1002': 'pushing',
  '1003': 'camera opened',
  '1005': 'resolution adjusted',
  '1006': 'bitrate adjusted',
  '1007': 'first frame captured',
  '1008': 'encoder started',
  '1101': 'uplink congested',
  '1102': 'disconnected, reconnecting',
  '1103': 'hardware encoder failed, software encoder used',
  '-1301': 'camera failed to open',
  '-1302': 'microphone failed to open',
  '-1303': 'video encoding failed',
  '-1304': 'audio encoding failed',
  '-1307': 'reconnects exhausted: restart the push',
  '3001': 'RTMP DNS resolution failed',
  '3002': 'RTMP connect failed',
  '3003': 'RTMP handshake failed',
  '3004': 'RTMP server closed the connection',
  '3005': 'RTMP read/write failed',
};

export const PLAYER_CODES: Readonly<Record<string, string>> = {
  '2001': 'connected to the server',
  '2002': 'pulling the stream',
  '2003': 'first keyframe received',
  '2004': 'playing',
  '2006': 'playback ended',
  '2007': 'loading',
  '2009': 'resolution changed',
  '2103': 'disconnected, reconnecting',
  '2104': 'network unstable',
  '2105': 'playback stutters',
  '-2301': 'reconnects exhausted: playback stopped',
  '3001': 'RTMP DNS resolution failed',
  '3002': 'RTMP connect failed',
  '3003': 'RTMP handshake failed',
  '3004': 'RTMP server closed the connection',
  '3005': 'RTMP read/write failed',
};
