package testserver

import "syscall"

// sysProcAttr kills the server when the process that launched it dies, so
// an interrupted test run leaves no server behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
