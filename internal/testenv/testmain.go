package testenv

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"
)

// SkipEnvVar, set to 1, makes [RunMain] and [StartTest] start no control
// plane, and tests that need one skip. Without it, a control plane that
// cannot be built or started fails the tests.
const SkipEnvVar = "WATCHKEEPER_SKIP_CONTROLPLANE"

const skipMessage = "no control plane: " + SkipEnvVar + "=1"

func skipRequested() bool { return os.Getenv(SkipEnvVar) == "1" }

// RunMain starts one Env for a test package, stores it in *env, runs the
// tests and stops it. It returns the exit code for os.Exit:
//
//	var env *testenv.Env // shared by the package's tests; set only by TestMain
//
//	func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m, testenv.Options{}, &env)) }
//
//	func TestSomething(t *testing.T) {
//		e := testenv.Require(t, env)
//		...
//	}
//
// If the Env cannot be started, RunMain prints why and returns 1 without
// running any test. With WATCHKEEPER_SKIP_CONTROLPLANE=1 it starts nothing,
// leaves *env nil and runs the tests, which [Require] then skips.
//
// The start happens before m.Run, outside the -timeout alarm, but go test
// still kills a test binary that runs past -timeout plus one minute. A
// first-time build of the binaries takes longer than that on a small
// machine, so on a cold cache run hack/build-controlplane.sh first.
func RunMain(m *testing.M, opts Options, env **Env) int {
	// TestMain runs before the testing flags are parsed; -v is read below.
	if !flag.Parsed() {
		flag.Parse()
	}
	if skipRequested() {
		fmt.Fprintf(os.Stderr, "testenv: %s; tests that need it will skip\n", skipMessage)
		return m.Run()
	}
	begin := time.Now()
	e, err := Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: start control plane: %v\n(set %s=1 to skip tests that need it)\n", err, SkipEnvVar)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "testenv: control plane at %s ready in %s (dir %s)\n",
			e.Host, time.Since(begin).Round(time.Millisecond), e.Dir)
	}
	*env = e
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: stop control plane: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Require returns env, the Env started by [RunMain]. If env is nil it skips
// the test when WATCHKEEPER_SKIP_CONTROLPLANE=1 and fails it otherwise (the
// package's TestMain does not call RunMain).
func Require(t testing.TB, env *Env) *Env {
	t.Helper()
	if env != nil {
		return env
	}
	if skipRequested() {
		t.Skip(skipMessage)
	}
	t.Fatal("testenv: no control plane; start one in TestMain with testenv.RunMain")
	return nil
}

// StartTest starts an Env for one test and stops it in t.Cleanup. Prefer one
// Env per package via [RunMain]; use this when a test needs its own (for
// example to stop it). It skips with WATCHKEEPER_SKIP_CONTROLPLANE=1.
func StartTest(t testing.TB, opts Options) *Env {
	t.Helper()
	if skipRequested() {
		t.Skip(skipMessage)
	}
	e, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("testenv: start control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Errorf("testenv: stop control plane: %v", err)
		}
	})
	return e
}
