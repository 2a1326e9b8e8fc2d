// The remote streams a page shows, one <live-player> each: a plain array kept in page data.
// Each function returns a new array (setData wants new values, not mutated ones).

function key(uid, screen) {
  return screen ? uid + '#screen' : uid;
}

/** Adds the stream, or changes its URL. */
function put(list, uid, screen, url) {
  const k = key(uid, screen);
  const item = { key: k, uid: uid, screen: !!screen, url: url };
  const i = list.findIndex((s) => s.key === k);
  return i < 0 ? list.concat([item]) : list.map((s, j) => (j === i ? item : s));
}

/** Removes one stream. */
function without(list, uid, screen) {
  const k = key(uid, screen);
  return list.filter((s) => s.key !== k);
}

/** Removes every stream of a user. */
function withoutUser(list, uid) {
  return list.filter((s) => s.uid !== uid);
}

module.exports = { put: put, without: without, withoutUser: withoutUser };
