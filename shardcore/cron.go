package shardcore

import (
	"time"
)

// Active expiry follows Redis's activeExpireCycle: sample keys with a TTL,
// delete the expired ones, and sample again while more than a tenth of a
// sample was expired, within a time budget per cycle (a quarter of the cron
// period), so a flood of short TTLs drains in seconds without reads while the
// shard keeps serving.
const (
	expireSample       = 20
	expireStalePercent = 10
)

func (s *Shard) cron() {
	if s.now < s.nextCron {
		return
	}
	hz := s.srv.config().HZ
	if hz <= 0 {
		hz = 10
	}
	period := int64(1000 / hz)
	s.nextCron = s.now + period
	// Growing and shrinking tables, and giving back memory after deletions
	// (active expiry's included), finish in small steps here, as Redis's
	// databasesCron, so no single command pays for a whole rehash and a
	// shard that stops writing still returns its slack. Not while loading:
	// a table sized for the keys a checkpoint holds would shrink back
	// before they arrive (loading drives its own rehashing).
	if !s.srv.loading.Load() {
		s.activeExpire(time.Duration(period) * time.Millisecond / 4)
		for _, db := range s.dbs {
			db.Rehash(100)
			db.Defrag(1000)
		}
	}
	s.closeIdleClients()
	if s.id == 0 {
		s.srv.ckCron(time.Now())
	}
}

func (s *Shard) activeExpire(budget time.Duration) {
	if s.expiryPaused() {
		return
	}
	defer s.srv.latencySince("expire-cycle", time.Now())
	deadline := time.Now().Add(budget)
	for dbi, db := range s.dbs {
		for db.ExpiresLen() > 0 {
			sampled, expired := db.ExpireSample(s.now, expireSample, func(key []byte) {
				s.deleteExpired(dbi, key)
			})
			if sampled == 0 || expired*100/sampled <= expireStalePercent || time.Now().After(deadline) {
				break
			}
		}
		if time.Now().After(deadline) {
			return
		}
	}
}

// deleteExpired removes a key whose TTL passed and logs it as a DEL, so that
// replay does not depend on the clock; while a pause keeps the dataset
// still (expiryPaused) it leaves the key for after the pause.
func (s *Shard) deleteExpired(dbi int, key []byte) {
	if s.expiryPaused() {
		return
	}
	s.purgeExpired(dbi, key)
}

// purgeExpired is deleteExpired even during a pause, for a write about to
// change the key: its logged effect must apply to the same keyspace on
// replay, where nothing expires.
func (s *Shard) purgeExpired(dbi int, key []byte) {
	k := append([]byte(nil), key...)
	s.preWriteKey(s.dbs[dbi], k)
	s.dbs[dbi].Delete(k)
	s.touch(dbi, k)
	s.logDel(dbi, k)
	s.stats.expiredKeys++
}

func (s *Shard) closeIdleClients() {
	timeout := s.srv.config().Timeout
	if timeout <= 0 {
		return
	}
	for _, c := range s.conns {
		if c.paused || c.flags.monitor || len(c.pending) > 0 {
			continue
		}
		if s.now-c.lastAt > int64(timeout)*1000 {
			s.srv.log.Debug("closing idle client", "addr", c.addr)
			s.closeConn(c)
		}
	}
}
