// A call page as apps written against the vendor's page do it: new Client() with no
// arguments, init not awaited, callbacks, `.then` after a callback call, subscribe(uid) on
// STREAM_ADDED, removeAllListeners before binding and in teardown.
const { Client, EVENTS } = require('../../libs/VolcEngineRTC_MiniApp');
const app = getApp();

Page({
  data: { status: 'idle', userId: '', pushUrl: '', players: [], events: [], error: '' },

  onLoad(query) {
    this.roomId = query.roomId;
    this.setData({ userId: query.userId });
    this.client = new Client();
    this.client.init(app.globalData.appId);
    this.bindEvents();
    app.globalData.getToken(this.roomId, query.userId, (token) => this.joinRoom(token));
  },

  bindEvents() {
    const client = this.client;
    client.removeAllListeners();
    client.on(EVENTS.PEER_ONLINE, (e) => this.note('peer-online', e.uid));
    client.on(EVENTS.PEER_LEAVE, (e) => this.note('peer-leave', e.uid));
    client.on(EVENTS.STREAM_ADDED, (e) => {
      this.note('stream-added', e.uid);
      client.subscribe(e.uid).then((url) => this.setPlayer(e.uid, url));
    });
    client.on(EVENTS.STREAM_REMOVED, (e) => {
      this.note('stream-removed', e.uid);
      this.setData({ players: this.data.players.filter((p) => p.uid !== e.uid) });
    });
    client.on(EVENTS.UPDATE_URL, (e) => {
      this.note('update-url', e.uid);
      if (e.uid === this.data.userId) this.setData({ pushUrl: e.url });
      else this.setPlayer(e.uid, e.url);
    });
    client.on(EVENTS.DISCONNECT, (e) => {
      this.note('disconnect', String(e.code));
      this.setData({ status: 'disconnected', pushUrl: '', players: [] });
    });
  },

  joinRoom(token) {
    const client = this.client;
    this.setData({ status: 'joining' });
    client
      .join(
        token,
        this.roomId,
        this.data.userId,
        (uid) => this.note('joined', uid),
        (err) => this.setData({ status: 'failed', error: err.reason }),
      )
      .then(() => client.publish())
      .then((pushUrl) => this.setData({ status: 'in-room', pushUrl: pushUrl }))
      .catch(() => undefined);
  },

  setPlayer(uid, url) {
    const players = this.data.players.filter((p) => p.uid !== uid);
    players.push({ uid: uid, url: url });
    this.setData({ players: players });
  },

  note(type, who) {
    this.setData({ events: this.data.events.concat([type + ' ' + who]) });
  },

  // <live-pusher bindstatechange bindnetstatus> and <live-player ...>
  onPusherState(e) {
    this.client.reportPusherStateChange(e.detail.code, e.detail.message);
  },
  onPusherNet(e) {
    this.client.reportPusherNetStatusChange(e.detail.info);
  },
  onPlayerState(e) {
    this.client.reportPlayerStateChange(e.currentTarget.dataset.uid, e.detail.code, e.detail.message);
  },

  hangUp() {
    this.client.leave(
      () => this.setData({ status: 'left', pushUrl: '', players: [] }),
      (err) => this.setData({ error: err.reason }),
    );
  },

  onUnload() {
    this.client.removeAllListeners();
    this.client.destroy();
  },
});
