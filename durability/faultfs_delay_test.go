package durability

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A delay fault slows the operations it fires on and lets them succeed; a
// failing fault on the same operation still fails it.
func TestFaultFSDelay(t *testing.T) {
	mem := NewMemFS()
	ffs := NewFaultFS(mem)
	require.NoError(t, mem.MkdirAll("/d", 0o755))
	f, err := ffs.Create("/d/x")
	require.NoError(t, err)
	slow := ffs.Inject(Fault{Op: OpWrite | OpSync, Path: "/d/*", Sticky: true, Delay: time.Millisecond})
	_, err = f.Write([]byte("abc"))
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	assert.Equal(t, 2, ffs.Fired(slow))

	fail := ffs.Inject(Fault{Op: OpSync, Path: "/d/*"})
	require.Error(t, f.Sync())
	assert.Equal(t, 1, ffs.Fired(fail))
	assert.Equal(t, 3, ffs.Fired(slow))
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
}

func TestParseFaultDelay(t *testing.T) {
	ft, err := ParseFault("op=fsync|write delay=50ms sticky path=*/aof/*")
	require.NoError(t, err)
	assert.Equal(t, Fault{Op: OpSync | OpWrite, Delay: 50 * time.Millisecond, Sticky: true, Path: "*/aof/*"}, ft)
	for _, bad := range []string{"op=fsync delay=0", "op=fsync delay=-1s", "op=fsync delay=x", "op=write after=10 delay=1ms"} {
		_, err := ParseFault(bad)
		assert.Error(t, err, bad)
	}
}
