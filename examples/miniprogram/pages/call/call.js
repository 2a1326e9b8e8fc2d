// A two-person call, written with await. The same page in the vendor's callback style is
// pages/call-legacy; both show pages/common/call-view.wxml.
//
// Background: WeChat suspends a mini-program a few seconds after it is hidden, and the
// <live-pusher> stops. The page stays in the room for `hideGraceMs` (a glance at a message
// costs nothing), then leaves, so the other person sees it go instead of a frozen picture.
// Back in front, it rejoins with the same token and publishes again. A connection lost while
// hidden is handled the same way; one lost in front leaves the Join button and the reason.
// (A dropped socket is not a lost connection: the SDK reconnects and resumes by itself, and
// only when it gives up does DISCONNECT come.)
const { Client, EVENTS, ERROR_CODES } = require('../../libs/VolcEngineRTC_MiniApp');
const streams = require('../../utils/streams');

const RECONNECTING = 'reconnecting…';

function describe(err) {
  return err && err.code ? err.code + ' ' + err.reason : String(err);
}

Page({
  data: { roomId: '', userId: '', token: '', state: 'idle', notice: '', pushUrl: '', remotes: [] },

  onLoad(query) {
    const cfg = getApp().globalData;
    const userId = query.userId || 'user' + Math.floor(Math.random() * 10000);
    this.client = null;
    this.hidden = false;
    this.hideTimer = null;
    this.hiddenAt = 0;
    this.pushRetries = 0;
    this.setData({ roomId: query.roomId || cfg.roomId, userId: userId, token: query.token || cfg.tokens[userId] || '' });
  },

  onInput(e) {
    this.setData({ [e.currentTarget.dataset.field]: e.detail.value });
  },

  async onJoin() {
    if (this.data.state !== 'idle' && this.data.state !== 'paused') return;
    this.setData({ state: 'joining', notice: '' });
    const cfg = getApp().globalData;
    const client = new Client(); // the server and options come from configure() in app.js
    this.client = client;
    this.listen(client);
    try {
      await client.init(cfg.appId);
      await client.join(this.data.token, this.data.roomId, this.data.userId);
      const pushUrl = await client.publish();
      if (this.client !== client) return; // left while joining
      this.pushRetries = 0;
      this.setData({ state: 'in-call', pushUrl: pushUrl });
    } catch (err) {
      if (this.client !== client) return;
      await this.teardown();
      this.setData({ state: 'idle', notice: describe(err) });
    }
  },

  async onLeave() {
    if (this.data.state !== 'in-call') return;
    this.setData({ state: 'leaving' });
    await this.teardown();
    this.setData({ state: 'idle', pushUrl: '', remotes: [] });
  },

  /** Leaves the room and drops the client; never fails (leave/destroy failures are moot here). */
  async teardown() {
    const client = this.client;
    this.client = null;
    if (!client) return;
    await client.leave().catch(() => undefined);
    await client.destroy().catch(() => undefined);
  },

  listen(client) {
    // Events of a client this page already dropped are ignored.
    const on = (event, handler) => client.on(event, (e) => this.client === client && handler(e));
    on(EVENTS.STREAM_ADDED, (e) => this.watch(client, e));
    on(EVENTS.STREAM_REMOVED, (e) => this.setData({ remotes: streams.without(this.data.remotes, e.uid, e.screen) }));
    on(EVENTS.PEER_LEAVE, (e) => this.setData({ remotes: streams.withoutUser(this.data.remotes, e.uid) }));
    on(EVENTS.UPDATE_URL, (e) => {
      if (e.uid === this.data.userId && !e.screen) this.setData({ pushUrl: e.url });
      else this.setData({ remotes: streams.put(this.data.remotes, e.uid, e.screen, e.url) });
    });
    on(EVENTS.STREAM_FAILED, (e) => this.streamFailed(client, e));
    on(EVENTS.TOKEN_WILL_EXPIRE, () => this.renew(client));
    // The SDK reconnects by itself after a drop (ClientOptions.reconnect); show it meanwhile.
    on(EVENTS.CONNECTION_STATE_CHANGED, (e) => {
      if (e.state === 'reconnecting') this.setData({ notice: RECONNECTING });
      else if (this.data.notice === RECONNECTING) this.setData({ notice: '' });
    });
    on(EVENTS.DISCONNECT, (e) => this.disconnected(e));
    on(EVENTS.ERROR, (e) => this.setData({ notice: describe(e) }));
  },

  async watch(client, e) {
    try {
      const url = await client.subscribe(e.uid, { audio: true, video: true, screen: e.screen });
      if (this.client === client) this.setData({ remotes: streams.put(this.data.remotes, e.uid, e.screen, url) });
    } catch (err) {
      if (this.client === client) this.setData({ notice: 'subscribe ' + e.uid + ': ' + describe(err) });
    }
  },

  /** TOKEN_WILL_EXPIRE: a new token from the backend (config.tokenUrl), or one pasted by hand. */
  renew(client) {
    const cfg = getApp().globalData;
    if (!cfg.tokenUrl) return this.setData({ notice: 'token expires soon: paste a new one and tap Renew' });
    wx.request({
      url: cfg.tokenUrl,
      data: { roomId: this.data.roomId, userId: this.data.userId },
      success: (res) => this.updateToken(client, res.data && res.data.token),
      fail: (res) => this.client === client && this.setData({ notice: 'token renewal: ' + res.errMsg }),
    });
  },

  onRenew() {
    if (this.client) this.updateToken(this.client, this.data.token);
  },

  /** The call goes on with the new token: same URLs, nobody sees a leave. */
  async updateToken(client, token) {
    try {
      await client.updateToken(token);
      if (this.client === client) this.setData({ token: token, notice: '' });
    } catch (err) {
      if (this.client === client) this.setData({ notice: 'token renewal: ' + describe(err) });
    }
  },

  async streamFailed(client, e) {
    if (e.uid !== this.data.userId) {
      this.setData({ remotes: streams.without(this.data.remotes, e.uid, e.screen) });
      return this.watch(client, e);
    }
    // Our push failed: it counts as unpublished, so publish again (a few times at most).
    if (++this.pushRetries > 3) return this.setData({ notice: 'publishing keeps failing: ' + e.reason });
    try {
      const pushUrl = await client.publish();
      if (this.client === client) this.setData({ pushUrl: pushUrl });
    } catch (err) {
      if (this.client === client) this.setData({ notice: 'publish: ' + describe(err) });
    }
  },

  async disconnected(e) {
    await this.teardown();
    const lost = e.code === ERROR_CODES.CONNECTION_LOST;
    this.setData({ state: this.hidden && lost ? 'paused' : 'idle', pushUrl: '', remotes: [], notice: describe(e) });
  },

  // The components report their state to the SDK, which batches it to the server.
  onPusherStateChange(e) {
    if (this.client) this.client.reportPusherStateChange(e.detail.code, e.detail.message);
  },
  onPusherNetStatus(e) {
    if (this.client) this.client.reportPusherNetStatusChange(e.detail.info);
  },
  onPlayerStateChange(e) {
    if (this.client) this.client.reportPlayerStateChange(e.currentTarget.dataset.uid, e.detail.code, e.detail.message);
  },
  onPlayerNetStatus(e) {
    if (this.client) this.client.reportPlayerNetStatusChange(e.currentTarget.dataset.uid, e.detail.info);
  },

  onHide() {
    this.hidden = true;
    this.hiddenAt = Date.now();
    if (this.data.state !== 'in-call' || this.hideTimer) return;
    this.hideTimer = setTimeout(() => {
      this.hideTimer = null;
      this.pause();
    }, getApp().globalData.hideGraceMs);
  },

  onShow() {
    const hiddenAt = this.hiddenAt;
    this.hidden = false;
    this.hiddenAt = 0;
    if (this.hideTimer) {
      clearTimeout(this.hideTimer);
      this.hideTimer = null;
    }
    if (this.data.state === 'paused') this.onJoin();
    // Suspended before the timer could fire: leave and rejoin now.
    else if (hiddenAt && Date.now() - hiddenAt >= getApp().globalData.hideGraceMs) this.pause();
  },

  /** Leaves after the grace; onShow (or the end of this, if shown meanwhile) rejoins. */
  async pause() {
    if (this.data.state !== 'in-call') return;
    this.setData({ state: 'leaving' });
    await this.teardown();
    this.setData({ state: 'paused', pushUrl: '', remotes: [] });
    if (!this.hidden) this.onJoin();
  },

  onUnload() {
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.hideTimer = null;
    this.teardown();
  },
});
