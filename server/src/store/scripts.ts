// Lua run inside Redis: each script touches one room's slot only (every key it names carries the
// room's hash tag), so it is atomic there and valid on a Redis Cluster.
import { Script } from './client.js';

/**
 * Compare-and-set of a room record, plus the events and kicks the change causes, in one step:
 * each event is numbered in its session's sequence, kept in the session's ring (for a resume on
 * any node), and published to the node holding the session. Redis runs scripts one at a time,
 * so every node hears a room's events in commit order.
 *
 * KEYS: room, then (session, ring, answers) per item.
 * ARGV: expected write id ('' = no room), new write id, record JSON ('' = delete), ring size,
 *       kicked-session TTL (ms), channel prefix, then (kind 'e'|'k', sessionId, payload) per item.
 *       'e' payload: the event frame up to `"seq":`; 'k' payload: JSON {code, reason}.
 * Returns 0 when the record changed since it was read (the caller reads again), else 1.
 */
export const COMMIT = new Script(`
local cur = redis.call('HGET', KEYS[1], 'v')
if (cur or '') ~= ARGV[1] then return 0 end
if ARGV[3] == '' then redis.call('DEL', KEYS[1]) else redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3]) end
local out, order = {}, {}
local ring = tonumber(ARGV[4])
local kickTtl = tonumber(ARGV[5])
local i, k = 7, 2
while i <= #ARGV do
  local kind, sid, payload = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local skey, rkey, akey = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  local s = redis.call('HMGET', skey, 'n', 'k')
  local node = s[1]
  if node and s[2] ~= '1' then
    local msg
    if kind == 'e' then
      local seq = redis.call('HINCRBY', skey, 'q', 1)
      local frame = payload .. seq .. '}'
      redis.call('RPUSH', rkey, frame)
      redis.call('LTRIM', rkey, -ring, -1)
      msg = 'e\\n' .. sid .. '\\n' .. seq .. '\\n' .. frame
    else
      redis.call('HSET', skey, 'k', '1')
      redis.call('DEL', rkey, akey)
      if kickTtl > 0 then redis.call('PEXPIRE', skey, kickTtl) else redis.call('DEL', skey) end
      msg = 'k\\n' .. sid .. '\\n0\\n' .. payload
    end
    if node ~= '' and node ~= '#' then
      if not out[node] then out[node] = {}; order[#order + 1] = node end
      local list = out[node]
      list[#list + 1] = msg
    end
  end
  i = i + 3
  k = k + 3
end
for _, node in ipairs(order) do
  redis.call('PUBLISH', ARGV[6] .. node, table.concat(out[node], '\\30'))
end
return 1
`);

/**
 * Numbers one event for one session outside a room change (token-will-expire): same numbering,
 * ring and delivery as COMMIT. KEYS: session, ring. ARGV: frame up to "seq":, ring size, channel prefix.
 */
export const EVENT = new Script(`
local s = redis.call('HMGET', KEYS[1], 'n', 'k')
local node = s[1]
if not node or s[2] == '1' then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'q', 1)
local frame = ARGV[1] .. seq .. '}'
redis.call('RPUSH', KEYS[2], frame)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
if node ~= '' and node ~= '#' then
  local sid = string.match(KEYS[1], ':s:(.*)$')
  redis.call('PUBLISH', ARGV[3] .. node, 'e\\n' .. sid .. '\\n' .. seq .. '\\n' .. frame)
end
return seq
`);

/**
 * Takes a session for a resume. KEYS: session, ring. ARGV: sha256(resumeToken), lastSeq, new node,
 * channel prefix. Returns {status, seq, userId, tokenExpireAt, frames...}: 1 = taken (frames after lastSeq follow),
 * 0 = no such session (or wrong secret, or already reaped), 2 = kicked (a newer join took it),
 * 3 = lastSeq ahead of the session, 4 = too far behind (the ring no longer holds what was missed).
 * The node that held it before is told to let its socket go ('v' message).
 */
export const RESUME = new Script(`
local s = redis.call('HMGET', KEYS[1], 'th', 'q', 'n', 'k', 'u', 'x')
if not s[1] or s[1] ~= ARGV[1] then return {0} end
if s[4] == '1' then return {2} end
if s[3] == '#' then return {0} end
local seq = tonumber(s[2] or '0')
local last = tonumber(ARGV[2])
if last > seq then return {3, seq} end
local len = redis.call('LLEN', KEYS[2])
if last + 1 < seq - len + 1 then return {4, seq} end
local res = {1, seq, s[5], s[6] or '0'}
if last < seq then
  local frames = redis.call('LRANGE', KEYS[2], len - (seq - last), -1)
  for _, f in ipairs(frames) do res[#res + 1] = f end
end
local old = s[3]
redis.call('HSET', KEYS[1], 'n', ARGV[3])
if old ~= '' and old ~= ARGV[3] then
  local sid = string.match(KEYS[1], ':s:(.*)$')
  redis.call('PUBLISH', ARGV[4] .. old, 'v\\n' .. sid .. '\\n' .. seq .. '\\n')
end
return res
`);

/**
 * Parks a session whose socket dropped, if this node still holds it. KEYS: session.
 * ARGV: this node. Returns the new park count (the parked entry names it), or 0.
 */
export const PARK = new Script(`
local s = redis.call('HMGET', KEYS[1], 'n', 'k')
if s[1] ~= ARGV[1] or s[2] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'n', '')
return redis.call('HINCRBY', KEYS[1], 'pk', 1)
`);

/**
 * Claims a parked (or dead node's) session for removal, exactly once: only while it is still
 * parked with the same park count, or still on the dead node. KEYS: session.
 * ARGV: 'p' + park count, or 'n' + dead node id. Returns the user id, or false.
 */
export const REAP = new Script(`
local s = redis.call('HMGET', KEYS[1], 'n', 'k', 'pk', 'u')
if not s[1] or s[2] == '1' then return false end
local tag = ARGV[1]
local ok = false
if string.sub(tag, 1, 1) == 'p' then ok = (s[1] == '' and (s[3] or '0') == string.sub(tag, 2)) else ok = (s[1] == string.sub(tag, 2)) end
if not ok then return false end
redis.call('HSET', KEYS[1], 'n', '#')
return s[4]
`);
