// The call of pages/call, in the vendor SDK's callback style: every method takes
// (..., onSuccess, onFailure). Code written for the vendor SDK looks like this; the only change
// it needs is the configure() line in app.js (and updateToken, ours, for calls longer than a
// token). Behaviour (background, reports, reconnects) is the same as pages/call: see the
// comment there.
const { Client, EVENTS, ERROR_CODES } = require('../../libs/VolcEngineRTC_MiniApp');
const streams = require('../../utils/streams');

const RECONNECTING = 'reconnecting…';

function describe(err) {
  return err && err.code ? err.code + ' ' + err.reason : String(err);
}

Page({
  data: { roomId: '', userId: '', token: '', state: 'idle', notice: '', pushUrl: '', remotes: [] },

  onLoad: function (query) {
    const cfg = getApp().globalData;
    const userId = query.userId || 'user' + Math.floor(Math.random() * 10000);
    this.client = null;
    this.hidden = false;
    this.hideTimer = null;
    this.hiddenAt = 0;
    this.pushRetries = 0;
    this.setData({ roomId: query.roomId || cfg.roomId, userId: userId, token: query.token || cfg.tokens[userId] || '' });
  },

  onInput: function (e) {
    this.setData({ [e.currentTarget.dataset.field]: e.detail.value });
  },

  onJoin: function () {
    if (this.data.state !== 'idle' && this.data.state !== 'paused') return;
    this.setData({ state: 'joining', notice: '' });
    const self = this;
    const cfg = getApp().globalData;
    const client = new Client(); // the server and options come from configure() in app.js
    this.client = client;
    this.listen(client);
    function fail(err) {
      if (self.client !== client) return;
      self.teardown(function () {
        self.setData({ state: 'idle', notice: describe(err) });
      });
    }
    client.init(
      cfg.appId,
      function () {
        client.join(
          self.data.token,
          self.data.roomId,
          self.data.userId,
          function () {
            client.publish(function (pushUrl) {
              if (self.client !== client) return;
              self.pushRetries = 0;
              self.setData({ state: 'in-call', pushUrl: pushUrl });
            }, fail);
          },
          fail,
        );
      },
      fail,
    );
  },

  onLeave: function () {
    if (this.data.state !== 'in-call') return;
    const self = this;
    this.setData({ state: 'leaving' });
    this.teardown(function () {
      self.setData({ state: 'idle', pushUrl: '', remotes: [] });
    });
  },

  /** Leaves the room and drops the client, then calls done (failures are moot here). */
  teardown: function (done) {
    const client = this.client;
    const finish = function () {
      if (done) done();
    };
    this.client = null;
    if (!client) return finish();
    const destroy = function () {
      client.destroy(finish, finish);
    };
    client.leave(destroy, destroy);
  },

  listen: function (client) {
    const self = this;
    // Events of a client this page already dropped are ignored.
    function on(event, handler) {
      client.on(event, function (e) {
        if (self.client === client) handler(e);
      });
    }
    on(EVENTS.STREAM_ADDED, function (e) {
      self.watch(client, e);
    });
    on(EVENTS.STREAM_REMOVED, function (e) {
      self.setData({ remotes: streams.without(self.data.remotes, e.uid, e.screen) });
    });
    on(EVENTS.PEER_LEAVE, function (e) {
      self.setData({ remotes: streams.withoutUser(self.data.remotes, e.uid) });
    });
    on(EVENTS.UPDATE_URL, function (e) {
      if (e.uid === self.data.userId && !e.screen) self.setData({ pushUrl: e.url });
      else self.setData({ remotes: streams.put(self.data.remotes, e.uid, e.screen, e.url) });
    });
    on(EVENTS.STREAM_FAILED, function (e) {
      self.streamFailed(client, e);
    });
    on(EVENTS.TOKEN_WILL_EXPIRE, function () {
      self.renew(client);
    });
    // The SDK reconnects by itself after a drop (ClientOptions.reconnect); show it meanwhile.
    on(EVENTS.CONNECTION_STATE_CHANGED, function (e) {
      if (e.state === 'reconnecting') self.setData({ notice: RECONNECTING });
      else if (self.data.notice === RECONNECTING) self.setData({ notice: '' });
    });
    on(EVENTS.DISCONNECT, function (e) {
      self.disconnected(e);
    });
    on(EVENTS.ERROR, function (e) {
      self.setData({ notice: describe(e) });
    });
  },

  /** TOKEN_WILL_EXPIRE: a new token from the backend (config.tokenUrl), or one pasted by hand. */
  renew: function (client) {
    const self = this;
    const cfg = getApp().globalData;
    if (!cfg.tokenUrl) return this.setData({ notice: 'token expires soon: paste a new one and tap Renew' });
    wx.request({
      url: cfg.tokenUrl,
      data: { roomId: this.data.roomId, userId: this.data.userId },
      success: function (res) {
        self.updateToken(client, res.data && res.data.token);
      },
      fail: function (res) {
        if (self.client === client) self.setData({ notice: 'token renewal: ' + res.errMsg });
      },
    });
  },

  onRenew: function () {
    if (this.client) this.updateToken(this.client, this.data.token);
  },

  /** The call goes on with the new token: same URLs, nobody sees a leave. */
  updateToken: function (client, token) {
    const self = this;
    client.updateToken(
      token,
      function () {
        if (self.client === client) self.setData({ token: token, notice: '' });
      },
      function (err) {
        if (self.client === client) self.setData({ notice: 'token renewal: ' + describe(err) });
      },
    );
  },

  watch: function (client, e) {
    const self = this;
    client.subscribe(
      e.uid,
      { audio: true, video: true, screen: e.screen },
      function (url) {
        if (self.client === client) self.setData({ remotes: streams.put(self.data.remotes, e.uid, e.screen, url) });
      },
      function (err) {
        if (self.client === client) self.setData({ notice: 'subscribe ' + e.uid + ': ' + describe(err) });
      },
    );
  },

  streamFailed: function (client, e) {
    const self = this;
    if (e.uid !== this.data.userId) {
      this.setData({ remotes: streams.without(this.data.remotes, e.uid, e.screen) });
      return this.watch(client, e);
    }
    // Our push failed: it counts as unpublished, so publish again (a few times at most).
    if (++this.pushRetries > 3) return this.setData({ notice: 'publishing keeps failing: ' + e.reason });
    client.publish(
      function (pushUrl) {
        if (self.client === client) self.setData({ pushUrl: pushUrl });
      },
      function (err) {
        if (self.client === client) self.setData({ notice: 'publish: ' + describe(err) });
      },
    );
  },

  disconnected: function (e) {
    const self = this;
    const lost = e.code === ERROR_CODES.CONNECTION_LOST;
    this.teardown(function () {
      self.setData({ state: self.hidden && lost ? 'paused' : 'idle', pushUrl: '', remotes: [], notice: describe(e) });
    });
  },

  // The components report their state to the SDK, which batches it to the server.
  onPusherStateChange: function (e) {
    if (this.client) this.client.reportPusherStateChange(e.detail.code, e.detail.message);
  },
  onPusherNetStatus: function (e) {
    if (this.client) this.client.reportPusherNetStatusChange(e.detail.info);
  },
  onPlayerStateChange: function (e) {
    if (this.client) this.client.reportPlayerStateChange(e.currentTarget.dataset.uid, e.detail.code, e.detail.message);
  },
  onPlayerNetStatus: function (e) {
    if (this.client) this.client.reportPlayerNetStatusChange(e.currentTarget.dataset.uid, e.detail.info);
  },

  onHide: function () {
    const self = this;
    this.hidden = true;
    this.hiddenAt = Date.now();
    if (this.data.state !== 'in-call' || this.hideTimer) return;
    this.hideTimer = setTimeout(function () {
      self.hideTimer = null;
      self.pause();
    }, getApp().globalData.hideGraceMs);
  },

  onShow: function () {
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
  pause: function () {
    const self = this;
    if (this.data.state !== 'in-call') return;
    this.setData({ state: 'leaving' });
    this.teardown(function () {
      self.setData({ state: 'paused', pushUrl: '', remotes: [] });
      if (!self.hidden) self.onJoin();
    });
  },

  onUnload: function () {
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.hideTimer = null;
    this.teardown();
  },
});
