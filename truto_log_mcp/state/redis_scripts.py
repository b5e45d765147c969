"""The Lua scripts of the Redis store: each runs atomically in Redis, in one round trip.

Keys (prefix ``tlm:``; one space per handle prefix, ``tlm:r:`` refs, ``tlm:c:`` cursors):

* ``tlm:tag``: the store's tag (set once, by whichever replica comes first); ``tlm:sequence``: the
  counter that numbers handles and orders uses;
* ``<space>value`` / ``<space>owner`` / ``<space>size``: hashes handle -> value / owner / bytes (an
  expired entry is dropped by the next mint, which drops every expired one, or by the fetch that
  finds it); ``<space>expiry``: handles by expiry (ms); ``<space>lru:<owner>``: an owner's handles
  by last use; ``<space>count`` / ``<space>bytes``: owners by what they hold; ``<space>total``: the
  space's count and bytes;
* ``tlm:budget:<token hash>``: a token's requests of the last window (sliding window);
* ``tlm:k:<namespace>:<key>``: the key/value API's values (Redis expires them);
* ``tlm:n:<owner>``: the ids an owner's answers named, members ``<kind> <id>`` scored by
  ``tlm:sequence`` (the order they were named), trimmed to the newest ``keep``, expiring with the
  owner's last answer;
* ``tlm:b:v:<namespace>:<key>``: the scan cache's values (``stored_blobs.py``; Redis expires them);
  ``tlm:b:size:<namespace>`` / ``tlm:b:exp:<namespace>`` / ``tlm:b:lru:<namespace>``: a namespace's
  values by size / expiry (ms) / last use; ``tlm:b:ns``: namespaces by bytes; ``tlm:b:total``: bytes.

Time is Redis's own (``TIME``): replicas whose clocks differ still agree on expiry and windows.
"""

from __future__ import annotations

_COMMON = """
local P = 'tlm:' .. ARGV[1] .. ':'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function drop(h)
  local o = redis.call('HGET', P .. 'owner', h)
  if not o then return end
  local size = tonumber(redis.call('HGET', P .. 'size', h)) or 0
  redis.call('HDEL', P .. 'owner', h)
  redis.call('HDEL', P .. 'size', h)
  redis.call('HDEL', P .. 'value', h)
  redis.call('ZREM', P .. 'expiry', h)
  redis.call('ZREM', P .. 'lru:' .. o, h)
  if tonumber(redis.call('ZINCRBY', P .. 'count', -1, o)) <= 0 then
    redis.call('ZREM', P .. 'count', o)
    redis.call('ZREM', P .. 'bytes', o)
  else
    redis.call('ZINCRBY', P .. 'bytes', -size, o)
  end
  redis.call('HINCRBY', P .. 'total', 'n', -1)
  redis.call('HINCRBY', P .. 'total', 'b', -size)
end
redis.call('SET', 'tlm:tag', ARGV[4], 'NX')
local tag = redis.call('GET', 'tlm:tag')
"""

MINT = (
    _COMMON
    + """
-- ARGV: first space, owner, batch count, new tag, then per batch: space, ttl ms, max items,
-- max bytes (-1: none), value count, values... Returns every batch's handles, in order.
local owner = ARGV[2]
local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
local function base36(number)
  local text = ''
  repeat
    local digit = number % 36
    text = string.sub(digits, digit + 1, digit + 1) .. text
    number = (number - digit) / 36
  until number == 0
  return text
end
local function mint(space, ttl, max_items, max_bytes, first, n)
  P = 'tlm:' .. space .. ':'
  for _, h in ipairs(redis.call('ZRANGEBYSCORE', P .. 'expiry', '-inf', now, 'LIMIT', 0, 1000)) do drop(h) end
  local last = redis.call('INCRBY', 'tlm:sequence', n)
  local handles, values, owners, sizes, expiries, uses = {}, {}, {}, {}, {}, {}
  local bytes = 0
  for i = 1, n do
    local seq = last - n + i
    local h = space .. tag .. base36(seq)
    local blob = ARGV[first + i - 1]
    local size = string.len(blob)
    values[2 * i - 1], values[2 * i] = h, blob
    owners[2 * i - 1], owners[2 * i] = h, owner
    sizes[2 * i - 1], sizes[2 * i] = h, size
    expiries[2 * i - 1], expiries[2 * i] = now + ttl, h
    uses[2 * i - 1], uses[2 * i] = seq, h
    bytes = bytes + size
    handles[i] = h
  end
  -- one command per index for the whole batch, whatever its size
  redis.call('HSET', P .. 'value', unpack(values))
  redis.call('HSET', P .. 'owner', unpack(owners))
  redis.call('HSET', P .. 'size', unpack(sizes))
  redis.call('ZADD', P .. 'expiry', unpack(expiries))
  redis.call('ZADD', P .. 'lru:' .. owner, unpack(uses))
  redis.call('ZINCRBY', P .. 'count', n, owner)
  redis.call('ZINCRBY', P .. 'bytes', bytes, owner)
  redis.call('HINCRBY', P .. 'total', 'n', n)
  redis.call('HINCRBY', P .. 'total', 'b', bytes)
  local keep = handles[n]
  while true do
    local total = redis.call('HMGET', P .. 'total', 'n', 'b')
    local by = nil
    if (tonumber(total[1]) or 0) > max_items then by = 'count'
    elseif max_bytes >= 0 and (tonumber(total[2]) or 0) > max_bytes then by = 'bytes' end
    if not by then break end
    local victim = nil
    for _, o in ipairs(redis.call('ZREVRANGE', P .. by, 0, 1)) do
      local oldest = redis.call('ZRANGE', P .. 'lru:' .. o, 0, 0)[1]
      if oldest and oldest ~= keep then victim = oldest break end
    end
    if not victim then break end
    drop(victim)
  end
  return handles
end
local minted, at = {}, 5
for _ = 1, tonumber(ARGV[3]) do
  local n = tonumber(ARGV[at + 4])
  local ttl, max_items, max_bytes = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  for _, h in ipairs(mint(ARGV[at], ttl, max_items, max_bytes, at + 5, n)) do minted[#minted + 1] = h end
  at = at + 5 + n
end
return minted
"""
)

