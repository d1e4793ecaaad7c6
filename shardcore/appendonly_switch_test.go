package shardcore

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Without a data directory there is no log to turn on: CONFIG SET
// appendonly yes fails as Redis's does when it cannot start the AOF, and
// the setting stays as it was.
func TestConfigSetAppendOnlyWithoutLog(t *testing.T) {
	srv := testServer(t, 2)
	rc := testRaw(t, srv)
	assert.Equal(t, "+OK\r\n", rc.do("CONFIG", "SET", "appendonly", "no"))
	assert.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.\r\n",
		rc.do("CONFIG", "SET", "appendonly", "yes"))
	assert.Equal(t, "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n", rc.do("CONFIG", "GET", "appendonly"))
	assert.Equal(t, "+OK\r\n", rc.do("CONFIG", "SET", "appendonly", "no"))
}
