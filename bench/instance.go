package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BuildBinary builds cmd/watchkeeper as `make build` does into dir.
func BuildBinary(ctx context.Context, repoRoot, dir string) (string, error) {
	out := filepath.Join(dir, "watchkeeper")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=bench", "-o", out, "./cmd/watchkeeper")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/watchkeeper: %w\n%s", err, b)
	}
	return out, nil
}

// Instance is one watchkeeper child process.
type Instance struct {
	Base    string // http://127.0.0.1:port for /readyz and /metrics
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	Started time.Time
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartInstance runs `bin run --config cfg --kubeconfig kubeconfig`, with
// its output appended to logPath. base is where cfg's server listens.
func StartInstance(bin, cfg, kubeconfig, base, logPath string, env []string) (*Instance, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open watchkeeper log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "run", "--config", cfg, "--kubeconfig", kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in := &Instance{Base: base, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	in.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		in.waitErr = cmd.Wait()
		close(in.done)
	}()
	return in, nil
}

// PID is the child's process ID.
func (in *Instance) PID() int { return in.cmd.Process.Pid }

// Exited reports whether the child has ended.
func (in *Instance) Exited() bool {
	select {
	case <-in.done:
		return true
	default:
		return false
	}
}

// WaitReady polls /readyz until it answers 200 and returns how long after
// the start that was.
func (in *Instance) WaitReady(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		code, _, err := in.get(ctx, "/readyz")
		if err == nil && code == http.StatusOK {
			return time.Since(in.Started), nil
		}
		select {
		case <-in.done:
			return 0, fmt.Errorf("watchkeeper exited before ready: %v; log %s ends:\n%s", in.waitErr, in.LogPath, tailFile(in.LogPath, 20))
		case <-ctx.Done():
			return 0, fmt.Errorf("watchkeeper not ready within %s (last: %d %v); log ends:\n%s", timeout, code, err, tailFile(in.LogPath, 20))
		case <-tick.C:
		}
	}
}

// Stop sends SIGTERM and waits up to grace, then kills.
func (in *Instance) Stop(grace time.Duration) error {
	if in.Exited() {
		return nil
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
		var ee *exec.ExitError
		if in.waitErr != nil && !errors.As(in.waitErr, &ee) {
			return in.waitErr
		}
		return nil
	case <-time.After(grace):
		_ = in.cmd.Process.Kill()
		<-in.done
		return fmt.Errorf("watchkeeper did not stop within %s of SIGTERM", grace)
	}
}

func (in *Instance) get(ctx context.Context, path string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.Base+path, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// Metrics scrapes /metrics and returns unlabelled samples plus labelled ones
// summed per metric name.
func (in *Instance) Metrics(ctx context.Context) (map[string]float64, error) {
	_, body, err := in.get(ctx, "/metrics")
	if err != nil {
		return nil, fmt.Errorf("scrape metrics: %w", err)
	}
	return parseMetrics(body), nil
}

func parseMetrics(body string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		name := line[:i]
		if j := strings.IndexByte(name, '{'); j >= 0 {
			out[name[:j]] += v
			out[name] = v
		} else {
			out[name] = v
		}
	}
	return out
}

// tailFile returns the last n lines of path.
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// ConfigOptions are the knobs a phase changes in Watchkeeper's config.
type ConfigOptions struct {
	APIURL, AlertChannel, CommandChannel string
	Listen                               string
	PolicyFile, CacheDir                 string
	GroupWait                            time.Duration // 0: product default
	StormThreshold                       int           // 0: product default
}

// Config renders a watchkeeper config file. Everything not named here is
// the product default, except the per-user command rate limit, which the
// bench lifts so 200 commands from one user measure latency, not the limiter.
func Config(o ConfigOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "clusterName: bench\nslack:\n  botToken: %s\n  appToken: %s\n  apiURL: %s\n  alertChannel: %s\n",
		BotToken, AppToken, o.APIURL, o.AlertChannel)
	fmt.Fprintf(&b, "server:\n  listen: %s\nlog:\n  level: info\n", o.Listen)
	b.WriteString("notifier:\n")
	if o.GroupWait > 0 {
		fmt.Fprintf(&b, "  groupWait: %s\n", o.GroupWait)
	}
	if o.StormThreshold > 0 {
		fmt.Fprintf(&b, "  storm:\n    threshold: %d\n", o.StormThreshold)
	}
	fmt.Fprintf(&b, "rbac:\n  policyFile: %s\n  impersonation:\n    roleGroups:\n      role:viewer: [watchkeeper:viewers]\n", o.PolicyFile)
	fmt.Fprintf(&b, "commands:\n  cacheDir: %s\n  userRatePerMinute: 6000\n  userBurst: 1000\n", o.CacheDir)
	return b.String()
}

// Policy lets the bench user get and describe pods in the bench command
// namespace from the bench channel. The user is one the test RBAC
// (cmd/watchkeeper/testdata/test-commands-rbac.yaml) lets Watchkeeper
// impersonate.
func Policy(channel, namespace string) string {
	return fmt.Sprintf("p, role:viewer, %s, %s, pods, \"{get,describe}\", allow\ng, %s, role:viewer, %s\n",
		channel, namespace, BenchUser, channel)
}

// Slack identities of the bench.
const (
	BotToken  = "xoxb-bench-bot-token"
	AppToken  = "xapp-bench-app-token"
	BenchUser = "U0ALICE01"
)
