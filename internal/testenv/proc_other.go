//go:build unix && !linux

package testenv

import (
	"errors"
	"syscall"
)

// sysProcAttr puts a child in its own process group, so a terminal's Ctrl-C
// reaches only the parent, which then stops the child in order. Outside
// Linux there is no parent-death signal: a child of a killed test binary
// keeps running until killed by hand.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// processAlive reports whether a process with this PID exists (EPERM means
// it exists but belongs to someone else).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
