package testenv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

const (
	// BinDirEnvVar names a directory holding prebuilt etcd, kube-apiserver and
	// kubectl binaries. When set, [BinDir] uses it and builds nothing.
	BinDirEnvVar = "WATCHKEEPER_CONTROLPLANE_BIN"

	modulePath  = "github.com/watchkeeper/watchkeeper"
	buildScript = "hack/build-controlplane.sh"
)

// binaries are the executables [BinDir] guarantees to be present.
var binaries = []string{"etcd", "kube-apiserver", "kubectl"}

// BinDir returns the directory holding the control-plane binaries: the value
// of WATCHKEEPER_CONTROLPLANE_BIN if set, otherwise the directory printed by
// hack/build-controlplane.sh, which builds the binaries on first use (several
// minutes) and returns at once when they are cached. The script's progress
// goes to stderr.
func BinDir(ctx context.Context) (string, error) {
	if dir := os.Getenv(BinDirEnvVar); dir != "" {
		if err := checkBinaries(dir); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinDirEnvVar, dir, err)
		}
		return dir, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	script := filepath.Join(root, buildScript)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Dir = root
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(os.Stderr, &stderr)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("run %s: %w\n%s", script, err, tail(stderr.Bytes(), 40))
	}
	dir := lastLine(stdout.String())
	if dir == "" {
		return "", fmt.Errorf("run %s: printed no bin dir", script)
	}
	if err := checkBinaries(dir); err != nil {
		return "", fmt.Errorf("bin dir %s from %s: %w", dir, script, err)
	}
	return dir, nil
}

func checkBinaries(dir string) error {
	var errs []error
	for _, name := range binaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		switch {
		case err != nil:
			errs = append(errs, err)
		case fi.IsDir() || fi.Mode().Perm()&0o111 == 0:
			errs = append(errs, fmt.Errorf("%s is not executable", filepath.Join(dir, name)))
		}
	}
	return errors.Join(errs...)
}

// repoRoot finds the root of the Watchkeeper module, starting from this
// source file (absolute unless built with -trimpath) and then from the
// working directory, which go test sets to the package directory.
func repoRoot() (string, error) {
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, start := range starts {
		for dir := start; ; dir = filepath.Dir(dir) {
			if isModuleRoot(dir) {
				return dir, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return "", fmt.Errorf("find root of module %s from %v: no go.mod declares it", modulePath, starts)
}

func isModuleRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
