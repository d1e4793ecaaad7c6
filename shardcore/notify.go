package shardcore

import "github.com/keeldb/keel/shardcore/config"

// Keyspace notifications (notify-keyspace-events).
//
// Command code calls c.Notify where Redis calls notifyKeyspaceEvent, after the
// change it reports. With notify-keyspace-events empty the cost is one load
// and one test. Events go out as ordinary publishes from the shard that owns
// the key: __keyspace@<db>__:<key> carries the event name, and
// __keyevent@<db>__:<event> carries the key.

// Notify fires event for key in the current database if class (one of the
// config.Notify* type bits) is enabled. It must run on the shard's loop: in
// Fn, or in a Multi's On/Each closure with that shard's context.
func (c *Ctx) Notify(class int, event string, key []byte) {
	c.S.notify(class, c.DBi, event, key)
}

func (s *Shard) notify(class, dbi int, event string, key []byte) {
	flags := s.srv.config().NotifyKeyspaceEvents
	if flags&class == 0 {
		return
	}
	ps := s.srv.pubsub()
	if ps.active.Load() == 0 {
		return
	}
	if flags&config.NotifyKeyspace != 0 {
		ps.publish(s, psChannel, keyspaceChannel("__keyspace@", dbi, key), []byte(event))
	}
	if flags&config.NotifyKeyevent != 0 {
		ps.publish(s, psChannel, keyspaceChannel("__keyevent@", dbi, []byte(event)), key)
	}
}

// notifyExpired reports a key removed because its TTL passed.
func (s *Shard) notifyExpired(dbi int, key []byte) {
	s.notify(config.NotifyExpired, dbi, "expired", key)
}