FETCH = (
    _COMMON
    + """
-- ARGV: space, handle, owner, new tag
local h, owner = ARGV[2], ARGV[3]
if redis.call('HGET', P .. 'owner', h) ~= owner then return {false, tag} end
local expiry = tonumber(redis.call('ZSCORE', P .. 'expiry', h))
if expiry == nil or expiry <= now then
  drop(h)
  return {false, tag}
end
redis.call('ZADD', P .. 'lru:' .. owner, redis.call('INCR', 'tlm:sequence'), h)
return {redis.call('HGET', P .. 'value', h), tag}
"""
)

TAKE_SLOT = """
-- KEYS[1]: the token's window; ARGV: max requests, window ms, a unique member
-- Returns 0 when a slot was taken, else the ms to wait until the oldest slot leaves the window.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local max, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < max then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.ceil(tonumber(oldest[2]) + window - now))
"""

REMEMBER = """
-- KEYS[1]: the owner's named ids; ARGV: keep, ttl ms, then 'kind id' members (most recent last)
local last = redis.call('INCRBY', 'tlm:sequence', #ARGV - 2)
local scored = {}
for i = 3, #ARGV do
  scored[2 * (i - 2) - 1], scored[2 * (i - 2)] = last - #ARGV + i, ARGV[i]
end
redis.call('ZADD', KEYS[1], unpack(scored))
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[1]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0
"""

NAMED = """
-- KEYS[1]: the owner's named ids; ARGV: 'kind prefix'. The matching ids, most recent first.
local found, wanted = {}, ARGV[1]
local kind_length = string.find(wanted, ' ', 1, true)
for _, member in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
  if string.sub(member, 1, #wanted) == wanted then
    found[#found + 1] = string.sub(member, kind_length + 1)
  end
end
return found
"""

_BLOB_COMMON = """
local ns = ARGV[1]
local S, E, L = 'tlm:b:size:' .. ns, 'tlm:b:exp:' .. ns, 'tlm:b:lru:' .. ns
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function drop(space, key)
  local size = tonumber(redis.call('HGET', 'tlm:b:size:' .. space, key))
  redis.call('DEL', 'tlm:b:v:' .. space .. ':' .. key)
  if not size then return end
  redis.call('HDEL', 'tlm:b:size:' .. space, key)
  redis.call('ZREM', 'tlm:b:exp:' .. space, key)
  redis.call('ZREM', 'tlm:b:lru:' .. space, key)
  if tonumber(redis.call('ZINCRBY', 'tlm:b:ns', -size, space)) <= 0 then redis.call('ZREM', 'tlm:b:ns', space) end
  redis.call('DECRBY', 'tlm:b:total', size)
end
local function sweep(space)
  local expired = redis.call('ZRANGEBYSCORE', 'tlm:b:exp:' .. space, '-inf', now, 'LIMIT', 0, 100)
  for _, key in ipairs(expired) do drop(space, key) end
  return #expired
end
"""

BLOB_GET = (
    _BLOB_COMMON
    + """
-- ARGV: namespace, key. The value (its use recorded), or nil (an expired value's accounting dropped).
local value = redis.call('GET', 'tlm:b:v:' .. ns .. ':' .. ARGV[2])
if not value then
  drop(ns, ARGV[2])
  return false
end
redis.call('ZADD', L, redis.call('INCR', 'tlm:sequence'), ARGV[2])
return value
"""
)

_BLOB_PUT_BODY = """
-- ARGV: namespace, key, value, ttl ms, size counted, max bytes. 1 when kept.
local key, ttl, size, max = ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
sweep(ns)
drop(ns, key)
redis.call('SET', 'tlm:b:v:' .. ns .. ':' .. key, ARGV[3], 'PX', ttl)
redis.call('HSET', S, key, size)
redis.call('ZADD', E, now + ttl, key)
redis.call('ZADD', L, redis.call('INCR', 'tlm:sequence'), key)
redis.call('ZINCRBY', 'tlm:b:ns', size, ns)
redis.call('INCRBY', 'tlm:b:total', size)
while (tonumber(redis.call('GET', 'tlm:b:total')) or 0) > max do
  local fullest = redis.call('ZREVRANGE', 'tlm:b:ns', 0, 0)[1]
  if not fullest then break end
  if sweep(fullest) == 0 then
    local oldest = redis.call('ZRANGE', 'tlm:b:lru:' .. fullest, 0, 0)[1]
    if not oldest then
      redis.call('ZREM', 'tlm:b:ns', fullest)
    else
      drop(fullest, oldest)
    end
  end
end
return 1
"""

BLOB_PUT = _BLOB_COMMON + _BLOB_PUT_BODY

BLOB_PUT_IF = (
    _BLOB_COMMON
    + """
-- ARGV 7, 8: 1 and the value expected to be held, or 0 when none should be. 0 when it is not so.
local held = redis.call('GET', 'tlm:b:v:' .. ns .. ':' .. ARGV[2])
if ARGV[7] == '1' then
  if held ~= ARGV[8] then return 0 end
elseif held then
  return 0
end
"""
    + _BLOB_PUT_BODY
)

BLOB_DELETE = (
    _BLOB_COMMON
    + """
-- ARGV: namespace, key
drop(ns, ARGV[2])
return 0
"""
)
