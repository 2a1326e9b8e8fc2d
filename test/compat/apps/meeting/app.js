// A meeting app in the style of code written for the vendor's mini-program SDK. The one line
// added for this SDK is the configure call: where the signaling server is.
require('./libs/VolcEngineRTC_MiniApp').configure({ server: 'wss://rtc.example.com' });

App({
  globalData: {
    appId: 'e2e0app0id0for0runtime00',
    // The app's backend hands out tokens (wx.request in the real app).
    getToken(roomId, userId, callback) {
      wx.request({
        url: 'https://backend.example.com/rtc/token',
        data: { roomId: roomId, userId: userId },
        success: function (res) {
          callback(res.data.token);
        },
      });
    },
  },
});
