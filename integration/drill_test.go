package integration

// The keel-drill binary against keel-server: kill -9 drills over every data
// type, cross-shard MSET and MULTI/EXEC. KEEL_DRILL_CYCLES sets the number
// of cycles of both drills.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// drillReport is the part of keel-drill's --json report the tests check.
type drillReport struct {
	Cycles       int      `json:"cycles"`
	Acked        int64    `json:"acknowledged_writes"`
	Lost         int64    `json:"lost"`
	Torn         int64    `json:"torn"`
	Invalid      int64    `json:"invalid_states"`
	BadReplies   int64    `json:"bad_replies"`
	LossWindowMs float64  `json:"loss_window_ms"`
	Checkpoint   string   `json:"checkpoint"`
	Violations   []string `json:"violations"`
	OK           bool     `json:"ok"`
	RestartMs    struct {
		Min, Median, Max float64
	} `json:"restart_ms"`
}

func drillCycles(t *testing.T, def int) int {
	t.Helper()
	s := os.Getenv("KEEL_DRILL_CYCLES")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	require.NoError(t, err, "KEEL_DRILL_CYCLES")
	require.Positive(t, n, "KEEL_DRILL_CYCLES")
	return n
}

var (
	drillBuild    sync.Once
	drillBin      string
	drillBuildErr error
)

// buildDrill builds keel-drill once, next to the keel-server binary.
func buildDrill(t *testing.T) string {
	t.Helper()
	drillBuild.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			drillBuildErr = err
			return
		}
		drillBin = filepath.Join(filepath.Dir(keelBin), "keel-drill")
		build := exec.Command("go", "build", "-o", drillBin, "./cmd/keel-drill")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			drillBuildErr = fmt.Errorf("building keel-drill: %w\n%s", err, out)
		}
	})
	require.NoError(t, drillBuildErr)
	return drillBin
}

// runDrill runs keel-drill against keel-server; it returns the exit code
// and the parsed report.
func runDrill(t *testing.T, args ...string) (int, drillReport) {
	t.Helper()
	bin := buildDrill(t)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	argv := append([]string{"--server", keelBin, "--json", "--server-args", "--shards 3"}, args...)
	cmd := exec.CommandContext(ctx, bin, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err, "keel-drill %q", argv)
	}
	var r drillReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r), "keel-drill output:\n%s\n%s", stdout.String(), stderr.String())
	t.Logf("keel-drill %q: exit %d\n%s%s", args, code, stdout.String(), stderr.String())
	return code, r
}

func TestDrillAlways(t *testing.T) {
	cycles := drillCycles(t, 20)
	code, r := runDrill(t, "--cycles", strconv.Itoa(cycles), "--fsync", "always", "--writers", "6",
		"--checkpoint-every", "300ms")
	require.Equal(t, 0, code, "violations: %q", r.Violations)
	require.True(t, r.OK)
	require.Equal(t, cycles, r.Cycles)
	require.Positive(t, r.Acked)
	require.Zero(t, r.Lost, "acknowledged writes lost under appendfsync always")
	require.Zero(t, r.Torn, "cross-shard MSET or MULTI/EXEC half applied")
	require.Zero(t, r.Invalid)
	require.Zero(t, r.BadReplies)
	require.Positive(t, r.RestartMs.Min)
}

// everysec may lose about the last second of acknowledged writes, never
// half of a multi-shard write.
func TestDrillEverysec(t *testing.T) {
	cycles := drillCycles(t, 3)
	code, r := runDrill(t, "--cycles", strconv.Itoa(cycles), "--fsync", "everysec", "--writers", "4")
	require.Equal(t, 0, code, "violations: %q", r.Violations)
	require.Equal(t, cycles, r.Cycles)
	require.Positive(t, r.Acked)
	require.Zero(t, r.Torn, "cross-shard MSET or MULTI/EXEC half applied")
	require.Zero(t, r.Invalid)
	require.Zero(t, r.BadReplies)
	require.Less(t, r.LossWindowMs, 3000.0, "everysec lost writes acknowledged long before the kill")
}
