// Where the call goes. The defaults match `npx tsx server/src/cli.ts serve` on this computer
// (its built-in development app); see docs/miniprogram.md for a phone or a real deployment.
module.exports = {
  // ws:// works in the devtools with "do not check domains" on; a phone needs wss:// on a domain
  // in the mini-program's socket whitelist.
  server: 'ws://127.0.0.1:8080',
  appId: 'mprtc0dev0app00000000000',
  roomId: 'demo',
  // Tokens per user ID, pasted from `npx tsx server/src/cli.ts token ...`; the page's token
  // field starts with the one of its user. A real app fetches them from its own backend.
  tokens: {
    // alice: '001mprtc0dev0app00000000000...',
  },
  // Extra ClientOptions (timeouts, reconnect, report batching); `server` above is the one required.
  // app.js passes both to configure(), so the pages create clients with `new Client()`.
  clientOptions: {},
  // Your backend's token endpoint (GET ?roomId=&userId= answering { token }). When set, the page
  // renews its token by itself on TOKEN_WILL_EXPIRE; when empty, paste a new token and tap Renew.
  tokenUrl: '',
  // In the background longer than this, the page leaves the room; back in front, it rejoins.
  hideGraceMs: 20000,
};
