package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, which is 100 on every Linux this runs on.
const clockTicks = 100

// ProcStat is one reading of a process from /proc.
type ProcStat struct {
	RSS uint64 // VmRSS, bytes
	HWM uint64 // VmHWM (peak RSS), bytes
	// Anon and File split RSS: heap, stacks and runtime versus pages of the
	// executable (shared, reclaimable; they grow with binary size, not load).
	Anon, File uint64
	CPU        time.Duration // user + system
}

// ReadProc reads /proc/pid/status and /proc/pid/stat.
func ReadProc(pid int) (ProcStat, error) {
	var s ProcStat
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("read status of %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseUint(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			s.RSS = kb << 10
		case "VmHWM:":
			s.HWM = kb << 10
		case "RssAnon:":
			s.Anon = kb << 10
		case "RssFile:":
			s.File = kb << 10
		}
	}
	b, err = os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("read stat of %d: %w", pid, err)
	}
	// Fields after the command name, which may hold spaces, end with ')'.
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return s, fmt.Errorf("short stat of %d", pid)
	}
	// f[0] is state (field 3); utime and stime are fields 14 and 15.
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	s.CPU = time.Duration(ut+st) * time.Second / clockTicks
	return s, nil
}

// MiB converts bytes for the report.
func MiB(b uint64) float64 { return float64(b*100/(1<<20)) / 100 }

// settleRSS polls RSS every interval until two readings a window apart
// differ by less than 2%, or until deadline, and returns the last reading.
func settleRSS(pid int, window, deadline time.Duration) (ProcStat, error) {
	end := time.Now().Add(deadline)
	prev, err := ReadProc(pid)
	if err != nil {
		return prev, err
	}
	tick := time.NewTicker(window)
	defer tick.Stop()
	for range tick.C {
		cur, err := ReadProc(pid)
		if err != nil {
			return prev, err
		}
		d := float64(cur.RSS) - float64(prev.RSS)
		if d < 0 {
			d = -d
		}
		if d < 0.02*float64(prev.RSS) || time.Now().After(end) {
			return cur, nil
		}
		prev = cur
	}
	return prev, nil
}
