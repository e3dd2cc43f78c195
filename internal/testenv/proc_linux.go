package testenv

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"
)

// sysProcAttr puts a child in its own process group, so a terminal's Ctrl-C
// reaches only the parent, which then stops the child in order, and asks the
// kernel to kill the child if the parent dies first.
//
// Pdeathsig fires when the OS thread that forked the child exits, not only
// the process. Go keeps its threads alive unless a goroutine exits while
// locked to one (runtime.LockOSThread), which the test harness does not do.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// processAlive reports whether a process with this PID exists and is not a
// zombie: a killed test binary whose parent has exited can linger unreaped
// under an init that reaps lazily.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state follows the parenthesised command name, which may itself
	// contain ") ".
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}
