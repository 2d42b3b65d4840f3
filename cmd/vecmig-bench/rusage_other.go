//go:build !unix

package main

import (
	"os"
	"time"
)

// childUsage has no peak RSS outside Unix.
func childUsage(ps *os.ProcessState) (cpu time.Duration, peakRSS int64) {
	return ps.UserTime() + ps.SystemTime(), 0
}

func selfCPU() time.Duration { return 0 }
