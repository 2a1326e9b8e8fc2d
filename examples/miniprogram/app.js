// The app holds the settings every page reads (see config.js).
const config = require('./config');

App({
  globalData: Object.assign({}, config),
});
