package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// serverProcesses is a pair whose servers are processes of their own
// (weaviatetest, qdranttest): each measurement waits until they are at
// rest, and their CPU time during it is the row's server CPU.
type serverProcesses interface{ serverPIDs() []int }

// Servers count as at rest below this much CPU per second, all together.
const (
	quietCPU  = 100 * time.Millisecond
	quietWait = 2 * time.Minute
)

// waitQuiet waits until the servers use less than quietCPU per second (at
// most quietWait). A server still indexing or compacting after the load,
// or after the previous measurement, would slow whichever method comes
// next. It reports how long it waited and whether they came to rest; ok
// is also false where process CPU cannot be read (no /proc).
func waitQuiet(ctx context.Context, pids []int) (waited time.Duration, ok bool) {
	start := time.Now()
	for time.Since(start) < quietWait {
		c0, ok := processesCPU(pids)
		if !ok {
			return time.Since(start), false
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return time.Since(start), false
		}
		c1, ok := processesCPU(pids)
		if !ok {
			return time.Since(start), false
		}
		if c1-c0 < quietCPU {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}

func processesCPU(pids []int) (time.Duration, bool) {
	each, ok := eachProcessCPU(pids)
	var sum time.Duration
	for _, c := range each {
		sum += c
	}
	return sum, ok
}

// eachProcessCPU is processCPU of every pid, in order.
func eachProcessCPU(pids []int) ([]time.Duration, bool) {
	each := make([]time.Duration, len(pids))
	for i, pid := range pids {
		c, ok := processCPU(pid)
		if !ok {
			return nil, false
		}
		each[i] = c
	}
	return each, true
}

// processCPU is a process's user+system time from /proc/PID/stat.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// Fields count on from after the command name, which may hold spaces:
	// f[0] is field 3 (state), so utime (14) and stime (15) are f[11], f[12].
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	const userHZ = 100 // clock ticks per second of /proc on Linux
	return time.Duration(ut+st) * time.Second / userHZ, true
}
