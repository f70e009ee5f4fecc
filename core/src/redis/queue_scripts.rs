//! The Lua scripts of [`RedisQueue`](super::RedisQueue). Each runs atomically
//! on the one node that holds its shard (all of a shard's keys share one hash
//! tag), so every state change of an entry is a single step: a crash can
//! never leave half of one.
//!
//! Time is the server's (`TIME`), so replicas with skewed clocks agree on
//! when a retry is due.

/// KEYS: marker, stream. ARGV: entry. Appends the entry and marks the key
/// queued (`1`), unless the key is marked: 1 queued, 0 duplicate.
///
/// Marker values are the small integers `1` (queued, running, scheduled or
/// dead) and `2` (done): Redis shares one object for each instead of
/// allocating a value per marker (with no `maxmemory` LRU/LFU policy), 32 B
/// less per delivery.
pub(super) const ENQUEUE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('XADD', KEYS[2], '*', 'd', ARGV[1])
redis.call('SET', KEYS[1], '1')
return 1";

/// KEYS: stream, delayed. ARGV: group, consumer, count, promote max.
/// Moves due retries back into the stream, then reads new entries for the
/// consumer (creating the group when it is missing, e.g. after Redis lost
/// its data). Returns `{{id, entry}, …}`; an entry without hookgate's `d`
/// field comes back as `{id, false}`, to be set aside.
pub(super) const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
for _, m in ipairs(due) do
  redis.call('XADD', KEYS[1], '*', 'd', m)
  redis.call('ZREM', KEYS[2], m)
end
local function read()
  return redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', tonumber(ARGV[3]), 'STREAMS', KEYS[1], '>')
end
local ok, r = pcall(read)
if not ok then
  local msg = type(r) == 'table' and r.err or tostring(r)
  if string.find(msg, 'NOGROUP', 1, true) then
    redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
    r = read()
  else
    return redis.error_reply(msg)
  end
end
local out = {}
if r then
  for _, e in ipairs(r[1][2]) do
    local f = e[2]
    local d = false
    for i = 1, #f, 2 do
      if f[i] == 'd' then d = f[i + 1] end
    end
    table.insert(out, {e[1], d})
  end
end
return out";

/// KEYS: stream. ARGV: group, consumer, min idle ms, count. Takes over
/// entries idle for the visibility timeout. Returns `{{id, entry, deliveries}, …}`
/// (`entry` false when the entry has no `d` field).
pub(super) const RECLAIM: &str = r"
local ok, r = pcall(redis.call, 'XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), '0-0', 'COUNT', tonumber(ARGV[4]))
if not ok then return {} end
local out = {}
for _, e in ipairs(r[2]) do
  local f = e[2]
  if f then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
    local n = 1
    if p[1] then n = p[1][4] end
    local d = false
    for i = 1, #f, 2 do
      if f[i] == 'd' then d = f[i + 1] end
    end
    table.insert(out, {e[1], d, n})
  end
end
return out";

/// KEYS: stream. ARGV: group, consumer, id. Resets the entry's idle time if
/// the consumer still holds it: 1, else 0.
pub(super) const EXTEND: &str = r"
local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not ok or not p[1] or p[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1";

/// KEYS: stream, marker. ARGV: group, id, done TTL ms. Acknowledges and
/// deletes the entry and marks the key done (`2`), together.
pub(super) const COMPLETE: &str = r"
pcall(redis.call, 'XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], '2', 'PX', ARGV[3])
return 1";

/// KEYS: stream, marker per entry. ARGV: group, done TTL ms, id per entry
/// (in the markers' order). [`COMPLETE`] for several entries of one shard
/// in one step.
pub(super) const COMPLETE_MANY: &str = r"
local ids = {}
for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
pcall(redis.call, 'XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
for i = 2, #KEYS do redis.call('SET', KEYS[i], '2', 'PX', ARGV[2]) end
return #ids";

/// KEYS: stream, delayed. ARGV: group, id, delay ms, entry. Replaces the
/// entry by its next attempt, due after the delay. Does nothing when the
/// entry was already settled by another worker (0).
pub(super) const RETRY: &str = r"
local ok, n = pcall(redis.call, 'XACK', KEYS[1], ARGV[1], ARGV[2])
if ok and n == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
local t = redis.call('TIME')
-- Rounded up, as TAKE rounds down: a retry is never due before its delay.
local now = tonumber(t[1]) * 1000 + math.ceil(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
return 1";

/// KEYS: stream, dead. ARGV: group, id, entry. Moves the entry to the dead
/// letters (its key stays marked). Does nothing when already settled (0).
pub(super) const DEAD: &str = r"
local ok, n = pcall(redis.call, 'XACK', KEYS[1], ARGV[1], ARGV[2])
if ok and n == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], '*', 'd', ARGV[3])
return 1";

/// KEYS: stream, dead. ARGV: group, id, raw bytes, reason. Sets aside an
/// entry that cannot be read: moves it, as it is, to the dead letters with
/// the reason in field `u` (its key, unknown, stays marked). Does nothing
/// when it was already settled (0).
pub(super) const BURY: &str = r"
local ok, n = pcall(redis.call, 'XACK', KEYS[1], ARGV[1], ARGV[2])
if ok and n == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], '*', 'd', ARGV[3], 'u', ARGV[4])
return 1";

/// KEYS: stream, delayed, dead. ARGV: group. Returns
/// `{stream length, pending, scheduled, dead, oldest id or '', now ms}`.
pub(super) const STATS: &str = r"
local len = redis.call('XLEN', KEYS[1])
local pending = 0
local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
if ok then pending = p[1] end
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local oldest = ''
if first[1] then oldest = first[1][1] end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {len, pending, redis.call('ZCARD', KEYS[2]), redis.call('XLEN', KEYS[3]), oldest, now}";

/// KEYS: dead. ARGV: count.
/// Returns `{{id, entry, why unreadable}, …}`, oldest first (`entry` and the
/// reason are `''` when absent).
pub(super) const LIST_DEAD: &str = r"
local out = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[1]))) do
  local f = e[2]
  local d, u = '', ''
  for i = 1, #f, 2 do
    if f[i] == 'd' then d = f[i + 1] elseif f[i] == 'u' then u = f[i + 1] end
  end
  table.insert(out, {e[1], d, u})
end
return out";

/// KEYS: dead, stream. ARGV: id, entry. Moves a dead letter back into the
/// stream: 1, or 0 when it is gone (requeued by someone else).
pub(super) const REQUEUE: &str = r"
if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'd', ARGV[2])
return 1";

/// KEYS: marker. Deletes a done marker (not a queued one): 1 or 0.
pub(super) const FORGET: &str = r"
if redis.call('GET', KEYS[1]) == '2' then return redis.call('DEL', KEYS[1]) end
return 0";
