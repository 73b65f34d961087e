package server

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Process statistics for /varz and STATSZ, read from /proc where it exists.

var cpuSample struct {
	sync.Mutex
	at    time.Time
	ticks float64
	pct   float64
}

// clockTicks is USER_HZ, which is 100 on every Linux platform Go supports.
const clockTicks = 100

// processRSS returns the resident set size in bytes, or fallback when
// /proc is unavailable.
func processRSS(fallback int64) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return fallback
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return fallback
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return fallback
	}
	return pages * int64(os.Getpagesize())
}

// processCPU returns CPU use in percent of one core since the previous call
// (or since start on the first call).
func processCPU() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	// Fields after the command name, which is in parentheses.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	ticks := utime + stime
	now := time.Now()
	cpuSample.Lock()
	defer cpuSample.Unlock()
	if !cpuSample.at.IsZero() {
		if el := now.Sub(cpuSample.at).Seconds(); el >= 0.5 {
			cpuSample.pct = (ticks - cpuSample.ticks) / clockTicks / el * 100
			cpuSample.at, cpuSample.ticks = now, ticks
		}
		return cpuSample.pct
	}
	cpuSample.at, cpuSample.ticks = now, ticks
	return 0
}
