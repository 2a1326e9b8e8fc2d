// The app holds the settings every page reads (see config.js), and tells the SDK once where the
// server is: every `new Client()` in the pages starts from these options.
const config = require('./config');
const { configure } = require('./libs/VolcEngineRTC_MiniApp');

configure(Object.assign({}, config.clientOptions, { server: config.server }));

App({
  globalData: Object.assign({}, config),
});
