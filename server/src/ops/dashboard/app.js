// The dashboard: polls the admin API, lists rooms, shows one room's members, streams, quality
// plots (uPlot) and state codes. Every string from the server goes into the page as text
// (textContent / dataset), never as markup.
'use strict';
(function () {
  var POLL_MS = 2000;
  // Net status fields plotted: kbps on the left axis, the rest (fps, ms, frames) on the right.
  var FIELDS = [
    ['videoBitrate', 'kbps', '#1f77b4'],
    ['audioBitrate', 'kbps', '#ff7f0e'],
    ['netSpeed', 'kbps', '#2ca02c'],
    ['videoFPS', 'n', '#d62728'],
    ['netJitter', 'n', '#9467bd'],
    ['videoGOP', 'n', '#8c564b'],
    ['videoCache', 'n', '#e377c2'],
    ['audioCache', 'n', '#17becf'],
  ];
  var codes = { pusher: {}, player: {} };
  var selected = parseHash();
  var plots = new Map(); // key -> { plot, signature, el }
  var shownRoom = '';

  function $(id) {
    return document.getElementById(id);
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function enc(s) {
    return encodeURIComponent(s);
  }
  function parseHash() {
    var m = /^#([^/]+)\/(.+)$/.exec(location.hash);
    return m ? { appId: decodeURIComponent(m[1]), roomId: decodeURIComponent(m[2]) } : null;
  }
  function time(ms) {
    return new Date(ms).toLocaleTimeString();
  }

  function api(path, options) {
    var o = options || {};
    o.credentials = 'same-origin';
    o.headers = Object.assign({ 'x-mprtc-admin': '1' }, o.headers || {});
    return fetch(path, o).then(function (res) {
      if (res.status === 401) {
        location.reload();
        throw new Error('logged out');
      }
      return res.json().then(function (body) {
        return { status: res.status, body: body };
      });
    });
  }

  function poll() {
    return api('/admin/api/apps')
      .then(function (r) {
        return Promise.all(
          r.body.apps.map(function (a) {
            return api('/admin/api/apps/' + enc(a.appId) + '/rooms').then(function (x) {
              return x.body;
            });
          }),
        );
      })
      .then(function (apps) {
        renderRooms(apps);
        return selected ? showRoom(selected) : hideRoom();
      })
      .then(function () {
        $('status').textContent = 'updated ' + time(Date.now());
      })
      .catch(function (e) {
        $('status').textContent = 'update failed: ' + e.message;
      })
      .then(function () {
        setTimeout(poll, POLL_MS);
      });
  }

  function renderRooms(apps) {
    var box = $('rooms');
    box.replaceChildren();
    apps.forEach(function (app) {
      box.appendChild(el('div', 'app ' + app.appId, 'app'));
      if (app.rooms.length === 0) box.appendChild(el('div', 'no rooms', 'note'));
      app.rooms.forEach(function (room) {
        var b = el('button', room.roomId + ' (' + room.members + ')', 'room-link');
        b.type = 'button';
        b.dataset.room = room.roomId;
        if (selected && selected.appId === app.appId && selected.roomId === room.roomId) b.classList.add('selected');
        b.addEventListener('click', function () {
          selected = { appId: app.appId, roomId: room.roomId };
          location.hash = enc(app.appId) + '/' + enc(room.roomId);
          refreshNow();
        });
        box.appendChild(b);
      });
    });
  }

  var pending = null;
  function refreshNow() {
    if (!selected) return;
    if (pending) return;
    pending = showRoom(selected).finally(function () {
      pending = null;
    });
  }

  function hideRoom() {
    $('room').hidden = true;
    clearPlots();
  }

  function roomPath(s) {
    return '/admin/api/apps/' + enc(s.appId) + '/rooms/' + enc(s.roomId);
  }

  function showRoom(s) {
    return Promise.all([api(roomPath(s)), api(roomPath(s) + '/reports')]).then(function (r) {
      var id = s.appId + '/' + s.roomId;
      if (shownRoom !== id) {
        clearPlots();
        shownRoom = id;
      }
      $('room').hidden = false;
      $('room-title').textContent = s.roomId + (r[0].status === 404 ? ' (no members)' : '');
      var view = r[0].status === 200 ? r[0].body : { members: [], streams: [], subscriptions: [] };
      renderMembers(s, view);
      renderStreams(view);
      renderReports(r[1].status === 200 ? r[1].body : { series: [] });
    });
  }

  function renderMembers(s, view) {
    var body = $('members').tBodies[0];
    body.replaceChildren();
    view.members.forEach(function (m) {
      var tr = el('tr');
      tr.dataset.user = m.userId;
      tr.appendChild(el('td', m.userId));
      tr.appendChild(el('td', m.visible ? 'yes' : 'no'));
      tr.appendChild(el('td', time(m.joinedAt)));
      tr.appendChild(el('td', m.tokenExpireAt === 0 ? 'never' : time(m.tokenExpireAt * 1000)));
      var td = el('td');
      var b = el('button', 'remove', 'danger');
      b.type = 'button';
      b.dataset.user = m.userId;
      b.setAttribute('aria-label', 'remove ' + m.userId);
      b.addEventListener('click', function () {
        b.disabled = true;
        api(roomPath(s) + '/members/' + enc(m.userId), { method: 'DELETE' })
          .then(function (r) {
            $('status').textContent = r.status === 200 ? 'removed ' + m.userId : 'remove failed: ' + r.body.error.reason;
          })
          .then(refreshNow);
      });
      td.appendChild(b);
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  function renderStreams(view) {
    var body = $('streams').tBodies[0];
    body.replaceChildren();
    view.streams.forEach(function (st) {
      var subs = view.subscriptions
        .filter(function (x) {
          return x.userId === st.uid && x.screen === st.screen;
        })
        .map(function (x) {
          return x.subscriberId;
        });
      var tr = el('tr');
      [st.uid, st.screen ? 'yes' : 'no', st.audio ? 'on' : 'off', st.video ? 'on' : 'off', subs.join(', ') || '-'].forEach(function (v) {
        tr.appendChild(el('td', v));
      });
      body.appendChild(tr);
    });
  }

  function clearPlots() {
    plots.forEach(function (p) {
      p.plot.destroy();
      p.el.remove();
    });
    plots.clear();
  }

  function renderReports(rep) {
    $('retention').textContent = rep.reportsPerUser ? 'Kept: the latest ' + rep.reportsPerUser + ' report items per user.' : '';
    var seen = new Set();
    rep.series.forEach(function (s) {
      if (s.net.length === 0) return;
      var key = s.userId + '\n' + s.streamUid + '\n' + s.side;
      seen.add(key);
      drawPlot(key, s);
    });
    plots.forEach(function (p, key) {
      if (!seen.has(key)) {
        p.plot.destroy();
        p.el.remove();
        plots.delete(key);
      }
    });
    var rows = [];
    rep.series.forEach(function (s) {
      s.states.forEach(function (st) {
        rows.push({ s: s, st: st });
      });
    });
    rows.sort(function (a, b) {
      return b.st.at - a.st.at;
    });
    var body = $('states').tBodies[0];
    body.replaceChildren();
    rows.slice(0, 200).forEach(function (r) {
      var meaning = (codes[r.s.side] || {})[String(r.st.code)];
      var tr = el('tr');
      tr.appendChild(el('td', time(r.st.at)));
      tr.appendChild(el('td', r.s.userId));
      tr.appendChild(el('td', r.s.streamUid));
      tr.appendChild(el('td', r.s.side === 'pusher' ? 'live-pusher' : 'live-player'));
      tr.appendChild(el('td', r.st.code));
      tr.appendChild(el('td', meaning || 'unknown code', meaning ? '' : 'unknown'));
      tr.appendChild(el('td', r.st.message, 'message'));
      body.appendChild(tr);
    });
  }

  function drawPlot(key, s) {
    var fields = FIELDS.filter(function (f) {
      return s.net.some(function (p) {
        return typeof p.info[f[0]] === 'number';
      });
    });
    var signature = fields
      .map(function (f) {
        return f[0];
      })
      .join(',');
    var data = [
      s.net.map(function (p) {
        return p.at / 1000;
      }),
    ];
    fields.forEach(function (f) {
      data.push(
        s.net.map(function (p) {
          var v = p.info[f[0]];
          return typeof v === 'number' && isFinite(v) ? v : null;
        }),
      );
    });
    var entry = plots.get(key);
    if (entry && entry.signature !== signature) {
      entry.plot.destroy();
      entry.el.remove();
      plots.delete(key);
      entry = undefined;
    }
    if (!entry) {
      var box = el('div', null, 'plot');
      box.dataset.user = s.userId;
      box.dataset.stream = s.streamUid;
      box.dataset.side = s.side;
      box.appendChild(el('h4', s.side === 'pusher' ? s.userId + ' pushing' : s.userId + ' playing ' + s.streamUid));
      var latest = el('div', null, 'latest');
      box.appendChild(latest);
      $('plots').appendChild(box);
      var series = [{}].concat(
        fields.map(function (f) {
          return { label: f[0], scale: f[1], stroke: f[2], width: 1.5, points: { show: true, size: 5 } };
        }),
      );
      var plot = new uPlot(
        {
          width: 460,
          height: 220,
          series: series,
          scales: { x: { time: true } },
          axes: [{}, { scale: 'kbps', label: 'kbps' }, { scale: 'n', side: 1, label: 'fps / ms / frames', grid: { show: false } }],
        },
        data,
        box,
      );
      entry = { plot: plot, signature: signature, el: box, latest: latest };
      plots.set(key, entry);
    } else {
      entry.plot.setData(data);
    }
    entry.el.dataset.points = String(s.net.length);
    var last = s.net[s.net.length - 1].info;
    var w = last.videoWidth,
      h = last.videoHeight;
    entry.latest.textContent =
      (typeof w === 'number' && typeof h === 'number' ? 'resolution ' + w + 'x' + h + ' - ' : '') +
      s.net.length +
      ' points, last at ' +
      time(s.net[s.net.length - 1].at);
  }

  $('close-room').addEventListener('click', function () {
    var s = selected;
    if (!s || !window.confirm('Close room ' + s.roomId + '? Every member is removed.')) return;
    api(roomPath(s), { method: 'DELETE' })
      .then(function (r) {
        $('status').textContent = r.status === 200 ? 'closed ' + s.roomId : 'close failed: ' + r.body.error.reason;
      })
      .then(refreshNow);
  });

  fetch('/dashboard/codes.json', { credentials: 'same-origin' })
    .then(function (r) {
      return r.json();
    })
    .then(function (c) {
      codes = c;
    })
    .catch(function () {})
    .then(poll);
})();
