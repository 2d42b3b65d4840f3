//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// childUsage returns the CPU time (user+sys) and peak RSS in bytes of an
// exited child, from the rusage the kernel returned to wait4.
func childUsage(ps *os.ProcessState) (cpu time.Duration, peakRSS int64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return ps.UserTime() + ps.SystemTime(), 0
	}
	return tv(ru.Utime) + tv(ru.Stime), maxRSSBytes(int64(ru.Maxrss))
}

// selfCPU returns this process's CPU time so far (user+sys).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return tv(ru.Utime) + tv(ru.Stime)
}

func tv(t syscall.Timeval) time.Duration {
	return time.Duration(int64(t.Sec))*time.Second + time.Duration(int64(t.Usec))*time.Microsecond
}

// maxRSSBytes converts ru_maxrss: KiB on Linux and the BSDs, bytes on macOS.
func maxRSSBytes(v int64) int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return v
	}
	return v * 1024
}
