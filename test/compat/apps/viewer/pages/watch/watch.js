// The audience's page, as apps written against the vendor's page do it: new Client(), init not
// awaited, setBusinessId and setUserVisibility(false) before join (callbacks), subscribe(uid,
// { screen }) with callbacks, unsubscribe(uid) without options, muteRemote with callbacks,
// off(event) in teardown.
const { Client, EVENTS } = require('../../libs/VolcEngineRTC_MiniApp');
const app = getApp();

Page({
  data: { status: 'idle', players: [], events: [], error: '' },

  onLoad(query) {
    const client = new Client();
    this.client = client;
    this.roomId = query.roomId;
    this.userId = query.userId;
    client.init(app.globalData.appId);
    client.setBusinessId('live-viewer', (ok) => this.note('business-id', String(ok)));
    client.setUserVisibility(
      false,
      () => this.note('invisible', this.userId),
      (err) => this.fail(err),
    );
    client.on(EVENTS.STREAM_ADDED, (e) => {
      const show = (url) => this.setData({ players: this.data.players.concat([{ uid: e.uid, url: url }]) });
      client.subscribe(e.uid, { screen: e.screen }, show, (err) => this.fail(err));
    });
    client.on(EVENTS.STREAM_REMOVED, (e) => this.drop(e.uid));
    client.on(EVENTS.DISCONNECT, (e) => this.note('disconnect', String(e.code)));
    app.globalData.getToken(this.roomId, this.userId, (token) => {
      client.join(
        token,
        this.roomId,
        this.userId,
        () => this.setData({ status: 'watching' }),
        (err) => this.fail(err),
      );
    });
  },

  muteSound(e) {
    const uid = e.currentTarget.dataset.uid;
    this.client.muteRemote(
      uid,
      { audio: true, video: false },
      () => this.note('muted', uid),
      (err) => this.fail(err),
    );
  },

  stopWatching(e) {
    const uid = e.currentTarget.dataset.uid;
    this.client.unsubscribe(uid).then(() => {
      this.drop(uid);
      this.note('unsubscribed', uid);
    });
  },

  drop(uid) {
    this.setData({ players: this.data.players.filter((p) => p.uid !== uid) });
  },

  note(type, what) {
    this.setData({ events: this.data.events.concat([type + ' ' + what]) });
  },

  fail(err) {
    this.setData({ error: err.code + ' ' + err.reason });
  },

  onPlayerState(e) {
    this.client.reportPlayerStateChange(e.currentTarget.dataset.uid, e.detail.code, e.detail.message);
  },
  onPlayerNet(e) {
    this.client.reportPlayerNetStatusChange(e.currentTarget.dataset.uid, e.detail.info);
  },

  onUnload() {
    this.client.off(EVENTS.STREAM_ADDED);
    this.client.off(EVENTS.STREAM_REMOVED);
    this.client.leave();
    this.client.destroy();
  },
});
